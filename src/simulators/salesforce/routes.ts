/**
 * The HTTP surface (reference salesforce.md §0 table): versions and discovery, identity, sObject
 * rows, describe, SOQL query/queryAll/queryMore, sObject Collections, getUpdated/getDeleted,
 * /limits, the Tooling API `CustomField` create, and the OAuth token/revoke/authorize endpoints.
 * Every REST answer is JSON with `Content-Type: application/json;charset=UTF-8` (jsforce parses
 * nothing else, §1.1) and carries `Sforce-Limit-Info` (§9.3).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type BulkOptions, registerBulkRoutes } from './bulk.js';
import { normalizeId } from './ids.js';
import { type SfField, type SfObject, type SfType, describeField } from './schema.js';
import { type CompiledQuery, type Row, SoqlError, formatDateTime, parseDateTime } from './soql.js';
import { type SalesforceOrg, SfApiError, type SfErrorItem } from './state.js';

export const VERSIONS = ['58.0', '59.0', '60.0', '61.0', '62.0'];
const RELEASES: Record<string, string> = { '58.0': "Summer '23", '59.0': "Winter '24", '60.0': "Spring '24", '61.0': "Summer '24", '62.0': "Winter '25" };
const JSON_TYPE = 'application/json;charset=UTF-8';
const COLLECTION_MAX = 200;

export interface Session {
  userId: string;
}

export interface RouteContext {
  org: SalesforceOrg;
  baseUrl: () => string;
  /** Resolves a bearer token to its session, or null (→ 401 INVALID_SESSION_ID). */
  authenticate(token: string | undefined): Session | null;
  /** Counts one API call; returns an error to answer instead (limits, injected faults). */
  admit(req: FastifyRequest, template: string): SfApiError | null;
  /** An admitted call is in service until its answer is sent (the long-running limit counts these); waits any configured latency. */
  serve(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  limitInfo(): { used: number; max: number };
  oauth(req: FastifyRequest, reply: FastifyReply): Promise<unknown>;
  /** Bulk API 2.0 processing delay and limits. */
  bulk?: BulkOptions;
}

interface Cursor {
  rows: Row[];
  query: CompiledQuery;
  version: string;
  pageSize: number;
  expires: number;
}

/** An error answer: the error array, or no body where Salesforce publishes only the status (412). */
function sendErrors(reply: FastifyReply, status: number, errors: SfErrorItem[]) {
  if (errors.length === 0) return reply.code(status).send();
  return reply.code(status).type(JSON_TYPE).send(errors);
}

/** Per-item results in collections use `statusCode`, not `errorCode` (§4.1). */
function itemErrors(e: unknown): { statusCode: string; message: string; fields: string[] }[] {
  if (e instanceof SfApiError) return e.errors.map((x) => ({ statusCode: x.errorCode, message: x.message, fields: x.fields ?? [] }));
  return [{ statusCode: 'UNKNOWN_EXCEPTION', message: String(e), fields: [] }];
}

const ROLLED_BACK = { statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] };

function versionOf(req: FastifyRequest): string | null {
  const v = (req.params as { v?: string }).v ?? '';
  const m = /^v(\d+\.\d)$/.exec(v);
  return m && VERSIONS.includes(m[1] as string) ? (m[1] as string) : null;
}

/** Projects a row for sObject Rows / retrieve: attributes first, canonical casing, Id always. */
function recordJson(obj: SfObject, row: Row, fields: SfField[], version: string): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type: obj.name, url: `/services/data/v${version}/sobjects/${obj.name}/${row.Id}` } };
  if (!fields.some((f) => f.name === 'Id')) out.Id = row.Id;
  for (const f of fields) out[f.name] = row[f.name] ?? (f.type === 'boolean' ? false : null);
  return out;
}

function resolveFields(obj: SfObject, names: string[] | undefined): SfField[] {
  if (!names || names.length === 0) return obj.fields;
  return names.map((n) => {
    const f = obj.byLower.get(n.trim().toLowerCase());
    if (!f) throw SfApiError.one(400, 'INVALID_FIELD', `No such column '${n.trim()}' on sobject of type ${obj.name}`);
    return f;
  });
}

