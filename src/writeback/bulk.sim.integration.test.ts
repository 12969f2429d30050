/**
 * Write-back above the Salesforce connector's bulk threshold: the same outputs applied to two
 * identical simulated orgs, one through REST (collections, retrieve) and one through Bulk API 2.0
 * (a CSV ingest job, history and verification by query jobs), give the same ledger row for row —
 * written, flagged for a rep's edit, failed with Salesforce's own error for a record deleted
 * between the plan and the write. (Calls at scale: `npm run bench -- salesforce-bulk`.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, crmConnectionSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector, CrmRecord } from '../crm/types.js';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';
import { type TestStore, openTestStore } from '../store/testing/index.js';
import { applyRun } from './apply.js';
import { ledgerForRun } from './queries.js';
import type { RecordOutputs } from './types.js';

interface Side {
  sim: RunningSimulator;
  connector: CrmConnector;
  store: TestStore;
}

const config = configSchema.parse({
  crm: { kind: 'salesforce', auth: { token: 'x' } },
  objects: {
    lead: {
      fields: {
        Web_Visits__c: { owner: 'ai' },
        Rating: { owner: 'hybrid', onConflict: 'flag' },
        Title: { owner: 'hybrid', onConflict: 'skip', firstWrite: 'overwrite' },
      },
    },
  },
  flows: [{ name: 'scoring', kind: 'scoring', object: 'lead', outputs: { score: 'Web_Visits__c' } }],
});

async function side(bulk: boolean): Promise<Side> {
  const sim = await startSimulator('salesforce', { records: 800, seed: 21, bulk: { processingMs: 30 } });
  const connector = await createConnector(
    crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: sim.apiBase, auth: { token: sim.token }, bulk: { enabled: bulk, threshold: 500, jobSize: 5000, pollInterval: '20ms' } }),
  );
  return { sim, connector, store: await openTestStore('pglite') };
}

describe('write-back through Bulk API 2.0 above the threshold', () => {
  let rest: Side;
  let bulk: Side;
  let ids: string[];

  beforeAll(async () => {
    [rest, bulk] = await Promise.all([side(false), side(true)]);
  }, 180_000);

  const firstLeads = async (s: Side) => {
    const out: string[] = [];
    for await (const page of s.connector.readChanged('lead', null, [])) out.push(...page.map((r) => r.id));
    return out.slice(0, 1000);
  };

  afterAll(async () => {
    for (const s of [rest, bulk]) {
      await s?.connector.close();
      await s?.sim.close();
      await s?.store.destroy();
    }
  });

  it('gives the ledger REST gives, row for row, with the failed row carrying the Salesforce error', async () => {
    // the same org on both sides (same seed, same ids), read through REST pages and a bulk query job
    ids = await firstLeads(rest);
    expect(await firstLeads(bulk)).toEqual(ids);
    const readAt = new Date(Date.now() - 5_000).toISOString();
    const run = async (s: Side) => {
      // the records as the flows read them: apply plans on them without reading again
      const records = new Map<string, CrmRecord>((await s.connector.read('lead', ids, ['Web_Visits__c', 'Rating', 'Title'])).map((r) => [r.id, r]));
      // a rep sets Rating after the AI read it: flagged, not overwritten
      await s.sim.repEdit({ object: 'Lead', id: ids[1] as string, fields: { Rating: 'Cold' } });
      // a rep deletes a record after the AI read it: Salesforce refuses that row
      const del = await fetch(`${s.sim.apiBase}/services/data/v62.0/sobjects/Lead/${ids[2]}`, { method: 'DELETE', headers: { authorization: `Bearer ${s.sim.token}` } });
      expect(del.status).toBe(204);
      const outputs: RecordOutputs[] = ids.map((id, i) => ({
        object: 'lead',
        recordId: id,
        readAt,
        record: records.get(id) as CrmRecord,
        outputs: [
          { name: 'score', field: 'Web_Visits__c', value: 1000 + i, flow: 'scoring' },
          { name: 'grade', field: 'Rating', value: i % 2 ? 'Hot' : 'Warm', flow: 'scoring' },
          { name: 'reasons', field: 'Title', value: i === 3 ? null : `AI title ${i}`, flow: 'scoring' },
        ],
      }));
      s.sim.resetStats();
      const summary = await applyRun({ store: s.store, connector: s.connector, objects: config.objects }, { source: outputs, chunkSize: 250 });
      const ledger = (await ledgerForRun(s.store, summary.runId)).map((r) => ({
        record: r.record_id,
        field: r.field,
        outcome: r.outcome,
        reason: r.reason,
        before: r.before_value,
        after: r.after_value,
        code: r.code,
        // the rep's edit is made on each side in turn: its time differs, nothing else may
        message: r.message?.replace(/edited by user (\w+) at [\d:.TZ-]+/, 'edited by user $1') ?? null,
      }));
      ledger.sort((a, b) => (a.record + a.field < b.record + b.field ? -1 : 1));
      return { summary, ledger, calls: s.sim.stats().calls };
    };
    const viaRest = await run(rest);
    const viaBulk = await run(bulk);

    expect(viaBulk.summary.status).toBe('succeeded');
    expect(viaBulk.ledger).toEqual(viaRest.ledger);
    expect(viaBulk.summary.fields).toEqual(viaRest.summary.fields);

    const failed = viaBulk.ledger.filter((r) => r.outcome === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((r) => r.record))).toEqual(new Set([ids[2]]));
    expect(failed[0]?.code).toBe('IR_CRM_NOT_FOUND');
    expect(failed[0]?.message).toContain('ENTITY_IS_DELETED: entity is deleted');
    expect(viaBulk.ledger.find((r) => r.record === ids[1] && r.field === 'Rating')?.outcome).toBe('flagged');
    expect(viaBulk.ledger.find((r) => r.record === ids[3] && r.field === 'Title')).toMatchObject({ outcome: 'written', after: null });
    expect(viaBulk.ledger.filter((r) => r.outcome === 'written').length).toBeGreaterThan(2000);

    // one ingest job and no collections; history and verification by query jobs
    expect(viaBulk.calls['POST /jobs/ingest']).toBe(1);
    expect(viaBulk.calls['PATCH /composite/sobjects'] ?? 0).toBe(0);
    // history and verification are query jobs on the bulk side, SOQL IN 200 and retrieves on the REST side
    expect(viaBulk.calls['POST /composite/sobjects/{T}'] ?? 0).toBe(0);
    expect(viaBulk.calls['POST /jobs/query']).toBe(2);
    expect(viaRest.calls['PATCH /composite/sobjects']).toBe(5);
    expect(viaRest.calls['POST /composite/sobjects/{T}']).toBe(5);

    // the bulk write is in the field history as the integration's, like a REST write
    const history = await bulk.connector.history('lead', [ids[0] as string, ids[5] as string], ['Title']);
    expect(history.map((h) => [h.id, h.value, h.actor])).toEqual(
      expect.arrayContaining([
        [ids[0], 'AI title 0', 'integration'],
        [ids[5], 'AI title 5', 'integration'],
      ]),
    );
  }, 180_000);
});
