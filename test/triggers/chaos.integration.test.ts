/**
 * Triggers under chaos on each simulator: webhooks (HubSpot webhooks, Salesforce outbound messages,
 * Pipedrive webhooks) dropped, duplicated and reordered, and writes answered 429 / 500 at random.
 * After a poll and a drain, every record a rep changed was processed exactly once, its AI field is
 * present when read back from the CRM, each field was written once in the ledger, and the trigger
 * flow's task exists once per record in the CRM. Dead letters, if any, must each carry a reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type InrecordConfig } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import type { CrmConnector, CrmName, CrmRecord, ObjectKind } from '../../src/crm/types.js';
import { demoConfig } from '../../src/demo/index.js';
import { type Daemon, startDaemon } from '../../src/daemon/index.js';
import { type RunningSimulator, startSimulator } from '../../src/simulators/index.js';
import { openTestStore, type TestStore } from '../../src/store/testing/index.js';
import { checkLive } from '../../src/writeback/index.js';
import { tasksPerRecord } from './crm-tasks.js';

const N = 40;
const SUBJECT = 'Chaos follow-up';

type Sim = RunningSimulator & { appId?: number; orgId?: string; setOutboundUrl?: (u: string | undefined) => void };

interface ChaosCase {
  object: ObjectKind;
  simObject: string;
  simOptions: Record<string, unknown>;
  /** crm.webhooks in inrecord.yaml */
  webhooks: (sim: Sim) => Record<string, unknown>;
  /** Points the CRM's change notifications at the daemon. */
  subscribe: (sim: Sim, daemon: Daemon) => Promise<void>;
  /** Which records the reps edit (a converted lead is history, not scored). */
  pick: (records: CrmRecord[]) => CrmRecord[];
  /** Fields read to make the edit, and the edit: each one changes a value the flow reads. */
  editFields: (c: CrmConnector) => Promise<{ read: string[]; edit: (r: CrmRecord) => Record<string, unknown> }>;
}

const CASES: Record<CrmName, ChaosCase> = {
  hubspot: {
    object: 'contact',
    simObject: 'contacts',
    simOptions: { clientSecret: 'hs-chaos-secret', developerApiKey: 'hs-chaos-key', searchPerSecond: 50 },
    webhooks: (sim) => ({ secret: 'hs-chaos-secret', appId: String(sim.appId), developerApiKey: 'hs-chaos-key' }),
    subscribe: async (_sim, daemon) => daemon.connector.webhooks.subscribe(`${daemon.url}/webhooks/hubspot`, ['contact']),
    // customers are history (the flow's label), never scored
    pick: (rs) => rs.filter((r) => r.fields.lifecyclestage !== 'customer'),
    editFields: async () => ({ read: ['seniority', 'lifecyclestage'], edit: (r) => ({ seniority: r.fields.seniority === 'vp' ? 'c_level' : 'vp' }) }),
  },
  salesforce: {
    object: 'lead',
    simObject: 'Lead',
    simOptions: { outboundRetryMs: 200 },
    webhooks: (sim) => ({ orgId: sim.orgId, urlSecret: 'chaos-secret' }),
    subscribe: async (sim, daemon) => sim.setOutboundUrl?.(`${daemon.url}/webhooks/salesforce?secret=chaos-secret`),
    // open leads: converted and closed ones are history, never scored
    pick: (rs) => rs.filter((r) => r.fields.IsConverted === false && !String(r.fields.Status ?? '').startsWith('Closed')),
    editFields: async () => ({ read: ['Web_Visits__c', 'IsConverted', 'Status'], edit: (r) => ({ Web_Visits__c: Number(r.fields.Web_Visits__c ?? 0) + 1 }) }),
  },
  pipedrive: {
    object: 'contact',
    simObject: 'persons',
    simOptions: {},
    webhooks: () => ({ basicUser: 'inrecord', basicPassword: 'hook-secret' }),
    subscribe: async (_sim, daemon) => daemon.connector.webhooks.subscribe(`${daemon.url}/webhooks/pipedrive`, ['contact']),
    pick: (rs) => rs,
    editFields: async (c) => {
      const seniority = (await c.describe('contact')).fields.find((f) => f.label === 'Seniority')!;
      const options = seniority.options!.map((o) => Number(o.value));
      return { read: [seniority.name], edit: (r) => ({ [seniority.name]: options.find((o) => o !== Number(r.fields[seniority.name]))! }) };
    },
  },
};

const until = async <T>(f: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
};

