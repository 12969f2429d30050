/**
 * The one HTTP server: webhook endpoints, the JSON API and the ops console (for RevOps, not reps).
 * Routes only verify, call a module, and render. Listens on 127.0.0.1 by default; bound anywhere
 * else it requires a token on every request (webhooks carry their CRM's own authentication).
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { CrmConnector, CrmName } from '../crm/types.js';
import { InrecordError, isInrecordError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { acceptWebhook, groupCommitter } from '../triggers/index.js';
import type { RecordQueue, WebhookAddress } from '../triggers/index.js';
import { renderPage } from './pages.js';
import type { ConsoleActions } from './types.js';

export interface ServerDeps {
  store: Store;
  connectors: Partial<Record<CrmName, CrmConnector>>;
  queue: RecordQueue;
  actions: ConsoleActions;
  /** Required when `host` is not loopback. */
  token?: string;
  host?: string;
  /** Webhook body limit, bytes (default 1 MiB). */
  bodyLimit?: number;
  onDeleted?: Parameters<typeof acceptWebhook>[0]['onDeleted'];
  /** The address CRMs post webhooks to (`server.publicUrl`, `server.trustProxy`): HubSpot signs it. */
  webhookAddress?: WebhookAddress;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const host = deps.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !deps.token) {
    throw new InrecordError('IR_CONFIG_INVALID', `server.host is ${host} but no console token is set`, {
      fix: 'Set server.token (or INRECORD_CONSOLE_TOKEN) or bind to 127.0.0.1.',
    });
  }
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimit ?? 1024 * 1024 });
  // webhooks that arrive together are stored together: one receipt insert and one enqueue under load
  const commit = groupCommitter(deps.store, deps.queue);

  // webhooks need the exact bytes the CRM signed
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/webhooks/') || !deps.token || LOOPBACK.has(host)) return;
    const header = req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? '';
    const cookie = /(?:^|;\s*)inrecord_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? '';
    const query = new URL(req.url, 'http://x').searchParams.get('token') ?? '';
    const given = header || decodeURIComponent(cookie) || query;
    if (!given || !sameSecret(given, deps.token)) {
      const err = new InrecordError('IR_SERVER_UNAUTHORISED', 'a console token is required');
      return reply.code(401).send({ ok: false, error: err.toJSON() });
    }
    if (query) reply.header('set-cookie', `inrecord_token=${encodeURIComponent(query)}; HttpOnly; SameSite=Strict; Path=/`);
  });

  app.setErrorHandler((err, _req, reply) => {
    if (isInrecordError(err)) return reply.code(err.status).send({ ok: false, error: err.toJSON() });
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    return reply.code(status).send({ ok: false, error: { code: status === 413 ? 'IR_WEBHOOK_PAYLOAD' : 'IR_INTERNAL', message: (err as Error).message } });
  });

  app.post<{ Params: { crm: string } }>('/webhooks/:crm', async (req, reply) => {
    const connector = deps.connectors[req.params.crm as CrmName];
    if (!connector) return reply.code(404).send({ ok: false, error: { code: 'IR_USAGE', message: `no ${req.params.crm} connection here` } });
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.from(typeof req.body === 'string' ? req.body : '');
    const result = await acceptWebhook(
      { connector, store: deps.store, queue: deps.queue, onDeleted: deps.onDeleted, commit, address: deps.webhookAddress },
      { method: req.method, url: `http://${req.headers.host ?? host}${req.url}`, headers: flatHeaders(req), rawBody },
    );
    if (result.status !== 200) {
      req.log.warn({ crm: req.params.crm, reason: result.reason }, 'webhook rejected');
      const code = result.status === 401 ? 'IR_WEBHOOK_SIGNATURE' : 'IR_WEBHOOK_PAYLOAD';
      return reply.code(result.status).send({ ok: false, error: { code, message: result.reason } });
    }
    const ack = connector.webhooks.acknowledgement;
    if (ack) return reply.code(200).type(ack.contentType).send(ack.body);
    return reply.code(200).send({ ok: true, ...result });
  });

  app.get('/api/health', async () => ({ ok: true, store: deps.store.backend }));

  // JSON API: the console's forms post here too (form-encoded), and are redirected back.
  const act = (fn: (req: FastifyRequest) => Promise<string>, back: (req: FastifyRequest) => string) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const wantsHtml = (req.headers['content-type'] ?? '').includes('form-urlencoded');
      try {
        const message = await fn(req);
        if (wantsHtml) return reply.redirect(`${back(req)}?done=${encodeURIComponent(message)}`, 303);
        return { ok: true, message };
      } catch (err) {
        const e = isInrecordError(err) ? err : new InrecordError('IR_INTERNAL', (err as Error).message);
        if (wantsHtml) return reply.redirect(`${back(req)}?error=${encodeURIComponent(`${e.message} (${e.code})`)}`, 303);
        return reply.code(e.status).send({ ok: false, error: e.toJSON() });
      }
    };
  const need = <K extends keyof ConsoleActions>(name: K): NonNullable<ConsoleActions[K]> => {
    const fn = deps.actions[name];
    if (!fn) throw new InrecordError('IR_NOT_IMPLEMENTED', `${String(name)} is not available in this server`);
    return fn as NonNullable<ConsoleActions[K]>;
  };
  type Body = Record<string, string>;
  app.post<{ Params: { id: string } }>(
    '/api/review/:id/resolve',
    act(
      async (req) => {
        const b = (parseBody(req.body) ?? {}) as Body;
        return need('resolveReview')(Number((req.params as { id: string }).id), { action: b.action, candidateId: b.candidateId || undefined }, b.by || 'console');
      },
      () => '/review',
    ),
  );
  app.post('/api/dlq/:id/replay', act(async (req) => need('replayDeadLetter')(Number((req.params as { id: string }).id)), () => '/dlq'));
  app.post('/api/runs/:id/rollback', act(async (req) => need('rollbackRun')((req.params as { id: string }).id), (req) => `/runs/${(req.params as { id: string }).id}`));
  app.post(
    '/api/validation/samples/:id/label',
    act(
      async (req) => {
        const b = (parseBody(req.body) ?? {}) as Body;
        return need('labelSample')((req.params as { id: string }).id, b.label === 'correct', b.by || 'console');
      },
      () => '/validation',
    ),
  );

  app.get('/api/review', async () => ({ ok: true, items: await import('./queries.js').then((q) => q.listReview(deps.store)) }));
  app.get('/api/dlq', async () => ({ ok: true, items: await import('./queries.js').then((q) => q.listDeadLetters(deps.store)) }));
  app.get('/api/runs', async () => ({ ok: true, items: await import('./queries.js').then((q) => q.listRuns(deps.store)) }));

  // console pages
  app.get('/*', async (req, reply) => {
    const url = new URL(req.url, 'http://x');
    const flash = url.searchParams.get('done') ?? url.searchParams.get('error');
    const out = await renderPage(deps, url.pathname, flash ? { text: flash, error: url.searchParams.has('error') } : undefined);
    if (!out) return reply.code(404).type('text/html').send('<h1>Not found</h1>');
    return reply.type('text/html; charset=utf-8').send(out);
  });

  return app;
}

function flatHeaders(req: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (Buffer.isBuffer(body)) {
    const text = body.toString('utf8');
    if (!text) return undefined;
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return Object.fromEntries(new URLSearchParams(text));
    }
  }
  return body as Record<string, unknown> | undefined;
}
