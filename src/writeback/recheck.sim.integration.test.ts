/**
 * The re-check before a write on the HubSpot simulator, counting calls: a batch of 100 nobody
 * touched costs a re-read instead of two history reads, and the history is still read — and every
 * person's value kept — for records a rep edited while the run was under way, records whose value
 * differs from inrecord's last write, and values a rep set before inrecord's first write.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type InrecordConfig, configSchema, crmConnectionSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector, CrmRecord } from '../crm/types.js';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';
import { type TestStore, openTestStore } from '../store/testing/index.js';
import { applyRun } from './apply.js';
import { checkLive } from './check.js';
import { ledgerForRun } from './queries.js';
import type { RecordOutputs } from './types.js';

const FIELD = 'ai_lead_score';

describe('write-back re-check on the HubSpot simulator', () => {
  let sim: RunningSimulator;
  let connector: CrmConnector;
  let store: TestStore;
  let config: InrecordConfig;
  let ids: string[];

  beforeAll(async () => {
    sim = await startSimulator('hubspot', { records: 260, seed: 11 });
    connector = await createConnector(
      crmConnectionSchema.parse({ kind: 'hubspot', baseUrl: sim.apiBase, auth: { token: sim.token } }),
    );
    store = await openTestStore('pglite');
    config = configSchema.parse({
      crm: { kind: 'hubspot', auth: { token: sim.token } },
      objects: { contact: { fields: { [FIELD]: { owner: 'hybrid', onConflict: 'flag' } } } },
      flows: [{ name: 'scoring', kind: 'scoring', object: 'contact', outputs: { score: FIELD } }],
    });
    // the score property does not exist yet: check --fix creates it, empty on every contact
    expect((await checkLive(connector, config, { fix: true })).ok).toBe(true);
    ids = [];
    for await (const page of connector.readChanged('contact', null, ['email']))
      ids.push(...page.map((r) => r.id));
    ids = ids.slice(0, 200);
  }, 60_000);

  afterAll(async () => {
    await connector?.close();
    await sim?.close();
    await store?.destroy();
  });

  /** One run as the pipeline makes it: the records read once, outputs made on them, edits racing, then apply. */
  async function run(score: (i: number) => number, race: (records: Map<string, CrmRecord>) => Promise<void>) {
    const records = new Map((await connector.read('contact', ids, [FIELD])).map((r) => [r.id, r]));
    const readAt = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1100));
    await race(records);
    const outputs: RecordOutputs[] = ids.map((id, i) => ({
      object: 'contact',
      recordId: id,
      readAt,
      record: records.get(id) as CrmRecord,
      outputs: [{ name: 'score', field: FIELD, value: score(i), flow: 'scoring' }],
    }));
    const history = vi.spyOn(connector, 'history');
    try {
      const summary = await applyRun({ store, connector, objects: config.objects }, { source: outputs });
      const asked = history.mock.calls.flatMap((c) => c[1]);
      const ledger = await ledgerForRun(store, summary.runId);
      return { summary, asked, historyCalls: history.mock.calls.length, ledger };
    } finally {
      history.mockRestore();
    }
  }

  const rep = (id: string, value: string) =>
    sim.repEdit({ object: 'contacts', id, fields: { [FIELD]: value } });

  it('first write: history only for the records reps touched, every rep value kept, 3 calls per clean batch', async () => {
    // a rep's score typed before the AI read (inrecord never wrote it) and three typed while the run is under way
    const before = ids[5] as string;
    await rep(before, '77');
    // more than the clock margin before the read: the edit is older than the AI's read
    await new Promise((r) => setTimeout(r, 1100));
    const racing = [ids[10], ids[40], ids[90]] as string[];
    const first = await run(
      (i) => 50 + (i % 40),
      async () => {
        for (const id of racing) await rep(id, '99');
      },
    );
    expect(first.summary.status).toBe('succeeded');
    // both batches of 100 are re-read; only the first carries edits, so only it reads history, for those 4 records
    expect(new Set(first.asked)).toEqual(new Set([before, ...racing]));
    expect(first.historyCalls).toBe(1);
    expect(first.summary.historyReads).toBe(4);
    expect(first.summary.fields).toMatchObject({ written: 196, flagged: 4, failed: 0, not_applied: 0 });
    const reasons = new Map(
      first.ledger.filter((l) => l.outcome === 'flagged').map((l) => [l.record_id, l.reason]),
    );
    expect(reasons.get(before)).toBe('human-value-before-first-write');
    for (const id of racing) expect(reasons.get(id)).toBe('human-edit-since-read');
    // batch 1: re-read, history, write, verify; batch 2: re-read, write, verify (5 calls per 100 before)
    expect(first.summary.apiCalls).toBe(7);
    const now = new Map(
      (await connector.read('contact', [before, ...racing], [FIELD])).map((r) => [r.id, r.fields[FIELD]]),
    );
    expect([...now.values()].map(Number)).toEqual([77, 99, 99, 99]);
  }, 60_000);

  it('next run: history only where the value is not inrecord’s last write, or inrecord never wrote it', async () => {
    // a rep changes two scores inrecord wrote, between the runs (before the next AI read)
    const changed = [ids[120], ids[150]] as string[];
    for (const id of changed) await rep(id, '12');
    const second = await run(
      (i) => 10 + (i % 30),
      async () => {},
    );
    expect(second.summary.status).toBe('succeeded');
    const keptFromFirst = [ids[5], ids[10], ids[40], ids[90]] as string[];
    expect(new Set(second.asked)).toEqual(new Set([...keptFromFirst, ...changed]));
    const flagged = second.ledger.filter((l) => l.outcome === 'flagged').map((l) => l.record_id);
    expect(new Set(flagged)).toEqual(new Set([...keptFromFirst, ...changed]));
    const now = await connector.read('contact', changed, [FIELD]);
    expect(now.map((r) => Number(r.fields[FIELD]))).toEqual([12, 12]);
  }, 60_000);
});
