/**
 * Deletes, restores and clocks as the CRMs report them, on the simulators and both backends:
 * - a record tombstoned by a deletion comes back when it changes again or is read live (a restore);
 * - a Salesforce Outbound Message that carries only `Id` is an update to read, never a deletion;
 * - a record modified "in the future" neither moves the poll cursor nor hides later edits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import type { CrmConnector, CrmRecord, WebhookRequest } from '../../src/crm/types.js';
import { demoConfig } from '../../src/demo/configs.js';
import { startSimulator } from '../../src/simulators/index.js';
import { type RunningSalesforceSimulator, buildNotificationsXml } from '../../src/simulators/salesforce/index.js';
import type { RunningPipedriveSimulator } from '../../src/simulators/pipedrive/index.js';
import { BACKENDS, openTestStore, type TestStore } from '../../src/store/testing/index.js';
import { acceptWebhook } from '../../src/triggers/ingress.js';
import { pollOnce } from '../../src/triggers/poller.js';
import { processRecordJob } from '../../src/triggers/processor.js';
import { markDeleted, readCursor, selectFutureVersions } from '../../src/triggers/queries.js';
import type { RecordJob, RecordQueue } from '../../src/triggers/types.js';

const YEAR = 365 * 86_400_000;

/** The jobs a poll or a webhook stored, in order. */
function collectingQueue(): RecordQueue & { jobs: RecordJob[] } {
  const jobs: RecordJob[] = [];
  return { jobs, enqueue: async (js) => void jobs.push(...js) };
}

describe.each(BACKENDS)('deletes, restores and future versions on Pipedrive, %s', (backend) => {
  let sim: RunningPipedriveSimulator;
  let store: TestStore;
  let connector: CrmConnector;
  const processed: string[] = [];
  const deps = () => ({
    connector,
    store,
    claimer: 'test',
    fields: () => ['name'],
    pipeline: async (records: CrmRecord[]) => {
      processed.push(...records.map((r) => r.id));
      return new Map();
    },
  });

  beforeAll(async () => {
    sim = (await startSimulator('pipedrive', { records: 20, seed: 5 })) as RunningPipedriveSimulator;
    store = await openTestStore(backend);
    connector = await createConnector(crmConnectionSchema.parse({ kind: 'pipedrive', baseUrl: sim.apiBase, auth: { token: sim.token } }), {});
  });
  afterAll(async () => {
    await connector?.close();
    await store?.destroy();
    await sim?.close();
  });

  it('brings a tombstoned record back when it changes after its deletion, and processes it again', async () => {
    const queue = collectingQueue();
    const opts = { name: `restore-${backend}`, kind: 'contact' as const, fields: ['name'] };
    await pollOnce({ connector, store, queue }, opts);
    // the deletion as a delete event reported it, before the record changed again (a restore, then an edit)
    await markDeleted(store, 'pipedrive', 'contact', '4', new Date(Date.now() - 60_000).toISOString());
    expect(await processRecordJob(deps(), { crm: 'pipedrive', object: 'contact', id: '4', source: 'webhook', kind: 'updated', fields: [] })).toMatchObject({
      status: 'processed',
    });
    expect(processed).toContain('4');

    await markDeleted(store, 'pipedrive', 'contact', '6', new Date(Date.now() - 60_000).toISOString());
    await new Promise((r) => setTimeout(r, 1100)); // Pipedrive keeps update times in whole seconds
    await sim.repEdit({ object: 'persons', id: '6', fields: { name: 'Back Again' } });
    queue.jobs.length = 0;
    await pollOnce({ connector, store, queue }, opts);
    expect(queue.jobs.map((j) => j.id)).toContain('6');
    expect(await processRecordJob(deps(), queue.jobs.find((j) => j.id === '6')!)).toMatchObject({ status: 'processed' });
  });

  it('keeps a record the CRM no longer returns deleted', async () => {
    await markDeleted(store, 'pipedrive', 'contact', '999999', new Date().toISOString());
    expect(await processRecordJob(deps(), { crm: 'pipedrive', object: 'contact', id: '999999', source: 'webhook', kind: 'updated', fields: [] })).toEqual({
      status: 'skipped',
      reason: 'deleted',
    });
  });

  it('sets aside a record modified a year ahead: the cursor stays at the clock and later edits are still polled', async () => {
    const queue = collectingQueue();
    const opts = { name: `future-${backend}`, kind: 'contact' as const, fields: ['name'] };
    await pollOnce({ connector, store, queue }, opts);
    // a record whose modified time is a year ahead (a clock or a data error on the CRM side)
    const clock = sim.state.now;
    sim.state.now = () => clock() + YEAR;
    try {
      await sim.repEdit({ object: 'persons', id: '9', fields: { name: 'From The Future' } });
    } finally {
      sim.state.now = clock;
    }
    const first = await pollOnce({ connector, store, queue }, opts);
    expect(first.future.map((f) => f.id)).toEqual(['9']);
    expect(Date.parse(JSON.parse((await readCursor(store, opts.name))!).at)).toBeLessThanOrEqual(Date.now());
    expect((await selectFutureVersions(store, 'pipedrive', 'contact')).map((r) => r.id)).toEqual(['9']);
    expect(queue.jobs.map((j) => j.id)).not.toContain('9');

    await new Promise((r) => setTimeout(r, 1100));
    await sim.repEdit({ object: 'persons', id: '11', fields: { name: 'Edited Today' } });
    queue.jobs.length = 0;
    await pollOnce({ connector, store, queue }, opts);
    expect(queue.jobs.map((j) => j.id)).toContain('11');
  });
});

