/**
 * The HTTP surface: `/v1/*` ≡ `/api/v1/*`, `/api/v2/*`, `/oauth/token` (§1.2), with the gateway 401
 * before routing (§8.3), token-based rate limiting and its headers on every answer (§6), v1/v2
 * envelopes (§2) and error bodies (§8). Handlers are small functions of (state, request), one
 * file per role under routes/; this file holds what they share and the request pipeline.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WindowCount } from '../stats.js';
import type { SimFaults, SimStats } from '../types.js';
import { SchemaError, V1Error } from './entities.js';
import type { EntityType, FieldDef } from './schema.js';
import { type OAuthClient, authenticate, oauthTokenEndpoint } from './oauth.js';
import { type OpKind, type TokenRateLimiter, tokenCost } from './ratelimit.js';
import { type Actor, FIELD_ENTITIES, type FieldEntity } from './model.js';
import type { PipedriveState } from './state.js';
import { injectedApiError } from '../faults.js';
import { activityTypeRoutes } from './routes/activityTypes.js';
import { entityRoutes } from './routes/entities.js';
import { fieldRoutes } from './routes/fields.js';
import { followerRoutes } from './routes/followers.js';
import { changelogRoute, flowRoute, recentsRoutes } from './routes/history.js';
import { noteRoutes } from './routes/notes.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { productRoutes } from './routes/products.js';
import { searchRoutes } from './routes/search.js';
import { userRoutes } from './routes/users.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface RouteContext {
  state: PipedriveState;
  limiter: TokenRateLimiter;
  /** The calls reaching the general (non-search) burst window. */
  window: WindowCount;
  /** The API token (owner: the token user). */
  token: string;
  tokenUserId: number;
  oauth: OAuthClient;
  /** Access token → expiry (ms) and user; refresh token → user. */
  accessTokens: Map<string, { expiresAt: number; userId: number }>;
  refreshTokens: Map<string, number>;
  faults: () => SimFaults;
  stats: SimStats;
  strictCustomKeys: boolean;
  /** Base URL the OAuth token response names as `api_domain`. */
  apiDomain: () => string;
}

export interface Req {
  version: 1 | 2;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  actor: Actor;
}

export interface Answer {
  status: number;
  body: unknown;
}

export type Handler = (c: RouteContext, r: Req) => Answer;

export interface Route {
  method: string;
  version: 1 | 2;
  template: string;
  re: RegExp;
  names: string[];
  op: OpKind;
  search?: boolean;
  handler: Handler;
}

const ERR_INFO = 'Please check developers.pipedrive.com for more information about Pipedrive API.';

export const ok = (data: unknown, additional_data?: unknown): Answer => ({
  status: 200,
  body: additional_data === undefined ? { success: true, data } : { success: true, data, additional_data },
});

export function notFound(version: 1 | 2, what: string): Answer {
  return version === 2
    ? { status: 404, body: { success: false, error: `${what} not found`, code: 'ERR_NOT_FOUND' } }
    : { status: 404, body: { success: false, error: `${what} not found`, error_info: ERR_INFO, data: null, additional_data: null } };
}

export function badRequest(version: 1 | 2, message: string): Answer {
  return version === 2
    ? { status: 400, body: { success: false, error: message, code: 'ERR_SCHEMA_VALIDATION_FAILED' } }
    : { status: 400, body: { success: false, error: message, error_info: ERR_INFO, data: null, additional_data: null } };
}

export const PLURAL: Record<EntityType, string> = { person: 'persons', organization: 'organizations', deal: 'deals', activity: 'activities', note: 'notes' };
export const TITLE: Record<EntityType, string> = { person: 'Person', organization: 'Organization', deal: 'Deal', activity: 'Activity', note: 'Note' };
export const FIELD_PATH: Record<FieldEntity, string> = { person: 'personFields', organization: 'organizationFields', deal: 'dealFields' };

// ---------- paging ----------

