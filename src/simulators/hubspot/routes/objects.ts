/**
 * Records one at a time (reference §2, §3): list with `after` paging, read by id or by a unique
 * property, create with associations, update, archive; and search (§4), which reads the index with
 * its lag. The helpers here are shared with batch.ts.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { completeEngagement, isEngagement } from '../engagements.js';
import {
  CREATED_PROP,
  DEFAULT_READ,
  MODIFIED_PROP,
  OBJECT_TYPES,
  type ObjectType,
  QUERY_PROPS,
  objectTypeOf,
} from '../schema.js';
import type { SearchRequest } from '../search.js';
import {
  ConflictError,
  type HsRecord,
  type HubspotState,
  ValuesError,
  type WriteSource,
  legacyAssociationName,
} from '../state.js';
import { validationErrorBody } from '../values.js';
import { type RouteContext, allProps, fail, notFound, send, serialize, typeOr400 } from '../routes.js';

type Rec = Record<string, unknown>;

export const HISTORY_BATCH_MAX = 50;
const LIST_MAX = 100;

/** Repeated keys and comma-separated values are both accepted (§1.3). */
export function list(q: unknown): string[] | undefined {
  if (q === undefined || q === null || q === '') return undefined;
  const arr = Array.isArray(q) ? q : [q];
  return arr
    .flatMap((v) => String(v).split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The requested property set (§2.2): properties ∪ propertiesWithHistory, else the defaults; plus the system ones. */
export function requestedProps(
  type: ObjectType,
  props: string[] | undefined,
  hist: string[] | undefined,
): string[] {
  const base = props || hist ? [...(props ?? []), ...(hist ?? [])] : DEFAULT_READ[type];
  const system = [CREATED_PROP[type], MODIFIED_PROP[type], 'hs_object_id'];
  return [...new Set([...base, ...system])].sort();
}

/** Finds a record by id or by a unique property (`idProperty=email`, §3.3). */
export function findBy(
  state: HubspotState,
  type: ObjectType,
  key: string,
  idProperty: string | undefined,
  archived = false,
): HsRecord | undefined {
  if (idProperty && idProperty !== 'hs_object_id') {
    if (type === 'contacts' && idProperty === 'email') return state.contactByEmail(key);
    const def = state.properties[type].get(idProperty);
    if (!def?.hasUniqueValue) return undefined;
    for (const r of state.records[type].values())
      if (r.archivedAt === null && r.props[idProperty] === key) return r;
    return undefined;
  }
  if (!/^\d+$/.test(key)) return undefined;
  const r = state.get(type, Number(key));
  if (!r) return undefined;
  return archived ? (r.archivedAt !== null ? r : undefined) : r.archivedAt === null ? r : undefined;
}

function v3Associations(state: HubspotState, r: HsRecord, toTypes: string[] | undefined): Rec | undefined {
  if (!toTypes) return undefined;
  const out: Rec = {};
  for (const seg of toTypes) {
    const to = objectTypeOf(seg);
    if (!to) continue;
    const found = state.associations(r.type, r.id, to);
    if (found.length === 0) continue;
    out[seg] = {
      results: found.flatMap((a) =>
        a.types.map((t) => ({ id: String(a.id), type: legacyAssociationName(r.type, to, t) })),
      ),
    };
  }
  return out;
}

/** Applies `associations` of a create body (§3.4); returns an error message or null. */
export function createAssociations(
  state: HubspotState,
  type: ObjectType,
  id: number,
  assocs: unknown,
): string | null {
  if (!Array.isArray(assocs)) return null;
  for (const a of assocs as { to?: { id?: unknown }; types?: { associationTypeId?: number }[] }[]) {
    const toId = Number(a.to?.id);
    for (const t of a.types ?? []) {
      const typeId = Number(t.associationTypeId);
      const to = OBJECT_TYPES.find((o) => state.isKnownType(type, o, typeId));
      if (!to) return `association type id ${typeId} is not valid from ${type}`;
      if (!state.live(to, toId))
        return `One or more associations are invalid: ${to} ${a.to?.id} does not exist`;
      state.associate(type, id, to, toId, [typeId]);
    }
  }
  return null;
}

/** The values a create must carry, or the error naming the missing one. */
export function required(type: ObjectType, values: Record<string, string>): ValuesError | null {
  // Notes and tasks need hs_timestamp (§7.4); contacts need one identifying property (§3.4).
  if ((type === 'notes' || type === 'tasks') && !values.hs_timestamp) {
    return new ValuesError([
      { error: 'REQUIRED_PROPERTY', name: 'hs_timestamp', message: 'hs_timestamp is required' },
    ]);
  }
  // Emails, meetings and calls: hs_timestamp too, and the values HubSpot fills in (engagements.ts).
  const missing = isEngagement(type) ? completeEngagement(type, values) : null;
  if (missing) return new ValuesError([{ error: 'REQUIRED_PROPERTY', ...missing }]);
  if (type === 'contacts' && !values.email && !values.firstname && !values.lastname) {
    return new ValuesError([
      {
        error: 'REQUIRED_PROPERTY',
        name: 'email',
        message: 'A contact needs at least one of email, firstname or lastname',
      },
    ]);
  }
  return null;
}

export function registerObjectRoutes(app: FastifyInstance, ctx: RouteContext, api: WriteSource): void {
  const { state } = ctx;
  const typeOf = (reply: FastifyReply, seg: string) => typeOr400(ctx, reply, seg);
  app.get('/crm/v3/objects/:type', async (req, reply) => {
    const type = typeOf(reply, (req.params as Rec).type as string);
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
      const a = v3Associations(state, r, assoc);
      if (a && Object.keys(a).length > 0) o.associations = a;
      results.push(o);
    }
    // The cursor is opaque to clients (§3.2); here it is the next id.
    return send(
      reply,
      200,
      next === null
        ? { results }
        : { results, paging: { next: { after: String(next), link: `?after=${next}` } } },
    );
  });

  app.get('/crm/v3/objects/:type/:id', async (req, reply) => {
    const p = req.params as Rec;
    const type = typeOf(reply, p.type as string);
    if (!type) return reply;
    const q = req.query as Rec;
    const id = decodeURIComponent(String(p.id));
    const r = findBy(state, type, id, q.idProperty as string | undefined, q.archived === 'true');
    if (!r) return notFound(ctx, reply, id);
    const hist = list(q.propertiesWithHistory);
    const o = serialize(state, r, requestedProps(type, list(q.properties), hist), hist);
    const a = v3Associations(state, r, list(q.associations));
    if (a && Object.keys(a).length > 0) o.associations = a;
    return send(reply, 200, o);
  });

  app.post('/crm/v3/objects/:type', async (req, reply) => {
    const type = typeOf(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const body = (req.body ?? {}) as { properties?: Rec; associations?: unknown };
    try {
      const values = state.check(type, body.properties ?? {}, undefined);
      const missing = required(type, values);
      if (missing) return valuesError(ctx, reply, missing);
      const r = state.create(type, values, api);
      const bad = createAssociations(state, type, r.id, body.associations);
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
    const type = typeOf(reply, p.type as string);
    if (!type) return reply;
    const id = decodeURIComponent(String(p.id));
    const r = findBy(state, type, id, (req.query as Rec).idProperty as string | undefined);
    if (!r) return notFound(ctx, reply, id);
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
    const type = typeOf(reply, p.type as string);
    if (!type) return reply;
    const r = findBy(state, type, decodeURIComponent(String(p.id)), undefined);
    // Archiving an id that does not exist is believed to answer 204 too (§3.6, §16.6).
    if (r) state.archive(r, api);
    return reply.code(204).send();
  });

  app.post('/crm/v3/objects/:type/search', async (req, reply) => {
    const type = typeOf(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const body = (req.body ?? {}) as SearchRequest;
    const visibleBefore = Date.now() - ctx.searchLagMs;
    // Archived records never appear (the indexes hold live ones); recent writes appear after the index lag (§4.4).
    const visible =
      ctx.searchLagMs > 0 ? (r: { updatedAt: number }) => r.updatedAt <= visibleBefore : undefined;
    const out = state.searchIndex(type).search(body, state.properties[type], QUERY_PROPS[type], visible);
    if (!out.ok) return fail(ctx, reply, 400, 'VALIDATION_ERROR', out.message);
    const props = requestedProps(
      type,
      body.properties && body.properties.length > 0 ? body.properties : undefined,
      undefined,
    );
    const results = out.ids.map((id) => serialize(state, state.get(type, id) as HsRecord, props));
    return send(
      reply,
      200,
      out.next === null
        ? { total: out.total, results }
        : { total: out.total, results, paging: { next: { after: out.next } } },
    );
  });
}

function valuesError(ctx: RouteContext, reply: FastifyReply, e: ValuesError): FastifyReply {
  const correlationId = ctx.state.correlationId();
  reply.header('x-hubspot-correlation-id', correlationId);
  return send(reply, 400, validationErrorBody(e.errors, correlationId, ctx.state.portalId));
}

export function traceError(e: unknown, traceId: string): Rec {
  if (e instanceof ValuesError) {
    const inner = e.errors.map((x) => ({
      isValid: false,
      message: x.message,
      error: x.error,
      name: x.name,
      localizedErrorMessage: x.message,
    }));
    return {
      status: 'error',
      category: 'VALIDATION_ERROR',
      message: `Property values were not valid: ${JSON.stringify(inner)}`,
      context: { objectWriteTraceId: [traceId] },
      errors: [],
      links: {},
    };
  }
  if (e instanceof ConflictError)
    return {
      status: 'error',
      category: 'CONFLICT',
      message: e.message,
      context: { objectWriteTraceId: [traceId] },
      errors: [],
      links: {},
    };
  return {
    status: 'error',
    category: 'INTERNAL_ERROR',
    message: String(e),
    context: { objectWriteTraceId: [traceId] },
    errors: [],
    links: {},
  };
}

export function writeFailure(ctx: RouteContext, reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof ValuesError) return valuesError(ctx, reply, e);
  if (e instanceof ConflictError) return fail(ctx, reply, 409, 'CONFLICT', e.message);
  throw e;
}
