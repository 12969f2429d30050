/**
 * Salesforce Change Data Capture as a trigger, end to end on the Salesforce simulator with jsforce's
 * real streaming client: a rep's change reaches the written field through the stream; a stream
 * stopped mid-way and started again resumes from the stored replay id with no change lost or worked
 * twice; a stored replay id past retention falls back to polling, with a warning; gap and overflow
 * events are answered by reading and by polling.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import type { CrmConnector } from '../../src/crm/types.js';
import { type Daemon, RECORD_QUEUE, startDaemon } from '../../src/daemon/index.js';
import { demoConfig } from '../../src/demo/index.js';
import { type RunningSimulator, startSimulator } from '../../src/simulators/index.js';
import { openTestStore, type TestStore } from '../../src/store/testing/index.js';
import {
  type RecordJob,
  type StreamDeps,
  pollOnce,
  readCursor,
  startChangeStreams,
  streamCursorName,
} from '../../src/triggers/index.js';
import { checkLive } from '../../src/writeback/index.js';

type SfSim = RunningSimulator & {
  changeEvents: { latest(): number };
  org: { rows(o: string): Map<string, Record<string, unknown>> };
};

let sim: SfSim;
beforeAll(async () => {
  sim = (await startSimulator('salesforce', { seed: 4, records: 150 })) as SfSim;
}, 60_000);
afterAll(async () => {
  await sim?.close();
});

async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Open leads, never picked twice across the tests (a record edited twice in one second is one version). */
let used = 0;
const openLeads = (n: number) => {
  const ids = [...sim.org.rows('Lead').values()]
    .filter((r) => r.IsConverted === false && !String(r.Status).startsWith('Closed'))
    .map((r) => r.Id as string);
  const out = ids.slice(used, used + n);
  used += n;
  return out;
};

describe('a change reaches the written field through the change stream', () => {
  let store: TestStore;
  let daemon: Daemon;
  let config: ReturnType<typeof configSchema.parse>;
  beforeAll(async () => {
    store = await openTestStore('pglite');
    const base = demoConfig('salesforce', sim);
    config = configSchema.parse({
      ...base,
      triggers: { changeStream: true },
      flows: base.flows.map((f) => ({
        ...f,
        gate: { ...f.gate, mode: 'open' },
        settings: { ...f.settings, model: 'rules' },
      })),
    });
    const connector = await createConnector(config.crm, { store });
    expect((await checkLive(connector, config, { fix: true })).ok).toBe(true);
    await connector.close();
    // the poller runs once at start, then not for an hour: only the stream can bring the change
    daemon = await startDaemon(store, config, { serve: false, pollEveryMs: 3_600_000 });
    await daemon.changeStreams?.ready;
  }, 120_000);
  afterAll(async () => {
    await daemon?.stop();
    await store?.destroy();
  });

  it("scores the lead a rep just edited, and ignores the stream's report of inrecord's own write", async () => {
    const [lead] = openLeads(1);
    await sim.repEdit({ object: 'Lead', id: lead!, fields: { Web_Visits__c: 40, Email_Opens__c: 20 } });
    let score: unknown = null;
    await until(async () => {
      const [r] = await daemon.connector.read('lead', [lead!], ['Inrecord_Score__c']);
      score = r?.fields.Inrecord_Score__c ?? null;
      return typeof score === 'number';
    });
    expect(score as number).toBeGreaterThan(40);
    const counts = () => daemon.changeStreams!.counts('lead');
    // the write comes back on the stream as the integration user's: not acted on
    await until(() => counts().ownWrites >= 1);
    expect(counts()).toMatchObject({ enqueued: 1, fallbacks: 0 });
    expect(await readCursor(store, streamCursorName('salesforce', 'lead'))).toBe(
      String(sim.changeEvents.latest()),
    );
  }, 60_000);

  it('a restarted daemon resumes from the stored replay id: a change made while it was down is written once', async () => {
    await daemon.stop();
    const [lead] = openLeads(1);
    await sim.repEdit({ object: 'Lead', id: lead!, fields: { Web_Visits__c: 45, Email_Opens__c: 25 } });
    daemon = await startDaemon(store, config, { serve: false, pollEveryMs: 3_600_000 });
    await daemon.changeStreams?.ready;
    await until(async () => {
      const [r] = await daemon.connector.read('lead', [lead!], ['Inrecord_Score__c']);
      return typeof r?.fields.Inrecord_Score__c === 'number';
    });
    // the stream replayed the change from the stored replay id (the first poll may have seen it too: it is worked once)
    await until(() => daemon.changeStreams!.counts('lead').messages >= 1);
    expect(daemon.changeStreams!.counts('lead').fallbacks).toBe(0);
    await until(
      async () =>
        (await readCursor(store, streamCursorName('salesforce', 'lead'))) ===
        String(sim.changeEvents.latest()),
    );
    // the field is written before the job records the version it processed: the count is read
    // once the record jobs have finished (the stream's report of the write moves the cursor sooner)
    await daemon.engine.drain(RECORD_QUEUE, 30_000);
    const [row] = await store.query<{ processed_count: number }>(
      'SELECT processed_count FROM record_versions WHERE crm = $1 AND object = $2 AND id = $3',
      ['salesforce', 'lead', lead],
    );
    expect(row?.processed_count).toBe(1);
  }, 60_000);
});

