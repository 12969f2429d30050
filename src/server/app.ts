/**
 * The one HTTP server: webhook endpoints, the JSON API and the ops console (for RevOps, not reps).
 * Routes only verify, call a module, and render. Every request passes one gate (`guard.ts`) decided
 * on the route the router matched: webhooks are the only routes without the console token; console
 * routes need the token when one is set, and their state-changing requests must come from the
 * console's own pages. Listens on 127.0.0.1 by default; beyond loopback it needs a token and
 * `server.publicUrl`.
 */
import type { Server } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { CrmConnector, CrmName } from '../crm/types.js';
import { InrecordError, isInrecordError } from '../errors/index.js';
import { type Logger, silentLogger } from '../log/index.js';
import type { Store } from '../store/index.js';
import { acceptWebhook, groupCommitter } from '../triggers/index.js';
import type { RecordQueue } from '../triggers/index.js';
import { flashBoard } from './flash.js';
import { FORM_OR_JSON, type RouteRules, allowedHosts, checkServerSettings, decideRequest } from './guard.js';
import { CONSOLE_CSS, CONSOLE_JS } from './html.js';
import {
  SECURITY_HEADERS,
  SERVER_TIMEOUTS,
  type ServerTimeouts,
  attachApp,
  createHttpServer,
} from './listen.js';
import { renderPage } from './pages.js';
import type { ConsoleActions } from './types.js';

export interface ServerDeps {
  store: Store;
  connectors: Partial<Record<CrmName, CrmConnector>>;
  queue: RecordQueue;
  actions: ConsoleActions;
  /** Required when `host` is not loopback; when set, required on every console request. */
  token?: string;
  host?: string;
  /** The address browsers and CRMs use; required when `host` is not loopback. */
  publicUrl?: string;
  /** Webhook body limit, bytes (default 1 MiB). */
  bodyLimit?: number;
  timeouts?: Partial<ServerTimeouts>;
  /** A server already bound (`bindHttpServer`); otherwise `listen()` binds a new one. */
  server?: Server;
  logger?: Logger;
  onDeleted?: Parameters<typeof acceptWebhook>[0]['onDeleted'];
  /** Believe X-Forwarded-Proto / X-Forwarded-Host for the address a webhook was posted to (HubSpot signs it). */
  trustProxy?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the gate let in: the console token's holder, the local console user, or a webhook. */
    actor: string;
  }
}

const WEBHOOK: RouteRules = { access: 'webhook' };
const READ: RouteRules = { access: 'console' };
const WRITE: RouteRules = { access: 'console', accepts: FORM_OR_JSON };

