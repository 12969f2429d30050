/**
 * SOQL's tokenizer and recursive-descent parser for the subset an integration uses (reference
 * salesforce.md §3.4, §3.5): SELECT fields | count() FROM object [WHERE cond] [ORDER BY …]
 * [LIMIT n] [OFFSET n], with AND/OR/NOT, = != <> < <= > >=, LIKE, IN, NOT IN, INCLUDES, EXCLUDES,
 * unquoted date/datetime literals, TODAY/LAST_N_DAYS:n…, and one level of parent relationship
 * (Owner.Name). Errors carry the real API's codes and located messages. `soql.ts` compiles the
 * result against the org's objects.
 */

export type Row = Record<string, unknown>;

export class SoqlError extends Error {
  constructor(
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR',
    message: string,
  ) {
    super(message);
  }
}

type Tok =
  | { t: 'id'; v: string; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'num'; v: number; pos: number }
  | { t: 'date'; v: string; pos: number }
  | { t: 'datetime'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'eof'; pos: number };

/** `\n<fragment>\n ^\nERROR at Row:1:Column:N\n<reason>` — the shape of real query errors (§3.4, §6.3). */
export function located(text: string, pos: number, reason: string): string {
  const start = Math.max(0, pos - 40);
  const fragment = text.slice(start, pos + 40);
  return `\n${fragment}\n${' '.repeat(pos - start)}^\nERROR at Row:1:Column:${pos + 1}\n${reason}`;
}

const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;

