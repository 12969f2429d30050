/**
 * sObject Collections (§4): create, update and delete up to 200 records with per-record results
 * (`statusCode`, not `errorCode`), all-or-none rollback, and retrieve by GET or POST.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { normalizeId } from '../ids.js';
import { COLLECTION_MAX, type Rest, type RouteContext, recordJson, resolveFields } from '../routes.js';
import { SfApiError } from '../state.js';
import { commitUpsert, externalIdField, prepareUpsert } from './upsert.js';

/** Per-item results in collections use `statusCode`, not `errorCode` (§4.1). */
function itemErrors(e: unknown): { statusCode: string; message: string; fields: string[] }[] {
  if (e instanceof SfApiError) return e.errors.map((x) => ({ statusCode: x.errorCode, message: x.message, fields: x.fields ?? [] }));
  return [{ statusCode: 'UNKNOWN_EXCEPTION', message: String(e), fields: [] }];
}

const ROLLED_BACK = { statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] };

export function registerCollectionRoutes(app: FastifyInstance, ctx: RouteContext, rest: Rest): void {
  const { org } = ctx;
  // §4: sObject Collections.
  type Item = { attributes?: { type?: string }; id?: string; Id?: string; [k: string]: unknown };
  const collectionBody = (req: FastifyRequest): { allOrNone: boolean; records: Item[] } => {
    const body = req.body as { allOrNone?: boolean; records?: Item[] } | undefined;
    if (!body || !Array.isArray(body.records)) throw SfApiError.one(400, 'JSON_PARSER_ERROR', 'The request body must contain a records array');
    if (body.records.length > COLLECTION_MAX) {
      throw SfApiError.one(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${COLLECTION_MAX} records into this call`);
    }
    return { allOrNone: body.allOrNone === true, records: body.records };
  };
  const typeOf = (r: Item): string => {
    const t = r.attributes?.type;
    if (!t) throw SfApiError.one(400, 'INVALID_TYPE', 'Must specify a type in attributes');
    return t;
  };
  const strip = (r: Item): Record<string, unknown> => {
    const { attributes: _a, id: _i, Id: _I, ...rest } = r;
    return rest;
  };
  // Validate every record first so allOrNone can reject the whole batch without partial writes.
  const applyCollection = <P>(allOrNone: boolean, records: Item[], prepare: (r: Item) => P, commit: (p: P) => string | { id: string; created: boolean }, idOf: (r: Item) => string | undefined) => {
    const prepared = records.map((r) => {
      try {
        return { ok: true as const, p: prepare(r) };
      } catch (e) {
        return { ok: false as const, errors: itemErrors(e) };
      }
    });
    const anyFailed = prepared.some((x) => !x.ok);
    if (allOrNone && anyFailed) {
      return prepared.map((x, i) => {
        const id = idOf(records[i] as Item);
        return x.ok ? { ...(id ? { id } : {}), success: false, errors: [ROLLED_BACK] } : { success: false, errors: x.errors };
      });
    }
    return prepared.map((x) => {
      if (!x.ok) return { success: false, errors: x.errors };
      const done = commit(x.p);
      return typeof done === 'string' ? { id: done, success: true, errors: [] } : { id: done.id, success: true, errors: [], created: done.created };
    });
  };
  app.post(
    '/services/data/:v/composite/sobjects',
    rest('POST /composite/sobjects', (req, _reply, s) => {
      const { allOrNone, records } = collectionBody(req);
      return applyCollection(
        allOrNone,
        records,
        (r) => org.prepareCreate(typeOf(r), strip(r)),
        (p) => org.commitCreate(p.obj, p.values, s.userId),
        () => undefined,
      );
    }),
  );
  app.patch(
    '/services/data/:v/composite/sobjects',
    rest('PATCH /composite/sobjects', (req, _reply, s) => {
      const { allOrNone, records } = collectionBody(req);
      return applyCollection(
        allOrNone,
        records,
        (r) => {
          const obj = org.requireObject(typeOf(r));
          return { obj, ...org.prepareUpdate(obj, (r.id ?? r.Id) as string | undefined, strip(r)) };
        },
        (p) => {
          org.applyUpdate(p.obj, p.row, p.values, s.userId, 'api');
          return p.row.Id as string;
        },
        (r) => {
          const id = (r.id ?? r.Id) as string | undefined;
          return id ? (normalizeId(id) ?? id) : undefined;
        },
      );
    }),
  );
  app.delete(
    '/services/data/:v/composite/sobjects',
    rest('DELETE /composite/sobjects', (req, _reply, s) => {
      const q = req.query as { ids?: string; allOrNone?: string };
      const ids = (q.ids ?? '').split(',').filter(Boolean);
      if (ids.length > COLLECTION_MAX) throw SfApiError.one(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${COLLECTION_MAX} records into this call`);
      const records = ids.map((id) => ({ id }));
      return applyCollection(
        q.allOrNone === 'true',
        records,
        (r) => {
          const id = normalizeId(r.id as string);
          const found = id ? org.lookup(id) : undefined;
          if (!id) throw SfApiError.one(400, 'MALFORMED_ID', `malformed id ${r.id}`, []);
          if (!found) throw SfApiError.one(400, 'ENTITY_IS_DELETED', 'entity is deleted', []);
          return found;
        },
        (f) => {
          org.remove(f.object.name, f.row.Id as string, s.userId);
          return f.row.Id as string;
        },
        (r) => r.id as string,
      );
    }),
  );
  // Upsert by external id: each record carries its external id value (an id on a rolled-back or failed record is absent).
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm
  app.patch(
    '/services/data/:v/composite/sobjects/:type/:field',
    rest('PATCH /composite/sobjects/{T}/{field}', (req, _reply, s) => {
      const p = req.params as { type: string; field: string };
      const { allOrNone, records } = collectionBody(req);
      externalIdField(org.requireObject(p.type), p.field);
      return applyCollection(
        allOrNone,
        records,
        (r) => {
          const value = r[p.field] ?? Object.entries(r).find(([k]) => k.toLowerCase() === p.field.toLowerCase())?.[1];
          if (value === undefined || value === null || value === '') throw SfApiError.one(400, 'MISSING_ARGUMENT', `${p.field} not specified`, [p.field]);
          return prepareUpsert(org, typeOf(r), p.field, String(value), strip(r));
        },
        (plan) => commitUpsert(org, plan, s.userId),
        () => undefined,
      );
    }),
  );
  // §4.5 retrieve: POST with {ids, fields} (what jsforce uses) or GET ?ids=&fields=; nulls for misses.
  const retrieve = (req: FastifyRequest, s: { version: string }, ids: string[], fieldNames: string[] | undefined) => {
    const obj = org.requireObject((req.params as { type: string }).type);
    if (ids.length > 2000) throw SfApiError.one(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 2000 records into this call');
    const fields = resolveFields(obj, fieldNames);
    return ids.map((idIn) => {
      const id = normalizeId(idIn);
      const row = id ? org.rows(obj.name).get(id) : undefined;
      return row ? recordJson(obj, row, fields, s.version) : null;
    });
  };
  app.post(
    '/services/data/:v/composite/sobjects/:type',
    rest('POST /composite/sobjects/{T}', (req, _reply, s) => {
      const body = (req.body ?? {}) as { ids?: string[]; fields?: string[] };
      if (!Array.isArray(body.ids)) throw SfApiError.one(400, 'JSON_PARSER_ERROR', 'ids must be an array');
      return retrieve(req, s, body.ids, body.fields);
    }),
  );
  app.get(
    '/services/data/:v/composite/sobjects/:type',
    rest('GET /composite/sobjects/{T}', (req, _reply, s) => {
      const q = req.query as { ids?: string; fields?: string };
      if (!q.fields) throw SfApiError.one(400, 'MISSING_ARGUMENT', 'fields is required');
      return retrieve(req, s, (q.ids ?? '').split(',').filter(Boolean), q.fields.split(','));
    }),
  );
}