describe.each<CrmName>(['hubspot', 'salesforce', 'pipedrive'])('triggers under webhook and API chaos (%s simulator)', (crm) => {
  const c = CASES[crm];
  let sim: Sim;
  let store: TestStore;
  let daemon: Daemon;
  let config: InrecordConfig;

  beforeAll(async () => {
    sim = (await startSimulator(crm, { seed: 11, records: 120, webhookRetryScale: 0.01, ...c.simOptions })) as Sim;
    store = await openTestStore('postgres');
    const base = demoConfig(crm, sim);
    config = configSchema.parse({
      ...base,
      crm: { ...base.crm, webhooks: c.webhooks(sim) },
      server: { port: 0 },
      flows: base.flows
        .filter((f) => f.kind === 'scoring')
        .map((f) => ({
          ...f,
          gate: { ...f.gate, mode: 'open' },
          settings: { ...f.settings, model: 'rules' },
          trigger: { webhook: true, poll: '1h' },
          // a trigger flow on every scored record: the task must exist once, whatever was retried
          actions: [{ name: 'follow-up', when: { output: 'score', gte: 0 }, task: { subject: SUBJECT, dueInHours: 2 } }],
        })),
      jobs: { retryLimit: 6, retryDelaySeconds: 1, concurrency: 4 },
    });
    const setup = await createConnector(config.crm, {});
    expect((await checkLive(setup, config, { fix: true })).ok).toBe(true);
    await setup.close();
    daemon = await startDaemon(store, config, { port: 0, poll: false, backfill: true });
    await c.subscribe(sim, daemon);
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await store?.destroy();
    await sim?.close();
  });

  it(`processes ${N} rep edits exactly once each despite drops, duplicates, reordering, 429 and 500`, async () => {
    const flow = config.flows[0];
    const schema = await daemon.connector.describe(c.object);
    const score = schema.fields.find((f) => f.name === flow.outputs.score || f.label === flow.outputs.score)!;
    const { read, edit } = await c.editFields(daemon.connector);
    const all: CrmRecord[] = [];
    for await (const page of daemon.connector.readChanged(c.object, null, read)) all.push(...page);
    const before = c.pick(all).slice(-N);
    expect(before).toHaveLength(N);
    const ids = before.map((r) => r.id);

    sim.setFaults({ webhookDrop: 0.2, webhookDuplicate: 0.2, webhookReorder: true, error429: 0.1, error500: 0.1 });
    for (const r of before) {
      // each edit changes a value, so each one is a real change with its own notification
      await sim.repEdit({ object: c.simObject, id: r.id, fields: edit(r) });
      await new Promise((x) => setTimeout(x, 30));
    }
    // let the webhooks (and their retries) arrive, then the poller catches the dropped ones
    await new Promise((r) => setTimeout(r, 3000));
    await daemon.engine.drain('records', 60_000);
    await new Promise((r) => setTimeout(r, 1100)); // CRMs keep modification times in whole seconds
    await daemon.pollNow();
    await daemon.engine.drain('records', 60_000);
    sim.setFaults({});
    // a second poll finds nothing left to do, and late duplicates change nothing
    await daemon.pollNow();
    await daemon.engine.drain('records', 60_000);

    const after = await until(async () => {
      const rs = await daemon.connector.read(c.object, ids, [score.name]);
      return rs.every((r) => typeof r.fields[score.name] === 'number') ? rs : null;
    }).catch(async (e) => {
      const rs = await daemon.connector.read(c.object, ids, [score.name]);
      console.error('records without a score', rs.filter((r) => typeof r.fields[score.name] !== 'number').map((r) => r.id));
      console.error('dead letters', JSON.stringify(await store.query('SELECT * FROM dead_letters')));
      throw e;
    });
    expect(after).toHaveLength(N);

    const versions = await store.query<{ id: string; processed_count: number }>(
      'SELECT id, processed_count FROM record_versions WHERE crm = $1 AND object = $2 AND id = ANY($3::text[]) ORDER BY id',
      [crm, c.object, ids],
    );
    expect(versions.map((v) => v.id).sort()).toEqual([...ids].sort());
    const notOnce = versions.filter((v) => v.processed_count !== 1);
    expect(notOnce, `records processed other than once: ${JSON.stringify(notOnce)}`).toEqual([]);

    const written = await store.query<{ record_id: string; field: string; n: number }>(
      `SELECT record_id, field, count(*) AS n FROM write_ledger
        WHERE crm = $1 AND outcome = 'written' AND record_id = ANY($2::text[])
        GROUP BY record_id, field`,
      [crm, ids],
    );
    expect(new Set(written.filter((w) => w.field === score.name).map((w) => w.record_id)).size).toBe(N);
    const twice = written.filter((w) => w.n !== 1);
    expect(twice, `fields written more than once: ${JSON.stringify(twice)}`).toEqual([]);

    // one task per record: no retry, duplicate delivery or reprocessing created a second
    const tasks = tasksPerRecord(crm, sim, SUBJECT);
    expect(ids.filter((id) => tasks.get(id) !== 1), 'records without exactly one task').toEqual([]);

    const dead = await store.query<{ reason?: string; error?: unknown }>('SELECT * FROM dead_letters');
    for (const d of dead) expect(JSON.stringify(d)).toMatch(/IR_[A-Z_]+/);

    // with a 20% drop rate, some edits reached inrecord only through the poller (0.8^40 ≈ 1e-4)
    const [{ hooked }] = await store.query<{ hooked: number }>(
      "SELECT count(DISTINCT payload->>'id') AS hooked FROM webhook_receipts WHERE crm = $1 AND payload->>'actor' = 'human' AND payload->>'id' = ANY($2::text[])",
      [crm, ids],
    );
    console.info(`chaos on ${crm}: ${hooked}/${N} edits arrived by webhook, ${dead.length} dead letters`);
    expect(hooked).toBeLessThan(N);
    expect(hooked).toBeGreaterThan(0);
  }, 180_000);
});
