/**
 * Composite resources: `/composite` (up to 25 subrequests in order, each with a `referenceId`
 * whose answer later subrequests name as `@{ref.path}`; `allOrNone` rolls every one back when one
 * fails), `/composite/batch` (up to 25 independent subrequests, `haltOnError`) and
 * `/composite/tree/{sObject}` (record trees with their child relationships, all created or none).
 * A subrequest is served by the simulator's own REST routes. A composite or tree request is one
 * API call; in a batch each subrequest counts against the request limits ("Each subrequest counts
 * against rate limits", Composite Batch), one refused by them answers its own 403.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_batch.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobject_tree.htm
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type Rest,
  type RouteContext,
  SUBREQUEST_HEADER,
  SUBREQUEST_TOKEN,
  holdRequestsWhile,
} from '../routes.js';
import type { SfObject } from '../schema.js';
import { type SalesforceOrg, SfApiError } from '../state.js';
import { type TreeNode, flattenTree } from './tree.js';

export const SUBREQUEST_MAX = 25;

type Answer = { status: number; body: unknown; location?: string };

/** One subrequest through the simulator's own routes, with the caller's session. */
async function subrequest(
  app: FastifyInstance,
  req: FastifyRequest,
  method: string,
  url: string,
  body: unknown,
): Promise<Answer> {
  if (!url.startsWith('/services/data/')) {
    return {
      status: 404,
      body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
    };
  }
  const res = await app.inject({
    method: method.toUpperCase() as 'GET',
    url,
    headers: {
      authorization: req.headers.authorization ?? '',
      [SUBREQUEST_HEADER]: SUBREQUEST_TOKEN,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  let parsed: unknown = null;
  try {
    parsed = res.payload ? JSON.parse(res.payload) : null;
  } catch {
    parsed = res.payload;
  }
  return { status: res.statusCode, body: parsed };
}

/** `ref.records[0].Id` read from the answers so far; undefined when any step is missing. */
function lookupReference(answers: Map<string, unknown>, expr: string): unknown {
  const [ref, ...path] = expr.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '');
  let v: unknown = answers.get(ref as string);
  for (const step of path)
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[step] : undefined;
  return v;
}

/** Replaces `@{ref.path}` in a URL or body; a value that is one whole reference keeps its type. */
function resolve(node: unknown, answers: Map<string, unknown>): unknown {
  if (typeof node === 'string') {
    const value = (expr: string) => {
      const v = lookupReference(answers, expr);
      if (v === undefined || v === null) {
        const ref = expr.split(/[.[]/)[0];
        throw SfApiError.one(
          400,
          'PROCESSING_HALTED',
          `Invalid reference specified. No value for ${expr} found in ${ref}. Provided referenceId ('${ref}') must be the referenceId of an earlier successful subrequest.`,
        );
      }
      return v;
    };
    const whole = /^@\{([^}]+)\}$/.exec(node);
    if (whole) return value(whole[1] as string);
    return node.replace(/@\{([^}]+)\}/g, (_m, expr: string) => String(value(expr)));
  }
  if (Array.isArray(node)) return node.map((n) => resolve(n, answers));
  if (node && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v, answers)]));
  return node;
}

const HALTED = {
  errorCode: 'PROCESSING_HALTED',
  message: 'The transaction was rolled back since another operation in the same transaction failed.',
};

/** The subrequests of a composite or batch body: a non-empty array of at most SUBREQUEST_MAX. */
function subrequestList<T>(list: T[] | undefined, name: string): T[] {
  if (!Array.isArray(list) || list.length === 0)
    throw SfApiError.one(400, 'JSON_PARSER_ERROR', `The request body must contain a ${name} array`);
  if (list.length > SUBREQUEST_MAX)
    throw SfApiError.one(400, 'LIMIT_EXCEEDED', `${name} can contain at most ${SUBREQUEST_MAX} subrequests`);
  return list;
}

type SubRequest = { method: string; url: string; referenceId: string; body?: unknown };

function compositeBody(req: FastifyRequest): { allOrNone: boolean; subs: SubRequest[] } {
  const body = req.body as { allOrNone?: boolean; compositeRequest?: Partial<SubRequest>[] } | undefined;
  const subs = subrequestList(body?.compositeRequest, 'compositeRequest');
  const seen = new Set<string>();
  for (const [i, s] of subs.entries()) {
    if (!s.method || !s.url || !s.referenceId)
      throw SfApiError.one(
        400,
        'JSON_PARSER_ERROR',
        `compositeRequest[${i}] needs method, url and referenceId`,
      );
    if (!/^[A-Za-z0-9_]+$/.test(s.referenceId) || seen.has(s.referenceId)) {
      throw SfApiError.one(
        400,
        'INVALID_INPUT',
        `compositeRequest[${i}]: referenceId '${s.referenceId}' must be unique and alphanumeric`,
      );
    }
    seen.add(s.referenceId);
  }
  return { allOrNone: body?.allOrNone === true, subs: subs as SubRequest[] };
}

