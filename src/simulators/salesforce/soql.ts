/**
 * The SOQL compiler (reference salesforce.md §3.4, §3.5): a query parsed by `soql-parser.ts`,
 * resolved against the org's objects (fields, one level of parent relationship, date literals,
 * LIKE, multi-select INCLUDES/EXCLUDES, ORDER BY with nulls, LIMIT/OFFSET) into a filter, a sort
 * and a projection. Pure: rows in, decisions out; no I/O.
 */
import { normalizeId } from './ids.js';
import type { SfField, SfObject } from './schema.js';
import { type Cond, type PathNode, type Row, SoqlError, type Value, located, parseSoql } from './soql-parser.js';

/** What the compiler needs from the org: object metadata and parent-record lookup. */
export interface QueryContext {
  object(name: string): SfObject | undefined;
  /** A live record by 18-char id, with its object. */
  lookup(id: string): { object: SfObject; row: Row } | undefined;
  now: Date;
}

interface ResolvedPath {
  /** Set when the path goes through a relationship: the reference field on the base object. */
  via?: SfField;
  field: SfField;
  /** Canonical output path, e.g. ['Owner','Name']. */
  out: string[];
  /** The parent object for a relationship path. */
  parentObject?: SfObject;
}

export interface CompiledQuery {
  object: SfObject;
  count: boolean;
  fields: ResolvedPath[];
  filter: (row: Row) => boolean;
  /** Sort keys computed once per row, then compared (decorate-sort: a 100k-row sort stays fast). */
  order: {
    key: (row: Row) => unknown[];
    compare: (a: unknown[], b: unknown[]) => number;
    /** Canonical ORDER BY text, the cache key of a sorted view. */
    spec: string;
    /** Only the object's own fields (no parent relationship): a sorted view can be reused. */
    cacheable: boolean;
    /** The first ORDER BY field when it is a direct field sorted ascending. */
    leading: string | null;
  } | null;
  limit?: number;
  offset: number;
  /**
   * A lower bound on one date/datetime/number field, ANDed with the rest of the WHERE clause
   * (`SystemModstamp >= …`): lets a sorted view start at the bound instead of scanning every row.
   */
  seek?: {
    field: string;
    strict: boolean;
    key: string | number;
    /**
     * The bound is the whole WHERE clause and the field a date or datetime (stored as strings that
     * sort as they compare): every non-null row past the bound matches, without evaluating the filter.
     */
    whole: boolean;
  };
  /** Projects a row into the JSON record of a query response (canonical casing, nested parents). */
  project: (row: Row, version: string) => Record<string, unknown>;
}

