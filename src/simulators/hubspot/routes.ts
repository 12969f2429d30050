/**
 * The HTTP surface of the HubSpot simulator: the request pipeline every API call goes through —
 * the call count, the bearer-token check (§1.4, OAuth access tokens from oauth.ts), the limits
 * (ratelimit.ts) and injected faults on writes — and what the route files under routes/ share:
 * `application/json;charset=utf-8` on every body, HubSpot's error bodies (§10), the record shape
 * `@hubspot/api-client` 14 reads (reference §0, §3.1). One file per API group under routes/:
 * objects, batch, properties, owners, merge, associations.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SimFaults, SimStats } from '../types.js';
import { OBJECT_UPPER, type ObjectType, objectTypeOf } from './schema.js';
import type { HsRecord, HubspotState, WriteSource } from './state.js';
import { injectedApiError } from '../faults.js';
import { type RateLimits, RateLimiter } from './ratelimit.js';
import { registerAssociationRoutes } from './routes/associations.js';
import { registerBatchRoutes } from './routes/batch.js';
import { registerMergeRoutes } from './routes/merge.js';
import { registerObjectRoutes } from './routes/objects.js';
import { registerOwnerRoutes } from './routes/owners.js';
import { registerPropertyRoutes } from './routes/properties.js';

export type { RateLimits } from './ratelimit.js';

export const JSON_TYPE = 'application/json;charset=utf-8';

export interface RouteContext {
  state: HubspotState;
  token: string;
  limits: RateLimits;
  faults: () => SimFaults;
  readonly stats: SimStats;
  /** Search index lag, ms (§4.4); 0 = immediately searchable. */
  searchLagMs: number;
  /** The app's developer API key, accepted as `hapikey` on /webhooks/ (subscriptions.ts). */
  developerApiKey?: string;
  /** Access tokens issued by the OAuth endpoint (oauth.ts), accepted besides `token`. */
  oauth?: { check(token: string): { ok: true } | { ok: false; expired: true; expiredAt: number } | { ok: false; expired: false } };
}

type Rec = Record<string, unknown>;

export const BATCH_MAX = 100;

export function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', JSON_TYPE).send(JSON.stringify(body));
}

export function fail(ctx: RouteContext, reply: FastifyReply, status: number, category: string, message: string, extra: Rec = {}): FastifyReply {
  const correlationId = ctx.state.correlationId();
  reply.header('x-hubspot-correlation-id', correlationId);
  return send(reply, status, { status: 'error', message, correlationId, ...extra, category });
}

/** The object type a path segment names, or a 400 answered on `reply` (null). */
export function typeOr400(ctx: RouteContext, reply: FastifyReply, seg: string): ObjectType | null {
  const t = objectTypeOf(seg);
  if (!t) {
    fail(ctx, reply, 400, 'VALIDATION_ERROR', `Unable to infer object type from: ${seg}`);
    return null;
  }
  return t;
}

export function notFound(ctx: RouteContext, reply: FastifyReply, id: string): FastifyReply {
  return fail(ctx, reply, 404, 'OBJECT_NOT_FOUND', /^\d+$/.test(id) ? 'resource not found' : 'Object not found.  objectId are usually numeric.', { context: { id: [id] } });
}

const iso = (ms: number) => new Date(ms).toISOString();

export function serialize(state: HubspotState, r: HsRecord, props: string[], hist?: string[]): Rec {
  const defs = state.properties[r.type];
  const properties: Record<string, string | null> = {};
  // Unknown names are ignored on reads (§2.3); requested-but-empty ones come back as null.
  for (const p of props) if (defs.has(p)) properties[p] = r.props[p] ?? null;
  const out: Rec = { id: String(r.id), properties, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt), archived: r.archivedAt !== null };
  if (r.archivedAt !== null) out.archivedAt = iso(r.archivedAt);
  if (hist && hist.length > 0) {
    const h: Rec = {};
    for (const p of hist) if (defs.has(p)) h[p] = state.historyOf(r, p);
    out.propertiesWithHistory = h;
  }
  return out;
}

/** Everything set on the record (create/update answers echo the record). */
export function allProps(r: HsRecord): string[] {
  return Object.keys(r.props).sort();
}

export function tooMany(ctx: RouteContext, reply: FastifyReply, n: number, max: number, history = false): FastifyReply {
  return fail(
    ctx,
    reply,
    400,
    'VALIDATION_ERROR',
    history
      ? `The maximum number of inputs supported in a batch request for property histories is ${max}. Please reduce the number of items and try again`
      : `The maximum number of inputs supported in a batch request is ${max}. ${n} inputs were provided. Please reduce the number of items and try again`,
  );
}

export function batchBody(results: Rec[], errors: Rec[], startedAt: string): Rec {
  const body: Rec = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
  if (errors.length > 0) Object.assign(body, { numErrors: errors.length, errors });
  return body;
}

export function notFoundError(type: ObjectType, ids: string[]): Rec {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Could not get some ${OBJECT_UPPER[type]} objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids },
    errors: [],
    links: {},
  };
}

export function registerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { state } = ctx;
  const api: WriteSource = { sourceType: 'INTEGRATION', sourceId: String(state.appId) };
  const limiter = new RateLimiter(ctx.limits, state);

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0];
    if (!path.startsWith('/crm/') && !path.startsWith('/webhooks/')) return;
    const s = ctx.stats;
    const key = `${req.method} ${req.routeOptions.url ?? path}`;
    s.calls[key] = (s.calls[key] ?? 0) + 1;
    s.totalCalls++;
    // Webhook settings are managed with the app's developer API key (`hapikey`, §8.1).
    if (path.startsWith('/webhooks/') && ctx.developerApiKey && (req.query as Rec).hapikey === ctx.developerApiKey) return;
    const auth = req.headers.authorization ?? '';
    const oauth = auth !== `Bearer ${ctx.token}` && auth.startsWith('Bearer ') ? ctx.oauth?.check(auth.slice(7)) : undefined;
    if (oauth && !oauth.ok && oauth.expired) {
      const ago = Math.max(0, Math.round((Date.now() - oauth.expiredAt) / 1000));
      return fail(ctx, reply, 401, 'EXPIRED_AUTHENTICATION', `The OAuth token used to make this call expired ${ago} second(s) ago.`, {
        context: { 'expire time': [new Date(oauth.expiredAt).toISOString()] },
      });
    }
    if (auth !== `Bearer ${ctx.token}` && !oauth?.ok) {
      return fail(
        ctx,
        reply,
        401,
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      );
    }
    const search = req.method === 'POST' && /\/search$/.test(path);
    const limit = limiter.admit(ctx.token, search, s);
    reply.headers(limit.headers);
    if (!limit.ok) {
      s.rateLimited++;
      return send(reply, 429, limit.body);
    }
    // A search is a read even though it is a POST.
    const injected = injectedApiError(ctx.faults(), req.method, search);
    if (injected === 429) {
      s.rateLimited++;
      return send(reply, 429, limiter.tenSecondly());
    }
    if (injected === 500) return fail(ctx, reply, 500, 'INTERNAL_ERROR', 'internal error');
  });

  const typeOf = (reply: FastifyReply, seg: string) => typeOr400(ctx, reply, seg);
  const missing = (reply: FastifyReply, id: string) => notFound(ctx, reply, id);
  registerObjectRoutes(app, ctx, api);
  registerBatchRoutes(app, ctx, api);
  registerPropertyRoutes(app, ctx, typeOf);
  registerOwnerRoutes(app, ctx);
  registerMergeRoutes(app, ctx, typeOf, missing, api);
  registerAssociationRoutes(app, ctx, typeOf, missing);
}
