/**
 * Search indexes over one object type's live records, so a search (reference §4) on 100,000
 * contacts does not read every record: a hash index per property filtered with EQ / IN (e-mail,
 * domain, hs_object_id, …) and a sorted index per property searches sort or range-filter on
 * (hs_lastmodifieddate, createdate, …). Each is built the first time a search can use it, then kept
 * current by HubspotState on every create, update and archive. Archived records are not indexed.
 *
 * The planner (`searchIndexed`) only narrows the records a search looks at and gives them in the
 * order the answer needs; every narrowed record is still checked against all the filters with the
 * same `matchFilter` the scan uses, so indexed and scanned answers are the same. A search no index
 * helps with is a scan, as before.
 */
import type { PropertyDef } from './schema.js';
import {
  type PreparedSearch,
  SEARCH_LIMITS,
  type SearchFilter,
  type SearchOutcome,
  type SearchRequest,
  type Searchable,
  numeric,
  pageOf,
  prepareSearch,
  recordMatches,
  sortHits,
  sortKey,
  sortsAsNumber,
} from './search.js';

export interface IndexedRecord extends Searchable {
  updatedAt: number;
  archivedAt: number | null;
}

/** The whole value and each `;`-separated part, lower-cased: a superset of what EQ and IN compare (§4.2). */
function hashKeys(raw: string | undefined): string[] {
  if (raw === undefined || raw === '') return [];
  const whole = raw.toLowerCase();
  if (!whole.includes(';')) return [whole];
  return [whole, ...whole.split(';')];
}

const RANGE_OPERATORS = new Set(['LT', 'LTE', 'GT', 'GTE', 'BETWEEN']);

/** Records of one property in sort order: (key, id) ascending; records without the value apart, by id. */
class SortedIndex {
  readonly keys: (number | string)[] = [];
  readonly ids: number[] = [];
  /** Live records without the property, ascending id. */
  readonly missing: number[] = [];
  /** Records whose numeric key is NaN or infinite: the index is not used while there are any. */
  private readonly odd = new Set<number>();

  constructor(
    readonly prop: string,
    readonly def: PropertyDef | undefined,
  ) {}

  get usable(): boolean {
    return this.odd.size === 0;
  }

  get numericKeys(): boolean {
    return sortsAsNumber(this.def);
  }

