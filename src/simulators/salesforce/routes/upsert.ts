/**
 * sObject Rows by external id: upsert (`PATCH /sobjects/{T}/{field}/{value}`: 201 created, 200
 * updated — API 46.0 and later, both with `created` —, 300 when the value matches several records,
 * 404 when the field is not an external id; `?updateOnly=true` never creates: the page names no
 * answer for no match, the simulator gives an update's, 404 NOT_FOUND),
 * read and delete by the external id's value. The field is one whose describe says
 * `externalId: true` (a Tooling `CustomField` created with `Metadata.externalId`), or `Id`.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_upsert.htm
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { normalizeId } from '../ids.js';
import { type Rest, type RouteContext, recordJson, resolveFields } from '../routes.js';
import type { SfField, SfObject } from '../schema.js';
import type { Row } from '../soql-parser.js';
import { type SalesforceOrg, SfApiError } from '../state.js';

/** The external id field named in the path; NOT_FOUND when the object has no such external id. */
export function externalIdField(obj: SfObject, name: string): SfField {
  const f = obj.byLower.get(name.toLowerCase());
  if (!f || !(f.externalId || f.type === 'id'))
    throw SfApiError.one(
      404,
      'NOT_FOUND',
      `Provided external ID field does not exist or is not accessible: ${name}`,
    );
  return f;
}

/** The live rows whose external id equals the value (case-insensitively, as text external ids match). */
export function rowsByExternalId(org: SalesforceOrg, obj: SfObject, f: SfField, value: string): Row[] {
  if (f.type === 'id') {
    const id = normalizeId(value);
    const row = id ? org.rows(obj.name).get(id) : undefined;
    return row ? [row] : [];
  }
  const want = value.toLowerCase();
  return [...org.rows(obj.name).values()].filter(
    (r) => r[f.name] !== null && r[f.name] !== undefined && String(r[f.name]).toLowerCase() === want,
  );
}

export type UpsertPlan = { obj: SfObject; row?: Row; values: Row };

/**
 * Validation half of an upsert: the values to create, or the row to update and its new values.
 * Several matches → 300 DUPLICATE_EXTERNAL_ID naming the matching ids (collections report it per record).
 */
export function prepareUpsert(
  org: SalesforceOrg,
  objectName: string,
  fieldName: string,
  value: string,
  body: Record<string, unknown>,
  updateOnly = false,
): UpsertPlan {
  const obj = org.requireObject(objectName);
  const f = externalIdField(obj, fieldName);
  const { [f.name]: _ext, attributes: _a, ...rest } = body;
  const rows = rowsByExternalId(org, obj, f, value);
  if (rows.length > 1) {
    const ids = rows.map((r) => r.Id as string);
    throw SfApiError.one(
      300,
      'DUPLICATE_EXTERNAL_ID',
      `${f.name}: more than one record found for external id field: [${ids.join(', ')}]`,
      ids,
    );
  }
  const row = rows[0];
  if (row) {
    if (!obj.updateable)
      throw SfApiError.one(400, 'INVALID_TYPE', `entity type ${obj.name} does not support update`);
    return { obj, ...org.prepareUpdate(obj, row.Id as string, rest) };
  }
  if (f.type === 'id' || updateOnly)
    throw SfApiError.one(404, 'NOT_FOUND', 'The requested resource does not exist');
  return org.prepareCreate(obj.name, { ...rest, [f.name]: value });
}

/** Applies a prepared upsert: the record's id and whether it was created. */
export function commitUpsert(
  org: SalesforceOrg,
  plan: UpsertPlan,
  userId: string,
): { id: string; created: boolean } {
  if (!plan.row) return { id: org.commitCreate(plan.obj, plan.values, userId), created: true };
  org.applyUpdate(plan.obj, plan.row, plan.values, userId, 'api');
  return { id: plan.row.Id as string, created: false };
}

export function registerUpsertRoutes(app: FastifyInstance, ctx: RouteContext, rest: Rest): void {
  const { org } = ctx;
  type Params = { type: string; field: string; value: string };
  /** 300 Multiple Choices: the matching records' URLs. */
  const choices = (reply: FastifyReply, obj: SfObject, rows: Row[], version: string) =>
    reply.code(300).send(rows.map((r) => `/services/data/v${version}/sobjects/${obj.name}/${r.Id}`));
  const lookup = (p: Params): { obj: SfObject; rows: Row[] } => {
    const obj = org.requireObject(p.type);
    const rows = rowsByExternalId(org, obj, externalIdField(obj, p.field), p.value);
    if (rows.length === 0) throw SfApiError.one(404, 'NOT_FOUND', 'The requested resource does not exist');
    return { obj, rows };
  };

  app.patch(
    '/services/data/:v/sobjects/:type/:field/:value',
    rest('PATCH /sobjects/{T}/{field}/{value}', (req, reply, s) => {
      const p = req.params as Params;
      const body = (req.body ?? {}) as Record<string, unknown>;
      let plan: UpsertPlan;
      try {
        const updateOnly = (req.query as { updateOnly?: string }).updateOnly === 'true';
        plan = prepareUpsert(org, p.type, p.field, p.value, body, updateOnly);
      } catch (e) {
        if (e instanceof SfApiError && e.status === 300) {
          const obj = org.requireObject(p.type);
          return choices(
            reply,
            obj,
            (e.errors[0]?.fields ?? []).map((id) => org.rows(obj.name).get(id) as Row),
            s.version,
          );
        }
        throw e;
      }
      const { id, created } = commitUpsert(org, plan, s.userId);
      reply.code(created ? 201 : 200);
      return { id, success: true, errors: [], created };
    }),
  );

  app.get(
    '/services/data/:v/sobjects/:type/:field/:value',
    rest('GET /sobjects/{T}/{field}/{value}', (req, reply, s) => {
      const { obj, rows } = lookup(req.params as Params);
      if (rows.length > 1) return choices(reply, obj, rows, s.version);
      const fieldsParam = (req.query as { fields?: string }).fields;
      return recordJson(
        obj,
        rows[0] as Row,
        resolveFields(obj, fieldsParam ? fieldsParam.split(',') : undefined),
        s.version,
      );
    }),
  );

  app.delete(
    '/services/data/:v/sobjects/:type/:field/:value',
    rest('DELETE /sobjects/{T}/{field}/{value}', (req, reply, s) => {
      const { obj, rows } = lookup(req.params as Params);
      if (rows.length > 1) return choices(reply, obj, rows, s.version);
      org.remove(obj.name, (rows[0] as Row).Id as string, s.userId);
      return reply.code(204).send();
    }),
  );
}
