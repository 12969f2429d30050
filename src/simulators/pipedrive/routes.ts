/**
 * The HTTP surface: `/v1/*` ≡ `/api/v1/*`, `/api/v2/*`, `/oauth/token` (§1.2), with the gateway 401
 * before routing (§8.3), token-based rate limiting and its headers on every answer (§6), v1/v2
 * envelopes (§2) and error bodies (§8). Handlers are small functions of (state, request).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WindowCount } from '../stats.js';
import type { SimFaults, SimStats } from '../types.js';
import {
  type Decoded,
  RFC3339,
  SchemaError,
  V1Error,
  decodeV1,
  decodeV2,
  deriveOnWrite,
  searchItem,
  serializeV1,
  serializeV2,
  withDefaults,
} from './entities.js';
import { CREATABLE_TYPES, type EntityType, type FieldDef, fieldV1, fieldV2, v1Time } from './fields.js';
import { type OpKind, type TokenRateLimiter, tokenCost } from './ratelimit.js';
import { type Actor, type Entity, FIELD_ENTITIES, type FieldEntity, type PipedriveState } from './state.js';
import { injectedApiError } from '../faults.js';
import { catalogRoutes, pipelineV2, stageV2 } from './routes/catalog.js';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  ttlSeconds: number;
}

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

const PLURAL: Record<EntityType, string> = { person: 'persons', organization: 'organizations', deal: 'deals', activity: 'activities', note: 'notes' };
const TITLE: Record<EntityType, string> = { person: 'Person', organization: 'Organization', deal: 'Deal', activity: 'Activity', note: 'Note' };
export const FIELD_PATH: Record<FieldEntity, string> = { person: 'personFields', organization: 'organizationFields', deal: 'dealFields' };

// ---------- paging ----------

function encodeCursor(o: unknown): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

function decodeCursor(s: string): Record<string, unknown> | null {
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

const sec = (ms: number) => Math.floor(ms / 1000);

const V2_LIST_COMMON = ['filter_id', 'ids', 'owner_id', 'updated_since', 'updated_until', 'sort_by', 'sort_direction', 'include_fields', 'custom_fields', 'include_option_labels', 'include_labels', 'limit', 'cursor'];
const V2_LIST_PARAMS: Record<Exclude<EntityType, 'note'>, string[]> = {
  person: [...V2_LIST_COMMON, 'org_id', 'deal_id'],
  organization: V2_LIST_COMMON,
  deal: [...V2_LIST_COMMON, 'person_id', 'org_id', 'pipeline_id', 'stage_id', 'status'],
  activity: [...V2_LIST_COMMON, 'deal_id', 'lead_id', 'person_id', 'org_id', 'done'],
};

/** Query validation of v2: unknown parameters and malformed values are a 400 like body keys (§4.4). */
function checkQuery(q: Record<string, string>, allowed: string[]): string[] {
  const clauses: string[] = [];
  for (const k of Object.keys(q)) if (k !== 'api_token' && !allowed.includes(k)) clauses.push(`${k}: Parameter '${k}' is not allowed for this request`);
  for (const k of ['updated_since', 'updated_until']) {
    if (q[k] !== undefined && !RFC3339.test(q[k])) clauses.push(`${k}: '${q[k]}' is not a valid datetime`);
  }
  if (q.limit !== undefined) {
    const n = Number(q.limit);
    if (!Number.isInteger(n) || n < 1 || n > 500) clauses.push('limit: Expected an integer between 1 and 500');
  }
  if (q.sort_by !== undefined && !['id', 'update_time', 'add_time', 'due_date'].includes(q.sort_by)) clauses.push(`sort_by: '${q.sort_by}' is not allowed`);
  if (q.sort_direction !== undefined && !['asc', 'desc'].includes(q.sort_direction)) clauses.push(`sort_direction: '${q.sort_direction}' is not allowed`);
  if (q.ids !== undefined && q.ids.split(',').length > 100) clauses.push('ids: At most 100 ids are allowed');
  if (q.custom_fields !== undefined && q.custom_fields.split(',').length > 15) clauses.push('custom_fields: At most 15 custom fields are allowed');
  for (const k of ['owner_id', 'org_id', 'person_id', 'deal_id', 'pipeline_id', 'stage_id', 'filter_id']) {
    if (q[k] !== undefined && !Number.isInteger(Number(q[k]))) clauses.push(`${k}: Expected 'integer'`);
  }
  for (const k of ['include_option_labels', 'include_labels', 'done']) {
    if (q[k] !== undefined && q[k] !== 'true' && q[k] !== 'false') clauses.push(`${k}: Expected 'boolean'`);
  }
  return clauses;
}

/**
 * v2 keyset paging (§3.1, §3.8): cursor = base64url JSON `{field, fieldValue, sortDirection, id}`,
 * `next_cursor: null` at the end, `updated_since` inclusive and `updated_until` exclusive.
 */
