/**
 * SOSL as the REST `search` resource takes it, the subset the simulator answers:
 * `FIND {term} [IN ALL FIELDS|NAME FIELDS|EMAIL FIELDS|PHONE FIELDS] [RETURNING Obj[(f1, f2)] [, Obj2…]] [LIMIT n]`.
 * The term matches a text field case-insensitively anywhere in its value; `*` stands for any
 * characters and `?` for one. What it does not parse is refused as Salesforce refuses a malformed
 * search: 400 MALFORMED_SEARCH.
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_sosl_syntax.htm
 */
import { SfApiError } from './state.js';

export type SoslScope = 'ALL' | 'NAME' | 'EMAIL' | 'PHONE';

export interface SoslQuery {
  term: string;
  /** Case-insensitive matcher of the term with its wildcards. */
  matches: (value: string) => boolean;
  scope: SoslScope;
  /** Objects to search with the fields to answer (empty: Id only); none named → every searchable object. */
  returning: { object: string; fields: string[] }[];
  limit: number;
}

export const SOSL_MAX_ROWS = 2000;

const malformed = (message: string) => SfApiError.one(400, 'MALFORMED_SEARCH', message);

export function parseSosl(input: string): SoslQuery {
  const s = input.trim();
  const find = /^FIND\s*\{((?:[^}\\]|\\.)*)\}/i.exec(s);
  if (!find) throw malformed('No search term found. The search term must be enclosed in braces.');
  const term = (find[1] as string).replace(/\\(.)/g, '$1').trim();
  if (term.replace(/[*?]/g, '').length < 2) throw malformed('search term must be longer than one character');
  let rest = s.slice(find[0].length).trim();
  let scope: SoslScope = 'ALL';
  const inClause = /^IN\s+(ALL|NAME|EMAIL|PHONE)\s+FIELDS\b/i.exec(rest);
  if (inClause) {
    scope = (inClause[1] as string).toUpperCase() as SoslScope;
    rest = rest.slice(inClause[0].length).trim();
  }
  const returning: SoslQuery['returning'] = [];
  const ret = /^RETURNING\s+/i.exec(rest);
  if (ret) {
    rest = rest.slice(ret[0].length);
    for (;;) {
      const item = /^([A-Za-z][A-Za-z0-9_]*)\s*(?:\(([^()]*)\))?\s*/.exec(rest);
      if (!item || /^LIMIT$/i.test(item[1] as string))
        throw malformed(`unexpected token: '${rest.split(/\s/)[0] ?? ''}'`);
      const fields = item[2] === undefined ? [] : (item[2] as string).split(',').map((f) => f.trim());
      if (fields.some((f) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(f)))
        throw malformed(`unexpected token in the field list of ${item[1]}: '${item[2]}'`);
      returning.push({ object: item[1] as string, fields });
      rest = rest.slice(item[0].length);
      if (!rest.startsWith(',')) break;
      rest = rest.slice(1).trim();
    }
  }
  let limit = SOSL_MAX_ROWS;
  const lim = /^LIMIT\s+(\d+)\s*$/i.exec(rest.trim());
  if (lim) {
    limit = Math.min(Number(lim[1]), SOSL_MAX_ROWS);
    rest = '';
  }
  if (rest.trim()) throw malformed(`unexpected token: '${rest.trim().split(/\s/)[0]}'`);
  const pattern = term
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const re = new RegExp(pattern, 'i');
  return { term, matches: (v) => re.test(v), scope, returning, limit };
}
