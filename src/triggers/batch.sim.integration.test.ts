/**
 * Record jobs worked a batch at a time against the Pipedrive simulator: one batched read, the
 * pipeline on the whole batch, and a failure kept on the record that caused it. Webhook receipts
 * that arrive together are stored together, each change once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector, CrmRecord } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';
import { openTestStore, type TestStore } from '../store/testing/index.js';
import { groupCommitter } from './commit.js';
import { processRecordJobs } from './processor.js';
import type { PipelineResult, RecordJob } from './types.js';

const job = (id: string): RecordJob => ({ crm: 'pipedrive', object: 'contact', id, source: 'webhook', kind: 'updated', fields: [] });

describe('record jobs in batches (Pipedrive simulator)', () => {
  let sim: RunningSimulator;
  let store: TestStore;
  let connector: CrmConnector;
  beforeAll(async () => {
    sim = await startSimulator('pipedrive', { records: 30, seed: 8 });
    store = await openTestStore('pglite');
    connector = await createConnector(crmConnectionSchema.parse({ kind: 'pipedrive', baseUrl: sim.apiBase, auth: { token: sim.token } }), {});
  }, 90_000);
  afterAll(async () => {
    await connector?.close();
    await store?.destroy();
    await sim?.close();
  });

  it('reads the batch in one call, runs the pipeline once, and keeps a failure on its own record', async () => {
    const seen: string[][] = [];
    const pipeline = async (records: CrmRecord[]) => {
      seen.push(records.map((r) => r.id));
      if (records.some((r) => r.id === '5')) throw new InrecordError('IR_FLOW_OUTPUT_INVALID', 'person 5: the flow output "score" is not a number');
      return new Map<string, PipelineResult>(records.map((r) => [r.id, { written: 1, modifiedAtAfterWrite: null }]));
    };
    await connector.read('contact', ['30'], ['name']); // the field schema is fetched once, before
    const before = sim.stats().totalCalls;
    const jobs = ['1', '2', '3', '4', '5', '6', '2'].map(job);
    const outcomes = await processRecordJobs({ connector, store, pipeline, fields: () => ['name'], claimer: 'batch-1' }, jobs);
    // the same record twice in one batch is worked once and both jobs share its outcome
    expect(outcomes.map((o) => o.status)).toEqual(['processed', 'processed', 'processed', 'processed', 'failed', 'processed', 'processed']);
    expect(outcomes[1]).toEqual(outcomes[6]);
    const failed = outcomes[4];
    expect(failed.status === 'failed' && (failed.error as InrecordError).message).toContain('person 5');
    // one batch call that failed, then one call per record so the failure lands on record 5 alone
    expect(seen[0]).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(seen.slice(1)).toEqual([['1'], ['2'], ['3'], ['4'], ['5'], ['6']]);
    expect(sim.stats().totalCalls - before).toBe(1);
    // the failed record's claim is released: it can be worked again at once; the others are done
    const again = await processRecordJobs({ connector, store, pipeline: async (r) => new Map(r.map((x) => [x.id, { written: 0 }])), fields: () => ['name'], claimer: 'batch-2' }, ['5', '1'].map(job));
    expect(again.map((o) => o.status)).toEqual(['processed', 'skipped']);
  });

  it('does not work a record another worker holds', async () => {
    const slow = processRecordJobs(
      { connector, store, pipeline: async (r) => (await new Promise((x) => setTimeout(x, 300)), new Map(r.map((x) => [x.id, { written: 0 }]))), fields: () => [], claimer: 'w-a' },
      [job('20')],
    );
    await new Promise((r) => setTimeout(r, 100));
    const [other] = await processRecordJobs({ connector, store, pipeline: async () => new Map(), fields: () => [], claimer: 'w-b' }, [job('20')]);
    expect(other.status).toBe('failed');
    expect(other.status === 'failed' && (other.error as InrecordError).retryable).toBe(true);
    expect((await slow)[0].status).toBe('processed');
  });

  it('stores webhook receipts that arrive together in one commit, each change once', async () => {
    const enqueued: RecordJob[][] = [];
    const commit = groupCommitter(store, { enqueue: async (jobs) => void enqueued.push(jobs) });
    const item = (key: string, id: string) => ({ crm: 'pipedrive', key, payload: { id }, job: job(id) });
    // three deliveries at once, two of them carrying the same change
    const [a, b, c] = await Promise.all([commit([item('k-1', '1'), item('k-2', '2')]), commit([item('k-2', '2'), item('k-3', '3')]), commit([item('k-4', '4')])]);
    expect([...a, ...b, ...c].sort()).toEqual(['k-1', 'k-2', 'k-3', 'k-4']);
    expect(a).toEqual(new Set(['k-1', 'k-2']));
    expect(b).toEqual(new Set(['k-3']));
    expect(enqueued.flat().map((j) => j.id).sort()).toEqual(['1', '2', '3', '4']);
    // the first call commits alone; the two that arrived while it was in flight commit together
    expect(enqueued.length).toBeLessThanOrEqual(2);
    // a redelivery later is a duplicate
    expect(await commit([item('k-1', '1')])).toEqual(new Set());
  });
});
