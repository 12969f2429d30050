/**
 * sObject resources (§2): describe global, describe (`If-Modified-Since` → 304), basic
 * information, getUpdated / getDeleted (§8.3), and sObject Rows: read, create, update, delete, and
 * 405 for the methods a resource does not take (§1.4).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { COLLECTION_MAX, type Rest, type RouteContext, httpDate, recordJson, resolveFields } from '../routes.js';
import { describeField } from '../schema.js';
import { parseDateTime } from '../soql.js';
import type { Row } from '../soql-parser.js';
import { SfApiError } from '../state.js';

/** `If-Modified-Since` on describe (§2.6): unchanged since the header's date (whole seconds) → 304. */
function metadataUnchanged(req: FastifyRequest, modifiedAt: number): boolean {
  const since = httpDate(req.headers['if-modified-since'] as string | undefined);
  return since !== undefined && Math.floor(modifiedAt / 1000) * 1000 <= since;
}

/** §1.4: a method the resource does not take → 405 METHOD_NOT_ALLOWED naming the ones it does. */
function methodNotAllowed(method: string, allowed: string): SfApiError {
  return SfApiError.one(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed}`);
}

export function registerSObjectRoutes(app: FastifyInstance, ctx: RouteContext, rest: Rest): void {
  const { org } = ctx;
  app.get(
    '/services/data/:v/sobjects',
    rest('GET /sobjects', (req, reply, s) => {
      const objects = [...org.schema.values()];
      if (metadataUnchanged(req, Math.max(...objects.map((o) => org.metadataModifiedAt(o.name))))) return reply.code(304).send();
      return {
        encoding: 'UTF-8',
        maxBatchSize: COLLECTION_MAX,
        sobjects: objects.map((o) => ({
          name: o.name, label: o.label, labelPlural: o.labelPlural, keyPrefix: o.keyPrefix, custom: false, createable: o.createable, updateable: o.updateable,
          deletable: o.deletable, queryable: true, retrieveable: true, searchable: !o.name.endsWith('History'), replicateable: true, triggerable: !o.name.endsWith('History'),
          layoutable: !o.name.endsWith('History'), activateable: false, customSetting: false, deprecatedAndHidden: false, feedEnabled: false, mergeable: ['Lead', 'Contact', 'Account'].includes(o.name),
          undeletable: o.deletable, deepCloneable: false, hasSubtypes: false, idEnabled: true, isInterface: false, isSubtype: false, mruEnabled: !o.name.endsWith('History'),
          urls: { sobject: `/services/data/v${s.version}/sobjects/${o.name}`, describe: `/services/data/v${s.version}/sobjects/${o.name}/describe`, rowTemplate: `/services/data/v${s.version}/sobjects/${o.name}/{ID}` },
        })),
      };
    }),
  );

  app.get(
    '/services/data/:v/sobjects/:type/describe',
    rest('GET /sobjects/{T}/describe', (req, reply, s) => {
      const o = org.requireObject((req.params as { type: string }).type);
      if (metadataUnchanged(req, org.metadataModifiedAt(o.name))) return reply.code(304).send();
      const base = `/services/data/v${s.version}/sobjects/${o.name}`;
      return {
        name: o.name, label: o.label, labelPlural: o.labelPlural, keyPrefix: o.keyPrefix, custom: false, createable: o.createable, updateable: o.updateable,
        deletable: o.deletable, queryable: true, retrieveable: true, searchable: true, replicateable: true, triggerable: true, undeletable: o.deletable,
        mergeable: false, layoutable: true, activateable: false, customSetting: false, deprecatedAndHidden: false, feedEnabled: false, listviewable: null,
        lookupLayoutable: null, searchLayoutable: true, compactLayoutable: true, mruEnabled: true, idEnabled: true, isInterface: false, isSubtype: false, hasSubtypes: false,
        deepCloneable: false, actionOverrides: [], namedLayoutInfos: [], networkScopeFieldName: null, supportedScopes: [{ label: 'All', name: 'everything' }],
        childRelationships: [], recordTypeInfos: [{ active: true, available: true, defaultRecordTypeMapping: true, developerName: 'Master', master: true, name: 'Master', recordTypeId: '012000000000000AAA', urls: {} }],
        urls: { uiEditTemplate: '', sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
        fields: o.fields.map(describeField),
      };
    }),
  );

  app.get(
    '/services/data/:v/sobjects/:type',
    rest('GET /sobjects/{T}', (req, _reply, s) => {
      const o = org.requireObject((req.params as { type: string }).type);
      return { objectDescribe: { name: o.name, label: o.label, keyPrefix: o.keyPrefix, urls: { sobject: `/services/data/v${s.version}/sobjects/${o.name}` } }, recentItems: [] };
    }),
  );

  // §8.3 getUpdated / getDeleted.
  const replicationRange = (req: FastifyRequest): [number, number] => {
    const q = req.query as { start?: string; end?: string };
    if (!q.start || !q.end) throw SfApiError.one(400, 'MISSING_ARGUMENT', 'start and end are required');
    return [parseDateTime(q.start), parseDateTime(q.end)];
  };
  app.get(
    '/services/data/:v/sobjects/:type/updated',
    rest('GET /sobjects/{T}/updated', (req) => org.getUpdated((req.params as { type: string }).type, ...replicationRange(req))),
  );
  app.get(
    '/services/data/:v/sobjects/:type/deleted',
    rest('GET /sobjects/{T}/deleted', (req) => org.getDeleted((req.params as { type: string }).type, ...replicationRange(req))),
  );

  app.get(
    '/services/data/:v/sobjects/:type/:id',
    rest('GET /sobjects/{T}/{id}', (req, reply, s) => {
      const p = req.params as { type: string; id: string };
      const o = org.requireObject(p.type);
      let row: Row;
      try {
        row = org.requireRow(o, p.id);
      } catch (e) {
        // §2.2: a record in the recycle bin reads as NOT_FOUND (writes say ENTITY_IS_DELETED).
        if (e instanceof SfApiError && e.errors[0]?.errorCode === 'ENTITY_IS_DELETED') throw SfApiError.one(404, 'NOT_FOUND', 'The requested resource does not exist');
        throw e;
      }
      const since = httpDate(req.headers['if-modified-since'] as string | undefined);
      if (since !== undefined && parseDateTime(row.LastModifiedDate as string) <= since) return reply.code(304).send();
      const fieldsParam = (req.query as { fields?: string }).fields;
      return recordJson(o, row, resolveFields(o, fieldsParam ? fieldsParam.split(',') : undefined), s.version);
    }),
  );

  app.post(
    '/services/data/:v/sobjects/:type',
    rest('POST /sobjects/{T}', (req, reply, s) => {
      const p = req.params as { type: string };
      const id = org.create(p.type, (req.body ?? {}) as Record<string, unknown>, s.userId);
      reply.code(201);
      return { id, success: true, errors: [] };
    }),
  );

  app.patch(
    '/services/data/:v/sobjects/:type/:id',
    rest('PATCH /sobjects/{T}/{id}', (req, reply, s) => {
      const p = req.params as { type: string; id: string };
      const ius = httpDate(req.headers['if-unmodified-since'] as string | undefined);
      org.update(p.type, p.id, (req.body ?? {}) as Record<string, unknown>, s.userId, 'api', ius);
      return reply.code(204).send();
    }),
  );

  app.route({
    method: ['PATCH', 'PUT', 'DELETE'],
    url: '/services/data/:v/sobjects/:type',
    handler: rest('PATCH|PUT|DELETE /sobjects/{T}', (req) => {
      org.requireObject((req.params as { type: string }).type);
      throw methodNotAllowed(req.method, 'HEAD,GET,POST');
    }),
  });
  app.put(
    '/services/data/:v/sobjects/:type/:id',
    rest('PUT /sobjects/{T}/{id}', (req) => {
      org.requireObject((req.params as { type: string }).type);
      throw methodNotAllowed(req.method, 'HEAD,GET,PATCH,DELETE');
    }),
  );

  app.delete(
    '/services/data/:v/sobjects/:type/:id',
    rest('DELETE /sobjects/{T}/{id}', (req, reply, s) => {
      const p = req.params as { type: string; id: string };
      org.remove(p.type, p.id, s.userId);
      return reply.code(204).send();
    }),
  );
}