describe.each(BACKENDS)('a Salesforce Outbound Message with only Id, %s', (backend) => {
  let sim: RunningSalesforceSimulator;
  let store: TestStore;
  let connector: CrmConnector;

  beforeAll(async () => {
    sim = (await startSimulator('salesforce', { records: 30, seed: 5 })) as RunningSalesforceSimulator;
    store = await openTestStore(backend);
    const crm = { ...demoConfig('salesforce', sim).crm, webhooks: { orgId: sim.orgId, urlSecret: 'sec' } };
    connector = await createConnector(crmConnectionSchema.parse(crm), {});
  });
  afterAll(async () => {
    await connector?.close();
    await store?.destroy();
    await sim?.close();
  });

  it('is processed by reading the lead, which still exists; it is never taken as a deletion', async () => {
    let lead: CrmRecord | undefined;
    for await (const page of connector.readChanged('lead', null, ['Company'])) {
      lead ??= page[0];
      break;
    }
    expect(lead).toBeDefined();
    const xml = buildNotificationsXml({
      orgId: sim.orgId,
      actionId: '04k000000000001AAA',
      baseUrl: sim.url,
      version: '62.0',
      notifications: [{ id: '04l000000000001AAA', object: 'Lead', fields: { Id: lead!.id } }],
    });
    const req: WebhookRequest = { method: 'POST', url: 'http://127.0.0.1/webhooks/salesforce?secret=sec', headers: { 'content-type': 'text/xml' }, rawBody: Buffer.from(xml) };
    const queue = collectingQueue();
    const res = await acceptWebhook({ connector, store, queue }, req);
    expect(res).toMatchObject({ status: 200, enqueued: 1, deletions: 0 });
    const seen: string[] = [];
    const outcome = await processRecordJob(
      {
        connector,
        store,
        claimer: 'test',
        fields: () => ['Company'],
        pipeline: async (records) => {
          seen.push(...records.map((r) => r.id));
          return new Map();
        },
      },
      queue.jobs[0],
    );
    expect(outcome).toMatchObject({ status: 'processed' });
    expect(seen).toEqual([lead!.id]);
  });
});