export function registerCompositeRoutes(app: FastifyInstance, ctx: RouteContext, rest: Rest): void {
  const { org } = ctx;

  app.post(
    '/services/data/:v/composite',
    rest('POST /composite', async (req) => {
      const { allOrNone, subs } = compositeBody(req);
      const run = async () => {
        const answers = new Map<string, unknown>();
        const out: {
          body: unknown;
          httpHeaders: Record<string, string>;
          httpStatusCode: number;
          referenceId: string;
        }[] = [];
        let failed = false;
        for (const sub of subs) {
          if (failed && allOrNone) {
            out.push({ body: [HALTED], httpHeaders: {}, httpStatusCode: 400, referenceId: sub.referenceId });
            continue;
          }
          let answer: Answer;
          try {
            answer = await subrequest(
              app,
              req,
              sub.method,
              resolve(sub.url, answers) as string,
              resolve(sub.body, answers),
            );
          } catch (e) {
            if (!(e instanceof SfApiError)) throw e;
            answer = { status: e.status, body: e.errors };
          }
          if (answer.status < 300) answers.set(sub.referenceId, answer.body);
          else failed = true;
          const id = (answer.body as { id?: unknown } | null)?.id;
          const location: Record<string, string> =
            answer.status === 201 && typeof id === 'string'
              ? { Location: `${sub.url.split('?')[0]?.replace(/\/$/, '')}/${id}` }
              : {};
          out.push({
            body: answer.body,
            httpHeaders: location,
            httpStatusCode: answer.status,
            referenceId: sub.referenceId,
          });
        }
        if (failed && allOrNone) {
          for (const o of out)
            if (o.httpStatusCode < 300)
              Object.assign(o, { body: [HALTED], httpHeaders: {}, httpStatusCode: 400 });
        }
        return { ok: !(failed && allOrNone), value: { compositeResponse: out } };
      };
      return allOrNone ? holdRequestsWhile(org, org.transaction(run)) : (await run()).value;
    }),
  );

  app.post(
    '/services/data/:v/composite/batch',
    rest('POST /composite/batch', async (req) => {
      const body = req.body as
        | { batchRequests?: { method?: string; url?: string; richInput?: unknown }[]; haltOnError?: boolean }
        | undefined;
      const batch = subrequestList(body?.batchRequests, 'batchRequests');
      const results: { statusCode: number; result: unknown }[] = [];
      let halted = false;
      for (const [i, b] of batch.entries()) {
        if (halted) {
          results.push({
            statusCode: 412,
            result: [
              { errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' },
            ],
          });
          continue;
        }
        if (!b.method || !b.url)
          throw SfApiError.one(400, 'JSON_PARSER_ERROR', `batchRequests[${i}] needs method and url`);
        // A subrequest URL starts at the version (`v62.0/sobjects/Lead`) or is the full path.
        const url = b.url.startsWith('/services/data/')
          ? b.url
          : `/services/data/${b.url.replace(/^\//, '')}`;
        // the batch's own call counts its first subrequest
        const refused = i > 0 ? ctx.admit(req, 'POST /composite/batch') : null;
        const answer = refused
          ? { status: refused.status, body: refused.errors }
          : await subrequest(app, req, b.method, url, b.richInput);
        results.push({ statusCode: answer.status, result: answer.body });
        if (answer.status >= 400 && body?.haltOnError === true) halted = true;
      }
      return { hasErrors: results.some((r) => r.statusCode >= 400), results };
    }),
  );

  app.post(
    '/services/data/:v/composite/tree/:type',
    rest('POST /composite/tree/{T}', async (req, reply, s) => {
      const obj = org.requireObject((req.params as { type: string }).type);
      const nodes = flattenTree(org, obj, (req.body as { records?: unknown } | undefined)?.records);
      const failures = nodes.flatMap((n) =>
        n.errors.length > 0 ? [{ referenceId: n.referenceId, errors: n.errors }] : [],
      );
      if (failures.length > 0) {
        reply.code(400);
        return { hasErrors: true, results: failures };
      }
      const ids = await org.transaction(async () => ({ ok: true, value: createTree(org, nodes, s.userId) }));
      reply.code(201);
      return { hasErrors: false, results: nodes.map((n, i) => ({ referenceId: n.referenceId, id: ids[i] })) };
    }),
  );
}

/** Creates the validated records in order (a parent before its children), each child pointing at its parent. */
function createTree(org: SalesforceOrg, nodes: TreeNode[], userId: string): string[] {
  const ids: string[] = [];
  for (const n of nodes) {
    const values = { ...n.values };
    if (n.parent !== undefined && n.lookupField) values[n.lookupField] = ids[n.parent];
    ids.push(org.commitCreate(n.obj as SfObject, values, userId));
  }
  return ids;
}
