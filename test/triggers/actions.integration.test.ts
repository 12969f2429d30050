/**
 * Trigger flows end to end on each simulator: the scoring flow's decision fires CRM actions (assign
 * an owner round-robin, create a task with a due time) through the same trigger pipeline webhooks
 * and polls feed. Writes are answered 500 at random (10 %), so jobs fail and are retried; records
 * are processed again after rep edits, and the flow is re-run as a batch. Every record ends with
 * exactly one task — counted in the CRM itself — and its owner is the one the task was given to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type InrecordConfig } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import type { CrmName } from '../../src/crm/types.js';
import { demoConfig } from '../../src/demo/index.js';
import { runFlows } from '../../src/pipeline/index.js';
import { type Daemon, startDaemon } from '../../src/daemon/index.js';
import { type RunningSimulator, startSimulator } from '../../src/simulators/index.js';
import { openTestStore, type TestStore } from '../../src/store/testing/index.js';
import { checkLive } from '../../src/writeback/index.js';
import { ownerOf, tasksWithSubject } from './crm-tasks.js';

const SUBJECT = 'Follow up: inrecord score';

interface Case {
  /** The simulator's name for the object in a rep edit. */
  simObject: string;
  /** A field a rep edits: changes the record (a new version) but not whether the rule holds. */
  edit: (i: number) => Record<string, unknown>;
}

const CASES: Record<CrmName, Case> = {
  hubspot: { simObject: 'contacts', edit: (i) => ({ jobtitle: `Buyer ${i}` }) },
  salesforce: { simObject: 'Lead', edit: (i) => ({ Title: `Buyer ${i}` }) },
  pipedrive: { simObject: 'persons', edit: (i) => ({ job_title: `Buyer ${i}` }) },
};

describe.each<CrmName>(['hubspot', 'salesforce', 'pipedrive'])('trigger-flow actions on %s', (crm) => {
  const c = CASES[crm];
  let sim: RunningSimulator;
  let store: TestStore;
  let daemon: Daemon;
  let config: InrecordConfig;

  beforeAll(async () => {
    sim = await startSimulator(crm, { seed: 6, records: 30, searchPerSecond: 100 });
    store = await openTestStore('postgres');
    const base = demoConfig(crm, sim);
    const setup = await createConnector(base.crm, {});
    const owners = (await setup.listUsers()).filter((u) => u.active).slice(0, 2).map((u) => u.id);
    expect(owners).toHaveLength(2);
    config = configSchema.parse({
      ...base,
      flows: base.flows
        .filter((f) => f.kind === 'scoring')
        .map((f) => ({
          ...f,
          gate: { ...f.gate, mode: 'open' },
          settings: { ...f.settings, model: 'rules' },
          trigger: { webhook: false, poll: '1h' },
          // every scored record: a follow-up task for the next owner in the round-robin
          actions: [{ name: 'follow-up', when: { output: 'score', gte: 0 }, assign: { roundRobin: owners }, task: { subject: SUBJECT, dueInHours: 4 } }],
        })),
      jobs: { retryLimit: 8, retryDelaySeconds: 1, concurrency: 4 },
    });
    expect((await checkLive(setup, config, { fix: true })).ok).toBe(true);
    await setup.close();
    daemon = await startDaemon(store, config, { port: 0, poll: false, backfill: true });
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await store?.destroy();
    await sim?.close();
  });

  const onePerRecord = () => {
    const tasks = tasksWithSubject(crm, sim, SUBJECT);
    const perRecord = new Map<string, number>();
    for (const t of tasks) perRecord.set(t.recordId, (perRecord.get(t.recordId) ?? 0) + 1);
    return { tasks, perRecord, twice: [...perRecord].filter(([, n]) => n > 1) };
  };

  it('creates one task per record through failures, retries, reprocessing and a re-run', async () => {
    // 500 on a share of writes (task creation and owner changes included): calls fail and are retried
    sim.setFaults({ error500: 0.1, seed: 21 });
    const enqueued = await daemon.pollNow();
    expect(enqueued).toBeGreaterThan(10);
    await daemon.engine.drain('records', 90_000);

    const first = onePerRecord();
    expect(first.twice, `records with more than one task: ${JSON.stringify(first.twice)}`).toEqual([]);
    const tasked = [...first.perRecord.keys()];
    expect(tasked.length).toBeGreaterThan(10);
    // the record's owner is the task's owner: a retry did not move the round-robin between the two
    for (const t of first.tasks) expect(ownerOf(crm, sim, t.recordId), `owner of ${t.recordId}`).toBe(t.ownerId);
    const owners = new Set(first.tasks.map((t) => t.ownerId));
    expect(owners.size).toBe(2);

    // reps edit some of them: new versions, processed again, the rule still holds — the same episode
    for (const [i, id] of tasked.slice(0, 8).entries()) await sim.repEdit({ object: c.simObject, id, fields: c.edit(i) });
    await new Promise((r) => setTimeout(r, 1100)); // CRMs keep modification times in whole seconds
    // only the edited records come back: inrecord's own writes, owner changes and tasks do not
    expect(await daemon.pollNow()).toBe(8);
    await daemon.engine.drain('records', 90_000);
    // and the flow is run again as a batch over every record (`inrecord run`)
    sim.setFaults({});
    const [report] = await runFlows({ store, connector: daemon.connector, config });
    expect(report.actions.done).toBe(0);

    const after = onePerRecord();
    expect(after.twice, `records with more than one task: ${JSON.stringify(after.twice)}`).toEqual([]);
    expect(after.tasks.length).toBe(first.tasks.length + report.actions.done);
    // nothing left uncertain in silence: an action that may or may not have happened is in review
    const [{ uncertain }] = await store.query<{ uncertain: number }>("SELECT count(*)::int AS uncertain FROM action_log WHERE status = 'uncertain'");
    const [{ review }] = await store.query<{ review: number }>("SELECT count(*)::int AS review FROM review_items WHERE kind = 'action'");
    expect(review).toBe(uncertain);
    const dead = await store.query<{ payload: unknown }>('SELECT * FROM dead_letters');
    for (const d of dead) expect(JSON.stringify(d)).toMatch(/IR_[A-Z_]+/);
  }, 240_000);

  it('acts again when the condition turns false and then true again (a new episode)', async () => {
    const rows = await store.query<{ record_id: string }>("SELECT record_id FROM rule_state WHERE holds AND rule = 'follow-up' ORDER BY record_id LIMIT 1");
    const id = rows[0].record_id;
    const flow = config.flows[0];
    const before = tasksWithSubject(crm, sim, SUBJECT).filter((t) => t.recordId === id).length;
    const withRule = (gte: number) => configSchema.parse({ ...config, flows: [{ ...flow, actions: [{ ...flow.actions[0], when: { output: 'score', gte } }] }] });
    // the bar moves above every score: the rule no longer holds; then back: a new decision
    await runFlows({ store, connector: daemon.connector, config: withRule(1000) }, { ids: [id] });
    const [again] = await runFlows({ store, connector: daemon.connector, config: withRule(0) }, { ids: [id] });
    expect(again.actions.done).toBeGreaterThanOrEqual(1);
    expect(tasksWithSubject(crm, sim, SUBJECT).filter((t) => t.recordId === id).length).toBe(before + 1);
  }, 120_000);
});
