/**
 * The HTTP surface (reference salesforce.md §0 table): what every REST route shares — the version
 * and session check, call accounting, error answers (the OAuth endpoints are `oauth.ts`, the
 * limits `ratelimit.ts`). The resources themselves are in `routes/` by group: discovery, identity and /limits;
 * sObjects (describe, rows, getUpdated/getDeleted); SOQL query/queryAll/queryMore; sObject
 * Collections; upsert, read and delete by external id; composite, batch and sObject Tree; SOSL search; the Tooling API `CustomField` create; Bulk API 2.0 is `bulk.ts`.
 * Every REST answer is JSON with `Content-Type: application/json;charset=UTF-8` (jsforce parses
 * nothing else, §1.1) and carries `Sforce-Limit-Info` (§9.3).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BulkOptions } from './bulk.js';
import { registerBulkRoutes } from './routes/bulk.js';
import { registerCollectionRoutes } from './routes/collections.js';
import { registerCompositeRoutes } from './routes/composite.js';
import { registerDiscoveryRoutes } from './routes/discovery.js';
import { registerQueryRoutes } from './routes/query.js';
import { registerSearchRoutes } from './routes/search.js';
import { registerSObjectRoutes } from './routes/sobjects.js';
import { registerToolingRoutes } from './routes/tooling.js';
import { registerUpsertRoutes } from './routes/upsert.js';
import type { SfField, SfObject } from './schema.js';
import { formatDateTime } from './soql.js';
import { type Row, SoqlError } from './soql-parser.js';
import { type SalesforceOrg, SfApiError, type SfErrorItem } from './state.js';

export const VERSIONS = ['58.0', '59.0', '60.0', '61.0', '62.0'];
export const RELEASES: Record<string, string> = { '58.0': "Summer '23", '59.0': "Winter '24", '60.0': "Spring '24", '61.0': "Summer '24", '62.0': "Winter '25" };
export const JSON_TYPE = 'application/json;charset=UTF-8';
export const COLLECTION_MAX = 200;

/** Marks the composite resources' own subrequests: one API call for the whole request, no second latency. */
export const SUBREQUEST_HEADER = 'x-sfsim-subrequest';
export const SUBREQUEST_TOKEN = randomUUID();

/** An allOrNone composite request in progress per org: other requests wait for it, so its rollback never undoes theirs. */
const openTransactions = new WeakMap<SalesforceOrg, Promise<unknown>>();
export async function holdRequestsWhile<T>(org: SalesforceOrg, work: Promise<T>): Promise<T> {
  openTransactions.set(org, work);
  try {
    return await work;
  } finally {
    if (openTransactions.get(org) === work) openTransactions.delete(org);
  }
}
async function transactionsSettled(org: SalesforceOrg): Promise<void> {
  for (let open = openTransactions.get(org); open; open = openTransactions.get(org)) await open.catch(() => undefined);
}

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
  /** Bulk API 2.0 processing delay and limits. */
  bulk?: BulkOptions;
}

export type Handler = (req: FastifyRequest, reply: FastifyReply, s: Session & { version: string }) => unknown;
/** Wraps an authenticated REST route: version check, session, call accounting. */
export type Rest = (template: string, handler: Handler) => (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** An error answer: the error array, or no body where Salesforce publishes only the status (412). */
export function sendErrors(reply: FastifyReply, status: number, errors: SfErrorItem[]) {
  if (errors.length === 0) return reply.code(status).send();
  return reply.code(status).type(JSON_TYPE).send(errors);
}

function versionOf(req: FastifyRequest): string | null {
  const v = (req.params as { v?: string }).v ?? '';
  const m = /^v(\d+\.\d)$/.exec(v);
  return m && VERSIONS.includes(m[1] as string) ? (m[1] as string) : null;
}

/** Projects a row for sObject Rows / retrieve: attributes first, canonical casing, Id always. */
export function recordJson(obj: SfObject, row: Row, fields: SfField[], version: string): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type: obj.name, url: `/services/data/v${version}/sobjects/${obj.name}/${row.Id}` } };
  if (!fields.some((f) => f.name === 'Id')) out.Id = row.Id;
  for (const f of fields) out[f.name] = row[f.name] ?? (f.type === 'boolean' ? false : null);
  return out;
}

export function resolveFields(obj: SfObject, names: string[] | undefined): SfField[] {
  if (!names || names.length === 0) return obj.fields;
  return names.map((n) => {
    const f = obj.byLower.get(n.trim().toLowerCase());
    if (!f) throw SfApiError.one(400, 'INVALID_FIELD', `No such column '${n.trim()}' on sobject of type ${obj.name}`);
    return f;
  });
}

export function httpDate(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw SfApiError.one(400, 'INVALID_HEADER_TYPE', `Invalid conditional header value: ${s}`);
  return t;
}

export function registerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { org } = ctx;

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

  const rest: Rest = (template, handler) => {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      const version = versionOf(req);
      if (!version) return sendErrors(reply, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : auth?.startsWith('OAuth ') ? auth.slice(6) : undefined;
      const session = ctx.authenticate(token);
      if (!session) return sendErrors(reply, 401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]);
      if (req.headers[SUBREQUEST_HEADER] !== SUBREQUEST_TOKEN) {
        const refused = ctx.admit(req, template);
        if (refused) return sendErrors(reply, refused.status, refused.errors);
        await ctx.serve(req, reply);
        await transactionsSettled(org);
      }
      const out = await handler(req, reply, { ...session, version });
      if (reply.sent) return reply;
      return reply.type(JSON_TYPE).send(out);
    };
  };

  const bulk = registerBulkRoutes(app, org, rest, ctx.bulk);
  registerDiscoveryRoutes(app, ctx, rest, bulk.limits);
  registerSObjectRoutes(app, ctx, rest);
  registerQueryRoutes(app, ctx, rest);
  registerCollectionRoutes(app, ctx, rest);
  registerToolingRoutes(app, ctx, rest);
  registerUpsertRoutes(app, ctx, rest);
  registerCompositeRoutes(app, ctx, rest);
  registerSearchRoutes(app, ctx, rest);
}

export { formatDateTime };