export function encodeCursor(o: unknown): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

export function decodeCursor(s: string): Record<string, unknown> | null {
  try {
    const o = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    return typeof o === 'object' && o !== null ? o : null;
  } catch {
    return null;
  }
}

export function intParam(q: Record<string, string>, k: string): number | undefined {
  if (q[k] === undefined || q[k] === '') return undefined;
  const n = Number(q[k]);
  return Number.isInteger(n) ? n : Number.NaN;
}

export const sec = (ms: number) => Math.floor(ms / 1000);

/** v1 offset paging: `data: null` on an empty page (§2, [OBS S33]). */
export function pageV1<T>(items: T[], q: Record<string, string>, extra?: Record<string, unknown>): Answer {
  const start = Math.max(0, Number(q.start ?? 0) || 0);
  const limit = Math.min(500, Math.max(1, Number(q.limit ?? 100) || 100));
  const page = items.slice(start, start + limit);
  const more = start + limit < items.length;
  const pagination: Record<string, unknown> = { start, limit, more_items_in_collection: more };
  if (more) pagination.next_start = start + limit;
  return { status: 200, body: { success: true, data: page.length > 0 ? page : null, additional_data: { pagination }, ...extra } };
}

export function bodyObject(r: Req): Record<string, unknown> {
  return typeof r.body === 'object' && r.body !== null && !Array.isArray(r.body) ? (r.body as Record<string, unknown>) : {};
}

export function buildRoutes(): Route[] {
  const defs = [
    ...noteRoutes(),
    ...searchRoutes(),
    ...recentsRoutes(),
    ...userRoutes(),
    ...pipelineRoutes(),
    ...activityTypeRoutes(),
    ...webhookRoutes(),
    ...(['person', 'organization', 'deal', 'activity'] as const).flatMap(entityRoutes),
    ...FIELD_ENTITIES.flatMap(fieldRoutes),
    ...(['person', 'organization', 'deal'] as const).map(changelogRoute),
    ...(['person', 'organization', 'deal'] as const).map(flowRoute),
    ...productRoutes(),
    ...followerRoutes(),
  ];
  // A literal segment wins over a parameter (`/deals/archived` before `/deals/:id`): fewer parameters first.
  const params = (t: string) => (t.match(/:/g) ?? []).length;
  defs.sort((a, b) => params(a.template) - params(b.template));
  return defs.map((d) => {
    const names: string[] = [];
    const re = new RegExp(
      `^${d.template.replace(/:(\w+)/g, (_, n) => {
        names.push(n);
        return '([^/]+)';
      })}$`,
    );
    return { ...d, re, names };
  });
}

// ---------- the request pipeline ----------

const GATEWAY_401 = { success: false, error: 'unauthorized access', errorCode: 401, error_info: 'Please check developers.pipedrive.com' };

function countCall(stats: SimStats, key: string): void {
  stats.calls[key] = (stats.calls[key] ?? 0) + 1;
  stats.totalCalls++;
}

function parseQuery(url: string): Record<string, string> {
  const i = url.indexOf('?');
  const out: Record<string, string> = {};
  if (i < 0) return out;
  for (const [k, v] of new URLSearchParams(url.slice(i + 1))) out[k] = v;
  return out;
}