export function listV2(c: RouteContext, r: Req, type: Exclude<EntityType, 'note'>, archived = false): Answer {
  const q = r.query;
  const clauses = checkQuery(q, V2_LIST_PARAMS[type]);
  if (clauses.length > 0) throw new SchemaError(clauses);
  const limit = q.limit ? Number(q.limit) : 100;
  const sortBy = q.sort_by ?? 'id';
  const desc = q.sort_direction === 'desc';
  const since = q.updated_since ? sec(Date.parse(q.updated_since)) : undefined;
  const until = q.updated_until ? sec(Date.parse(q.updated_until)) : undefined;
  const ids = q.ids ? new Set(q.ids.split(',').map(Number)) : undefined;
  const num = (k: string) => intParam(q, k);
  const statuses = type === 'deal' && q.status ? new Set(q.status.split(',')) : undefined;
  const cutoff = c.state.now() - 30 * 86_400_000;
  const filters: ((e: Entity) => boolean)[] = [];
  if (statuses?.has('deleted')) {
    filters.push((e) => (e.deletedAt !== null && e.deletedAt >= cutoff) || (e.deletedAt === null && statuses.has(e.core.status as string)));
  } else {
    filters.push((e) => e.deletedAt === null);
    if (statuses) filters.push((e) => statuses.has(e.core.status as string));
  }
  // archived deals are listed only by /deals/archived
  if (type === 'deal') filters.push((e) => (e.core.is_archived === true) === archived);
  if (ids) filters.push((e) => ids.has(e.id));
  if (since !== undefined) filters.push((e) => sec(e.updateTime) >= since);
  if (until !== undefined) filters.push((e) => sec(e.updateTime) < until);
  for (const k of ['owner_id', 'org_id', 'person_id', 'pipeline_id', 'stage_id'] as const) {
    const v = num(k);
    if (v !== undefined && !(type === 'person' && k === 'person_id')) filters.push((e) => e.core[k] === v);
  }
  const dealId = num('deal_id');
  if (dealId !== undefined) {
    if (type === 'person') {
      const d = c.state.get('deal', dealId);
      filters.push((e) => d?.core.person_id === e.id);
    } else filters.push((e) => e.core.deal_id === dealId);
  }
  if (type === 'activity' && q.done !== undefined) filters.push((e) => e.core.done === (q.done === 'true'));
  const keyOf = (e: Entity): number | string =>
    sortBy === 'update_time' ? sec(e.updateTime) : sortBy === 'add_time' ? sec(e.addTime) : sortBy === 'due_date' ? String(e.core.due_date ?? '') : e.id;
  // Rows in ascending (key, id) order: the id-ordered list itself, or a cached sorted index.
  const rows = sortBy === 'id' ? c.state.all(type) : c.state.sortedBy(type, sortBy, keyOf);
  const cmp = (e: Entity, fv: number | string, id: number) => {
    const k = keyOf(e);
    return k < fv ? -1 : k > fv ? 1 : e.id - id;
  };
  /** First index whose (key, id) is ≥ (fv, id). */
  const lowerBound = (fv: number | string, id: number) => {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(rows[mid], fv, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let i = desc ? rows.length - 1 : 0;
  if (q.cursor) {
    const cur = decodeCursor(q.cursor);
    if (!cur || cur.field !== sortBy || typeof cur.id !== 'number') throw new SchemaError([`cursor: '${q.cursor}' is not a valid cursor`]);
    const fv = cur.fieldValue as number | string;
    i = desc ? lowerBound(fv, cur.id) - 1 : lowerBound(fv, cur.id + 1);
  } else if (sortBy === 'update_time' && since !== undefined && !desc) {
    i = lowerBound(since, 0);
  }
  const step = desc ? -1 : 1;
  const page: Entity[] = [];
  let more = false;
  for (; i >= 0 && i < rows.length; i += step) {
    const e = rows[i];
    if (!filters.every((f) => f(e))) continue;
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(e);
  }
  const last = page.at(-1);
  const withLabels = q.include_option_labels === 'true';
  const customKeys = q.custom_fields ? q.custom_fields.split(',') : undefined;
  return ok(
    page.map((e) => serializeV2(c.state, e, { withLabels, customKeys })),
    { next_cursor: more && last ? encodeCursor({ field: sortBy, fieldValue: keyOf(last), sortDirection: desc ? 'desc' : 'asc', id: last.id }) : null },
  );
}

/** v1 offset paging: `data: null` on an empty page (§2, [OBS S33]). */
function pageV1<T>(items: T[], q: Record<string, string>, extra?: Record<string, unknown>): Answer {
  const start = Math.max(0, Number(q.start ?? 0) || 0);
  const limit = Math.min(500, Math.max(1, Number(q.limit ?? 100) || 100));
  const page = items.slice(start, start + limit);
  const more = start + limit < items.length;
  const pagination: Record<string, unknown> = { start, limit, more_items_in_collection: more };
  if (more) pagination.next_start = start + limit;
  return { status: 200, body: { success: true, data: page.length > 0 ? page : null, additional_data: { pagination }, ...extra } };
}

function v1Sort(items: Entity[], sort: string | undefined): Entity[] {
  if (!sort) return items;
  const [field, dir] = sort.split(',')[0].trim().split(/\s+/);
  const key = (e: Entity) => (field === 'update_time' ? e.updateTime : field === 'add_time' ? e.addTime : field === 'id' ? e.id : String(e.core[field] ?? ''));
  const sign = dir?.toUpperCase() === 'DESC' ? -1 : 1;
  return [...items].sort((a, b) => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : 0));
}

// ---------- entity handlers ----------

function findLive(c: RouteContext, type: EntityType, id: string): Entity | undefined {
  const e = c.state.get(type, Number(id));
  return e;
}

function applyCreate(c: RouteContext, r: Req, type: EntityType, d: Decoded): Entity {
  const core = withDefaults(type, d.core, r.actor.userId, c.state);
  const at = c.state.now();
  deriveOnWrite(type, { core: {} }, core, at);
  checkRefs(c, r.version, type, core);
  return c.state.create(type, core, d.custom, r.actor, d.addTime);
}

function applyUpdate(c: RouteContext, r: Req, e: Entity, d: Decoded): Entity {
  deriveOnWrite(e.type, e, d.core, c.state.now());
  checkRefs(c, r.version, e.type, d.core);
  c.state.update(e, d.core, d.custom, r.actor);
  return e;
}

/** Related ids must exist (a person's org, a deal's person …). */
function checkRefs(c: RouteContext, version: 1 | 2, type: EntityType, core: Record<string, unknown>): void {
  const refs: [string, EntityType][] = [
    ['org_id', 'organization'],
    ['person_id', 'person'],
    ['deal_id', 'deal'],
  ];
  for (const [k, t] of refs) {
    const v = core[k];
    if (typeof v === 'number' && !(type === 'activity' && k === 'person_id')) {
      const e = c.state.get(t, v);
      if (!e || e.deletedAt !== null) {
        if (version === 2) throw new SchemaError([`${k}: ${TITLE[t]} with id ${v} does not exist`]);
        throw new V1Error(`${TITLE[t]} with id ${v} not found.`);
      }
    }
  }
  if (typeof core.owner_id === 'number' && !c.state.user(core.owner_id)) {
    if (version === 2) throw new SchemaError([`owner_id: User with id ${core.owner_id} does not exist`]);
    throw new V1Error(`User with id ${core.owner_id} not found.`);
  }
}

function entityRoutes(type: Exclude<EntityType, 'note'>): Omit<Route, 're' | 'names'>[] {
  const p = `/${PLURAL[type]}`;
  return [
    { method: 'GET', version: 2, template: p, op: 'list', handler: (c, r) => listV2(c, r, type) },
    {
      method: 'GET',
      version: 2,
      template: `${p}/:id`,
      op: 'get',
      handler: (c, r) => {
        const e = findLive(c, type, r.params.id);
        if (!e) return notFound(2, TITLE[type]);
        return ok(serializeV2(c.state, e, { withLabels: r.query.include_option_labels === 'true' }));
      },
    },
    {
      method: 'POST',
      version: 2,
      template: p,
      op: 'write',
      handler: (c, r) => ok(serializeV2(c.state, applyCreate(c, r, type, decodeV2(c.state, type, r.body, 'create', { strictCustomKeys: c.strictCustomKeys })))),
    },
    {
      method: 'PATCH',
      version: 2,
      template: `${p}/:id`,
      op: 'write',
      handler: (c, r) => {
        const e = findLive(c, type, r.params.id);
        if (!e || e.deletedAt !== null) return notFound(2, TITLE[type]);
        const d = decodeV2(c.state, type, r.body, 'update', { strictCustomKeys: c.strictCustomKeys });
        if (type === 'deal' && d.core.is_deleted === true) {
          c.state.remove(e, r.actor);
          return ok(serializeV2(c.state, e));
        }
        delete d.core.is_deleted;
        if (type !== 'deal') delete d.core.is_archived;
        return ok(serializeV2(c.state, applyUpdate(c, r, e, d)));
      },
    },
    {
      method: 'DELETE',
      version: 2,
      template: `${p}/:id`,
      op: 'delete',
      handler: (c, r) => {
        const e = findLive(c, type, r.params.id);
        if (!e || e.deletedAt !== null) return notFound(2, TITLE[type]);
        c.state.remove(e, r.actor);
        return ok({ id: e.id });
      },
    },
    // Legacy v1 CRUD: out of support since 2026-08-01 and not callable through SDK v33 (§1.4), kept
    // for older clients. Lenient: unknown keys ignored, strings coerced.
    {
      method: 'GET',
      version: 1,
      template: p,
      op: 'list',
      handler: (c, r) => {
        const owner = intParam(r.query, 'user_id');
        let rows = c.state.all(type).filter((e) => e.deletedAt === null && (owner === undefined || e.core.owner_id === owner));
        if (r.query.first_char) rows = rows.filter((e) => String(e.core.name ?? '').toLowerCase().startsWith(r.query.first_char.toLowerCase()));
        const start = Math.max(0, Number(r.query.start ?? 0) || 0);
        const limit = Math.min(500, Math.max(1, Number(r.query.limit ?? 100) || 100));
        // Serialise only the page: v1 objects expand owner/org references.
        const sorted = v1Sort(rows, r.query.sort);
        const out = sorted.map((e, i) => (i >= start && i < start + limit ? serializeV1(c.state, e) : null));
        return pageV1(out, r.query);
      },
    },
    {
      method: 'GET',
      version: 1,
      template: `${p}/:id`,
      op: 'get',
      handler: (c, r) => {
        const e = findLive(c, type, r.params.id);
        return e ? ok(serializeV1(c.state, e), {}) : notFound(1, TITLE[type]);
      },
    },
    {
      method: 'POST',
      version: 1,
      template: p,
      op: 'write',
      handler: (c, r) => ({ status: 201, body: { success: true, data: serializeV1(c.state, applyCreate(c, r, type, decodeV1(c.state, type, bodyObject(r), 'create'))) } }),
    },
    {
      method: 'PUT',
      version: 1,
      template: `${p}/:id`,
      op: 'write',
      handler: (c, r) => {
        const e = findLive(c, type, r.params.id);
        if (!e || e.deletedAt !== null) return notFound(1, TITLE[type]);
        return ok(serializeV1(c.state, applyUpdate(c, r, e, decodeV1(c.state, type, bodyObject(r), 'update'))));
      },
    },
    {
      method: 'DELETE',
      version: 1,
      template: `${p}/:id`,
      op: 'delete',
      handler: (c, r) => {
        const e = findLive(c, type, r.params.id);
        if (!e || e.deletedAt !== null) return notFound(1, TITLE[type]);
        c.state.remove(e, r.actor);
        return ok({ id: e.id });
      },
    },
  ];
}

function bodyObject(r: Req): Record<string, unknown> {
  return typeof r.body === 'object' && r.body !== null && !Array.isArray(r.body) ? (r.body as Record<string, unknown>) : {};
}

// ---------- search ----------

interface SearchSpec {
  term: string;
  exact: boolean;
  fields: string[] | null;
}

function searchSpec(q: Record<string, string>, max: number): SearchSpec & { limit: number; offset: number } {
  const term = (q.term ?? '').trim();
  const exact = q.exact_match === 'true';
  if (term.length === 0) throw new SchemaError(['term: Invalid input: "term" is not allowed to be empty']);
  if (term.length < (exact ? 1 : 2)) throw new SchemaError(['term: "term" length must be at least 2 characters long']);
  const limit = q.limit ? Number(q.limit) : 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new SchemaError([`limit: Expected an integer between 1 and ${max}`]);
  const cur = q.cursor ? decodeCursor(q.cursor) : { offset: 0 };
  if (!cur || typeof cur.offset !== 'number') throw new SchemaError([`cursor: '${q.cursor}' is not a valid cursor`]);
  return { term: term.toLowerCase(), exact, fields: q.fields ? q.fields.split(',') : null, limit, offset: cur.offset };
}

const SEARCHABLE_CUSTOM = new Set(['varchar', 'varchar_auto', 'text', 'double', 'monetary', 'phone', 'address']);

/** Lower-cased searchable texts of one entity, per search field (§3.1, §3.7 `fields`). */
interface SearchTexts {
  e: Entity;
  name: string | null;
  email: string[];
  phone: string[];
  address: string | null;
  custom: string[];
}

function searchTexts(c: RouteContext, type: EntityType): SearchTexts[] {
  return c.state.derived(type, 'search', (rows) => {
    const defs = c.state.customDefs(type).filter((d) => SEARCHABLE_CUSTOM.has(d.field_type));
    const lower = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v.toLowerCase() : null);
    return rows
      .filter((e) => e.deletedAt === null)
      .map((e) => ({
        e,
        name: lower(type === 'deal' ? e.core.title : e.core.name),
        email: ((e.core.emails as { value: string }[] | undefined) ?? []).map((m) => m.value.toLowerCase()),
        phone: ((e.core.phones as { value: string }[] | undefined) ?? []).map((m) => m.value.toLowerCase()),
        address: lower((e.core.address as { value?: string } | null | undefined)?.value),
        custom: defs
          .map((d) => e.custom[d.key])
          .filter((v) => v !== undefined && v !== null)
          .map((v) => String(typeof v === 'object' ? (v as { value: unknown }).value : v).toLowerCase()),
      }));
  });
}

