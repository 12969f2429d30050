/**
 * Salesforce field history (§7.2): the newest <Object>History row per record and field, with who
 * made it (the integration user, a platform user, or a person).
 */
import type { FieldChange, ObjectKind } from '../types.js';
import { fromCsv, inStatements } from './bulk.js';
import { IN_BATCH, type SalesforceClient } from './client.js';
import { HISTORY, chunk, decodeValue, isoFromSf, sameId, soqlString } from './codec.js';
import type { SalesforceSchema } from './schema.js';

export class SalesforceHistory {
  constructor(
    private readonly api: SalesforceClient,
    private readonly schema: SalesforceSchema,
  ) {}

  private systemUsers: Set<string> | null = null;
  /** Platform users (Automated Process and the like): their changes are `system`, not a person's. */
  private async systemUserIds(): Promise<Set<string>> {
    if (this.systemUsers) return this.systemUsers;
    const rows = await this.api.queryAllRecords('list system users', "SELECT Id FROM User WHERE UserType IN ('AutomatedProcess', 'CloudIntegrationUser', 'AutomatedCase')");
    this.systemUsers = new Set(rows.map((r) => String(r.Id).slice(0, 15)));
    return this.systemUsers;
  }

  /**
   * Field history objects (§7.2): the newest row per (record, field); CreatedById is who made it —
   * the integration user → integration, an Automated Process user → system, anyone else → human. Only tracked fields have history;
   * an untracked field gives no FieldChange.
   */
  async history(kind: ObjectKind, ids: string[], fields: string[]): Promise<FieldChange[]> {
    if (ids.length === 0 || fields.length === 0) return [];
    const h = HISTORY[kind];
    const me = await this.api.me();
    const system = await this.systemUserIds();
    const types = await this.schema.fieldTypes(kind);
    const canonical = fields.map((f) => types.get(f.toLowerCase())?.name ?? f);
    const latest = new Map<string, FieldChange>();
    const unique = [...new Set(ids)];
    const select = `SELECT Id, ${h.parent}, Field, NewValue, CreatedById, CreatedDate FROM ${h.object} WHERE`;
    const tail = `AND Field IN (${canonical.map(soqlString).join(', ')}) ORDER BY CreatedDate DESC, Id DESC`;
    // Many records: query jobs of up to 100,000 characters each, not one SOQL call per 200 ids.
    const rows = this.api.bulk.uses(unique.length)
      ? (async function* (self: SalesforceClient) {
          for (const soql of inStatements(select, h.parent, unique, tail)) for await (const page of self.bulk.query(`read ${h.object}`, soql)) yield page.map(fromCsv);
        })(this.api)
      : (async function* (self: SalesforceClient) {
          for (const part of chunk(unique, IN_BATCH)) yield await self.queryAllRecords(`read ${h.object}`, `${select} ${h.parent} IN (${part.map(soqlString).join(', ')}) ${tail}`);
        })(this.api);
    for await (const page of rows) {
      for (const r of page) {
        const id = String(r[h.parent]);
        const field = String(r.Field);
        const key = `${id}\u0000${field.toLowerCase()}`;
        if (latest.has(key)) continue;
        const t = types.get(field.toLowerCase());
        const by = (r.CreatedById as string | null) ?? null;
        latest.set(key, {
          id,
          field: t?.name ?? field,
          value: decodeValue(t?.type, r.NewValue),
          at: isoFromSf(String(r.CreatedDate)),
          actor: by && me && sameId(by, me) ? 'integration' : by && system.has(by.slice(0, 15)) ? 'system' : 'human',
          userId: by,
        });
      }
    }
    return [...latest.values()];
  }
}
