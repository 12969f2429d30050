/**
 * HubSpot field history: the last change of each field from propertiesWithHistory (50 records a
 * batch read, §2.4), with who made it (sourceType → actor).
 */
import type { FieldChange, ObjectKind } from '../types.js';
import { type BatchJson, HISTORY_BATCH, type HubspotClient, iso } from './client.js';
import { actorOf, chunk, decodeValue } from './codec.js';
import type { HubspotSchema } from './schema.js';

export class HubspotHistory {
  constructor(
    private readonly api: HubspotClient,
    private readonly schema: HubspotSchema,
  ) {}

  async history(kind: ObjectKind, ids: string[], fields: string[]): Promise<FieldChange[]> {
    const o = this.schema.obj(kind);
    const schema = await this.schema.fields(kind);
    const out: FieldChange[] = [];
    for (const part of chunk([...new Set(ids)], HISTORY_BATCH)) {
      const res = (await this.api.call(`batch read ${o} history`, (c) =>
        this.api.batchApi(o, c).read({ inputs: part.map((id) => ({ id })), properties: [], propertiesWithHistory: fields } as never),
      )) as unknown as BatchJson;
      for (const r of res.results) {
        for (const f of fields) {
          const entries = r.propertiesWithHistory?.[f] ?? [];
          // newest first (§2.4)
          const latest = [...entries].sort((a, b) => Date.parse(iso(b.timestamp)) - Date.parse(iso(a.timestamp)))[0];
          if (!latest) continue;
          const who = actorOf(latest);
          out.push({ id: String(r.id), field: f, value: decodeValue(schema.get(f), latest.value), at: iso(latest.timestamp), actor: who.actor, userId: who.userId });
        }
      }
    }
    return out;
  }
}
