/**
 * Paging changed records while they are being written: every write moves a record to the end of
 * the modified-date order. With offset paging the records behind it shift back and one is skipped
 * at each page boundary — a record never processed. The connector pages by key instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../../config/index.js';
import { type RunningHubspotSimulator, startHubspotSimulator } from '../../simulators/hubspot/index.js';
import { HubspotConnector } from './connector.js';

describe('readChanged while records are written', () => {
  let sim: RunningHubspotSimulator;
  beforeAll(async () => {
    sim = await startHubspotSimulator({ records: 900, seed: 11, searchPerSecond: 200 });
  });
  afterAll(async () => sim?.close());

  it('skips no record when each page is written before the next is read', async () => {
    const hs = new HubspotConnector(crmConnectionSchema.parse({ kind: 'hubspot', baseUrl: sim.apiBase, auth: { token: sim.token } }), {}, { searchPerSecond: 200 });
    const all = new Set<string>();
    for await (const page of hs.readChanged('contact', null, ['firstname'])) for (const r of page) all.add(r.id);
    const seen = new Set<string>();
    let n = 0;
    for await (const page of hs.readChanged('contact', null, ['firstname'])) {
      for (const r of page) seen.add(r.id);
      const results = await hs.writeBatch('contact', page.map((r) => ({ id: r.id, fields: { firstname: `${r.fields.firstname ?? ''}.` } })));
      expect(results.every((x) => x.ok)).toBe(true);
      if (++n > 50) break;
    }
    expect([...all].filter((id) => !seen.has(id))).toEqual([]);
  });
});
