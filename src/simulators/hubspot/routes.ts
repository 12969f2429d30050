/**
 * The HTTP surface of the HubSpot simulator: CRM v3 objects, batch, search, properties, owners and
 * associations v4, with the status codes `@hubspot/api-client` 14 insists on (reference §0, §3.1),
 * `application/json;charset=utf-8` on every body, HubSpot's error bodies (§10), the bearer-token
 * check (§1.4), the 10-second rolling rate limit and the search limit with their headers and 429
 * bodies (§9), and injected faults on writes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WindowCount } from '../stats.js';
import type { SimFaults, SimStats } from '../types.js';
import {
  CREATED_PROP,
  DEFAULT_READ,
  MODIFIED_PROP,
  OBJECT_TYPES,
  OBJECT_TYPE_IDS,
  OBJECT_UPPER,
  type ObjectType,
  type PropertyDef,
  QUERY_PROPS,
  makeProperty,
  objectTypeOf,
  validationErrorBody,
} from './properties.js';
import type { SearchRequest } from './search.js';
import { completeEngagement, isEngagement } from './engagements.js';
import { ConflictError, type HsRecord, type HubspotState, ValuesError, type WriteSource, legacyAssociationName } from './state.js';
import { injectedApiError } from '../faults.js';
import { registerAssociationRoutes } from './routes/associations.js';
import { registerMergeRoutes } from './routes/merge.js';
import { registerPropertyRoutes } from './routes/properties.js';

export const JSON_TYPE = 'application/json;charset=utf-8';

export interface RateLimits {
  /** Calls per rolling window per token (§9.1: private app, Professional/Enterprise: 190 / 10 s). */
  callsPerWindow: number;
  windowMs: number;
  daily: number;
  /** Search: 5 requests / second (§4.4). */
  searchPerSecond: number;
}

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
const HISTORY_BATCH_MAX = 50;
const LIST_MAX = 100;

export function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', JSON_TYPE).send(JSON.stringify(body));
}

export function fail(ctx: RouteContext, reply: FastifyReply, status: number, category: string, message: string, extra: Rec = {}): FastifyReply {
  const correlationId = ctx.state.correlationId();
  reply.header('x-hubspot-correlation-id', correlationId);
  return send(reply, status, { status: 'error', message, correlationId, ...extra, category });
}

function valuesError(ctx: RouteContext, reply: FastifyReply, e: ValuesError): FastifyReply {
  const correlationId = ctx.state.correlationId();
  reply.header('x-hubspot-correlation-id', correlationId);
  return send(reply, 400, validationErrorBody(e.errors, correlationId, ctx.state.portalId));
}