function textScore(v: string | null, spec: SearchSpec): number {
  if (v === null) return 0;
  if (v === spec.term) return 1;
  if (spec.exact) return 0;
  if (v.startsWith(spec.term)) return 0.8;
  return v.includes(spec.term) ? 0.5 : 0;
}

/** Best match score of one entity over the requested fields (0 = no match). Hot loop: no closures. */
function scoreEntity(t: SearchTexts, spec: SearchSpec): number {
  const f = spec.fields;
  let best = 0;
  let s = 0;
  if (f === null || f.includes(t.e.type === 'deal' ? 'title' : 'name')) best = textScore(t.name, spec);
  if (t.e.type === 'person') {
    if (f === null || f.includes('email'))
      for (const m of t.email) {
        s = textScore(m, spec);
        if (s > best) best = s;
      }
    if (f === null || f.includes('phone'))
      for (const m of t.phone) {
        s = textScore(m, spec);
        if (s > best) best = s;
      }
  }
  if (t.e.type === 'organization' && (f === null || f.includes('address'))) {
    s = textScore(t.address, spec);
    if (s > best) best = s;
  }
  if (f === null || f.includes('custom_fields'))
    for (const v of t.custom) {
      s = textScore(v, spec) * 0.9;
      if (s > best) best = s;
    }
  return best;
}

