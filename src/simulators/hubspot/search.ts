/**
 * The CRM search engine (reference §4): filter groups (AND inside a group, OR across groups), one
 * sort, integer-offset paging capped at 10,000 results, and the request limits. Pure: it takes
 * the records' property maps and returns the matching ids in order, or the 400 the API answers.
 */
import type { PropertyDef } from './schema.js';

export interface SearchFilter {
  propertyName: string;
  operator: string;
  value?: unknown;
  highValue?: unknown;
  values?: unknown[];
}

export interface SearchRequest {
  filterGroups?: { filters?: SearchFilter[] }[];
  sorts?: (string | { propertyName?: string; direction?: string })[];
  query?: string;
  properties?: string[];
  limit?: number;
  after?: string | number;
}

export interface Searchable {
  id: number;
  createdAt: number;
  props: Record<string, string>;
}

export type SearchOutcome =
  | { ok: true; ids: number[]; total: number; next: string | null }
  | { ok: false; message: string };

/** Documented limits (§4.1): 5 groups, 6 filters a group, 18 in all, limit ≤ 200, 10,000 results. */
export const SEARCH_LIMITS = {
  groups: 5,
  perGroup: 6,
  total: 18,
  maxLimit: 200,
  maxResults: 10_000,
  queryChars: 3_000,
};

const OPERATORS = new Set([
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
]);

/** Parsed date strings, shared across searches (bounded): parsing dominated large searches. */
const parsedDates = new Map<string, number>();

/** A number or date property's value as a number (dates: ms since the epoch, cached). */
export function numeric(def: PropertyDef | undefined, v: string): number {
  if (def?.type === 'date' || def?.type === 'datetime') {
    let t = parsedDates.get(v);
    if (t === undefined) {
      t = /^\d+$/.test(v)
        ? Number(v)
        : Date.parse(def.type === 'date' && v.length === 10 ? `${v}T00:00:00Z` : v);
      if (parsedDates.size > 500_000) parsedDates.clear();
      parsedDates.set(v, t);
    }
    return t;
  }
  return Number(v);
}

