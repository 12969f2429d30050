/**
 * sObject Tree request bodies: record trees (a record's child relationship, `Contacts: { records:
 * [...] }`, holds its children), at most 200 records and 5 levels, each with `attributes.type`
 * and a `referenceId` unique in the request. Flattened parent-first, each record validated as a
 * create; the errors of a record are its result when the tree is refused.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobject_tree.htm
 */
import type { SfObject } from '../schema.js';
import type { Row } from '../soql-parser.js';
import { type SalesforceOrg, SfApiError } from '../state.js';

export const TREE_MAX_RECORDS = 200;
const TREE_MAX_DEPTH = 5;

export interface TreeNode {
  referenceId: string;
  obj: SfObject | undefined;
  values: Row;
  /** Index of the parent node, and the child's lookup field that points at it. */
  parent?: number;
  lookupField?: string;
  errors: { statusCode: string; message: string; fields: string[] }[];
}

/** The child object and its lookup field for a child relationship name of `parent` (`Contacts` → Contact.AccountId). */
function childRelationship(
  org: SalesforceOrg,
  parent: SfObject,
  name: string,
): { obj: SfObject; field: string } | undefined {
  for (const obj of org.schema.values()) {
    if (obj.labelPlural.replace(/\s/g, '').toLowerCase() !== name.toLowerCase() || !obj.createable) continue;
    const field = obj.fields.find(
      (f) => f.type === 'reference' && f.createable && f.referenceTo?.includes(parent.name),
    );
    if (field) return { obj, field: field.name };
  }
  return undefined;
}

const asErrors = (e: unknown) =>
  e instanceof SfApiError
    ? e.errors.map((x) => ({ statusCode: x.errorCode, message: x.message, fields: x.fields ?? [] }))
    : [{ statusCode: 'UNKNOWN_EXCEPTION', message: String(e), fields: [] }];

/** Flattens and validates a tree; request-level mistakes (no records, too many, too deep) are a 400 error array. */
export function flattenTree(org: SalesforceOrg, root: SfObject, records: unknown): TreeNode[] {
  if (!Array.isArray(records) || records.length === 0)
    throw SfApiError.one(400, 'JSON_PARSER_ERROR', 'The request body must contain a records array');
  const nodes: TreeNode[] = [];
  const seen = new Set<string>();
  const walk = (list: unknown[], obj: SfObject, depth: number, parent?: { index: number; field: string }) => {
    if (depth > TREE_MAX_DEPTH)
      throw SfApiError.one(400, 'INVALID_INPUT', `A tree can be at most ${TREE_MAX_DEPTH} levels deep`);
    for (const item of list) {
      const rec = (item ?? {}) as Record<string, unknown> & {
        attributes?: { type?: string; referenceId?: string };
      };
      const referenceId = String(rec.attributes?.referenceId ?? '');
      const node: TreeNode = {
        referenceId,
        obj,
        values: {},
        errors: [],
        ...(parent ? { parent: parent.index, lookupField: parent.field } : {}),
      };
      const index = nodes.push(node) - 1;
      if (nodes.length > TREE_MAX_RECORDS)
        throw SfApiError.one(400, 'LIMIT_EXCEEDED', `A tree can hold at most ${TREE_MAX_RECORDS} records`);
      const fields: Record<string, unknown> = {};
      const children: [SfObject, string, unknown[]][] = [];
      for (const [k, v] of Object.entries(rec)) {
        if (k === 'attributes') continue;
        const nested =
          v && typeof v === 'object' && !Array.isArray(v) ? (v as { records?: unknown }).records : undefined;
        if (Array.isArray(nested)) {
          const rel = childRelationship(org, obj, k);
          if (!rel)
            node.errors.push({
              statusCode: 'INVALID_FIELD',
              message: `No such relationship '${k}' on sobject of type ${obj.name}`,
              fields: [k],
            });
          else children.push([rel.obj, rel.field, nested]);
        } else fields[k] = v;
      }
      if (!referenceId || seen.has(referenceId))
        node.errors.push({
          statusCode: 'INVALID_INPUT',
          message: `referenceId '${referenceId}' must be present and unique`,
          fields: [],
        });
      seen.add(referenceId);
      if (rec.attributes?.type?.toLowerCase() !== obj.name.toLowerCase()) {
        node.errors.push({
          statusCode: 'INVALID_TYPE',
          message: `attributes.type must be ${obj.name}`,
          fields: [],
        });
      }
      try {
        node.values = org.prepareCreate(obj.name, fields, parent ? [parent.field] : []).values;
      } catch (e) {
        node.errors.push(...asErrors(e));
      }
      for (const [childObj, field, list2] of children) walk(list2, childObj, depth + 1, { index, field });
    }
  };
  walk(records, root, 1);
  return nodes;
}