function runSearch(c: RouteContext, types: EntityType[], q: Record<string, string>, max: number, filter?: (e: Entity) => boolean): Answer {
  const spec = searchSpec(q, max);
  const hits: { e: Entity; score: number }[] = [];
  const only = (fs: string[]) => spec.fields !== null && spec.fields.every((f) => fs.includes(f));
  // Exact e-mail / name terms are answered from indexes, the way a search engine would; other
  // searches scan precomputed lower-cased texts.
  if (spec.exact && only(['email', 'name'])) {
    const seen = new Set<Entity>();
    for (const t of types) {
      if (t === 'person' && spec.fields?.includes('email')) for (const e of c.state.personsByEmail(spec.term)) seen.add(e);
      if (spec.fields?.includes('name')) for (const e of c.state.personsOrOrgsByName(t, spec.term)) seen.add(e);
    }
    for (const e of seen) hits.push({ e, score: 1 });
  } else {
    for (const t of types) {
      for (const x of searchTexts(c, t)) {
        const s = scoreEntity(x, spec);
        if (s > 0) hits.push({ e: x.e, score: s });
      }
    }
  }
  const filtered = filter ? hits.filter((h) => filter(h.e)) : hits;
  // Best score first, then type and id; few distinct scores, so a stable sort on score suffices
  // for scans (already in type/id order).
  filtered.sort((a, b) => b.score - a.score || (a.e.type === b.e.type ? a.e.id - b.e.id : a.e.type < b.e.type ? -1 : 1));
  const page = filtered.slice(spec.offset, spec.offset + spec.limit);
  const more = spec.offset + spec.limit < filtered.length;
  return ok(
    { items: page.map((h) => ({ result_score: Math.round(h.score * 10000) / 10000, item: searchItem(c.state, h.e) })) },
    { next_cursor: more ? encodeCursor({ offset: spec.offset + spec.limit }) : null },
  );
}

// ---------- fields ----------