export function buildServer(deps: ServerDeps): FastifyInstance {
  const host = deps.host ?? '127.0.0.1';
  checkServerSettings({ host, token: deps.token, publicUrl: deps.publicUrl });
  const log = deps.logger ?? silentLogger;
  const timeouts = { ...SERVER_TIMEOUTS, ...deps.timeouts };
  const gate = {
    token: deps.token || undefined,
    hosts: allowedHosts({ host, publicUrl: deps.publicUrl }),
    publicOrigin: deps.publicUrl ? new URL(deps.publicUrl).origin : undefined,
    secureCookie: deps.publicUrl?.startsWith('https:') ?? false,
  };
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    serverFactory: (handler) => attachApp(deps.server ?? createHttpServer(timeouts), handler),
    // what the router refuses before any route (a path that does not decode) is answered like the gate's refusals
    frameworkErrors: (err, _req, reply) => {
      const e =
        err.code === 'FST_ERR_BAD_URL'
          ? new InrecordError('IR_SERVER_BAD_PATH', 'the request path does not decode')
          : publicError(err);
      void (reply as FastifyReply)
        .code(e.status)
        .headers(SECURITY_HEADERS)
        .send({ ok: false, error: e.toJSON() });
    },
  });
  const flashes = flashBoard();
  // webhooks that arrive together are stored together: one receipt insert and one enqueue under load
  const commit = groupCommitter(deps.store, deps.queue);

  // webhooks need the exact bytes the CRM signed
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.decorateRequest('actor', '');
  app.addHook('onRequest', async (req, reply) => {
    const decision = decideRequest(
      {
        method: req.method,
        url: req.url,
        route: req.is404
          ? undefined
          : ((req.routeOptions.config as { rules?: RouteRules }).rules ?? ({} as RouteRules)),
        headers: flatHeaders(req),
      },
      gate,
    );
    if (decision.kind === 'refuse')
      return reply.code(decision.error.status).send({ ok: false, error: decision.error.toJSON() });
    if (decision.kind === 'redirect')
      return reply.header('set-cookie', decision.setCookie).redirect(decision.location, 303);
    req.actor = decision.actor;
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });

  // error bodies carry the catalogue code, a message of ours and the fix; never a stack or a path
  app.setErrorHandler((err, req, reply) => {
    const e = publicError(err);
    if (e.status >= 500)
      log.error({ err, method: req.method, route: req.routeOptions.url }, 'request failed');
    return reply.code(e.status).send({ ok: false, error: e.toJSON() });
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new InrecordError('IR_SERVER_NOT_FOUND', `no ${req.method} route here`);
    return reply.code(e.status).send({ ok: false, error: e.toJSON() });
  });

  app.post<{ Params: { crm: string } }>(
    '/webhooks/:crm',
    { config: { rules: WEBHOOK } },
    async (req, reply) => {
      const connector = deps.connectors[req.params.crm as CrmName];
      if (!connector) {
        const e = new InrecordError(
          'IR_SERVER_NOT_FOUND',
          `no ${req.params.crm.slice(0, 40)} connection here`,
          {
            fix: 'Subscribe the CRM’s webhooks to /webhooks/<crm> of the server that holds its connection.',
          },
        );
        return reply.code(e.status).send({ ok: false, error: e.toJSON() });
      }
      const rawBody = Buffer.isBuffer(req.body)
        ? req.body
        : Buffer.from(typeof req.body === 'string' ? req.body : '');
      const result = await acceptWebhook(
        {
          connector,
          store: deps.store,
          queue: deps.queue,
          onDeleted: deps.onDeleted,
          commit,
          address: { publicUrl: deps.publicUrl, trustProxy: deps.trustProxy },
        },
        {
          method: req.method,
          url: `http://${req.headers.host ?? host}${req.url}`,
          headers: flatHeaders(req),
          rawBody,
        },
      );
      if (result.status !== 200) {
        log.warn({ crm: req.params.crm, reason: result.reason }, 'webhook rejected');
        const e = new InrecordError(
          result.status === 401 ? 'IR_WEBHOOK_SIGNATURE' : result.status === 413 ? 'IR_WEBHOOK_TOO_LARGE' : 'IR_WEBHOOK_PAYLOAD',
          result.reason ?? 'webhook rejected',
        );
        return reply.code(result.status).send({ ok: false, error: e.toJSON() });
      }
      const ack = connector.webhooks.acknowledgement;
      if (ack) return reply.code(200).type(ack.contentType).send(ack.body);
      return reply.code(200).send({ ok: true, ...result });
    },
  );

  app.get('/api/health', { config: { rules: READ } }, async () => ({ ok: true, store: deps.store.backend }));

  // JSON API: the console's forms post here too (form-encoded), and are redirected back with the
  // message's id on the flash board
  const act =
    (fn: (req: FastifyRequest) => Promise<string>, back: (req: FastifyRequest) => string) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const wantsHtml = (req.headers['content-type'] ?? '').includes('form-urlencoded');
      try {
        const message = await fn(req);
        if (wantsHtml) return reply.redirect(`${back(req)}?done=${flashes.post({ text: message })}`, 303);
        return { ok: true, message };
      } catch (err) {
        const e = publicError(err);
        if (e.status >= 500) log.error({ err, route: req.routeOptions.url }, 'console action failed');
        if (wantsHtml)
          return reply.redirect(
            `${back(req)}?error=${flashes.post({ text: `${e.message} (${e.code})`, error: true })}`,
            303,
          );
        return reply.code(e.status).send({ ok: false, error: e.toJSON() });
      }
    };
  const need = <K extends keyof ConsoleActions>(name: K): NonNullable<ConsoleActions[K]> => {
    const fn = deps.actions[name];
    if (!fn) throw new InrecordError('IR_NOT_IMPLEMENTED', `${String(name)} is not available in this server`);
    return fn as NonNullable<ConsoleActions[K]>;
  };
  type Body = Record<string, string>;
  const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;
  // the actor is who the gate let in, never a name the body gives
  app.post(
    '/api/review/:id/resolve',
    { config: { rules: WRITE } },
    act(
      async (req) => {
        const b = (parseBody(req.body) ?? {}) as Body;
        return need('resolveReview')(
          Number(idOf(req)),
          { action: String(b.action ?? ''), candidateId: b.candidateId ? String(b.candidateId) : undefined },
          req.actor,
        );
      },
      () => '/review',
    ),
  );
  app.post(
    '/api/dlq/:id/replay',
    { config: { rules: WRITE } },
    act(
      async (req) => need('replayDeadLetter')(Number(idOf(req))),
      () => '/dlq',
    ),
  );
  app.post(
    '/api/runs/:id/rollback',
    { config: { rules: WRITE } },
    act(
      async (req) => need('rollbackRun')(idOf(req)),
      (req) => `/runs/${encodeURIComponent(idOf(req))}`,
    ),
  );
  /** One sample (`:id/label`) or a batch (`label` with samples=s1-s100 s120): one labelling path. */
  const labelRoute = (samples: (req: FastifyRequest, b: Body) => string) =>
    act(
      async (req) => {
        const b = (parseBody(req.body) ?? {}) as Body;
        if (b.label !== 'correct' && b.label !== 'incorrect')
          throw new InrecordError('IR_USAGE', 'label must be "correct" or "incorrect"', {
            fix: 'Send label=correct or label=incorrect.',
          });
        return need('labelSamples')(samples(req, b), b.label === 'correct', req.actor);
      },
      () => '/validation',
    );
  app.post('/api/validation/samples/:id/label', { config: { rules: WRITE } }, labelRoute((req) => idOf(req)));
  app.post(
    '/api/validation/samples/label',
    { config: { rules: WRITE } },
    labelRoute((_req, b) => (typeof b.samples === 'string' ? b.samples : '')),
  );

  app.get('/api/review', { config: { rules: READ } }, async () => ({
    ok: true,
    items: await import('./queries.js').then((q) => q.listReview(deps.store)),
  }));
  app.get('/api/dlq', { config: { rules: READ } }, async () => ({
    ok: true,
    items: await import('./queries.js').then((q) => q.listDeadLetters(deps.store)),
  }));
  app.get('/api/runs', { config: { rules: READ } }, async () => ({
    ok: true,
    items: await import('./queries.js').then((q) => q.listRuns(deps.store)),
  }));

  app.get('/api/runs/running', { config: { rules: READ } }, async () => {
    const [q, pages] = await Promise.all([import('./queries.js'), import('./pages.js')]);
    return { ok: true, items: (await q.runningRuns(deps.store)).map((r) => ({ ...r, line: pages.progressLine(r.progress) })) };
  });

  app.get('/assets/console.css', { config: { rules: READ } }, async (_req, reply) =>
    reply.type('text/css; charset=utf-8').send(CONSOLE_CSS),
  );
  app.get('/assets/console.js', { config: { rules: READ } }, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').send(CONSOLE_JS),
  );

  // console pages
  app.get('/*', { config: { rules: READ } }, async (req, reply) => {
    const url = new URL(req.url, 'http://x');
    const flash = flashes.read(url.searchParams.get('done') ?? url.searchParams.get('error'));
    const out = await renderPage(deps, url.pathname, flash);
    if (!out)
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send('<!doctype html><title>Not found</title><h1>Not found</h1>');
    return reply.type('text/html; charset=utf-8').send(out);
  });

  return app;
}

