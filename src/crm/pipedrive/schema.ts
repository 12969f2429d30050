/**
 * Pipedrive fields (§4): the engine's object kinds as Pipedrive entities, each entity's fields as
 * FieldSchema (kept a minute), creating a custom field, and the company's users.
 */
import { v1, v2 } from 'pipedrive';
import { InrecordError } from '../../errors/index.js';
import type { CrmUser, FieldSchema, FieldSpec, ObjectKind, ObjectSchema } from '../types.js';
import { PAGE, type Page, type PipedriveClient, type Rec } from './client.js';
import { type PdField, type PdKind, toFieldSchema } from './codec.js';

export class PipedriveSchema {
  private readonly schemaCache = new Map<PdKind, { at: number; schema: ObjectSchema }>();

  constructor(private readonly api: PipedriveClient) {}

  objectName(kind: ObjectKind): string {
    return kind === 'contact' ? 'persons' : kind === 'company' ? 'organizations' : kind === 'deal' ? 'deals' : 'leads';
  }

  async describe(kind: ObjectKind, opts: { fresh?: boolean } = {}): Promise<ObjectSchema> {
    const k = this.api.kindOf(kind);
    const cached = this.schemaCache.get(k);
    if (!opts.fresh && cached && Date.now() - cached.at < 60_000) return cached.schema;
    const api =
      k === 'person' ? this.api.instrument(new v2.PersonFieldsApi(this.api.cfg2)) : k === 'organization' ? this.api.instrument(new v2.OrganizationFieldsApi(this.api.cfg2)) : this.api.instrument(new v2.DealFieldsApi(this.api.cfg2));
    const fields: PdField[] = [];
    let cursor: string | undefined;
    do {
      const p = (await this.api.call(`list ${k} fields`, () => {
        const a = api as unknown as { [m: string]: (p: Rec) => Promise<Page<PdField>> };
        const m = k === 'person' ? 'getPersonFields' : k === 'organization' ? 'getOrganizationFields' : 'getDealFields';
        return a[m]({ limit: PAGE, cursor });
      })) as Page<PdField>;
      fields.push(...(p.data ?? []));
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
    const schema: ObjectSchema = { object: this.objectName(kind), fields: fields.map((f) => toFieldSchema(k, f)) };
    this.schemaCache.set(k, { at: Date.now(), schema });
    return schema;
  }

  async schemaMap(kind: ObjectKind, fresh = false): Promise<Map<string, FieldSchema>> {
    if (fresh) this.schemaCache.delete(this.api.kindOf(kind));
    const s = await this.describe(kind);
    return new Map(s.fields.map((f) => [f.name, f]));
  }

  async createField(kind: ObjectKind, spec: FieldSpec): Promise<FieldSchema> {
    const k = this.api.kindOf(kind);
    const map: Partial<Record<FieldSpec['type'], string>> = {
      string: 'varchar',
      email: 'varchar',
      url: 'varchar',
      text: 'text',
      number: 'double',
      integer: 'double',
      percent: 'double',
      currency: 'monetary',
      date: 'date',
      picklist: 'enum',
      multipicklist: 'set',
      phone: 'phone',
    };
    const ft = map[spec.type];
    if (!ft) {
      throw new InrecordError('IR_CRM_UNSUPPORTED', `Pipedrive has no custom field type for ${spec.type} (field ${spec.name} on ${this.objectName(kind)}); §4.2 lists the creatable types`, {
        context: { crm: 'pipedrive', object: kind, field: spec.name },
        fix: spec.type === 'boolean' ? 'Use a picklist with Yes/No options.' : spec.type === 'datetime' ? 'Use a date field or a text field holding the ISO timestamp.' : undefined,
      });
    }
    const body: Rec = { field_name: spec.label || spec.name, field_type: ft };
    if (ft === 'enum' || ft === 'set') body.options = (spec.options ?? []).map((o) => ({ label: o.label }));
    const api =
      k === 'person' ? this.api.instrument(new v2.PersonFieldsApi(this.api.cfg2)) : k === 'organization' ? this.api.instrument(new v2.OrganizationFieldsApi(this.api.cfg2)) : this.api.instrument(new v2.DealFieldsApi(this.api.cfg2));
    const method = k === 'person' ? 'addPersonField' : k === 'organization' ? 'addOrganizationField' : 'addDealField';
    const reqKey = k === 'person' ? 'AddPersonFieldRequest' : k === 'organization' ? 'AddOrganizationFieldRequest' : 'AddDealFieldRequest';
    const res = (await this.api.call(`create ${k} field ${spec.name}`, () => (api as unknown as { [m: string]: (p: Rec) => Promise<{ data: PdField }> })[method]({ [reqKey]: body }))) as { data: PdField };
    this.schemaCache.delete(k);
    return toFieldSchema(k, res.data);
  }

  async listUsers(): Promise<CrmUser[]> {
    const api = this.api.instrument(new v1.UsersApi(this.api.cfg1));
    const r = (await this.api.call('list users', () => api.getUsers())) as { data?: { id: number; name: string; email: string; active_flag: boolean }[] | null };
    return (r.data ?? []).map((u) => ({ id: String(u.id), name: u.name, email: u.email, active: u.active_flag }));
  }
}