export function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let v = '';
      let j = i + 1;
      for (; j < text.length; j++) {
        const d = text.charAt(j);
        if (d === '\\') {
          const e = text.charAt(j + 1);
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e === '%' || e === '_' ? `\\${e}` : e;
          j++;
        } else if (d === "'") break;
        else v += d;
      }
      if (j >= text.length) throw new SoqlError('MALFORMED_QUERY', located(text, i, 'unexpected token: end of string literal'));
      out.push({ t: 'str', v, pos: i });
      i = j + 1;
      continue;
    }
    const rest = text.slice(i);
    if (/^\d/.test(c)) {
      const dt = DATETIME_RE.exec(rest);
      if (dt) {
        out.push({ t: 'datetime', v: dt[0], pos: i });
        i += dt[0].length;
        continue;
      }
      if (/^\d{4}-\d{2}-\d{2}T/.test(rest)) {
        // A '+' offset decoded as a space by form decoding lands here (§3.1).
        const stop = rest.search(/\s/);
        const col = stop < 0 ? i + rest.length : i + stop;
        throw new SoqlError('MALFORMED_QUERY', located(text, col, `line 1:${col} no viable alternative at character '${text.charAt(col) || '<EOF>'}'`));
      }
      const d = DATE_RE.exec(rest);
      if (d) {
        out.push({ t: 'date', v: d[0], pos: i });
        i += d[0].length;
        continue;
      }
    }
    const num = /^-?\d+(\.\d+)?/.exec(rest);
    if (num && (/\d/.test(c) || (c === '-' && /\d/.test(text.charAt(i + 1))))) {
      out.push({ t: 'num', v: Number(num[0]), pos: i });
      i += num[0].length;
      continue;
    }
    const op = /^(!=|<>|<=|>=|=|<|>|\(|\)|,|:|\+)/.exec(rest);
    if (op) {
      out.push({ t: 'op', v: op[0] === '<>' ? '!=' : op[0], pos: i });
      i += op[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_.]*(:\d+)?/.exec(rest);
    if (ident) {
      out.push({ t: 'id', v: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    throw new SoqlError('MALFORMED_QUERY', located(text, i, `line 1:${i} no viable alternative at character '${c}'`));
  }
  out.push({ t: 'eof', pos: text.length });
  return out;
}

export type Value =
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'bool'; v: boolean }
  | { k: 'null' }
  | { k: 'date'; v: string }
  | { k: 'datetime'; v: string }
  | { k: 'dateLiteral'; name: string; n: number }
  | { k: 'list'; items: Value[] };

export interface PathNode {
  path: string[];
  pos: number;
}

export type Cond =
  | { and: Cond[] }
  | { or: Cond[] }
  | { not: Cond }
  | { op: string; field: PathNode; value: Value; pos: number };

export interface ParsedQuery {
  count: boolean;
  fields: PathNode[];
  from: { name: string; pos: number };
  where?: Cond;
  orderBy: { field: PathNode; desc: boolean; nullsLast: boolean }[];
  limit?: number;
  offset?: number;
}

const DATE_LITERALS = new Set(['TODAY', 'YESTERDAY', 'TOMORROW', 'LAST_N_DAYS', 'NEXT_N_DAYS', 'N_DAYS_AGO', 'THIS_MONTH', 'LAST_MONTH', 'THIS_YEAR']);

export function parseSoql(text: string): ParsedQuery {
  const toks = tokenize(text);
  let p = 0;
  const peek = () => toks[p] as Tok;
  const next = () => toks[p++] as Tok;
  const isKw = (kw: string) => {
    const t = peek();
    return t.t === 'id' && t.v.toUpperCase() === kw;
  };
  const fail = (t: Tok, reason?: string): never => {
    const shown = t.t === 'eof' ? '<EOF>' : 'v' in t ? String(t.v) : '';
    throw new SoqlError('MALFORMED_QUERY', located(text, t.pos, reason ?? `unexpected token: '${shown}'`));
  };
  const expectKw = (kw: string) => {
    if (!isKw(kw)) fail(peek());
    p++;
  };
  const expectOp = (op: string) => {
    const t = peek();
    if (t.t !== 'op' || t.v !== op) fail(t);
    p++;
  };

  expectKw('SELECT');
  const q: ParsedQuery = { count: false, fields: [], from: { name: '', pos: 0 }, orderBy: [] };
  if (isKw('COUNT') && toks[p + 1]?.t === 'op' && (toks[p + 1] as { v: string }).v === '(' && toks[p + 2]?.t === 'op') {
    p += 3;
    q.count = true;
  } else {
    for (;;) {
      const t = next();
      if (t.t !== 'id' || ['FROM', 'WHERE'].includes(t.v.toUpperCase())) fail(t);
      q.fields.push({ path: (t as { v: string }).v.split('.'), pos: t.pos });
      const c = peek();
      if (c.t === 'op' && c.v === ',') {
        p++;
        continue;
      }
      break;
    }
  }
  expectKw('FROM');
  const from = next();
  if (from.t !== 'id') fail(from);
  q.from = { name: (from as { v: string }).v, pos: from.pos };

  const parseValue = (): Value => {
    const t = next();
    switch (t.t) {
      case 'str':
        return { k: 'str', v: t.v };
      case 'num':
        return { k: 'num', v: t.v };
      case 'date':
        return { k: 'date', v: t.v };
      case 'datetime':
        return { k: 'datetime', v: t.v };
      case 'op':
        if (t.v === '(') {
          const items: Value[] = [];
          for (;;) {
            items.push(parseValue());
            const c = next();
            if (c.t === 'op' && c.v === ')') break;
            if (!(c.t === 'op' && c.v === ',')) fail(c);
          }
          return { k: 'list', items };
        }
        return fail(t);
      case 'id': {
        const u = t.v.toUpperCase();
        if (u === 'NULL') return { k: 'null' };
        if (u === 'TRUE' || u === 'FALSE') return { k: 'bool', v: u === 'TRUE' };
        const [name, n] = u.split(':');
        if (DATE_LITERALS.has(name as string)) {
          const needsN = (name as string).includes('_N_');
          if (needsN !== (n !== undefined)) fail(t, `Invalid date literal: ${t.v}`);
          return { k: 'dateLiteral', name: name as string, n: Number(n ?? 0) };
        }
        // Unquoted non-literal: what a stringified JS Date produces (§3.4 pitfall).
        return fail(t, 'Bind variables only allowed in Apex code');
      }
      default:
        return fail(t);
    }
  };

  const parseTerm = (): Cond => {
    if (isKw('NOT')) {
      p++;
      return { not: parseTerm() };
    }
    const t = peek();
    if (t.t === 'op' && t.v === '(') {
      p++;
      const c = parseOr();
      expectOp(')');
      return c;
    }
    const f = next();
    if (f.t !== 'id') return fail(f);
    const field: PathNode = { path: f.v.split('.'), pos: f.pos };
    const o = next();
    let op: string;
    if (o.t === 'op' && ['=', '!=', '<', '<=', '>', '>='].includes(o.v)) op = o.v;
    else if (o.t === 'id' && ['LIKE', 'IN', 'INCLUDES', 'EXCLUDES'].includes(o.v.toUpperCase())) op = o.v.toUpperCase();
    else if (o.t === 'id' && o.v.toUpperCase() === 'NOT' && isKw('IN')) {
      p++;
      op = 'NOT IN';
    } else return fail(o);
    const vt = peek();
    const value = parseValue();
    if ((op === 'IN' || op === 'NOT IN' || op === 'INCLUDES' || op === 'EXCLUDES') && value.k !== 'list') fail(vt, `expecting a left parentheses, found '${'v' in vt ? vt.v : ''}'`);
    return { op, field, value, pos: f.pos };
  };
  const parseAnd = (): Cond => {
    const items = [parseTerm()];
    while (isKw('AND')) {
      p++;
      items.push(parseTerm());
    }
    return items.length === 1 ? (items[0] as Cond) : { and: items };
  };
  const parseOr = (): Cond => {
    const items = [parseAnd()];
    while (isKw('OR')) {
      p++;
      items.push(parseAnd());
    }
    return items.length === 1 ? (items[0] as Cond) : { or: items };
  };

  if (isKw('WHERE')) {
    p++;
    q.where = parseOr();
  }
  if (isKw('ORDER')) {
    p++;
    expectKw('BY');
    for (;;) {
      const t = next();
      if (t.t !== 'id') fail(t);
      const item = { field: { path: (t as { v: string }).v.split('.'), pos: t.pos }, desc: false, nullsLast: false };
      if (isKw('ASC')) p++;
      else if (isKw('DESC')) {
        p++;
        item.desc = true;
      }
      if (isKw('NULLS')) {
        p++;
        if (isKw('LAST')) item.nullsLast = true;
        else if (!isKw('FIRST')) fail(peek());
        p++;
      }
      q.orderBy.push(item);
      const c = peek();
      if (c.t === 'op' && c.v === ',') {
        p++;
        continue;
      }
      break;
    }
  }
  if (isKw('LIMIT')) {
    p++;
    const t = next();
    if (t.t !== 'num' || !Number.isInteger(t.v) || t.v < 0) fail(t);
    q.limit = (t as { v: number }).v;
  }
  if (isKw('OFFSET')) {
    p++;
    const t = next();
    if (t.t !== 'num' || !Number.isInteger(t.v) || t.v < 0) fail(t);
    q.offset = (t as { v: number }).v;
    if ((q.offset as number) > 2000) throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', located(text, t.pos, 'Maximum SOQL offset allowed is 2000'));
  }
  if (peek().t !== 'eof') fail(peek());
  return q;
}