describe('a CRM without a change stream', () => {
  it('refuses triggers.changeStream at start, saying what to do', async () => {
    const hub = await startSimulator('hubspot', { seed: 1, records: 20 });
    const store = await openTestStore('postgres');
    try {
      const config = configSchema.parse({ ...demoConfig('hubspot', hub), triggers: { changeStream: true } });
      await expect(startDaemon(store, config, { serve: false })).rejects.toMatchObject({
        code: 'IR_CONFIG_INVALID',
        message: expect.stringContaining('hubspot has no change stream'),
      });
    } finally {
      await store.destroy();
      await hub.close();
    }
  }, 60_000);
});

describe('the change-stream trigger', () => {
  let store: TestStore;
  let connector: CrmConnector;
  const jobs: RecordJob[] = [];
  const logs: { level: number; msg: string }[] = [];
  /** While set, storing waits for it: messages that arrive meanwhile are received but not stored. */
  let gate: Promise<void> | null = null;
  /** Enqueues that fail (the store or queue is down) before they work again. */
  let failures = 0;
  let deps: StreamDeps;
  const polls: number[] = [];

  beforeAll(async () => {
    store = await openTestStore('pglite');
    const config = demoConfig('salesforce', sim);
    connector = await createConnector(config.crm, { store });
    const startFrom = new Date(Date.now() - 1000).toISOString();
    const queue = {
      async enqueue(batch: RecordJob[]) {
        if (gate) await gate;
        if (failures > 0) {
          failures--;
          throw new Error('connection terminated unexpectedly');
        }
        jobs.push(...batch);
      },
    };
    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    deps = {
      connector,
      store,
      queue,
      logger,
      retryMs: 200,
      poll: async (kind) => {
        polls.push(Date.now());
        return pollOnce(
          { connector, store, queue },
          { name: `poll:salesforce:${kind}`, kind, fields: ['Web_Visits__c'], startFrom },
        );
      },
    };
    // the poll cursor the fallback resumes from
    await deps.poll('lead');
  }, 60_000);
  afterAll(async () => {
    await connector?.close();
    await store?.destroy();
  });

  const jobsFor = (ids: string[]) => jobs.filter((j) => ids.includes(j.id));

  it('resumes from the stored replay id after a stop mid-stream: no change lost, none worked twice', async () => {
    const first = startChangeStreams(deps, ['lead']);
    await first.ready;
    const before = openLeads(10);
    for (const [i, id] of before.slice(0, 3).entries())
      await sim.repEdit({ object: 'Lead', id, fields: { Web_Visits__c: 300 + i } });
    await until(() => jobsFor(before).length === 3);
    // the fourth change is being stored when the rest arrive; the stream stops before they are stored
    let open: () => void = () => {};
    gate = new Promise<void>((r) => {
      open = r;
    });
    await sim.repEdit({ object: 'Lead', id: before[3]!, fields: { Web_Visits__c: 303 } });
    for (const [i, id] of before.slice(4).entries())
      await sim.repEdit({ object: 'Lead', id, fields: { Web_Visits__c: 304 + i } });
    await new Promise((r) => setTimeout(r, 300));
    const stopped = first.stop();
    gate = null;
    open();
    await stopped;
    const handled = first.counts('lead').messages;
    expect(handled).toBeLessThan(10);
    expect(handled).toBeGreaterThanOrEqual(4);
    expect(jobsFor(before)).toHaveLength(handled);
    const stored = await readCursor(store, streamCursorName('salesforce', 'lead'));

    // changed while nothing listens
    const during = openLeads(5);
    for (const [i, id] of during.entries())
      await sim.repEdit({ object: 'Lead', id, fields: { Web_Visits__c: 400 + i } });

    const second = startChangeStreams(deps, ['lead']);
    await second.ready;
    await until(() => jobsFor([...before, ...during]).length === 15);
    await new Promise((r) => setTimeout(r, 300));
    await second.stop();
    // every change once, in the order made, the second run starting right after the stored message
    expect(jobsFor([...before, ...during]).map((j) => j.id)).toEqual([...before, ...during]);
    expect(jobsFor([...before, ...during]).every((j) => j.source === 'stream')).toBe(true);
    expect(second.counts('lead').messages).toBe(15 - handled);
    expect(Number(stored)).toBeLessThan(sim.changeEvents.latest());
    expect(await readCursor(store, streamCursorName('salesforce', 'lead'))).toBe(
      String(sim.changeEvents.latest()),
    );
  }, 60_000);

  it('falls back to polling from the poll cursor when the stored replay id has expired, and says so', async () => {
    const during = openLeads(2);
    for (const id of during) await sim.repEdit({ object: 'Lead', id, fields: { Web_Visits__c: 500 } });
    // the org keeps nothing from before now: the stored replay id is past retention
    expect((await fetch(`${sim.url}/_sim/change-events/expire`, { method: 'POST' })).status).toBe(200);
    const pollsBefore = polls.length;
    const streams = startChangeStreams(deps, ['lead']);
    await streams.ready;
    expect(streams.counts('lead').fallbacks).toBe(1);
    expect(polls.length).toBe(pollsBefore + 1);
    const warning = logs.find((l) => l.level === 40 && /falling back to polling/.test(l.msg));
    expect(warning?.msg).toMatch(/no longer holds the stored position \d+ \(events are kept 72 h\)/);
    // the changes made while away came from the poll
    expect(jobsFor(during).map((j) => [j.id, j.source])).toEqual(during.map((id) => [id, 'poll']));
    // and streaming goes on for new changes
    const [after] = openLeads(1);
    await sim.repEdit({ object: 'Lead', id: after!, fields: { Web_Visits__c: 501 } });
    await until(() => jobsFor([after!]).length === 1);
    expect(jobsFor([after!])[0]?.source).toBe('stream');
    await until(
      async () =>
        (await readCursor(store, streamCursorName('salesforce', 'lead'))) ===
        String(sim.changeEvents.latest()),
    );
    await streams.stop();
  }, 60_000);

  it('reads the record a gap event names, and polls for an overflow', async () => {
    const streams = startChangeStreams(deps, ['lead']);
    await streams.ready;
    const [gap, o1, o2] = openLeads(3);
    const post = (path: string, body: unknown) =>
      fetch(`${sim.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (await post('/_sim/change-events/gap', { object: 'Lead', id: gap, fields: { Web_Visits__c: 77 } }))
        .status,
    ).toBe(200);
    await until(() => jobsFor([gap!]).length === 1);
    expect(jobsFor([gap!])[0]).toMatchObject({ source: 'stream', fields: [] });
    const pollsBefore = polls.length;
    expect(
      (
        await post('/_sim/change-events/overflow', {
          object: 'Lead',
          edits: [
            { id: o1, fields: { Web_Visits__c: 78 } },
            { id: o2, fields: { Web_Visits__c: 79 } },
          ],
        })
      ).status,
    ).toBe(200);
    await until(() => streams.counts('lead').overflows === 1 && jobsFor([o1!, o2!]).length === 2);
    expect(polls.length).toBe(pollsBefore + 1);
    expect(jobsFor([o1!, o2!]).map((j) => j.source)).toEqual(['poll', 'poll']);
    await until(
      async () =>
        (await readCursor(store, streamCursorName('salesforce', 'lead'))) ===
        String(sim.changeEvents.latest()),
    );
    await streams.stop();
  }, 60_000);

  it('opens the stream again from the stored replay id when a message could not be stored, so it is not skipped', async () => {
    const streams = startChangeStreams(deps, ['lead']);
    await streams.ready;
    const ids = openLeads(3);
    failures = 1;
    for (const [i, id] of ids.entries())
      await sim.repEdit({ object: 'Lead', id, fields: { Web_Visits__c: 600 + i } });
    await until(() => jobsFor(ids).length === 3);
    expect(streams.counts('lead').reopened).toBe(1);
    expect(jobsFor(ids).map((j) => j.id)).toEqual(ids);
    expect(logs.some((l) => l.level === 40 && /opening it again from the stored position/.test(l.msg))).toBe(
      true,
    );
    await streams.stop();
  }, 60_000);
});
