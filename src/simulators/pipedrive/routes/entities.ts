import type { EntityType } from '../schema.js';
import {
  type Decoded,
  RFC3339,
  SchemaError,
  V1Error,
  decodeV1,
  decodeV2,
  deriveOnWrite,
  withDefaults,
} from '../entities.js';
import { serializeV1, serializeV2 } from '../serialize.js';
import type { Entity } from '../model.js';
import {
  type Answer,
  PLURAL,
  type Req,
  type Route,
  type RouteContext,
  TITLE,
  bodyObject,
  decodeCursor,
  encodeCursor,
  intParam,
  notFound,
  ok,
  pageV1,
  sec,
} from '../routes.js';

const V2_LIST_COMMON = [
  'filter_id',
  'ids',
  'owner_id',
  'updated_since',
  'updated_until',
  'sort_by',
  'sort_direction',
  'include_fields',
  'custom_fields',
  'include_option_labels',
  'include_labels',
  'limit',
  'cursor',
];
const V2_LIST_PARAMS: Record<Exclude<EntityType, 'note'>, string[]> = {
  person: [...V2_LIST_COMMON, 'org_id', 'deal_id'],
  organization: V2_LIST_COMMON,
  deal: [...V2_LIST_COMMON, 'person_id', 'org_id', 'pipeline_id', 'stage_id', 'status'],
  activity: [...V2_LIST_COMMON, 'deal_id', 'lead_id', 'person_id', 'org_id', 'done'],
};

/** Query validation of v2: unknown parameters and malformed values are a 400 like body keys (§4.4). */
function checkQuery(q: Record<string, string>, allowed: string[]): string[] {
  const clauses: string[] = [];
  for (const k of Object.keys(q))
    if (k !== 'api_token' && !allowed.includes(k))
      clauses.push(`${k}: Parameter '${k}' is not allowed for this request`);
  for (const k of ['updated_since', 'updated_until']) {
    if (q[k] !== undefined && !RFC3339.test(q[k])) clauses.push(`${k}: '${q[k]}' is not a valid datetime`);
  }
  if (q.limit !== undefined) {
    const n = Number(q.limit);
    if (!Number.isInteger(n) || n < 1 || n > 500)
      clauses.push('limit: Expected an integer between 1 and 500');
  }
  if (q.sort_by !== undefined && !['id', 'update_time', 'add_time', 'due_date'].includes(q.sort_by))
    clauses.push(`sort_by: '${q.sort_by}' is not allowed`);
  if (q.sort_direction !== undefined && !['asc', 'desc'].includes(q.sort_direction))
    clauses.push(`sort_direction: '${q.sort_direction}' is not allowed`);
  if (q.ids !== undefined && q.ids.split(',').length > 100) clauses.push('ids: At most 100 ids are allowed');
  if (q.custom_fields !== undefined && q.custom_fields.split(',').length > 15)
    clauses.push('custom_fields: At most 15 custom fields are allowed');
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
    filters.push(
      (e) =>
        (e.deletedAt !== null && e.deletedAt >= cutoff) ||
        (e.deletedAt === null && statuses.has(e.core.status as string)),
    );
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
    sortBy === 'update_time'
      ? sec(e.updateTime)
      : sortBy === 'add_time'
        ? sec(e.addTime)
        : sortBy === 'due_date'
          ? String(e.core.due_date ?? '')
          : e.id;
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
    if (!cur || cur.field !== sortBy || typeof cur.id !== 'number')
      throw new SchemaError([`cursor: '${q.cursor}' is not a valid cursor`]);
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
    {
      next_cursor:
        more && last
          ? encodeCursor({
              field: sortBy,
              fieldValue: keyOf(last),
              sortDirection: desc ? 'desc' : 'asc',
              id: last.id,
            })
          : null,
    },
  );
}

export function v1Sort(items: Entity[], sort: string | undefined): Entity[] {
  if (!sort) return items;
  const [field, dir] = sort.split(',')[0].trim().split(/\s+/);
  const key = (e: Entity) =>
    field === 'update_time'
      ? e.updateTime
      : field === 'add_time'
        ? e.addTime
        : field === 'id'
          ? e.id
          : String(e.core[field] ?? '');
  const sign = dir?.toUpperCase() === 'DESC' ? -1 : 1;
  return [...items].sort((a, b) => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : 0));
}

// ---------- entity handlers ----------

function findLive(c: RouteContext, type: EntityType, id: string): Entity | undefined {
  const e = c.state.get(type, Number(id));
  return e;
}

export function applyCreate(c: RouteContext, r: Req, type: EntityType, d: Decoded): Entity {
  const core = withDefaults(type, d.core, r.actor.userId, c.state);
  const at = c.state.now();
  deriveOnWrite(type, { core: {} }, core, at);
  checkRefs(c, r.version, type, core);
  return c.state.create(type, core, d.custom, r.actor, d.addTime);
}

export function applyUpdate(c: RouteContext, r: Req, e: Entity, d: Decoded): Entity {
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

export function entityRoutes(type: Exclude<EntityType, 'note'>): Omit<Route, 're' | 'names'>[] {
  const p = `/${PLURAL[type]}`;
  return [
    ...(type === 'deal'
      ? [
          {
            method: 'GET',
            version: 2,
            template: '/deals/archived',
            op: 'list',
            handler: (c, r) => listV2(c, r, 'deal', true),
          } satisfies Omit<Route, 're' | 'names'>,
        ]
      : []),
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
      handler: (c, r) =>
        ok(
          serializeV2(
            c.state,
            applyCreate(
              c,
              r,
              type,
              decodeV2(c.state, type, r.body, 'create', { strictCustomKeys: c.strictCustomKeys }),
            ),
          ),
        ),
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
        let rows = c.state
          .all(type)
          .filter((e) => e.deletedAt === null && (owner === undefined || e.core.owner_id === owner));
        if (r.query.first_char)
          rows = rows.filter((e) =>
            String(e.core.name ?? '')
              .toLowerCase()
              .startsWith(r.query.first_char.toLowerCase()),
          );
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
      handler: (c, r) => ({
        status: 201,
        body: {
          success: true,
          data: serializeV1(
            c.state,
            applyCreate(c, r, type, decodeV1(c.state, type, bodyObject(r), 'create')),
          ),
        },
      }),
    },
    {
      method: 'PUT',
      version: 1,
      template: `${p}/:id`,
      op: 'write',
      handler: (c, r) => {
        const e = findLive(c, type, r.params.id);
        if (!e || e.deletedAt !== null) return notFound(1, TITLE[type]);
        return ok(
          serializeV1(c.state, applyUpdate(c, r, e, decodeV1(c.state, type, bodyObject(r), 'update'))),
        );
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