  build(records: Iterable<IndexedRecord>): void {
    const entries: { k: number | string; id: number }[] = [];
    for (const r of records) {
      if (r.archivedAt !== null) continue;
      const v = r.props[this.prop];
      if (v === undefined || v === '') {
        this.missing.push(r.id);
        continue;
      }
      const k = sortKey(v, this.def);
      if (typeof k === 'number' && !Number.isFinite(k)) this.odd.add(r.id);
      else entries.push({ k, id: r.id });
    }
    entries.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.id - b.id));
    for (const e of entries) {
      this.keys.push(e.k);
      this.ids.push(e.id);
    }
    this.missing.sort((a, b) => a - b);
  }

  /** First position whose (key, id) is not below (k, id). */
  private position(k: number | string, id: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const mk = this.keys[mid];
      if (mk < k || (mk === k && this.ids[mid] < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First position whose key is above `k` (`after`) or not below it. */
  private bound(k: number, after: boolean): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const mk = this.keys[mid] as number;
      if (mk < k || (after && mk === k)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private static idPosition(ids: number[], id: number): number {
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(r: IndexedRecord): void {
    const v = r.props[this.prop];
    if (v === undefined || v === '') {
      this.missing.splice(SortedIndex.idPosition(this.missing, r.id), 0, r.id);
      return;
    }
    const k = sortKey(v, this.def);
    if (typeof k === 'number' && !Number.isFinite(k)) {
      this.odd.add(r.id);
      return;
    }
    const at = this.position(k, r.id);
    this.keys.splice(at, 0, k);
    this.ids.splice(at, 0, r.id);
  }

  remove(r: IndexedRecord): void {
    const v = r.props[this.prop];
    if (v === undefined || v === '') {
      const at = SortedIndex.idPosition(this.missing, r.id);
      if (this.missing[at] === r.id) this.missing.splice(at, 1);
      return;
    }
    const k = sortKey(v, this.def);
    if (typeof k === 'number' && !Number.isFinite(k)) {
      this.odd.delete(r.id);
      return;
    }
    const at = this.position(k, r.id);
    if (this.ids[at] === r.id && this.keys[at] === k) {
      this.keys.splice(at, 1);
      this.ids.splice(at, 1);
    }
  }

  /**
   * Positions [lo, hi) of the records a range filter can match, by the filter's own arithmetic
   * (`numeric`, NaN matches nothing); only for number and date properties.
   */
  range(f: SearchFilter): [number, number] {
    const b = numeric(this.def, f.value === undefined || f.value === null ? '' : String(f.value));
    if (Number.isNaN(b)) return [0, 0];
    const n = this.keys.length;
    switch (f.operator) {
      case 'GT':
        return [this.bound(b, true), n];
      case 'GTE':
        return [this.bound(b, false), n];
      case 'LT':
        return [0, this.bound(b, false)];
      case 'LTE':
        return [0, this.bound(b, true)];
      default: {
        const hi = numeric(this.def, String(f.highValue ?? ''));
        if (Number.isNaN(hi)) return [0, 0];
        const lo = this.bound(b, false);
        return [lo, Math.max(lo, this.bound(hi, true))];
      }
    }
  }
}

/** The indexes of one object type, over the state's record map (all records, archived ones included). */
export class RecordIndex {
  private readonly hash = new Map<string, Map<string, Set<number>>>();
  private readonly sorted = new Map<string, SortedIndex>();
  /** Whether creation order is id order (ids are handed out ascending), so id order is scan order. */
  private idOrdered = true;
  private maxId = Number.NEGATIVE_INFINITY;

  constructor(private readonly records: Map<number, IndexedRecord>) {
    for (const r of records.values()) this.noteId(r.id);
  }

  private noteId(id: number): void {
    if (id <= this.maxId) this.idOrdered = false;
    else this.maxId = id;
  }

  /** A new record (already in the record map). */
  created(r: IndexedRecord): void {
    this.noteId(r.id);
    this.add(r);
  }

  /** Call before a record's properties change or it is archived; `add` after. */
  remove(r: IndexedRecord): void {
    if (r.archivedAt !== null) return;
    for (const [prop, m] of this.hash)
      for (const k of hashKeys(r.props[prop])) {
        const s = m.get(k);
        if (!s) continue;
        s.delete(r.id);
        if (s.size === 0) m.delete(k);
      }
    for (const s of this.sorted.values()) s.remove(r);
  }

  add(r: IndexedRecord): void {
    if (r.archivedAt !== null) return;
    for (const [prop, m] of this.hash) RecordIndex.hashAdd(m, r, prop);
    for (const s of this.sorted.values()) s.add(r);
  }

  private static hashAdd(m: Map<string, Set<number>>, r: IndexedRecord, prop: string): void {
    for (const k of hashKeys(r.props[prop])) {
      let s = m.get(k);
      if (!s) {
        s = new Set();
        m.set(k, s);
      }
      s.add(r.id);
    }
  }

  /** Ids of live records whose value of `prop`, or one `;` part of it, is `value` ignoring case. */
  private equal(prop: string, value: string): ReadonlySet<number> | undefined {
    let m = this.hash.get(prop);
    if (!m) {
      m = new Map();
      for (const r of this.records.values()) if (r.archivedAt === null) RecordIndex.hashAdd(m, r, prop);
      this.hash.set(prop, m);
    }
    return m.get(value.toLowerCase());
  }

  /** The sorted index of `prop`, built on first use (rebuilt if the property's type changed). */
  private order(prop: string, def: PropertyDef | undefined): SortedIndex | undefined {
    let s = this.sorted.get(prop);
    if (!s || s.def?.type !== def?.type) {
      s = new SortedIndex(prop, def);
      s.build(this.records.values());
      this.sorted.set(prop, s);
    }
    return s.usable ? s : undefined;
  }

  private live(id: number): IndexedRecord | undefined {
    const r = this.records.get(id);
    return r && r.archivedAt === null ? r : undefined;
  }

  /** The ids an EQ / IN filter can match (a superset), or undefined for other operators. */
  private candidatesOf(f: SearchFilter): Set<number> | undefined {
    const values =
      f.operator === 'EQ'
        ? [f.value === undefined || f.value === null ? '' : String(f.value)]
        : f.operator === 'IN'
          ? (f.values ?? []).map(String)
          : undefined;
    if (!values) return undefined;
    const out = new Set<number>();
    for (const v of values) for (const id of this.equal(f.propertyName, v) ?? []) out.add(id);
    return out;
  }

  /**
   * Ids every match of the search is among, when each filter group has an EQ / IN filter (the
   * smallest one of each group is used); undefined otherwise.
   */
  private equalityCandidates(p: PreparedSearch): Set<number> | undefined {
    if (p.groups.length === 0) return undefined;
    const union = new Set<number>();
    for (const g of p.groups) {
      let best: Set<number> | undefined;
      for (const f of g.filters ?? []) {
        if (f.operator !== 'EQ' && f.operator !== 'IN') continue;
        const c = this.candidatesOf(f);
        if (c && (!best || c.size < best.size)) best = c;
      }
      if (!best) return undefined;
      for (const id of best) union.add(id);
    }
    return union;
  }

  /**
   * Runs a search like `runSearch` over the live records for which `visible` holds (search index
   * lag, §4.4), reading only what the indexes say can match.
   */
  search(
    req: SearchRequest,
    defs: Map<string, PropertyDef>,
    queryProps: string[],
    visible?: (r: IndexedRecord) => boolean,
  ): SearchOutcome {
    const prepared = prepareSearch(req);
    if (!prepared.ok) return prepared;
    const p = prepared.p;
    const end = Math.min(p.offset + p.limit, SEARCH_LIMITS.maxResults);
    const accept = (r: IndexedRecord) => (!visible || visible(r)) && recordMatches(r, p, defs, queryProps);
    const fromCandidates = (ids: Iterable<number>): SearchOutcome => {
      const hits: IndexedRecord[] = [];
      for (const id of ids) {
        const r = this.live(id);
        if (r && accept(r)) hits.push(r);
      }
      if (p.sort) sortHits(hits, p.sort, defs);
      else hits.sort((a, b) => a.id - b.id);
      return pageOf(
        hits.slice(p.offset, end).map((r) => r.id),
        hits.length,
        p,
      );
    };

    // 1. Every group names its records by equality: read only those (creation order = id order).
    if (p.sort || this.idOrdered) {
      const c = this.equalityCandidates(p);
      if (c) return fromCandidates(c);
    }

    // A range filter on an indexed number/date property, when the request has one group.
    const rangeOn = (prop: string, s: SortedIndex): SearchFilter | undefined => {
      if (p.groups.length !== 1 || !s.numericKeys) return undefined;
      return (p.groups[0].filters ?? []).find((x) => x.propertyName === prop && RANGE_OPERATORS.has(x.operator));
    };

    // 2. Sorted by an indexable property: walk that order, no sort; a range on it bounds the walk.
    if (p.sort) {
      const s = this.order(p.sort.prop, defs.get(p.sort.prop));
      if (s) {
        const desc = p.sort.desc;
        const ranged = rangeOn(p.sort.prop, s);
        if (ranged) {
          const [lo, hi] = s.range(ranged);
          const only = (p.groups[0].filters ?? []).length === 1 && !p.query && !visible;
          if (only) {
            // The filter is the range itself: the answer is that slice of the index.
            const total = hi - lo;
            const ids: number[] = [];
            for (let i = p.offset; i < Math.min(end, total); i++) ids.push(s.ids[desc ? hi - 1 - i : lo + i]);
            return pageOf(ids, total, p);
          }
          return this.walk(
            (function* () {
              if (desc) for (let i = hi - 1; i >= lo; i--) yield s.ids[i];
              else for (let i = lo; i < hi; i++) yield s.ids[i];
            })(),
            accept,
            p,
          );
        }
        return this.walk(
          (function* () {
            if (desc) {
              for (let i = s.ids.length - 1; i >= 0; i--) yield s.ids[i];
              for (let i = s.missing.length - 1; i >= 0; i--) yield s.missing[i];
            } else {
              yield* s.missing;
              yield* s.ids;
            }
          })(),
          accept,
          p,
        );
      }
    }

    // 3. One group with a narrow range on a number/date property: read that slice only.
    if (p.groups.length === 1 && (p.sort || this.idOrdered)) {
      for (const f of p.groups[0].filters ?? []) {
        if (!RANGE_OPERATORS.has(f.operator)) continue;
        const s = this.order(f.propertyName, defs.get(f.propertyName));
        if (!s || !s.numericKeys) continue;
        const [lo, hi] = s.range(f);
        if ((hi - lo) * 4 <= this.records.size) return fromCandidates(s.ids.slice(lo, hi));
      }
    }

    // 4. Nothing narrows it: look at every live record, as runSearch does.
    const hits: IndexedRecord[] = [];
    for (const r of this.records.values()) if (r.archivedAt === null && accept(r)) hits.push(r);
    if (p.sort) sortHits(hits, p.sort, defs);
    return pageOf(
      hits.slice(p.offset, end).map((r) => r.id),
      hits.length,
      p,
    );
  }

  /** Takes ids in answer order and keeps the accepted ones: the requested page and their count. */
  private walk(order: Iterable<number>, accept: (r: IndexedRecord) => boolean, p: PreparedSearch): SearchOutcome {
    const end = Math.min(p.offset + p.limit, SEARCH_LIMITS.maxResults);
    const ids: number[] = [];
    let total = 0;
    for (const id of order) {
      const r = this.live(id);
      if (!r || !accept(r)) continue;
      if (total >= p.offset && total < end) ids.push(id);
      total++;
    }
    return pageOf(ids, total, p);
  }
}