/** Repeated keys and comma-separated values are both accepted (§1.3). */
function list(q: unknown): string[] | undefined {
  if (q === undefined || q === null || q === '') return undefined;
  const arr = Array.isArray(q) ? q : [q];
  return arr.flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The requested property set (§2.2): properties ∪ propertiesWithHistory, else the defaults; plus the system ones. */
function requestedProps(type: ObjectType, props: string[] | undefined, hist: string[] | undefined): string[] {
  const base = props || hist ? [...(props ?? []), ...(hist ?? [])] : DEFAULT_READ[type];
  const system = [CREATED_PROP[type], MODIFIED_PROP[type], 'hs_object_id'];
  return [...new Set([...base, ...system])].sort();
}

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
  const windows = new Map<string, number[]>();
  // the calls reaching the 10-second window, refused ones included
  const arrivals = new WindowCount(ctx.limits.windowMs);
  let dailyUsed = 0;

  const admit = (key: string, limit: number, windowMs: number): { ok: boolean; remaining: number } => {
    const t = Date.now();
    let stamps = windows.get(key);
    if (!stamps) {
      stamps = [];
      windows.set(key, stamps);
    }
    while (stamps.length > 0 && stamps[0] <= t - windowMs) stamps.shift();
    if (stamps.length >= limit) return { ok: false, remaining: 0 };
    stamps.push(t);
    return { ok: true, remaining: limit - stamps.length };
  };

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
    if (search) {
      // Search has its own 5/s limit, its own 429 body, and no rate-limit headers (§4.4, §9.2).
      const a = admit(`search:${ctx.token}`, ctx.limits.searchPerSecond, 1000);
      if (!a.ok) {
        s.rateLimited++;
        return send(reply, 429, { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: state.correlationId() });
      }
    } else {
      arrivals.add(s);
      if (dailyUsed >= ctx.limits.daily) {
        // The daily allowance is spent until midnight (§9.3): its own 429 body, the daily headers at 0.
        s.rateLimited++;
        reply.headers({ 'x-hubspot-ratelimit-daily': String(ctx.limits.daily), 'x-hubspot-ratelimit-daily-remaining': '0' });
        return send(reply, 429, { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', correlationId: state.correlationId(), policyName: 'DAILY', requestId: state.correlationId() });
      }
      const a = admit(`api:${ctx.token}`, ctx.limits.callsPerWindow, ctx.limits.windowMs);
      if (a.ok) dailyUsed++;
      reply.headers({
        'x-hubspot-ratelimit-daily': String(ctx.limits.daily),
        'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, ctx.limits.daily - dailyUsed)),
        'x-hubspot-ratelimit-interval-milliseconds': String(ctx.limits.windowMs),
        'x-hubspot-ratelimit-max': String(ctx.limits.callsPerWindow),
        'x-hubspot-ratelimit-remaining': String(a.remaining),
        'x-hubspot-ratelimit-secondly': String(Math.ceil(ctx.limits.callsPerWindow / (ctx.limits.windowMs / 1000))),
        'x-hubspot-ratelimit-secondly-remaining': String(Math.max(0, Math.ceil(a.remaining / (ctx.limits.windowMs / 1000)))),
      });
      if (!a.ok) {
        s.rateLimited++;
        return send(reply, 429, tenSecondly(ctx));
      }
    }
    // A search is a read even though it is a POST.
    const injected = injectedApiError(ctx.faults(), req.method, search);
    if (injected === 429) {
      s.rateLimited++;
      return send(reply, 429, tenSecondly(ctx));
    }
    if (injected === 500) return fail(ctx, reply, 500, 'INTERNAL_ERROR', 'internal error');
  });

  const typeOr400 = (reply: FastifyReply, seg: string): ObjectType | null => {
    const t = objectTypeOf(seg);
    if (!t) {
      fail(ctx, reply, 400, 'VALIDATION_ERROR', `Unable to infer object type from: ${seg}`);
      return null;
    }
    return t;
  };

  /** Finds a record by id or by a unique property (`idProperty=email`, §3.3). */
  const findBy = (type: ObjectType, key: string, idProperty: string | undefined, archived = false): HsRecord | undefined => {
    if (idProperty && idProperty !== 'hs_object_id') {
      if (type === 'contacts' && idProperty === 'email') return state.contactByEmail(key);
      const def = state.properties[type].get(idProperty);
      if (!def?.hasUniqueValue) return undefined;
      for (const r of state.records[type].values()) if (r.archivedAt === null && r.props[idProperty] === key) return r;
      return undefined;
    }
    if (!/^\d+$/.test(key)) return undefined;
    const r = state.get(type, Number(key));
    if (!r) return undefined;
    return archived ? (r.archivedAt !== null ? r : undefined) : r.archivedAt === null ? r : undefined;
  };

  const notFound = (reply: FastifyReply, id: string) =>
    fail(ctx, reply, 404, 'OBJECT_NOT_FOUND', /^\d+$/.test(id) ? 'resource not found' : 'Object not found.  objectId are usually numeric.', { context: { id: [id] } });

  const v3Associations = (r: HsRecord, toTypes: string[] | undefined): Rec | undefined => {
    if (!toTypes) return undefined;
    const out: Rec = {};
    for (const seg of toTypes) {
      const to = objectTypeOf(seg);
      if (!to) continue;
      const found = state.associations(r.type, r.id, to);
      if (found.length === 0) continue;
      out[seg] = { results: found.flatMap((a) => a.types.map((t) => ({ id: String(a.id), type: legacyAssociationName(r.type, to, t) }))) };
    }
    return out;
  };

  /** Applies `associations` of a create body (§3.4); returns an error message or null. */
  const createAssociations = (type: ObjectType, id: number, assocs: unknown): string | null => {
    if (!Array.isArray(assocs)) return null;
    for (const a of assocs as { to?: { id?: unknown }; types?: { associationTypeId?: number }[] }[]) {
      const toId = Number(a.to?.id);
      for (const t of a.types ?? []) {
        const typeId = Number(t.associationTypeId);
        const to = OBJECT_TYPES.find((o) => state.isKnownType(type, o, typeId));
        if (!to) return `association type id ${typeId} is not valid from ${type}`;
        if (!state.live(to, toId)) return `One or more associations are invalid: ${to} ${a.to?.id} does not exist`;
        state.associate(type, id, to, toId, [typeId]);
      }
    }
    return null;
  };

  const required = (type: ObjectType, values: Record<string, string>): ValuesError | null => {
    // Notes and tasks need hs_timestamp (§7.4); contacts need one identifying property (§3.4).
    if ((type === 'notes' || type === 'tasks') && !values.hs_timestamp) {
      return new ValuesError([{ error: 'REQUIRED_PROPERTY', name: 'hs_timestamp', message: 'hs_timestamp is required' }]);
    }
    // Emails, meetings and calls: hs_timestamp too, and the values HubSpot fills in (engagements.ts).
    const missing = isEngagement(type) ? completeEngagement(type, values) : null;
    if (missing) return new ValuesError([{ error: 'REQUIRED_PROPERTY', ...missing }]);
    if (type === 'contacts' && !values.email && !values.firstname && !values.lastname) {
      return new ValuesError([{ error: 'REQUIRED_PROPERTY', name: 'email', message: 'A contact needs at least one of email, firstname or lastname' }]);
    }
    return null;
  };

  // ---------- objects ----------

  app.get('/crm/v3/objects/:type', async (req, reply) => {
    const type = typeOr400(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const q = req.query as Rec;
    const hist = list(q.propertiesWithHistory);
    const max = hist ? HISTORY_BATCH_MAX : LIST_MAX;
    const limit = Math.min(Math.max(1, Number(q.limit ?? 10) || 10), max);
    const after = q.after === undefined ? 0 : Number(q.after);
    const archived = q.archived === 'true';
    const props = requestedProps(type, list(q.properties), hist);
    const assoc = list(q.associations);
    const results: Rec[] = [];
    let next: number | null = null;
    for (const r of state.records[type].values()) {
      if (r.id < after) continue;
      if ((r.archivedAt !== null) !== archived) continue;
      if (results.length === limit) {
        next = r.id;
        break;
      }
      const o = serialize(state, r, props, hist);
      const a = v3Associations(r, assoc);
      if (a && Object.keys(a).length > 0) o.associations = a;
      results.push(o);
    }
    // The cursor is opaque to clients (§3.2); here it is the next id.
    return send(reply, 200, next === null ? { results } : { results, paging: { next: { after: String(next), link: `?after=${next}` } } });
  });

  app.get('/crm/v3/objects/:type/:id', async (req, reply) => {
    const p = req.params as Rec;
    const type = typeOr400(reply, p.type as string);
    if (!type) return reply;
    const q = req.query as Rec;
    const id = decodeURIComponent(String(p.id));
    const r = findBy(type, id, q.idProperty as string | undefined, q.archived === 'true');
    if (!r) return notFound(reply, id);
    const hist = list(q.propertiesWithHistory);
    const o = serialize(state, r, requestedProps(type, list(q.properties), hist), hist);
    const a = v3Associations(r, list(q.associations));
    if (a && Object.keys(a).length > 0) o.associations = a;
    return send(reply, 200, o);
  });

  app.post('/crm/v3/objects/:type', async (req, reply) => {
    const type = typeOr400(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const body = (req.body ?? {}) as { properties?: Rec; associations?: unknown };
    try {
      const values = state.check(type, body.properties ?? {}, undefined);
      const missing = required(type, values);
      if (missing) return valuesError(ctx, reply, missing);
      const r = state.create(type, values, api);
      const bad = createAssociations(type, r.id, body.associations);
      if (bad) {
        state.archive(r, api);
        return fail(ctx, reply, 400, 'VALIDATION_ERROR', bad);
      }
      return send(reply, 201, serialize(state, r, allProps(r)));
    } catch (e) {
      return writeFailure(ctx, reply, e);
    }
  });

  app.patch('/crm/v3/objects/:type/:id', async (req, reply) => {
    const p = req.params as Rec;
    const type = typeOr400(reply, p.type as string);
    if (!type) return reply;
    const id = decodeURIComponent(String(p.id));
    const r = findBy(type, id, (req.query as Rec).idProperty as string | undefined);
    if (!r) return notFound(reply, id);
    try {
      const values = state.check(type, ((req.body ?? {}) as { properties?: Rec }).properties ?? {}, r);
      state.update(r, values, api);
      return send(reply, 200, serialize(state, r, allProps(r)));
    } catch (e) {
      return writeFailure(ctx, reply, e);
    }
  });

  app.delete('/crm/v3/objects/:type/:id', async (req, reply) => {
    const p = req.params as Rec;
    const type = typeOr400(reply, p.type as string);
    if (!type) return reply;
    const r = findBy(type, decodeURIComponent(String(p.id)), undefined);
    // Archiving an id that does not exist is believed to answer 204 too (§3.6, §16.6).
    if (r) state.archive(r, api);
    return reply.code(204).send();
  });

  // ---------- batch ----------

  app.post('/crm/v3/objects/:type/batch/read', async (req, reply) => {
    const type = typeOr400(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const started = new Date().toISOString();
    const b = (req.body ?? {}) as { inputs?: { id: string }[]; properties?: string[]; propertiesWithHistory?: string[]; idProperty?: string };
    const inputs = b.inputs ?? [];
    const hist = b.propertiesWithHistory && b.propertiesWithHistory.length > 0 ? b.propertiesWithHistory : undefined;
    if (hist && inputs.length > HISTORY_BATCH_MAX) return tooMany(ctx, reply, inputs.length, HISTORY_BATCH_MAX, true);
    if (inputs.length > BATCH_MAX) return tooMany(ctx, reply, inputs.length, BATCH_MAX);
    const archived = (req.query as Rec).archived === 'true';
    const props = requestedProps(type, b.properties && b.properties.length > 0 ? b.properties : undefined, hist);
    const results: Rec[] = [];
    const missing: string[] = [];
    const seen = new Set<number>();
    for (const i of inputs) {
      const r = findBy(type, String(i.id), b.idProperty, archived);
      if (!r) missing.push(String(i.id));
      else if (!seen.has(r.id)) {
        seen.add(r.id);
        results.push(serialize(state, r, props, hist));
      }
    }
    const errors = missing.length > 0 ? [notFoundError(type, missing)] : [];
    return send(reply, errors.length > 0 ? 207 : 200, batchBody(results, errors, started));
  });

  app.post('/crm/v3/objects/:type/batch/create', async (req, reply) => {
    const type = typeOr400(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const started = new Date().toISOString();
    const inputs = ((req.body ?? {}) as { inputs?: { properties?: Rec; associations?: unknown; objectWriteTraceId?: string }[] }).inputs ?? [];
    if (inputs.length > BATCH_MAX) return tooMany(ctx, reply, inputs.length, BATCH_MAX);
    const traced = inputs.length > 0 && inputs.every((i) => typeof i.objectWriteTraceId === 'string');
    // Check everything first: without trace ids one bad input fails the whole batch (§3.7).
    const checked: (Record<string, string> | Rec)[] = [];
    const errors: Rec[] = [];
    const seenEmails = new Map<string, number>();
    for (const [n, i] of inputs.entries()) {
      try {
        const values = state.check(type, i.properties ?? {}, undefined);
        const missing = required(type, values);
        if (missing) throw missing;
        if (type === 'contacts') {
          const existing = state.emailConflict(values);
          if (existing !== undefined) throw new ConflictError(existing);
          const e = values.email?.toLowerCase();
          if (e && seenEmails.has(e)) throw new ValuesError([{ error: 'DUPLICATE_VALUE', name: 'email', message: `Duplicate email ${values.email} in inputs ${seenEmails.get(e)} and ${n}` }]);
          if (e) seenEmails.set(e, n);
        }
        checked.push(values);
      } catch (e) {
        if (!traced) return writeFailure(ctx, reply, e);
        checked.push({ __error: true });
        errors.push(traceError(e, i.objectWriteTraceId as string));
      }
    }
    const results: Rec[] = [];
    for (const [n, i] of inputs.entries()) {
      const values = checked[n];
      if ((values as Rec).__error) continue;
      const r = state.create(type, values as Record<string, string>, api);
      createAssociations(type, r.id, i.associations);
      results.push(serialize(state, r, allProps(r)));
    }
    return send(reply, errors.length > 0 ? 207 : 201, batchBody(results, errors, started));
  });

  app.post('/crm/v3/objects/:type/batch/update', async (req, reply) => {
    const type = typeOr400(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const started = new Date().toISOString();
    const inputs = ((req.body ?? {}) as { inputs?: { id: string; idProperty?: string; properties?: Rec; objectWriteTraceId?: string }[] }).inputs ?? [];
    if (inputs.length > BATCH_MAX) return tooMany(ctx, reply, inputs.length, BATCH_MAX);
    if (inputs.some((i) => i.idProperty === 'email')) {
      // Batch update keyed by e-mail is refused (§3.7, §6).
      return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Unable to perform update/upsert by non-unique ${OBJECT_TYPE_IDS[type]} property`);
    }
    const traced = inputs.length > 0 && inputs.every((i) => typeof i.objectWriteTraceId === 'string');
    const missing: string[] = [];
    const errors: Rec[] = [];
    const planned: { r: HsRecord; values: Record<string, string> }[] = [];
    for (const i of inputs) {
      const r = findBy(type, String(i.id), i.idProperty);
      if (!r) {
        missing.push(String(i.id));
        continue;
      }
      try {
        const values = state.check(type, i.properties ?? {}, r);
        if (type === 'contacts') {
          const existing = state.emailConflict(values, r.id);
          if (existing !== undefined) throw new ConflictError(existing);
        }
        planned.push({ r, values });
      } catch (e) {
        if (!traced) return writeFailure(ctx, reply, e);
        errors.push(traceError(e, i.objectWriteTraceId as string));
      }
    }
    const results: Rec[] = [];
    for (const p of planned) {
      state.update(p.r, p.values, api);
      results.push(serialize(state, p.r, allProps(p.r)));
    }
    if (missing.length > 0) errors.push(notFoundError(type, missing));
    return send(reply, errors.length > 0 ? 207 : 200, batchBody(results, errors, started));
  });

  app.post('/crm/v3/objects/:type/batch/upsert', async (req, reply) => {
    const type = typeOr400(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const started = new Date().toISOString();
    const inputs = ((req.body ?? {}) as { inputs?: { id: string; idProperty?: string; properties?: Rec }[] }).inputs ?? [];
    if (inputs.length > BATCH_MAX) return tooMany(ctx, reply, inputs.length, BATCH_MAX);
    const results: Rec[] = [];
    try {
      for (const i of inputs) {
        const r = findBy(type, String(i.id), i.idProperty);
        if (r) {
          state.update(r, state.check(type, i.properties ?? {}, r), api);
          results.push({ ...serialize(state, r, allProps(r)), new: false });
        } else {
          const seedKey = i.idProperty && i.idProperty !== 'hs_object_id' ? { [i.idProperty]: i.id } : {};
          const created = state.create(type, state.check(type, { ...seedKey, ...(i.properties ?? {}) }, undefined), api);
          results.push({ ...serialize(state, created, allProps(created)), new: true });
        }
      }
    } catch (e) {
      return writeFailure(ctx, reply, e);
    }
    return send(reply, 200, batchBody(results, [], started));
  });

  app.post('/crm/v3/objects/:type/batch/archive', async (req, reply) => {
    const type = typeOr400(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const inputs = ((req.body ?? {}) as { inputs?: { id: string }[] }).inputs ?? [];
    if (inputs.length > BATCH_MAX) return tooMany(ctx, reply, inputs.length, BATCH_MAX);
    for (const i of inputs) {
      const r = findBy(type, String(i.id), undefined);
      if (r) state.archive(r, api);
    }
    return reply.code(204).send();
  });

  // ---------- search ----------

  app.post('/crm/v3/objects/:type/search', async (req, reply) => {
    const type = typeOr400(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const body = (req.body ?? {}) as SearchRequest;
    const visibleBefore = Date.now() - ctx.searchLagMs;
    // Archived records never appear (the indexes hold live ones); recent writes appear after the index lag (§4.4).
    const visible = ctx.searchLagMs > 0 ? (r: { updatedAt: number }) => r.updatedAt <= visibleBefore : undefined;
    const out = state.searchIndex(type).search(body, state.properties[type], QUERY_PROPS[type], visible);
    if (!out.ok) return fail(ctx, reply, 400, 'VALIDATION_ERROR', out.message);
    const props = requestedProps(type, body.properties && body.properties.length > 0 ? body.properties : undefined, undefined);
    const results = out.ids.map((id) => serialize(state, state.get(type, id) as HsRecord, props));
    return send(reply, 200, out.next === null ? { total: out.total, results } : { total: out.total, results, paging: { next: { after: out.next } } });
  });

  registerPropertyRoutes(app, ctx, typeOr400);

  // ---------- owners ----------

  // every seeded owner is a person (HubSpot's other owner type is QUEUE)
  const ownerJson = (o: (typeof state.owners)[number]) => ({ ...o, type: 'PERSON', teams: [] });
  // The SDK's ownersApi.getPage requests '/crm/v3/owners/' (trailing slash); HubSpot answers both.
  const listOwners = async (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.query as Rec;
    const limit = Math.min(Number(q.limit ?? 100) || 100, 500);
    const after = Number(q.after ?? 0) || 0;
    const archived = q.archived === 'true';
    const email = typeof q.email === 'string' ? q.email.toLowerCase() : undefined;
    const all = state.owners.filter((o) => o.archived === archived && (!email || o.email.toLowerCase() === email));
    const page = all.slice(after, after + limit);
    const body: Rec = { results: page.map(ownerJson) };
    if (after + limit < all.length) body.paging = { next: { after: String(after + limit) } };
    return send(reply, 200, body);
  };
  app.get('/crm/v3/owners', listOwners);

  app.get('/crm/v3/owners/:ownerId', async (req, reply) => {
    const id = String((req.params as Rec).ownerId);
    if (id === '') return listOwners(req, reply);
    const o = state.owners.find((x) => x.id === id);
    if (!o) return fail(ctx, reply, 404, 'OBJECT_NOT_FOUND', `Owner ${id} not found`, { context: { id: [id] } });
    return send(reply, 200, ownerJson(o));
  });

  registerMergeRoutes(app, ctx, typeOr400, notFound, api);
  registerAssociationRoutes(app, ctx, typeOr400, notFound);
}

function tenSecondly(ctx: RouteContext): Rec {
  return {
    status: 'error',
    message: 'You have reached your ten_secondly_rolling limit.',
    errorType: 'RATE_LIMIT',
    correlationId: ctx.state.correlationId(),
    policyName: 'TEN_SECONDLY_ROLLING',
    groupName: `publicapi:private_app-api-calls-ten-secondly:${ctx.state.appId}:${ctx.state.portalId}`,
  };
}

function traceError(e: unknown, traceId: string): Rec {
  if (e instanceof ValuesError) {
    const inner = e.errors.map((x) => ({ isValid: false, message: x.message, error: x.error, name: x.name, localizedErrorMessage: x.message }));
    return { status: 'error', category: 'VALIDATION_ERROR', message: `Property values were not valid: ${JSON.stringify(inner)}`, context: { objectWriteTraceId: [traceId] }, errors: [], links: {} };
  }
  if (e instanceof ConflictError) return { status: 'error', category: 'CONFLICT', message: e.message, context: { objectWriteTraceId: [traceId] }, errors: [], links: {} };
  return { status: 'error', category: 'INTERNAL_ERROR', message: String(e), context: { objectWriteTraceId: [traceId] }, errors: [], links: {} };
}

function writeFailure(ctx: RouteContext, reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof ValuesError) return valuesError(ctx, reply, e);
  if (e instanceof ConflictError) return fail(ctx, reply, 409, 'CONFLICT', e.message);
  throw e;
}

