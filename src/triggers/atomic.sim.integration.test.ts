/**
 * What makes a record due and its job are stored in one transaction: a webhook's receipt with its
 * job, a poll page's admitted versions with their jobs and the cursor. A failure between the two
 * (the connection drops after the first insert) leaves neither, so the CRM's redelivery or the next
 * poll still enqueues the change — it is never recorded as seen while its job is missing.
 * Real Pipedrive deliveries (captured from the simulator) and the real job engine, on both backends.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector, WebhookRequest } from '../crm/types.js';
import { createJobEngine, type JobEngine } from '../jobs/index.js';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';
import type { Sql } from '../store/index.js';
import { BACKENDS, openTestStore, type TestStore } from '../store/testing/index.js';
import { acceptWebhook } from './ingress.js';
import { pollOnce } from './poller.js';
import { readCursor } from './queries.js';
import type { RecordJob, RecordQueue } from './types.js';

const QUEUE = 'atomic-records';

describe.each(BACKENDS)('receipts, versions and their jobs stored together on %s', (backend) => {
  let sim: RunningSimulator;
  let store: TestStore;
  let engine: JobEngine;
  let connector: CrmConnector;
  let hooks: Server;
  const captured: WebhookRequest[] = [];

  /** The real queue, with a connection that drops right after the jobs are inserted, `failures` times. */
  let failures = 0;
  const queue: RecordQueue = {
    async enqueue(jobs: RecordJob[], tx?: Sql) {
      await engine.sendBatch(QUEUE, jobs.map((data) => ({ data })), tx);
      if (failures > 0) {
        failures--;
        throw new Error('connection terminated unexpectedly');
      }
    },
    committed: () => engine.wake(QUEUE),
  };
  const jobsFor = async (id: string) =>
    (await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${store.bossSchema}".job WHERE name = $1 AND data->>'id' = $2`, [QUEUE, id]))[0].n;

  beforeAll(async () => {
    sim = await startSimulator('pipedrive', { records: 20, seed: 11 });
    store = await openTestStore(backend);
    engine = await createJobEngine(store);
    await engine.register(QUEUE, async () => {});
    connector = await createConnector(
      crmConnectionSchema.parse({ kind: 'pipedrive', baseUrl: sim.apiBase, auth: { token: sim.token }, webhooks: { basicUser: 'inrecord', basicPassword: 'atomic-secret' } }),
      {},
    );
    hooks = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const { port } = hooks.address() as AddressInfo;
        captured.push({ method: req.method ?? 'POST', url: `http://127.0.0.1:${port}${req.url}`, headers: req.headers as Record<string, string>, rawBody: Buffer.concat(chunks) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    await connector.webhooks.subscribe(`http://127.0.0.1:${(hooks.address() as AddressInfo).port}/webhooks/pipedrive`, ['contact']);
  }, 90_000);

  afterAll(async () => {
    await new Promise((r) => hooks?.close(r));
    await engine?.stop();
    await connector?.close();
    await store?.destroy();
    await sim?.close();
  });

  it('keeps no receipt of a webhook whose job was not stored, so its redelivery is enqueued', async () => {
    await sim.repEdit({ object: 'persons', id: '3', fields: { name: 'Ada Atomic' } });
    const until = Date.now() + 10_000;
    while (captured.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const delivery = captured.find((c) => JSON.parse(c.rawBody.toString()).data?.id === 3);
    expect(delivery, 'the simulator delivered the rep edit of person 3').toBeDefined();

    failures = 1;
    await expect(acceptWebhook({ connector, store, queue }, delivery!)).rejects.toThrow(/connection terminated/);
    const receipts = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_receipts WHERE payload->>'id' = '3'`);
    expect(receipts[0].n).toBe(0);
    expect(await jobsFor('3')).toBe(0);

    // the CRM got no 2xx and delivers again: this time it is a new change, not a duplicate
    const again = await acceptWebhook({ connector, store, queue }, delivery!);
    expect(again).toMatchObject({ status: 200, enqueued: 1, duplicates: 0 });
    expect(await jobsFor('3')).toBe(1);
    // and a third delivery of the same change is the duplicate
    expect(await acceptWebhook({ connector, store, queue }, delivery!)).toMatchObject({ status: 200, enqueued: 0, duplicates: 1 });
  });

  it('leaves a poll page unadmitted and the cursor where it was when its jobs were not stored', async () => {
    const options = { name: `atomic-poll-${backend}`, kind: 'contact' as const, fields: ['name'] };
    const first = await pollOnce({ connector, store, queue }, options);
    expect(first.enqueued).toBeGreaterThan(0);
    const cursor = await readCursor(store, options.name);
    await new Promise((r) => setTimeout(r, 1100)); // Pipedrive keeps update times in whole seconds
    await sim.repEdit({ object: 'persons', id: '7', fields: { name: 'Grace Atomic' } });
    const before = await jobsFor('7');

    failures = 1;
    await expect(pollOnce({ connector, store, queue }, options)).rejects.toThrow(/connection terminated/);
    expect(await readCursor(store, options.name)).toBe(cursor);
    expect(await jobsFor('7')).toBe(before);

    // the next poll sees the change again and enqueues it: it was not admitted by the failed one
    const next = await pollOnce({ connector, store, queue }, options);
    expect(next.enqueued).toBeGreaterThanOrEqual(1);
    expect(await jobsFor('7')).toBe(before + 1);
    expect(await readCursor(store, options.name)).not.toBe(cursor);
  });
});