function fieldRoutes(type: FieldEntity): Omit<Route, 're' | 'names'>[] {
  const p = `/${FIELD_PATH[type]}`;
  const defs = (c: RouteContext) => c.state.fields[type];
  const create = (c: RouteContext, version: 1 | 2, body: Record<string, unknown>): Answer => {
    const name = version === 2 ? body.field_name : body.name;
    const ft = body.field_type;
    if (typeof name !== 'string' || name.length === 0 || name.length > 255) return badRequest(version, version === 2 ? 'Validation failed: field_name: Expected non-empty \'string\'' : 'Name must be given.');
    if (typeof ft !== 'string' || !CREATABLE_TYPES.has(ft)) return badRequest(version, `Validation failed: field_type: '${String(ft)}' is not a valid field type`);
    const opts = Array.isArray(body.options) ? body.options.map((o) => (typeof o === 'string' ? o : String((o as { label?: unknown }).label ?? ''))) : [];
    if ((ft === 'enum' || ft === 'set') && opts.length === 0 && version === 2) return badRequest(2, 'Validation failed: options: Options are required for enum and set fields');
    const def = c.state.addCustomField(type, { name, field_type: ft, options: opts });
    return ok(version === 2 ? fieldV2(def) : fieldV1(def, defs(c).length));
  };
  const byCode = (c: RouteContext, code: string) => defs(c).find((f) => f.key === code);
  return [
    { method: 'GET', version: 1, template: p, op: 'fields', handler: (c, r) => pageV1(defs(c).map((d, i) => fieldV1(d, i + 1)), r.query) },
    {
      method: 'GET',
      version: 1,
      template: `${p}/:id`,
      op: 'get',
      handler: (c, r) => {
        const d = defs(c).find((f) => f.id === Number(r.params.id));
        return d ? ok(fieldV1(d, defs(c).indexOf(d) + 1)) : notFound(1, 'Field');
      },
    },
    { method: 'POST', version: 1, template: p, op: 'write', handler: (c, r) => create(c, 1, bodyObject(r)) },
    {
      method: 'DELETE',
      version: 1,
      template: `${p}/:id`,
      op: 'delete',
      handler: (c, r) => {
        const d = defs(c).find((f) => f.id === Number(r.params.id));
        if (!d || !d.custom) return notFound(1, 'Field');
        c.state.deleteCustomField(type, d.key);
        return ok({ id: d.id });
      },
    },
    {
      method: 'GET',
      version: 2,
      template: p,
      op: 'fields',
      handler: (c, r) => {
        const limit = r.query.limit ? Number(r.query.limit) : 100;
        const cur = r.query.cursor ? decodeCursor(r.query.cursor) : { offset: 0 };
        const offset = typeof cur?.offset === 'number' ? cur.offset : 0;
        const all = defs(c);
        const page = all.slice(offset, offset + limit);
        return ok(page.map(fieldV2), { next_cursor: offset + limit < all.length ? encodeCursor({ offset: offset + limit }) : null });
      },
    },
    {
      method: 'GET',
      version: 2,
      template: `${p}/:code`,
      op: 'get',
      handler: (c, r) => {
        const d = byCode(c, r.params.code);
        return d ? ok(fieldV2(d)) : notFound(2, 'Field');
      },
    },
    { method: 'POST', version: 2, template: p, op: 'write', handler: (c, r) => create(c, 2, bodyObject(r)) },
    {
      method: 'DELETE',
      version: 2,
      template: `${p}/:code`,
      op: 'delete',
      handler: (c, r) => {
        const d = byCode(c, r.params.code);
        if (!d || !d.custom) return notFound(2, 'Field');
        c.state.deleteCustomField(type, d.key);
        // v2 answers the deleted field itself
        return ok(fieldV2(d));
      },
    },
    {
      method: 'POST',
      version: 2,
      template: `${p}/:code/options`,
      op: 'write',
      handler: (c, r) => {
        const d = byCode(c, r.params.code);
        if (!d) return notFound(2, 'Field');
        if (d.field_type !== 'enum' && d.field_type !== 'set') return badRequest(2, `Validation failed: field ${d.key} has no options`);
        if (!Array.isArray(r.body)) return badRequest(2, "Validation failed: body: Expected 'array'");
        const added = c.state.addFieldOptions(d, (r.body as { label?: unknown }[]).map((o) => String(o.label ?? '')));
        return { status: 200, body: { success: true, data: added, additional_data: null } };
      },
    },
  ];
}

// ---------- changelog, notes, users, webhooks, pipelines ----------

function changelogRoute(type: 'person' | 'organization' | 'deal'): Omit<Route, 're' | 'names'> {
  return {
    method: 'GET',
    version: 1,
    template: `/${PLURAL[type]}/:id/changelog`,
    op: 'changelog',
    handler: (c, r) => {
      const e = c.state.get(type, Number(r.params.id));
      if (!e) return notFound(1, TITLE[type]);
      const limit = Math.min(500, Number(r.query.limit ?? 100) || 100);
      // Newest first; cursor = base64 "id:<row>" as in the spec example "aWQ6NTQ0" (§7.1).
      const rows = [...c.state.changelog(type, e.id)].reverse();
      let start = 0;
      if (r.query.cursor) {
        const m = /^id:(\d+)$/.exec(Buffer.from(r.query.cursor, 'base64').toString('utf8'));
        if (!m) return badRequest(1, 'Invalid cursor');
        const seq = Number(m[1]);
        start = rows.findIndex((x) => x.seq < seq);
        if (start < 0) start = rows.length;
      }
      const page = rows.slice(start, start + limit);
      const more = start + limit < rows.length;
      return ok(
        page.map((x) => ({
          field_key: x.field_key,
          old_value: x.old_value,
          new_value: x.new_value,
          actor_user_id: x.actor_user_id,
          time: v1Time(x.time),
          change_source: x.change_source,
          change_source_user_agent: x.change_source_user_agent,
          is_bulk_update_flag: x.is_bulk_update_flag,
        })),
        { next_cursor: more ? Buffer.from(`id:${page.at(-1)?.seq}`).toString('base64') : null },
      );
    },
  };
}

