/**
 * SOQL query, queryAll and queryMore (§3): pages of `Sforce-Query-Options` batchSize (200..2000,
 * default 2000) behind a locator that lives two days.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Rest, RouteContext } from '../routes.js';
import type { CompiledQuery } from '../soql.js';
import type { Row } from '../soql-parser.js';
import { SfApiError } from '../state.js';

interface Cursor {
  rows: Row[];
  query: CompiledQuery;
  version: string;
  pageSize: number;
  expires: number;
}

export function registerQueryRoutes(app: FastifyInstance, ctx: RouteContext, rest: Rest): void {
  const { org } = ctx;
  const cursors = new Map<string, Cursor>();

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
}
