/**
 * HubSpot properties (§5): the engine's object kinds as HubSpot objects, each object's properties as
 * FieldSchema (kept a minute), creating a custom property, and the account's owners.
 */
import { InrecordError } from '../../errors/index.js';
import type { CrmUser, FieldSchema, FieldSpec, ObjectKind, ObjectSchema } from '../types.js';
import type { HubspotClient } from './client.js';
import { type HsObject, type HsProperty, hsObject, propertyCreate, toFieldSchema } from './codec.js';

export class HubspotSchema {
  private readonly schemas = new Map<HsObject, { at: number; fields: Map<string, FieldSchema> }>();

  constructor(private readonly api: HubspotClient) {}

  objectName(kind: ObjectKind): string {
    return kind === 'contact' ? 'contacts' : kind === 'company' ? 'companies' : kind === 'deal' ? 'deals' : 'leads';
  }

  async describe(kind: ObjectKind, opts: { fresh?: boolean } = {}): Promise<ObjectSchema> {
    const map = await this.fields(kind, opts.fresh);
    return { object: this.obj(kind), fields: [...map.values()] };
  }

  async createField(kind: ObjectKind, spec: FieldSpec): Promise<FieldSchema> {
    const o = this.obj(kind);
    const created = (await this.api.call(`create ${o} property ${spec.name}`, (c) => c.crm.properties.coreApi.create(o, propertyCreate(o, spec) as never))) as unknown as HsProperty;
    this.schemas.delete(o);
    return toFieldSchema(created);
  }

  obj(kind: ObjectKind): HsObject {
    const o = hsObject(kind);
    if (!o) {
      throw new InrecordError('IR_CRM_UNSUPPORTED', `HubSpot: the ${kind} object is not supported by this connector (HubSpot leads are contacts with a lifecycle stage)`, {
        context: { crm: 'hubspot', object: kind },
      });
    }
    return o;
  }

  async fields(kind: ObjectKind, fresh = false): Promise<Map<string, FieldSchema>> {
    const o = this.obj(kind);
    const c = this.schemas.get(o);
    if (!fresh && c && Date.now() - c.at < 60_000) return c.fields;
    const res = (await this.api.call(`list ${o} properties`, (cl) => cl.crm.properties.coreApi.getAll(o))) as unknown as { results: HsProperty[] };
    const map = new Map(res.results.map((p) => [p.name, toFieldSchema(p)]));
    this.schemas.set(o, { at: Date.now(), fields: map });
    return map;
  }

  async listUsers(): Promise<CrmUser[]> {
    const out: CrmUser[] = [];
    for (const archived of [false, true]) {
      let after: string | undefined;
      do {
        const page = (await this.api.call('list owners', (c) => c.crm.owners.ownersApi.getPage(undefined, after, 100, archived))) as unknown as {
          results: { id: string; email?: string; firstName?: string; lastName?: string; archived?: boolean }[];
          paging?: { next?: { after?: string } };
        };
        for (const u of page.results) {
          out.push({ id: String(u.id), name: [u.firstName, u.lastName].filter(Boolean).join(' ') || (u.email ?? String(u.id)), email: u.email ?? '', active: !(u.archived ?? archived) });
        }
        after = page.paging?.next?.after;
      } while (after);
    }
    return out;
  }
}
