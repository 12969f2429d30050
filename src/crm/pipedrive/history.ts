/**
 * Pipedrive field history: each record's v1 changelog (no batch form; several in flight, newest rows
 * first), the last change of each wanted field and who made it (§7).
 */
import { v1 } from 'pipedrive';
import { InrecordError } from '../../errors/index.js';
import type { FieldChange, FieldSchema, ObjectKind } from '../types.js';
import { PAGE, type Page, type PipedriveClient, type Rec } from './client.js';
import { type ChangelogRow, type PdKind, lastChanges } from './codec.js';
import type { PipedriveSchema } from './schema.js';

export class PipedriveHistory {
  constructor(
    private readonly api: PipedriveClient,
    private readonly schema: PipedriveSchema,
  ) {}

  async history(kind: ObjectKind, ids: string[], fields: string[]): Promise<FieldChange[]> {
    const k = this.api.kindOf(kind);
    const schemas = await this.schema.schemaMap(kind);
    const me = await this.api.me();
    const api = this.api.instrument(k === 'person' ? new v1.PersonsApi(this.api.cfg1) : k === 'organization' ? new v1.OrganizationsApi(this.api.cfg1) : new v1.DealsApi(this.api.cfg1));
    const method = k === 'person' ? 'getPersonChangelog' : k === 'organization' ? 'getOrganizationChangelog' : 'getDealChangelog';
    const wanted = fields.map((f) => (f === 'emails' ? 'email' : f));
    // One changelog per record (there is no batch form): several in flight, paced by the limiter.
    const perId: FieldChange[][] = new Array(ids.length);
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const i = next++;
        perId[i] = await this.changelogOf(api, method, k, ids[i], wanted, schemas, me);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.api.writeConcurrency, ids.length) }, worker));
    return perId.flat();
  }

  private async changelogOf(api: unknown, method: string, k: PdKind, id: string, wanted: string[], schemas: Map<string, FieldSchema>, me: string | null): Promise<FieldChange[]> {
    const rows: ChangelogRow[] = [];
    let cursor: string | undefined;
    do {
      let p: Page<ChangelogRow>;
      try {
        p = (await this.api.call(`changelog of ${k} ${id}`, () => (api as unknown as { [m: string]: (p: Rec) => Promise<Page<ChangelogRow>> })[method]({ id: Number(id), cursor, limit: PAGE }))) as Page<ChangelogRow>;
      } catch (e) {
        if (e instanceof InrecordError && e.code === 'IR_CRM_NOT_FOUND') break;
        throw e;
      }
      rows.push(...(p.data ?? []));
      // Rows come newest first: once every wanted field has a row, older pages cannot change the answer.
      if (wanted.every((f) => rows.some((r) => r.field_key === f))) break;
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
    return lastChanges(id, rows, wanted, schemas, me);
  }
}