/**
 * What an error may tell the client: an InrecordError as it is; the HTTP layer's own refusals by
 * their catalogue code; anything else as an internal error with no message of its own (it is logged).
 */
function publicError(err: unknown): InrecordError {
  if (isInrecordError(err)) return err;
  const status = (err as { statusCode?: number }).statusCode ?? 500;
  if (status === 413)
    return new InrecordError('IR_SERVER_BODY_TOO_LARGE', 'the request body is larger than this server takes');
  if (status === 415)
    return new InrecordError(
      'IR_SERVER_CONTENT_TYPE',
      'the request body has a type this route does not take',
    );
  if (status >= 400 && status < 500)
    return new InrecordError('IR_USAGE', `the request could not be read (HTTP ${status})`, {
      fix: 'Check the request body and headers against the API in README.md.',
    });
  return new InrecordError(
    'IR_INTERNAL',
    'the server failed to answer this request; the cause is in its log',
  );
}

function flatHeaders(req: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers))
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (Buffer.isBuffer(body)) {
    const text = body.toString('utf8');
    if (!text) return undefined;
    try {
      const parsed = JSON.parse(text) as unknown;
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    } catch {
      throw new InrecordError('IR_USAGE', 'the JSON body does not parse', {
        fix: 'Send a JSON object, e.g. {"action":"dismiss"}.',
      });
    }
  }
  return body as Record<string, unknown> | undefined;
}