const TEXTUAL = new Set(['id', 'reference', 'string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist']);
const NUMERIC = new Set(['double', 'currency', 'percent', 'int']);

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
/** The wire form of a datetime (§2.2): `YYYY-MM-DDTHH:mm:ss.000+0000`, second precision, UTC. */
export function formatDateTime(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.000+0000`;
}
export function parseDateTime(s: string): number {
  return Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}
function dayStart(d: Date, plusDays: number): number {
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + plusDays);
}

/** A date literal as a half-open range [from, to) of epoch ms (§3.5 date literals, UTC). */
function literalRange(name: string, n: number, now: Date): [number, number] {
  switch (name) {
    case 'TODAY':
      return [dayStart(now, 0), dayStart(now, 1)];
    case 'YESTERDAY':
      return [dayStart(now, -1), dayStart(now, 0)];
    case 'TOMORROW':
      return [dayStart(now, 1), dayStart(now, 2)];
    case 'LAST_N_DAYS':
      return [dayStart(now, -n), dayStart(now, 1)];
    case 'NEXT_N_DAYS':
      return [dayStart(now, 1), dayStart(now, n + 1)];
    case 'N_DAYS_AGO':
      return [dayStart(now, -n), dayStart(now, -n + 1)];
    case 'THIS_MONTH':
      return [Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1), Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)];
    case 'LAST_MONTH':
      return [Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1), Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)];
    default:
      return [Date.UTC(now.getUTCFullYear(), 0, 1), Date.UTC(now.getUTCFullYear() + 1, 0, 1)];
  }
}
function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function likeToRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\' && i + 1 < pattern.length) {
      re += pattern.charAt(++i).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

export function compileQuery(text: string, ctx: QueryContext): CompiledQuery {
  const q = parseSoql(text);
  const object = ctx.object(q.from.name);
  if (!object) {
    throw new SoqlError('INVALID_TYPE', located(text, q.from.pos, `sObject type '${q.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`));
  }
  const noColumn = (node: PathNode, name: string) =>
    new SoqlError('INVALID_FIELD', located(text, node.pos, `No such column '${name}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`));

  const resolve = (node: PathNode): ResolvedPath => {
    if (node.path.length === 1) {
      const f = object.byLower.get((node.path[0] as string).toLowerCase());
      if (!f) throw noColumn(node, node.path[0] as string);
      return { field: f, out: [f.name] };
    }
    if (node.path.length === 2) {
      const [relName, fieldName] = node.path as [string, string];
      const via = object.fields.find((f) => f.relationshipName?.toLowerCase() === relName.toLowerCase());
      if (!via) {
        throw new SoqlError('INVALID_FIELD', located(text, node.pos, `Didn't understand relationship '${relName}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`));
      }
      // Polymorphic lookups (Who, What, Owner) resolve against the first target for naming.
      const parentObject = ctx.object((via.referenceTo ?? [])[0] ?? '');
      const f = parentObject?.byLower.get(fieldName.toLowerCase());
      if (!parentObject || !f) throw noColumn(node, node.path.join('.'));
      return { via, field: f, out: [via.relationshipName as string, f.name], parentObject };
    }
    throw noColumn(node, node.path.join('.'));
  };

  const getter = (r: ResolvedPath): ((row: Row) => unknown) => {
    if (!r.via) {
      const name = r.field.name;
      return (row) => row[name] ?? null;
    }
    const viaName = r.via.name;
    const name = r.field.name;
    return (row) => {
      const id = row[viaName];
      if (typeof id !== 'string') return null;
      const parent = ctx.lookup(id);
      return parent ? (parent.row[name] ?? null) : null;
    };
  };

  const compileCond = (c: Cond): ((row: Row) => boolean) => {
    if ('and' in c) {
      const parts = c.and.map(compileCond);
      return (row) => parts.every((f) => f(row));
    }
    if ('or' in c) {
      const parts = c.or.map(compileCond);
      return (row) => parts.some((f) => f(row));
    }
    if ('not' in c) {
      const inner = compileCond(c.not);
      return (row) => !inner(row);
    }
    const r = resolve(c.field);
    if (r.field.filterable === false || r.field.type === 'anyType') {
      throw new SoqlError('INVALID_FIELD', located(text, c.pos, `field '${r.field.name}' can not be filtered in a query call`));
    }
    const get = getter(r);
    const type = r.field.type;
    const typeError = (expected: string) =>
      new SoqlError('INVALID_FIELD', located(text, c.pos, `value of filter criterion for field '${r.field.name}' must be of type ${expected} and should not be enclosed in quotes`));

    // Turns a literal into something comparable with the stored value, or a range for date literals.
    type Key = { eq: unknown } | { range: [unknown, unknown] } | { isNull: true };
    const keyOf = (v: Value): Key => {
      if (v.k === 'null') return { isNull: true };
      if (type === 'datetime') {
        if (v.k === 'datetime') return { eq: formatDateTime(Date.parse(v.v)) };
        if (v.k === 'dateLiteral') {
          const [a, b] = literalRange(v.name, v.n, ctx.now);
          return { range: [formatDateTime(a), formatDateTime(b)] };
        }
        throw typeError('dateTime');
      }
      if (type === 'date') {
        if (v.k === 'date') return { eq: v.v };
        if (v.k === 'dateLiteral') {
          const [a, b] = literalRange(v.name, v.n, ctx.now);
          return { range: [isoDate(a), isoDate(b)] };
        }
        throw typeError('date');
      }
      if (NUMERIC.has(type)) {
        if (v.k === 'num') return { eq: v.v };
        throw typeError(type === 'int' ? 'int' : 'double');
      }
      if (type === 'boolean') {
        if (v.k === 'bool') return { eq: v.v };
        throw typeError('boolean');
      }
      if (v.k !== 'str') {
        throw new SoqlError('INVALID_FIELD', located(text, c.pos, `value of filter criterion for field '${r.field.name}' must be of type string and should be enclosed in quotes`));
      }
      if (type === 'id' || type === 'reference') {
        const id = normalizeId(v.v);
        if (!id) throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', located(text, c.pos, `invalid ID field: ${v.v}`));
        return { eq: id };
      }
      return { eq: v.v.toLowerCase() };
    };
    const norm = (x: unknown): unknown => (typeof x === 'string' && TEXTUAL.has(type) && type !== 'id' && type !== 'reference' ? x.toLowerCase() : x);
    const cmp = (a: unknown, b: unknown): number => (a === b ? 0 : (a as number) < (b as number) ? -1 : 1);

    if (c.op === 'IN' || c.op === 'NOT IN') {
      const items = (c.value as { items: Value[] }).items.map(keyOf);
      const set = new Set(items.filter((k): k is { eq: unknown } => 'eq' in k).map((k) => k.eq));
      const hasNull = items.some((k) => 'isNull' in k);
      const negate = c.op === 'NOT IN';
      return (row) => {
        const x = get(row);
        const hit = x === null ? hasNull : set.has(norm(x));
        return negate ? !hit : hit;
      };
    }
    if (c.op === 'INCLUDES' || c.op === 'EXCLUDES') {
      if (type !== 'multipicklist') throw new SoqlError('INVALID_FIELD', located(text, c.pos, `includes or excludes operator only valid on multipicklist field`));
      const groups = (c.value as { items: Value[] }).items.map((v) => {
        if (v.k !== 'str') throw typeError('string');
        return v.v.split(';').map((s) => s.trim().toLowerCase());
      });
      const excludes = c.op === 'EXCLUDES';
      return (row) => {
        const x = get(row);
        const parts = new Set(typeof x === 'string' ? x.toLowerCase().split(';') : []);
        const hit = groups.some((g) => g.every((s) => parts.has(s)));
        return excludes ? !hit : hit;
      };
    }
    if (c.op === 'LIKE') {
      if (!TEXTUAL.has(type) || c.value.k !== 'str') throw new SoqlError('INVALID_FIELD', located(text, c.pos, `invalid operator on field '${r.field.name}'`));
      const re = likeToRegex(c.value.v);
      return (row) => {
        const x = get(row);
        return typeof x === 'string' && re.test(x);
      };
    }
    const key = keyOf(c.value);
    const op = c.op;
    if ('isNull' in key) {
      if (op !== '=' && op !== '!=') throw new SoqlError('MALFORMED_QUERY', located(text, c.pos, `invalid operator on null`));
      return op === '=' ? (row) => get(row) === null : (row) => get(row) !== null;
    }
    if ('range' in key) {
      const [lo, hi] = key.range;
      return (row) => {
        const x = get(row);
        if (x === null) return op === '!=';
        switch (op) {
          case '=':
            return cmp(x, lo) >= 0 && cmp(x, hi) < 0;
          case '!=':
            return !(cmp(x, lo) >= 0 && cmp(x, hi) < 0);
          case '<':
            return cmp(x, lo) < 0;
          case '<=':
            return cmp(x, hi) < 0;
          case '>':
            return cmp(x, hi) >= 0;
          default:
            return cmp(x, lo) >= 0;
        }
      };
    }
    const want = key.eq;
    return (row) => {
      const raw = get(row);
      if (raw === null) return op === '!=';
      const x = norm(raw);
      const d = cmp(x, want);
      switch (op) {
        case '=':
          return d === 0;
        case '!=':
          return d !== 0;
        case '<':
          return d < 0;
        case '<=':
          return d <= 0;
        case '>':
          return d > 0;
        default:
          return d >= 0;
      }
    };
  };

  const fields = q.fields.map(resolve);
  const filter = q.where ? compileCond(q.where) : () => true;
  // The index-like bound: a top-level (or top-level AND) `field > / >= literal` on a direct field.
  let seek: CompiledQuery['seek'];
  const top = q.where ? ('and' in q.where ? q.where.and : [q.where]) : [];
  for (const c of top) {
    if (!('op' in c) || (c.op !== '>' && c.op !== '>=') || c.field.path.length !== 1) continue;
    const f = object.byLower.get((c.field.path[0] as string).toLowerCase());
    if (!f) continue;
    let key: string | number | undefined;
    if (f.type === 'datetime' && c.value.k === 'datetime') key = formatDateTime(Date.parse(c.value.v));
    else if (f.type === 'date' && c.value.k === 'date') key = c.value.v;
    else if (NUMERIC.has(f.type) && c.value.k === 'num') key = c.value.v;
    if (key !== undefined) {
      seek = { field: f.name, strict: c.op === '>', key, whole: top.length === 1 && (f.type === 'datetime' || f.type === 'date') };
      break;
    }
  }
  let order: CompiledQuery['order'] = null;
  if (q.orderBy.length > 0) {
    const keys = q.orderBy.map((o) => {
      const r = resolve(o.field);
      if (r.field.type === 'multipicklist' || (r.field.type === 'textarea' && (r.field.length ?? 0) > 255)) {
        throw new SoqlError('INVALID_FIELD', located(text, o.field.pos, `field '${r.field.name}' can not be sorted in a query call`));
      }
      const g = getter(r);
      const lower = TEXTUAL.has(r.field.type) && r.field.type !== 'id' && r.field.type !== 'reference';
      // §3.5: sorting is case-insensitive and NULLS FIRST unless told otherwise.
      const get = lower ? (row: Row) => (g(row) as string | null)?.toLowerCase() ?? null : g;
      return { get, field: r.via ? null : r.field.name, desc: o.desc, nullsLast: o.nullsLast, spec: `${r.out.join('.')}:${o.desc ? 'd' : 'a'}:${o.nullsLast ? 'l' : 'f'}`, direct: !r.via };
    });
    const lead = keys[0] as (typeof keys)[number];
    order = {
      leading: lead.field && !lead.desc ? lead.field : null,
      spec: keys.map((k) => k.spec).join(','),
      cacheable: keys.every((k) => k.direct),
      key: (row) => keys.map((k) => k.get(row)),
      compare: (a, b) => {
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i] as (typeof keys)[number];
          const x = a[i];
          const y = b[i];
          if (x === y) continue;
          if (x === null) return k.nullsLast ? 1 : -1;
          if (y === null) return k.nullsLast ? -1 : 1;
          const d = (x as number) < (y as number) ? -1 : 1;
          return k.desc ? -d : d;
        }
        return 0;
      },
    };
  }

  const getters = fields.map((f) => ({ f, get: getter(f) }));
  const project = (row: Row, version: string): Record<string, unknown> => {
    const out: Record<string, unknown> = { attributes: { type: object.name, url: `/services/data/v${version}/sobjects/${object.name}/${row.Id}` } };
    for (const { f, get } of getters) {
      if (!f.via) {
        out[f.field.name] = get(row);
        continue;
      }
      const rel = f.out[0] as string;
      const id = row[f.via.name];
      const parent = typeof id === 'string' ? ctx.lookup(id) : undefined;
      if (!parent) {
        out[rel] = null;
        continue;
      }
      let nested = out[rel] as Record<string, unknown> | undefined;
      if (!nested) {
        nested = { attributes: { type: parent.object.name, url: `/services/data/v${version}/sobjects/${parent.object.name}/${id}` } };
        out[rel] = nested;
      }
      nested[f.field.name] = parent.row[f.field.name] ?? null;
    }
    return out;
  };

  const compiled: CompiledQuery = { object, count: q.count, fields, filter, order, offset: q.offset ?? 0, project };
  if (seek) compiled.seek = seek;
  if (q.limit !== undefined) compiled.limit = q.limit;
  return compiled;
}