/** `/v1/{entity}/{id}/flow` (updates, §7.2): field changes, notes and activities, newest first. */
function flowRoute(type: 'person' | 'organization' | 'deal'): Omit<Route, 're' | 'names'> {
  return {
    method: 'GET',
    version: 1,
    template: `/${PLURAL[type]}/:id/flow`,
    op: 'flow',
    handler: (c, r) => {
      const e = c.state.get(type, Number(r.params.id));
      if (!e) return notFound(1, TITLE[type]);
      const allChanges = r.query.all_changes === '1';
      const wanted = r.query.items ? new Set(r.query.items.split(',')) : null;
      const changeObject = `${type}Change`;
      const link = type === 'person' ? 'person_id' : type === 'organization' ? 'org_id' : 'deal_id';
      const items: { at: number; seq: number; item: Record<string, unknown> }[] = [];
      if (!wanted || wanted.has(changeObject) || wanted.has('change')) {
        for (const row of c.state.changelog(type, e.id)) {
          // Custom field changes only with all_changes=1 (§7.2).
          if (!allChanges && /^[0-9a-f]{40}$/.test(row.field_key)) continue;
          items.push({
            at: row.time,
            seq: row.seq,
            item: {
              object: changeObject,
              timestamp: v1Time(row.time),
              data: {
                id: row.seq,
                item_id: e.id,
                user_id: row.actor_user_id,
                field_key: row.field_key,
                old_value: row.old_value,
                new_value: row.new_value,
                is_bulk_update_flag: row.is_bulk_update_flag ? true : null,
                log_time: v1Time(row.time),
                change_source: row.change_source,
                change_source_user_agent: row.change_source_user_agent,
                additional_data: {},
              },
            },
          });
        }
      }
      for (const t of ['note', 'activity'] as const) {
        if (wanted && !wanted.has(t)) continue;
        for (const x of c.state.all(t)) {
          if (x.deletedAt !== null || x.core[link] !== e.id) continue;
          items.push({ at: x.addTime, seq: 0, item: { object: t, timestamp: v1Time(x.addTime), data: t === 'note' ? noteV1(c, x) : serializeV1(c.state, x) } });
        }
      }
      items.sort((a, b) => b.at - a.at || b.seq - a.seq);
      return pageV1(
        items.map((x) => x.item),
        r.query,
      );
    },
  };
}

function noteV1(c: RouteContext, e: Entity): Record<string, unknown> {
  const n = serializeV1(c.state, e);
  const u = c.state.user(e.core.user_id as number);
  const d = typeof e.core.deal_id === 'number' ? c.state.get('deal', e.core.deal_id) : undefined;
  const p = typeof e.core.person_id === 'number' ? c.state.get('person', e.core.person_id) : undefined;
  const o = typeof e.core.org_id === 'number' ? c.state.get('organization', e.core.org_id) : undefined;
  delete n.company_id;
  return {
    ...n,
    deal_id: e.core.deal_id ?? null,
    person_id: e.core.person_id ?? null,
    org_id: e.core.org_id ?? null,
    lead_id: e.core.lead_id ?? null,
    last_update_user_id: e.core.user_id,
    deal: d ? { title: d.core.title } : null,
    person: p ? { name: p.core.name } : null,
    organization: o ? { name: o.core.name } : null,
    user: u ? { email: u.email, icon_url: null, is_you: u.id === c.tokenUserId, name: u.name } : null,
  };
}

export function userV1(c: RouteContext, id: number): Record<string, unknown> | null {
  const u = c.state.user(id);
  if (!u) return null;
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    active_flag: u.active_flag,
    is_admin: u.is_admin ? 1 : 0,
    default_currency: 'EUR',
    locale: 'en_US',
    lang: 1,
    timezone_name: 'Europe/London',
    created: '2024-01-02 09:00:00',
    modified: '2024-01-02 09:00:00',
    has_created_company: u.id === 1,
    is_you: u.id === c.tokenUserId,
    company_id: c.state.companyId,
    company_name: 'Simulated Company',
    company_domain: c.state.companyDomain,
  };
}

function webhookJson(w: import('./state.js').Webhook, companyId: number): Record<string, unknown> {
  return {
    id: w.id,
    company_id: companyId,
    owner_id: w.user_id,
    user_id: w.user_id,
    event_action: w.event_action,
    event_object: w.event_object,
    subscription_url: w.subscription_url,
    version: w.version,
    is_active: w.is_active,
    add_time: new Date(w.add_time).toISOString(),
    remove_time: null,
    type: 'general',
    http_auth_user: w.http_auth_user,
    http_auth_password: w.http_auth_password,
    remove_reason: null,
    last_delivery_time: w.last_delivery_time ? new Date(w.last_delivery_time).toISOString() : null,
    last_http_status: w.last_http_status,
    admin_id: w.user_id,
    name: w.name,
  };
}

const WEBHOOK_ACTIONS = ['create', 'change', 'delete', '*', 'added', 'updated', 'merged', 'deleted'];
const WEBHOOK_OBJECTS = ['activity', 'deal', 'lead', 'note', 'organization', 'person', 'pipeline', 'product', 'stage', 'user', '*'];