function tokenMatch(stored: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  if (p.includes('*')) {
    const re = new RegExp(
      `^${p
        .split('*')
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    return stored
      .toLowerCase()
      .split(/[\s;,]+/)
      .concat(stored.toLowerCase())
      .some((t) => re.test(t));
  }
  return stored
    .toLowerCase()
    .split(/[^a-z0-9@._+-]+/)
    .includes(p);
}

/** IN / NOT_IN values as a set, built once per filter rather than once per record. */
const inValues = new WeakMap<SearchFilter, Set<string>>();

/** Whether one record passes one filter. `value` strings compare case-insensitively, enumerations exactly (§4.2). */
export function matchFilter(
  f: SearchFilter,
  props: Record<string, string>,
  def: PropertyDef | undefined,
): boolean {
  const raw = props[f.propertyName];
  const has = raw !== undefined && raw !== null && raw !== '';
  // Secondary e-mails and domains are enumeration-typed lists of strings: compared like strings.
  const listOfStrings =
    f.propertyName === 'hs_additional_emails' || f.propertyName === 'hs_additional_domains';
  const enumeration = def?.type === 'enumeration' && !listOfStrings;
  const eq = (a: string, b: string) => (enumeration ? a === b : a.toLowerCase() === b.toLowerCase());
  // Multi-value properties (hs_additional_emails, checkboxes) match on any of their parts.
  const parts = (s: string) =>
    def?.type === 'enumeration' || f.propertyName === 'hs_additional_emails' ? s.split(';') : [s];
  const value = f.value === undefined || f.value === null ? '' : String(f.value);
  switch (f.operator) {
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return !has;
    case 'EQ':
      return has && (eq(raw, value) || parts(raw).some((p) => eq(p, value)));
    case 'NEQ':
      return !has || !(eq(raw, value) || parts(raw).some((p) => eq(p, value)));
    case 'IN':
    case 'NOT_IN': {
      // IN is exact: string values must be given lower-case (§4.2); stored strings compare lower-cased.
      let set = inValues.get(f);
      if (!set) {
        set = new Set((f.values ?? []).map(String));
        inValues.set(f, set);
      }
      const stored = has
        ? parts(raw).map((p) => (def?.type === 'string' || !def || listOfStrings ? p.toLowerCase() : p))
        : [];
      const hit = stored.some((s) => set.has(s));
      return f.operator === 'IN' ? hit : !hit;
    }
    case 'LT':
    case 'LTE':
    case 'GT':
    case 'GTE':
    case 'BETWEEN': {
      if (!has) return false;
      const a = numeric(def, raw);
      const b = numeric(def, value);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      if (f.operator === 'LT') return a < b;
      if (f.operator === 'LTE') return a <= b;
      if (f.operator === 'GT') return a > b;
      if (f.operator === 'GTE') return a >= b;
      const hi = numeric(def, String(f.highValue ?? ''));
      return a >= b && a <= hi;
    }
    case 'CONTAINS_TOKEN':
      return has && tokenMatch(raw, value);
    case 'NOT_CONTAINS_TOKEN':
      return !has || !tokenMatch(raw, value);
    default:
      return false;
  }
}

/** Validates the request shape against the documented limits; null when fine. */
export function checkSearchRequest(req: SearchRequest): string | null {
  const groups = req.filterGroups ?? [];
  if (groups.length > SEARCH_LIMITS.groups)
    return `Too many filter groups: ${groups.length}. The maximum is ${SEARCH_LIMITS.groups}.`;
  let total = 0;
  for (const g of groups) {
    const n = g.filters?.length ?? 0;
    if (n > SEARCH_LIMITS.perGroup)
      return `Too many filters in a filter group: ${n}. The maximum is ${SEARCH_LIMITS.perGroup}.`;
    total += n;
    for (const f of g.filters ?? []) {
      if (!OPERATORS.has(f.operator)) return `Invalid operator ${f.operator} for property ${f.propertyName}.`;
      if ((f.operator === 'HAS_PROPERTY' || f.operator === 'NOT_HAS_PROPERTY') && f.value !== undefined)
        return `The ${f.operator} operator does not take a value (property ${f.propertyName}).`;
      if ((f.operator === 'IN' || f.operator === 'NOT_IN') && !Array.isArray(f.values))
        return `The ${f.operator} operator needs "values" (property ${f.propertyName}).`;
    }
  }
  if (total > SEARCH_LIMITS.total)
    return `Too many filters: ${total}. The maximum is ${SEARCH_LIMITS.total}.`;
  if (req.limit !== undefined && (req.limit > SEARCH_LIMITS.maxLimit || req.limit < 0))
    return `limit must be between 0 and ${SEARCH_LIMITS.maxLimit}; got ${req.limit}.`;
  if (req.query !== undefined && req.query.length > SEARCH_LIMITS.queryChars)
    return `query is longer than ${SEARCH_LIMITS.queryChars} characters.`;
  return null;
}

export interface SortSpec {
  prop: string;
  desc: boolean;
}

function sortSpec(req: SearchRequest): SortSpec | null {
  const s = req.sorts?.[0];
  if (s === undefined) return null;
  if (typeof s === 'string')
    return s.startsWith('-') ? { prop: s.slice(1), desc: true } : { prop: s, desc: false };
  if (!s.propertyName) return null;
  return { prop: s.propertyName, desc: s.direction === 'DESCENDING' };
}

/** A validated request: its page window, the non-empty filter groups, the query text and the sort. */
export interface PreparedSearch {
  limit: number;
  offset: number;
  groups: { filters?: SearchFilter[] }[];
  query: string | undefined;
  sort: SortSpec | null;
}

/** Validates `req` and reads its paging, groups, query and sort; or the 400 message. */
export function prepareSearch(req: SearchRequest): { ok: true; p: PreparedSearch } | { ok: false; message: string } {
  const problem = checkSearchRequest(req);
  if (problem) return { ok: false, message: problem };
  const limit = req.limit ?? 10;
  const offset = req.after === undefined || req.after === '' ? 0 : Number(req.after);
  if (!Number.isInteger(offset) || offset < 0) return { ok: false, message: `Invalid after: ${req.after}` };
  // Paging past the 10,000th result is refused (§4.1).
  if (offset >= SEARCH_LIMITS.maxResults)
    return {
      ok: false,
      message: `Paging beyond ${SEARCH_LIMITS.maxResults} results is not supported; narrow the filters (for example on the last-modified date).`,
    };
  const groups = (req.filterGroups ?? []).filter((g) => (g.filters?.length ?? 0) > 0);
  return { ok: true, p: { limit, offset, groups, query: req.query?.trim().toLowerCase() || undefined, sort: sortSpec(req) } };
}

/** Whether a record passes the filter groups (AND inside a group, OR across) and the query text. */
export function recordMatches(
  r: Searchable,
  p: PreparedSearch,
  defs: Map<string, PropertyDef>,
  queryProps: string[],
): boolean {
  if (
    p.groups.length > 0 &&
    !p.groups.some((g) => (g.filters ?? []).every((f) => matchFilter(f, r.props, defs.get(f.propertyName))))
  )
    return false;
  const q = p.query;
  return !q || queryProps.some((name) => r.props[name]?.toLowerCase().includes(q));
}

/** Whether `prop` sorts by number (number, date, datetime) rather than by lower-cased text. */
export function sortsAsNumber(def: PropertyDef | undefined): boolean {
  return !!def && (def.type === 'number' || def.type === 'date' || def.type === 'datetime');
}

/**
 * The sort key of a record's value of one property: numbers and dates by value, text lower-cased;
 * a record without the property sorts first ascending (−∞ or ''). Ties are broken by id.
 */
export function sortKey(value: string | undefined, def: PropertyDef | undefined): number | string {
  const isNum = sortsAsNumber(def);
  if (value === undefined || value === '') return isNum ? Number.NEGATIVE_INFINITY : '';
  return isNum ? numeric(def, value) : value.toLowerCase();
}

/** Sorts `hits` in place by `sort` (key, then id). */
export function sortHits<T extends Searchable>(hits: T[], sort: SortSpec, defs: Map<string, PropertyDef>): void {
  const def = defs.get(sort.prop);
  // Keys computed once per hit, not per comparison: parsing dates dominated large searches.
  const keyed = hits.map((r) => ({ r, k: sortKey(r.props[sort.prop], def) }));
  keyed.sort((a, b) => {
    const c = a.k < b.k ? -1 : a.k > b.k ? 1 : a.r.id - b.r.id;
    return sort.desc ? -c : c;
  });
  for (let i = 0; i < keyed.length; i++) hits[i] = keyed[i].r;
}

/** The page [offset, offset + limit) of the ordered hits, capped at 10,000 results (§4.1). */
export function pageOf(ids: number[], total: number, p: PreparedSearch): SearchOutcome {
  const end = Math.min(p.offset + p.limit, SEARCH_LIMITS.maxResults);
  const next = end < total && end < SEARCH_LIMITS.maxResults ? String(end) : null;
  return { ok: true, ids, total, next };
}

/** Runs a search over `records` (in creation order) by looking at every one of them. */
export function runSearch(
  records: Iterable<Searchable>,
  req: SearchRequest,
  defs: Map<string, PropertyDef>,
  queryProps: string[],
): SearchOutcome {
  const prepared = prepareSearch(req);
  if (!prepared.ok) return prepared;
  const p = prepared.p;
  const hits: Searchable[] = [];
  for (const r of records) if (recordMatches(r, p, defs, queryProps)) hits.push(r);
  if (p.sort) sortHits(hits, p.sort, defs);
  const end = Math.min(p.offset + p.limit, SEARCH_LIMITS.maxResults);
  return pageOf(
    hits.slice(p.offset, end).map((r) => r.id),
    hits.length,
    p,
  );
}
