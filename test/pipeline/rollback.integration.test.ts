/**
 * Rolling back a window of runs (`inrecord rollback --since T --flow X`) on the HubSpot simulator:
 * every run of the flow in the window is undone, newest first, so each field ends at its value from
 * before the window; another flow's writes stay; and the restored records are inrecord's own change,
 * so the next poll does not process them again and write the rolled-back values back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, crmConnectionSchema, type InrecordConfig } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import type { CrmConnector } from '../../src/crm/types.js';
import { rollback } from '../../src/pipeline/index.js';
import { type RunningSimulator, startSimulator } from '../../src/simulators/index.js';
import { openTestStore, type TestStore } from '../../src/store/testing/index.js';
import { type RecordJob, pollOnce } from '../../src/triggers/index.js';
import { applyRun, type RecordOutputs } from '../../src/writeback/index.js';

describe('rollback of a window of runs (HubSpot simulator)', () => {
  let sim: RunningSimulator;
  let store: TestStore;
  let connector: CrmConnector;
  let config: InrecordConfig;
  let ids: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator('hubspot', { seed: 12, records: 30 });
    store = await openTestStore('pglite');
    connector = await createConnector(crmConnectionSchema.parse({ kind: 'hubspot', baseUrl: sim.apiBase, auth: { token: sim.token } }));
    await connector.createField('contact', { name: 'rb_score', label: 'RB score', type: 'number' });
    await connector.createField('contact', { name: 'rb_note', label: 'RB note', type: 'string' });
    config = configSchema.parse({
      crm: { kind: 'hubspot', baseUrl: sim.apiBase, auth: { token: sim.token } },
      objects: { contact: { fields: { rb_score: { owner: 'ai' }, rb_note: { owner: 'ai' } } } },
    });
    for await (const page of connector.readChanged('contact', null, [])) {
      ids = page.slice(0, 5).map((r) => r.id);
      break;
    }
    expect(ids).toHaveLength(5);
  }, 120_000);

  afterAll(async () => {
    await connector?.close();
    await store?.destroy();
    await sim?.close();
  });

  const outputs = (field: string, flow: string, value: (i: number) => number | string): RecordOutputs[] =>
    ids.map((id, i) => ({ object: 'contact', recordId: id, outputs: [{ name: field, field, value: value(i), flow }] }));
  const values = async (field: string) => (await connector.read('contact', ids, [field])).map((r) => r.fields[field] ?? null);
  const pause = () => new Promise((r) => setTimeout(r, 1100));

  it('undoes every run of the flow since T, keeps the other flow, and the next poll does not write the values back', async () => {
    const deps = { store, connector, objects: config.objects };
    const before = await values('rb_score');
    const since = new Date().toISOString();
    await pause();
    await applyRun(deps, { source: outputs('rb_score', 'scoring', (i) => 10 + i) });
    await pause();
    await applyRun(deps, { source: outputs('rb_note', 'notes', (i) => `note ${i}`) });
    await pause();
    await applyRun(deps, { source: outputs('rb_score', 'scoring', (i) => 20 + i) });
    expect(await values('rb_score')).toEqual([20, 21, 22, 23, 24]);

    const dry = await rollback({ store, connector }, { since, flow: 'scoring' }, { dryRun: true });
    expect(dry.runs).toHaveLength(2);
    expect(await values('rb_score')).toEqual([20, 21, 22, 23, 24]);

    await pause();
    const pollFrom = new Date().toISOString();
    const report = await rollback({ store, connector }, { since, flow: 'scoring' });
    // newest run first, each restoring its own before-values: the fields end where they were before the window
    expect(report.runs.map((r) => r.restored.length)).toEqual([5, 5]);
    expect(report.runs.flatMap((r) => [...r.skipped, ...r.failed])).toEqual([]);
    expect(await values('rb_score')).toEqual(before);
    expect(await values('rb_note')).toEqual(['note 0', 'note 1', 'note 2', 'note 3', 'note 4']);

    // a poll that sees the restored records takes them as inrecord's own change: nothing to process
    const jobs: RecordJob[] = [];
    const result = await pollOnce({ connector, store, queue: { enqueue: async (j) => void jobs.push(...j) } }, { name: 'poll:rollback-test', kind: 'contact', fields: ['rb_score'], startFrom: pollFrom });
    expect(result.seen).toBeGreaterThanOrEqual(5);
    expect(jobs.map((j) => j.id).filter((id) => ids.includes(id))).toEqual([]);

    // a second rollback of the window finds nothing left to undo
    const again = await rollback({ store, connector }, { since, flow: 'scoring' });
    expect(again.runs).toEqual([]);
  }, 120_000);
});