function otherRoutes(): Omit<Route, 're' | 'names'>[] {
  return [
    // Notes: v1 only (§3.6).
    {
      method: 'GET',
      version: 1,
      template: '/notes',
      op: 'list',
      handler: (c, r) => {
        const q = r.query;
        const f: ((e: Entity) => boolean)[] = [(e) => e.deletedAt === null];
        for (const k of ['user_id', 'deal_id', 'person_id', 'org_id', 'project_id'] as const) {
          const v = intParam(q, k);
          if (v !== undefined) f.push((e) => e.core[k] === v);
        }
        if (q.lead_id) f.push((e) => e.core.lead_id === q.lead_id);
        if (q.updated_since) {
          if (!RFC3339.test(q.updated_since)) return badRequest(1, `updated_since: '${q.updated_since}' is not a valid datetime`);
          const s = sec(Date.parse(q.updated_since));
          f.push((e) => sec(e.updateTime) >= s);
        }
        if (q.start_date) f.push((e) => new Date(e.addTime).toISOString().slice(0, 10) >= q.start_date);
        if (q.end_date) f.push((e) => new Date(e.addTime).toISOString().slice(0, 10) <= q.end_date);
        const rows = v1Sort(
          c.state.all('note').filter((e) => f.every((x) => x(e))),
          q.sort,
        );
        return pageV1(
          rows.map((e) => noteV1(c, e)),
          q,
        );
      },
    },
    {
      method: 'GET',
      version: 1,
      template: '/notes/:id',
      op: 'get',
      handler: (c, r) => {
        const e = c.state.get('note', Number(r.params.id));
        return e && e.deletedAt === null ? ok(noteV1(c, e)) : notFound(1, 'Note');
      },
    },
    {
      method: 'POST',
      version: 1,
      template: '/notes',
      op: 'write',
      handler: (c, r) => ok(noteV1(c, applyCreate(c, r, 'note', decodeV1(c.state, 'note', bodyObject(r), 'create')))),
    },
    {
      method: 'PUT',
      version: 1,
      template: '/notes/:id',
      op: 'write',
      handler: (c, r) => {
        const e = c.state.get('note', Number(r.params.id));
        if (!e || e.deletedAt !== null) return notFound(1, 'Note');
        return ok(noteV1(c, applyUpdate(c, r, e, decodeV1(c.state, 'note', bodyObject(r), 'update'))));
      },
    },
    {
      method: 'DELETE',
      version: 1,
      template: '/notes/:id',
      op: 'delete',
      handler: (c, r) => {
        const e = c.state.get('note', Number(r.params.id));
        if (!e || e.deletedAt !== null) return notFound(1, 'Note');
        c.state.remove(e, r.actor);
        return ok(true);
      },
    },
    // Search (§3.1, §3.7): burst 10 / 2 s on every plan.
    {
      method: 'GET',
      version: 2,
      template: '/persons/search',
      op: 'search',
      search: true,
      handler: (c, r) => {
        const org = intParam(r.query, 'organization_id');
        return runSearch(c, ['person'], r.query, 500, org === undefined ? undefined : (e) => e.core.org_id === org);
      },
    },
    { method: 'GET', version: 2, template: '/organizations/search', op: 'search', search: true, handler: (c, r) => runSearch(c, ['organization'], r.query, 500) },
    {
      method: 'GET',
      version: 2,
      template: '/deals/search',
      op: 'search',
      search: true,
      handler: (c, r) => {
        const pid = intParam(r.query, 'person_id');
        const oid = intParam(r.query, 'organization_id');
        const st = r.query.status;
        return runSearch(c, ['deal'], r.query, 500, (e) => (pid === undefined || e.core.person_id === pid) && (oid === undefined || e.core.org_id === oid) && (!st || e.core.status === st));
      },
    },
    {
      method: 'GET',
      version: 2,
      template: '/itemSearch',
      op: 'search',
      search: true,
      handler: (c, r) => {
        const all: EntityType[] = ['deal', 'person', 'organization'];
        const types = r.query.item_types ? (r.query.item_types.split(',') as EntityType[]).filter((t) => all.includes(t)) : all;
        return runSearch(c, types, r.query, 100);
      },
    },
    // Recent changes (v1 `/recents`, SDK v1.RecentsApi): every item updated at or after
    // since_timestamp, deleted ones included with `active_flag: false` — the one list that shows
    // deleted persons and organizations. Shape from the SDK's GetRecentsResponse model.
    {
      method: 'GET',
      version: 1,
      template: '/recents',
      op: 'list',
      handler: (c, r) => {
        const ts = r.query.since_timestamp;
        if (!ts || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(ts)) return badRequest(1, 'since_timestamp must be given as YYYY-MM-DD HH:MM:SS');
        const since = sec(Date.parse(`${ts.replace(' ', 'T')}Z`));
        const wanted = (r.query.items ?? 'activity,deal,note,person,organization').split(',') as EntityType[];
        const rows = wanted
          .filter((t) => t in PLURAL)
          .flatMap((t) => c.state.all(t).filter((e) => sec(e.updateTime) >= since))
          .sort((a, b) => a.updateTime - b.updateTime || a.id - b.id);
        const res = pageV1(
          rows.map((e) => ({ item: e.type, id: e.id, data: e.type === 'note' ? noteV1(c, e) : serializeV1(c.state, e) })),
          r.query,
        );
        const body = res.body as { data: { data: { update_time: string } }[] | null; additional_data: Record<string, unknown> };
        body.additional_data.since_timestamp = ts;
        body.additional_data.last_timestamp_on_page = body.data?.at(-1)?.data.update_time ?? null;
        return res;
      },
    },
    // Users (v1 only in SDK v33).
    { method: 'GET', version: 1, template: '/users', op: 'list', handler: (c) => ok(c.state.users.map((u) => userV1(c, u.id))) },
    { method: 'GET', version: 1, template: '/users/me', op: 'get', handler: (c, r) => ok(userV1(c, r.actor.userId)) },
    {
      method: 'GET',
      version: 1,
      template: '/users/:id',
      op: 'get',
      handler: (c, r) => {
        const u = userV1(c, Number(r.params.id));
        return u ? ok(u) : notFound(1, 'User');
      },
    },
    // Pipelines and stages.
    { method: 'GET', version: 2, template: '/pipelines', op: 'list', handler: (c) => ok(c.state.pipelines.map((p) => pipelineV2(c, p)), { next_cursor: null }) },
    {
      method: 'GET',
      version: 2,
      template: '/stages',
      op: 'list',
      handler: (c, r) => {
        const pid = intParam(r.query, 'pipeline_id');
        const rows = c.state.stages.filter((s) => pid === undefined || s.pipeline_id === pid);
        return ok(
          rows.map(stageV2),
          { next_cursor: null },
        );
      },
    },
    {
      method: 'GET',
      version: 1,
      template: '/activityTypes',
      op: 'list',
      handler: () =>
        ok(
          ['call', 'meeting', 'task', 'deadline', 'email', 'lunch'].map((k, i) => ({ id: i + 1, order_nr: i + 1, name: k[0].toUpperCase() + k.slice(1), key_string: k, icon_key: k, active_flag: true, is_custom_flag: false })),
        ),
    },
    // Webhooks (v1 only; its own error shapes, §5.1).
    { method: 'GET', version: 1, template: '/webhooks', op: 'webhooks', handler: (c) => ({ status: 200, body: { status: 'ok', success: true, data: c.state.webhooks.map((w) => webhookJson(w, c.state.companyId)) } }) },
    {
      method: 'POST',
      version: 1,
      template: '/webhooks',
      op: 'webhooks',
      handler: (c, r) => {
        const b = bodyObject(r);
        const errors: Record<string, string[]> = {};
        const url = typeof b.subscription_url === 'string' ? b.subscription_url : '';
        if (!/^https?:\/\/[^\s/]+/.test(url)) errors.subscription_url = ['invalid or non-reachable URL'];
        if (typeof b.event_action !== 'string' || !WEBHOOK_ACTIONS.includes(b.event_action)) errors.event_action = ['invalid value'];
        if (typeof b.event_object !== 'string' || !WEBHOOK_OBJECTS.includes(b.event_object)) errors.event_object = ['invalid value'];
        if (b.version !== undefined && b.version !== '1.0' && b.version !== '2.0') errors.version = ['invalid value'];
        if (Object.keys(errors).length > 0) return { status: 400, body: { status: 'error', success: false, errors } };
        const owner = Number(b.user_id ?? r.actor.userId);
        if (c.state.webhooks.filter((w) => w.user_id === owner).length >= 40) return { status: 422, body: { status: 'error', success: false, errors: { webhooks: ['Webhooks limit reached'] } } };
        const w = c.state.addWebhook({
          user_id: owner,
          event_action: b.event_action as string,
          event_object: b.event_object as string,
          subscription_url: url,
          version: (b.version as string | undefined) ?? '2.0',
          name: typeof b.name === 'string' ? b.name : `Webhook ${c.state.webhooks.length + 1}`,
          http_auth_user: typeof b.http_auth_user === 'string' ? b.http_auth_user : null,
          http_auth_password: typeof b.http_auth_password === 'string' ? b.http_auth_password : null,
        });
        return { status: 201, body: { status: 'ok', success: true, data: webhookJson(w, c.state.companyId) } };
      },
    },
    {
      method: 'DELETE',
      version: 1,
      template: '/webhooks/:id',
      op: 'delete',
      handler: (c, r) =>
        c.state.removeWebhook(Number(r.params.id))
          ? { status: 200, body: { status: 'ok', success: true } }
          : { status: 404, body: { status: 'error', success: false, errors: { id: ['not found'] } } },
    },
  ];
}

