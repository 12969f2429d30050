/**
 * Triggers under chaos on the Pipedrive simulator: webhooks dropped, duplicated and reordered, and
 * writes answered 429 / 500 at random. After a poll and a drain, every record a rep changed was
 * processed exactly once, its AI field is present when read back from the CRM, each field was
 * written once in the ledger, and the trigger flow's task exists once per person in the CRM. Dead
 * letters, if any, must each carry a reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type InrecordConfig } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import { demoConfig } from '../../src/demo/index.js';
import { type Daemon, startDaemon } from '../../src/server/index.js';
import { type RunningSimulator, startSimulator } from '../../src/simulators/index.js';
import { openTestStore, type TestStore } from '../../src/store/testing/index.js';
import { checkLive } from '../../src/writeback/index.js';

const N = 40;
const FIRST = 20;

const until = async <T>(f: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
};

describe('triggers under webhook and API chaos (Pipedrive simulator)', () => {
  let sim: RunningSimulator;
  let store: TestStore;
  let daemon: Daemon;
  let config: InrecordConfig;

  beforeAll(async () => {
    sim = await startSimulator('pipedrive', { seed: 11, records: 80, webhookRetryScale: 0.01 });
    store = await openTestStore('postgres');
    const base = demoConfig('pipedrive', sim);
    config = configSchema.parse({
      ...base,
      crm: { ...base.crm, webhooks: { basicUser: 'inrecord', basicPassword: 'hook-secret' } },
      server: { port: 0 },
      flows: base.flows
        .filter((f) => f.name === 'person-scoring')
        .map((f) => ({
          ...f,
          gate: { ...f.gate, mode: 'open' },
          trigger: { webhook: true, poll: '1h' },
          // a trigger flow on every scored person: the task must exist once, whatever was retried
          actions: [{ name: 'follow-up', when: { output: 'score', gte: 0 }, task: { subject: 'Chaos follow-up', dueInHours: 2 } }],
        })),
      jobs: { retryLimit: 6, retryDelaySeconds: 1, concurrency: 4 },
    });
    const setup = await createConnector(config.crm, {});
    expect((await checkLive(setup, config, { fix: true })).ok).toBe(true);
    await setup.close();
    daemon = await startDaemon(store, config, { port: 0, poll: false });
    await daemon.connector.webhooks.subscribe(`${daemon.url}/webhooks/pipedrive`, ['contact']);
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await store?.destroy();
    await sim?.close();
  });

  it(`processes ${N} rep edits exactly once each despite drops, duplicates, reordering, 429 and 500`, async () => {
    const schema = await daemon.connector.describe('contact');
    const seniority = schema.fields.find((f) => f.label === 'Seniority')!;
    const score = schema.fields.find((f) => f.label === 'Lead score')!;
    const options = seniority.options!.map((o) => Number(o.value));
    const ids = Array.from({ length: N }, (_, i) => String(FIRST + i));
    const before = await daemon.connector.read('contact', ids, [seniority.name]);
    expect(before).toHaveLength(N);

    sim.setFaults({ webhookDrop: 0.2, webhookDuplicate: 0.2, webhookReorder: true, error429: 0.1, error500: 0.1 });
    for (const r of before) {
      // each edit changes the value, so each one is a real change with its own webhook
      const next = options.find((o) => o !== Number(r.fields[seniority.name]))!;
      await sim.repEdit({ object: 'persons', id: r.id, fields: { [seniority.name]: next } });
    }
    // let the webhooks (and their retries) arrive, then the poller catches the dropped ones
    await new Promise((r) => setTimeout(r, 3000));
    await daemon.engine.drain('records', 60_000);
    await daemon.pollNow();
    await daemon.engine.drain('records', 60_000);
    sim.setFaults({});
    // a second poll finds nothing left to do, and late duplicates change nothing
    await daemon.pollNow();
    await daemon.engine.drain('records', 60_000);

    const after = await until(async () => {
      const rs = await daemon.connector.read('contact', ids, [score.name]);
      return rs.every((r) => typeof r.fields[score.name] === 'number') ? rs : null;
    }).catch(async (e) => {
      const rs = await daemon.connector.read('contact', ids, [score.name]);
      console.error('records without a score', rs.filter((r) => typeof r.fields[score.name] !== 'number').map((r) => r.id));
      console.error('dead letters', JSON.stringify(await store.query('SELECT * FROM dead_letters')));
      throw e;
    });
    expect(after).toHaveLength(N);

    const versions = await store.query<{ id: string; processed_count: number }>(
      `SELECT id, processed_count FROM record_versions WHERE crm = 'pipedrive' AND object = 'contact' AND id = ANY($1::text[]) ORDER BY id`,
      [ids],
    );
    expect(versions.map((v) => v.id).sort()).toEqual([...ids].sort());
    const notOnce = versions.filter((v) => v.processed_count !== 1);
    expect(notOnce, `records processed other than once: ${JSON.stringify(notOnce)}`).toEqual([]);

    const written = await store.query<{ record_id: string; field: string; n: number }>(
      `SELECT record_id, field, count(*) AS n FROM write_ledger
        WHERE crm = 'pipedrive' AND outcome = 'written' AND record_id = ANY($1::text[])
        GROUP BY record_id, field`,
      [ids],
    );
    const scoreWrites = written.filter((w) => w.field === score.name || w.field === 'Lead score');
    expect(new Set(scoreWrites.map((w) => w.record_id)).size).toBe(N);
    const twice = written.filter((w) => w.n !== 1);
    expect(twice, `fields written more than once: ${JSON.stringify(twice)}`).toEqual([]);

    // one task per person: no retry, duplicate delivery or reprocessing created a second
    const activities = (sim as unknown as { state: { all(t: string): readonly { core: Record<string, unknown> }[] } }).state.all('activity');
    const tasks = new Map<string, number>();
    for (const a of activities) if (a.core.subject === 'Chaos follow-up') tasks.set(String(a.core.person_id), (tasks.get(String(a.core.person_id)) ?? 0) + 1);
    expect(ids.filter((id) => tasks.get(id) !== 1), 'persons without exactly one task').toEqual([]);

    const dead = await store.query<{ reason?: string; error?: unknown }>('SELECT * FROM dead_letters');
    for (const d of dead) expect(JSON.stringify(d)).toMatch(/IR_[A-Z_]+/);

    // with a 20% drop rate, some edits reached inrecord only through the poller (0.8^40 ≈ 1e-4)
    const [{ hooked }] = await store.query<{ hooked: number }>(
      "SELECT count(DISTINCT payload->>'id') AS hooked FROM webhook_receipts WHERE crm = 'pipedrive' AND payload->>'actor' = 'human'",
    );
    console.info(`chaos: ${hooked}/${N} edits arrived by webhook, ${dead.length} dead letters`);
    expect(hooked).toBeLessThan(N);
    const [{ receipts }] = await store.query<{ receipts: number }>("SELECT count(*) AS receipts FROM webhook_receipts WHERE crm = 'pipedrive'");
    expect(receipts).toBeGreaterThan(0);
  }, 180_000);
});
