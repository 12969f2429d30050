import type { EntityType } from '../schema.js';
import { SchemaError } from '../entities.js';
import { searchItem } from '../serialize.js';
import type { Entity } from '../model.js';
import {
  type Answer,
  type Route,
  type RouteContext,
  decodeCursor,
  encodeCursor,
  intParam,
  ok,
} from '../routes.js';

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
  if (term.length < (exact ? 1 : 2))
    throw new SchemaError(['term: "term" length must be at least 2 characters long']);
  const limit = q.limit ? Number(q.limit) : 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > max)
    throw new SchemaError([`limit: Expected an integer between 1 and ${max}`]);
  const cur = q.cursor ? decodeCursor(q.cursor) : { offset: 0 };
  if (!cur || typeof cur.offset !== 'number')
    throw new SchemaError([`cursor: '${q.cursor}' is not a valid cursor`]);
  return {
    term: term.toLowerCase(),
    exact,
    fields: q.fields ? q.fields.split(',') : null,
    limit,
    offset: cur.offset,
  };
}

const SEARCHABLE_CUSTOM = new Set([
  'varchar',
  'varchar_auto',
  'text',
  'double',
  'monetary',
  'phone',
  'address',
]);

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

function runSearch(
  c: RouteContext,
  types: EntityType[],
  q: Record<string, string>,
  max: number,
  filter?: (e: Entity) => boolean,
): Answer {
  const spec = searchSpec(q, max);
  const hits: { e: Entity; score: number }[] = [];
  const only = (fs: string[]) => spec.fields !== null && spec.fields.every((f) => fs.includes(f));
  // Exact e-mail / name terms are answered from indexes, the way a search engine would; other
  // searches scan precomputed lower-cased texts.
  if (spec.exact && only(['email', 'name'])) {
    const seen = new Set<Entity>();
    for (const t of types) {
      if (t === 'person' && spec.fields?.includes('email'))
        for (const e of c.state.personsByEmail(spec.term)) seen.add(e);
      if (spec.fields?.includes('name'))
        for (const e of c.state.personsOrOrgsByName(t, spec.term)) seen.add(e);
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
  filtered.sort(
    (a, b) => b.score - a.score || (a.e.type === b.e.type ? a.e.id - b.e.id : a.e.type < b.e.type ? -1 : 1),
  );
  const page = filtered.slice(spec.offset, spec.offset + spec.limit);
  const more = spec.offset + spec.limit < filtered.length;
  return ok(
    {
      items: page.map((h) => ({
        result_score: Math.round(h.score * 10000) / 10000,
        item: searchItem(c.state, h.e),
      })),
    },
    { next_cursor: more ? encodeCursor({ offset: spec.offset + spec.limit }) : null },
  );
}

export function searchRoutes(): Omit<Route, 're' | 'names'>[] {
  return [
    // Search (§3.1, §3.7): burst 10 / 2 s on every plan.
    {
      method: 'GET',
      version: 2,
      template: '/persons/search',
      op: 'search',
      search: true,
      handler: (c, r) => {
        const org = intParam(r.query, 'organization_id');
        return runSearch(
          c,
          ['person'],
          r.query,
          500,
          org === undefined ? undefined : (e) => e.core.org_id === org,
        );
      },
    },
    {
      method: 'GET',
      version: 2,
      template: '/organizations/search',
      op: 'search',
      search: true,
      handler: (c, r) => runSearch(c, ['organization'], r.query, 500),
    },
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
        return runSearch(
          c,
          ['deal'],
          r.query,
          500,
          (e) =>
            (pid === undefined || e.core.person_id === pid) &&
            (oid === undefined || e.core.org_id === oid) &&
            (!st || e.core.status === st),
        );
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
        const types = r.query.item_types
          ? (r.query.item_types.split(',') as EntityType[]).filter((t) => all.includes(t))
          : all;
        return runSearch(c, types, r.query, 100);
      },
    },
  ];
}