export function buildRoutes(): Route[] {
  const defs = [
    // Search paths must come before `/:id` routes of the same entity.
    ...otherRoutes(),
    ...(['person', 'organization', 'deal', 'activity'] as const).flatMap(entityRoutes),
    ...FIELD_ENTITIES.flatMap(fieldRoutes),
    ...(['person', 'organization', 'deal'] as const).map(changelogRoute),
    ...(['person', 'organization', 'deal'] as const).map(flowRoute),
    ...catalogRoutes(),
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

interface Auth {
  token: string;
  userId: number;
  oauth: boolean;
}

function authenticate(c: RouteContext, req: FastifyRequest, query: Record<string, string>): Auth | null {
  const header = req.headers['x-api-token'];
  const apiToken = typeof header === 'string' ? header : query.api_token;
  // "If both API token and OAuth access token are set, then the API token takes precedence." (§1.1)
  if (apiToken !== undefined) return apiToken === c.token ? { token: apiToken, userId: c.tokenUserId, oauth: false } : null;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) {
    const t = auth.slice(7);
    const held = c.accessTokens.get(t);
    if (held && held.expiresAt > c.state.now()) return { token: t, userId: held.userId, oauth: true };
  }
  return null;
}

function countCall(stats: SimStats, key: string): void {
  stats.calls[key] = (stats.calls[key] ?? 0) + 1;
  stats.totalCalls++;
}

function oauthTokenEndpoint(c: RouteContext, req: FastifyRequest): Answer {
  const auth = req.headers.authorization ?? '';
  const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
  const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, string>;
  const clientOk = basic === `${c.oauth.clientId}:${c.oauth.clientSecret}` || (body.client_id === c.oauth.clientId && body.client_secret === c.oauth.clientSecret);
  if (!clientOk) return { status: 401, body: { success: false, error: 'invalid_client', message: 'Invalid client credentials' } };
  let userId: number;
  let refresh: string;
  if (body.grant_type === 'authorization_code') {
    if (!body.code) return { status: 400, body: { success: false, error: 'invalid_request', message: 'code is missing' } };
    userId = c.tokenUserId;
    refresh = `${c.state.companyId}:${userId}:${randomBytes(16).toString('hex')}`;
    c.refreshTokens.set(refresh, userId);
  } else if (body.grant_type === 'refresh_token') {
    const u = c.refreshTokens.get(body.refresh_token ?? '');
    if (u === undefined) return { status: 400, body: { success: false, error: 'invalid_grant', message: 'Invalid refresh token' } };
    userId = u;
    refresh = body.refresh_token;
  } else {
    return { status: 400, body: { success: false, error: 'unsupported_grant_type', message: 'Unsupported grant type' } };
  }
  const access = `v1u:${randomBytes(24).toString('hex')}`;
  c.accessTokens.set(access, { expiresAt: c.state.now() + c.oauth.ttlSeconds * 1000, userId });
  c.stats.tokenRefreshes++;
  return {
    status: 200,
    body: {
      access_token: access,
      token_type: 'Bearer',
      refresh_token: refresh,
      scope: 'base,deals:full,contacts:full,activities:full,admin',
      expires_in: c.oauth.ttlSeconds,
      api_domain: c.apiDomain(),
    },
  };
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
