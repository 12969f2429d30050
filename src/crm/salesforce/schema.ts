/**
 * Salesforce describe (§2): the engine's object kinds as sObjects, each object's fields as
 * FieldSchema (kept five minutes), custom fields created through the Tooling API, and the org's users.
 */
import { InrecordError } from '../../errors/index.js';
import type { CrmUser, FieldSchema, FieldSpec, ObjectKind, ObjectSchema } from '../types.js';
import type { SaveResult, SalesforceClient } from './client.js';
import { SF_OBJECT, type SfDescribeField, customFieldMetadata, customFieldName, toFieldSchema } from './codec.js';

const SCHEMA_TTL_MS = 5 * 60_000;

export class SalesforceSchema {
  private readonly schemaCache = new Map<ObjectKind, { at: number; schema: ObjectSchema }>();

  constructor(private readonly api: SalesforceClient) {}

  objectName(kind: ObjectKind): string {
    return SF_OBJECT[kind];
  }

  async describe(kind: ObjectKind, opts: { fresh?: boolean } = {}): Promise<ObjectSchema> {
    const hit = this.schemaCache.get(kind);
    if (!opts.fresh && hit && Date.now() - hit.at < SCHEMA_TTL_MS) return hit.schema;
    const object = SF_OBJECT[kind];
    const d = await this.api.call(`describe ${object}`, (c) => c.sobject(object).describe());
    const schema: ObjectSchema = { object, fields: (d.fields as unknown as SfDescribeField[]).map(toFieldSchema) };
    this.schemaCache.set(kind, { at: Date.now(), schema });
    return schema;
  }

  async fieldTypes(kind: ObjectKind): Promise<Map<string, FieldSchema>> {
    const s = await this.describe(kind);
    return new Map(s.fields.map((f) => [f.name.toLowerCase(), f]));
  }

  /** Tooling API `CustomField` create (the path the simulator implements too). */
  async createField(kind: ObjectKind, spec: FieldSpec): Promise<FieldSchema> {
    const object = SF_OBJECT[kind];
    const name = customFieldName(spec.name);
    const metadata = customFieldMetadata(spec);
    if (!metadata) {
      throw new InrecordError('IR_CRM_UNSUPPORTED', `Salesforce ${object}.${name}: a ${spec.type} custom field cannot be created through the API here; create it in Setup → Object Manager`, {
        context: { crm: 'salesforce', object, field: name },
      });
    }
    const res = (await this.api.call(`create field ${object}.${name}`, (c) => c.tooling.sobject('CustomField').create({ FullName: `${object}.${name}`, Metadata: metadata } as never))) as unknown as SaveResult;
    if (!res.success) {
      const e = res.errors[0];
      const msg = typeof e === 'string' ? e : (e?.message ?? 'unknown error');
      throw new InrecordError('IR_CRM_VALIDATION', `Salesforce ${object}.${name}: the field was not created: ${msg}`, { context: { object, field: name } });
    }
    this.schemaCache.delete(kind);
    const f = (await this.describe(kind)).fields.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!f) throw new InrecordError('IR_CRM_BAD_RESPONSE', `Salesforce ${object}.${name}: created but not in describe yet; run again in a minute`);
    return f;
  }

  async listUsers(): Promise<CrmUser[]> {
    const rows = await this.api.queryAllRecords('list users', 'SELECT Id, Name, Email, IsActive FROM User ORDER BY Name');
    return rows.map((r) => ({ id: String(r.Id), name: String(r.Name ?? ''), email: String(r.Email ?? ''), active: r.IsActive === true }));
  }
}
