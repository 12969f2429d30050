/**
 * SOSL search (`GET /search?q=FIND {…}`): the records of each object named in RETURNING (every
 * searchable object when none is) whose searched fields hold the term, answered as
 * `{ searchRecords: [...] }`, each record with its `attributes` and the fields asked for.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_search.htm
 */
import type { FastifyInstance } from 'fastify';
import { type Rest, type RouteContext, recordJson, resolveFields } from '../routes.js';
import type { SfField, SfObject } from '../schema.js';
import { type SoslScope, parseSosl } from '../sosl.js';
import { SfApiError } from '../state.js';

const TEXT = ['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist'];
const NAME_FIELDS = ['Name', 'FirstName', 'LastName', 'Subject'];

/** The fields a scope searches on an object (IN ALL FIELDS: every text field). */
function searchedFields(obj: SfObject, scope: SoslScope): SfField[] {
  return obj.fields.filter((f) =>
    scope === 'NAME'
      ? NAME_FIELDS.includes(f.name)
      : scope === 'EMAIL'
        ? f.type === 'email'
        : scope === 'PHONE'
          ? f.type === 'phone'
          : TEXT.includes(f.type),
  );
}

export function registerSearchRoutes(app: FastifyInstance, ctx: RouteContext, rest: Rest): void {
  const { org } = ctx;
  app.get(
    '/services/data/:v/search',
    rest('GET /search', (req, _reply, s) => {
      const q = (req.query as { q?: string }).q;
      if (!q)
        throw SfApiError.one(
          400,
          'MALFORMED_SEARCH',
          'No search term found. The search term must be enclosed in braces.',
        );
      const sosl = parseSosl(q);
      const targets = sosl.returning.length
        ? sosl.returning.map((r) => {
            const obj = org.object(r.object);
            if (!obj || obj.name.endsWith('History'))
              throw SfApiError.one(400, 'INVALID_TYPE', `sObject type '${r.object}' is not supported.`);
            return { obj, fields: resolveFields(obj, r.fields.length ? r.fields : ['Id']) };
          })
        : [...org.schema.values()]
            .filter((o) => !o.name.endsWith('History'))
            .map((obj) => ({ obj, fields: resolveFields(obj, ['Id']) }));
      const searchRecords: Record<string, unknown>[] = [];
      for (const { obj, fields } of targets) {
        const searched = searchedFields(obj, sosl.scope);
        for (const row of org.rows(obj.name).values()) {
          if (searchRecords.length >= sosl.limit) break;
          if (searched.some((f) => typeof row[f.name] === 'string' && sosl.matches(row[f.name] as string)))
            searchRecords.push(recordJson(obj, row, fields, s.version));
        }
      }
      return { searchRecords };
    }),
  );
}