export function registerRoutes(app: FastifyInstance, c: RouteContext): void {
  const routes = buildRoutes();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.post('/oauth/token', async (req, reply) => {
    const a = oauthTokenEndpoint(c, req);
    return reply.code(a.status).send(a.body);
  });

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const url = req.url;
    const path = url.split('?')[0];
    const query = parseQuery(url);
    reply.header('x-correlation-id', randomBytes(8).toString('hex'));
    const auth = authenticate(c, req, query);
    if (!auth) {
      // The gateway answers 401 for any path, method or host before routing (§8.3, [OBS T1]).
      return reply.code(401).header('x-401-by-gw', 'true').send(GATEWAY_401);
    }
    let version: 1 | 2;
    let rest: string;
    if (path.startsWith('/api/v2/')) {
      version = 2;
      rest = path.slice(7);
    } else if (path.startsWith('/api/v1/')) {
      version = 1;
      rest = path.slice(7);
    } else if (path.startsWith('/v1/')) {
      version = 1;
      rest = path.slice(3);
    } else {
      return reply.code(404).send({ success: false, error: 'Unknown method .', error_info: ERR_INFO, data: null, additional_data: null });
    }
    if (rest.length > 1 && rest.endsWith('/')) rest = rest.slice(0, -1);
    let route: Route | undefined;
    let m: RegExpExecArray | null = null;
    let pathMatched = false;
    for (const r of routes) {
      if (r.version !== version) continue;
      m = r.re.exec(rest);
      if (!m) continue;
      pathMatched = true;
      if (r.method === req.method) {
        route = r;
        break;
      }
    }
    if (!route || !m) {
      if (pathMatched) return reply.code(405).send({ success: false, error: 'Method not allowed', error_info: ERR_INFO, data: null, additional_data: null });
      return reply.code(404).send({ success: false, error: 'Unknown method .', error_info: ERR_INFO, data: null, additional_data: null });
    }
    const key = `${req.method} /${version === 2 ? 'api/v2' : 'v1'}${route.template.replace(/:(\w+)/g, '{$1}')}`;
    countCall(c.stats, key);
    if (route.search !== true) c.window.add(c.stats);
    const adm = c.limiter.admit(auth.token, tokenCost(version, route.op), { search: route.search === true, oauth: auth.oauth });
    reply.headers(adm.headers);
    if (!adm.ok) {
      c.stats.rateLimited++;
      return reply.code(429).send({ success: false, error: 'Request over limit', errorCode: 429, error_info: 'Please check developers.pipedrive.com' });
    }
    const injected = injectedApiError(c.faults(), req.method);
    if (injected === 429) {
      c.stats.rateLimited++;
      return reply.code(429).header('x-ratelimit-remaining', '0').header('x-ratelimit-reset', '1').send({ success: false, error: 'Request over limit', errorCode: 429, error_info: 'Please check developers.pipedrive.com' });
    }
    if (injected === 500) {
      return reply.code(500).send(version === 2 ? { success: false, error: 'Internal Server Error', code: 'ERR_UNKNOWN' } : { success: false, error: 'Internal Server Error', error_info: ERR_INFO, data: null, additional_data: null });
    }
    const params: Record<string, string> = {};
    route.names.forEach((n, i) => {
      params[n] = decodeURIComponent(m?.[i + 1] ?? '');
    });
    if (version === 2 && ['POST', 'PATCH', 'PUT'].includes(req.method) && req.body !== undefined && req.headers['content-type']?.includes('x-www-form-urlencoded')) {
      // "API v2 … only accepts JSON bodies" (§1.2).
      return reply.code(400).send({ success: false, error: 'Validation failed: body: Expected JSON body', code: 'ERR_SCHEMA_VALIDATION_FAILED' });
    }
    const ua = req.headers['user-agent'];
    try {
      const a = route.handler(c, { version, params, query, body: req.body, actor: { userId: auth.userId, source: 'api', userAgent: typeof ua === 'string' ? ua : null } });
      return reply.code(a.status).send(a.body);
    } catch (e) {
      if (e instanceof SchemaError) {
        const a = version === 2 ? { success: false, error: e.message, code: 'ERR_SCHEMA_VALIDATION_FAILED' } : { success: false, error: e.message, error_info: ERR_INFO, data: null, additional_data: null };
        return reply.code(400).send(a);
      }
      if (e instanceof V1Error) return reply.code(400).send({ success: false, error: e.message, error_info: ERR_INFO, data: null, additional_data: null });
      throw e;
    }
  };
  app.all('/*', handle);
  app.all('/', handle);
}

export type { FieldDef };