/** `If-Modified-Since` on describe (§2.6): unchanged since the header's date (whole seconds) → 304. */
function metadataUnchanged(req: FastifyRequest, modifiedAt: number): boolean {
  const since = httpDate(req.headers['if-modified-since'] as string | undefined);
  return since !== undefined && Math.floor(modifiedAt / 1000) * 1000 <= since;
}

/** §1.4: a method the resource does not take → 405 METHOD_NOT_ALLOWED naming the ones it does. */
function methodNotAllowed(method: string, allowed: string): SfApiError {
  return SfApiError.one(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed}`);
}

function httpDate(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw SfApiError.one(400, 'INVALID_HEADER_TYPE', `Invalid conditional header value: ${s}`);
  return t;
}

const TOOLING_TYPES: Record<string, SfType> = {
  Text: 'string', TextArea: 'textarea', LongTextArea: 'textarea', Email: 'email', Phone: 'phone', Url: 'url', Picklist: 'picklist',
  MultiselectPicklist: 'multipicklist', Checkbox: 'boolean', Number: 'double', Currency: 'currency', Percent: 'percent', Date: 'date', DateTime: 'datetime',
};

export function registerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { org } = ctx;
  const cursors = new Map<string, Cursor>();

  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/services/data/v') || req.url.startsWith('/id/')) {
      const { used, max } = ctx.limitInfo();
      reply.header('Sforce-Limit-Info', `api-usage=${used}/${max}`);
    }
    return payload;
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof SfApiError) return sendErrors(reply, err.status, err.errors);
    if (err instanceof SoqlError) return sendErrors(reply, 400, [{ errorCode: err.errorCode, message: err.message }]);
    const e = err as { statusCode?: number; message: string };
    if (e.statusCode && e.statusCode < 500) {
      // Fastify's own body parsing failure is Salesforce's JSON_PARSER_ERROR.
      return sendErrors(reply, 400, [{ errorCode: 'JSON_PARSER_ERROR', message: e.message }]);
    }
    return sendErrors(reply, 500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: e.message }]);
  });

  app.setNotFoundHandler((_req, reply) => sendErrors(reply, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]));

  /** Wraps an authenticated REST route: version check, session, call accounting. */
  const rest = (template: string, handler: (req: FastifyRequest, reply: FastifyReply, s: Session & { version: string }) => unknown) => {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      const version = versionOf(req);
      if (!version) return sendErrors(reply, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : auth?.startsWith('OAuth ') ? auth.slice(6) : undefined;
      const session = ctx.authenticate(token);
      if (!session) return sendErrors(reply, 401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]);
      const refused = ctx.admit(req, template);
      if (refused) return sendErrors(reply, refused.status, refused.errors);
      await ctx.serve(req, reply);
      const out = await handler(req, reply, { ...session, version });
      if (reply.sent) return reply;
      return reply.type(JSON_TYPE).send(out);
    };
  };

  const bulk = registerBulkRoutes(app, org, rest, ctx.bulk);

  // §1.3: versions list, unauthenticated, not counted.
  app.get('/services/data', async (_req, reply) => reply.type(JSON_TYPE).send(VERSIONS.map((v) => ({ label: RELEASES[v], url: `/services/data/v${v}`, version: v }))));

  app.get(
    '/services/data/:v',
    rest('GET /services/data/vXX.X', (_req, _reply, s) => {
      const base = `/services/data/v${s.version}`;
      return {
        tooling: `${base}/tooling`, metadata: `${base}/metadata`, eclair: `${base}/eclair`, folders: `${base}/folders`,
        sobjects: `${base}/sobjects`, query: `${base}/query`, queryAll: `${base}/queryAll`, composite: `${base}/composite`, limits: `${base}/limits`,
        search: `${base}/search`, recent: `${base}/recent`, identity: `${ctx.baseUrl()}/id/${org.orgId}/${s.userId}`,
      };
    }),
  );

  // §1.3: identity URL, reached by jsforce with ?oauth_token= or a bearer header.
  app.get('/id/:orgId/:userId', async (req, reply) => {
    const q = req.query as { oauth_token?: string };
    const auth = req.headers.authorization;
    const session = ctx.authenticate(q.oauth_token ?? (auth?.startsWith('Bearer ') ? auth.slice(7) : undefined));
    if (!session) return reply.code(403).type('text/plain').send('Bad_OAuth_Token');
    const { userId } = req.params as { userId: string };
    const user = org.lookup(userId);
    if (!user || user.object.name !== 'User') return sendErrors(reply, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    const base = ctx.baseUrl();
    return reply.type(JSON_TYPE).send({
      id: `${base}/id/${org.orgId}/${user.row.Id}`, asserted_user: true, user_id: user.row.Id, organization_id: org.orgId,
      username: user.row.Username, nick_name: user.row.LastName, display_name: user.row.Name, email: user.row.Email, active: user.row.IsActive,
      user_type: 'STANDARD', language: 'en_US', locale: 'en_US', utcOffset: 0, last_modified_date: user.row.LastModifiedDate,
      photos: { picture: `${base}/profilephoto/005/F`, thumbnail: `${base}/profilephoto/005/T` },
      urls: { rest: `${base}/services/data/v{version}/`, sobjects: `${base}/services/data/v{version}/sobjects/`, query: `${base}/services/data/v{version}/query/`, limits: `${base}/services/data/v{version}/limits`, profile: `${base}/${user.row.Id}` },
    });
  });

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

  // §3: query, queryAll, queryMore.
  const pageOf = (cursorId: string, c: Cursor, offset: number) => {
    const end = Math.min(offset + c.pageSize, c.rows.length);
    const records = c.rows.slice(offset, end).map((r) => c.query.project(r, c.version));
    const done = end >= c.rows.length;
    if (done) cursors.delete(cursorId);
    else c.expires = Date.now() + 2 * 86_400_000;
    return { totalSize: c.rows.length, done, ...(done ? {} : { nextRecordsUrl: `/services/data/v${c.version}/query/${cursorId}-${end}` }), records };
  };
  const runQuery = (scanAll: boolean) => (req: FastifyRequest, _reply: FastifyReply, s: { version: string }) => {
    const q = (req.query as { q?: string }).q;
    if (!q) throw SfApiError.one(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const compiled = org.compile(q);
    const rows = org.runQuery(compiled, scanAll);
    if (compiled.count) return { totalSize: rows.length, done: true, records: [] };
    // §3.1: Sforce-Query-Options batchSize, 200..2000, default 2000.
    const opt = /batchSize=(\d+)/i.exec(String(req.headers['sforce-query-options'] ?? ''));
    const pageSize = opt ? Math.min(2000, Math.max(200, Number(opt[1]))) : 2000;
    const cursorId = org.ids.next('0r8');
    const cursor: Cursor = { rows, query: compiled, version: s.version, pageSize, expires: Date.now() + 2 * 86_400_000 };
    cursors.set(cursorId, cursor);
    if (cursors.size > 500) {
      const now = Date.now();
      for (const [k, v] of cursors) if (v.expires < now || cursors.size > 500) cursors.delete(k);
    }
    return pageOf(cursorId, cursor, 0);
  };
  app.get('/services/data/:v/query', rest('GET /query', runQuery(false)));
  app.get('/services/data/:v/queryAll', rest('GET /queryAll', runQuery(true)));
  const more = (req: FastifyRequest) => {
    const loc = (req.params as { locator: string }).locator;
    const m = /^([0-9A-Za-z]{18})-(\d+)$/.exec(loc);
    const c = m ? cursors.get(m[1] as string) : undefined;
    if (!m || !c || c.expires < Date.now() || Number(m[2]) > c.rows.length) throw SfApiError.one(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    return pageOf(m[1] as string, c, Number(m[2]));
  };
  app.get('/services/data/:v/query/:locator', rest('GET /query/{locator}', more));
  app.get('/services/data/:v/queryAll/:locator', rest('GET /query/{locator}', more));

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
  const applyCollection = <P>(allOrNone: boolean, records: Item[], prepare: (r: Item) => P, commit: (p: P) => string, idOf: (r: Item) => string | undefined) => {
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
    return prepared.map((x) => (x.ok ? { id: commit(x.p), success: true, errors: [] } : { success: false, errors: x.errors }));
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

  // §9.2 limits.
  app.get(
    '/services/data/:v/limits',
    rest('GET /limits', () => {
      const { used, max } = ctx.limitInfo();
      const static_ = (n: number) => ({ Max: n, Remaining: n });
      return {
        DailyApiRequests: { Max: max, Remaining: Math.max(0, max - used) },
        ...bulk.limits(),
        DailyDeliveredPlatformEvents: static_(10000),
        DataStorageMB: { Max: 1024, Remaining: 1024 - Math.round(org.count('Lead') / 500 + org.count('Contact') / 500) },
        FileStorageMB: static_(1024),
        SingleEmail: static_(15),
        ConcurrentAsyncGetReportInstances: static_(200),
        PermissionSets: { Max: 1500, Remaining: 1499, CreateCustom: { Max: 1000, Remaining: 999 } },
      };
    }),
  );

  // Custom fields: the Tooling API `CustomField` create (FullName 'Object.Name__c' + Metadata).
  app.post(
    '/services/data/:v/tooling/sobjects/CustomField',
    rest('POST /tooling/sobjects/CustomField', (req, reply) => {
      const body = (req.body ?? {}) as { FullName?: string; Metadata?: Record<string, unknown> };
      const [objName, fieldName] = String(body.FullName ?? '').split('.');
      const meta = body.Metadata ?? {};
      if (!objName || !fieldName || !/^[A-Za-z][A-Za-z0-9_]*__c$/.test(fieldName) || fieldName.includes('___')) {
        throw SfApiError.one(400, 'FIELD_INTEGRITY_EXCEPTION', `Invalid FullName '${body.FullName}': a custom field is 'Object.Name__c'`, ['FullName']);
      }
      const obj = org.object(objName);
      if (!obj || obj.name.endsWith('History') || obj.name === 'User') throw SfApiError.one(400, 'INVALID_TYPE', `sObject type '${objName}' is not supported.`, ['FullName']);
      const type = TOOLING_TYPES[String(meta.type)];
      if (!type) throw SfApiError.one(400, 'FIELD_INTEGRITY_EXCEPTION', `Unsupported custom field type: ${String(meta.type)}`, ['Metadata.type']);
      const valueSet = meta.valueSet as { restricted?: boolean; valueSetDefinition?: { value?: { fullName: string }[] } } | undefined;
      const field: SfField = {
        name: fieldName, label: String(meta.label ?? fieldName.replace(/__c$/, '').replace(/_/g, ' ')), type, custom: true, createable: true, updateable: true, tracked: true,
      };
      if (['string', 'textarea', 'email', 'phone', 'url', 'picklist'].includes(type)) field.length = Number(meta.length ?? (type === 'textarea' && meta.type === 'LongTextArea' ? 32768 : 255));
      if (type === 'multipicklist') field.length = 4099;
      if (['double', 'currency', 'percent'].includes(type)) {
        field.precision = Number(meta.precision ?? 18);
        field.scale = Number(meta.scale ?? 0);
      }
      if (type === 'picklist' || type === 'multipicklist') {
        field.picklist = (valueSet?.valueSetDefinition?.value ?? []).map((v) => v.fullName);
        field.restricted = valueSet?.restricted === true;
      }
      org.addCustomField(obj.name, field);
      reply.code(201);
      return { id: org.ids.next('00N'), success: true, errors: [], warnings: [], infos: [] };
    }),
  );

  // OAuth 2.0 endpoints (§1.2), form-encoded.
  app.post('/services/oauth2/token', (req, reply) => ctx.oauth(req, reply));
  app.post('/services/oauth2/revoke', (req, reply) => ctx.oauth(req, reply));
  app.get('/services/oauth2/authorize', (req, reply) => ctx.oauth(req, reply));
}

export { formatDateTime };
