/**
 * A record worker killed with SIGKILL mid-batch, and a new one started in its place: `inrecord
 * worker` processes on the Postgres server work the record queue for the Pipedrive simulator. The
 * killed worker's jobs expire and are worked again; every change is processed (no change lost) and
 * no field is written twice (none applied twice); nothing ends in dead letters.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import { demoConfig } from '../../src/demo/configs.js';
import { createJobEngine } from '../../src/jobs/index.js';
import { RECORD_QUEUE, recordQueueOptions } from '../../src/daemon/index.js';
import { startSimulator } from '../../src/simulators/index.js';
import type { RunningSimulator } from '../../src/simulators/types.js';
import { openStore } from '../../src/store/index.js';
import { TEST_DATABASE_URL, dropSchemas, uniqueSchema } from '../../src/store/testing/index.js';
import { checkLive } from '../../src/writeback/index.js';

const N = 200;

function startWorker(configPath: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--config', configPath, '--json', 'worker'], {
      env: { ...process.env, DATABASE_URL: '', VITEST: '', INRECORD_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr?.on('data', (d) => (err += d));
    child.stdout?.on('data', (d) => String(d).includes('"queues"') && resolve(child));
    child.on('exit', (code) => code !== 0 && code !== null && reject(new Error(`worker exited ${code}: ${err}`)));
  });
}

describe('SIGKILL a record worker mid-batch (Postgres server, Pipedrive simulator)', () => {
  const schema = uniqueSchema('kill');
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-kill-'));
  const children: ChildProcess[] = [];
  let sim: RunningSimulator | undefined;
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await sim?.close();
    await dropSchemas(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('after a restart no change is lost and none is applied twice', async () => {
    sim = await startSimulator('pipedrive', { seed: 4, records: N + 10 });
    const base = demoConfig('pipedrive', sim);
    const config = configSchema.parse({
      ...base,
      store: { databaseUrl: TEST_DATABASE_URL, schema },
      flows: base.flows
        .filter((f) => f.name === 'person-scoring')
        .map((f) => ({ ...f, gate: { ...f.gate, mode: 'open' }, trigger: { webhook: true, poll: '1h' } })),
      // small batches and a short expiry: the killed worker's batch is found lost within seconds
      jobs: { retryLimit: 5, retryDelaySeconds: 1, concurrency: 2, batchSize: 10, expireInSeconds: 6 },
    });
    const configPath = join(dir, 'inrecord.yaml');
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const setup = await createConnector(config.crm, {});
    expect((await checkLive(setup, config, { fix: true })).ok).toBe(true);

    const store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema, poolSize: 3 });
    const engine = await createJobEngine(store);
    await engine.declare(RECORD_QUEUE, recordQueueOptions(config));
    const ids = Array.from({ length: N }, (_, i) => String(i + 1));
    await engine.sendBatch(
      RECORD_QUEUE,
      ids.map((id) => ({ data: { crm: 'pipedrive', object: 'contact', id, source: 'manual', kind: 'updated', fields: [] }, singletonKey: `pipedrive:contact:${id}` })),
    );
    children.push(...(await Promise.all([startWorker(configPath), startWorker(configPath)])));

    // kill the first worker once it surely holds jobs: more jobs active than one worker can hold
    // (its batches in flight × batch size), so some of them are the first worker's
    const perWorker = recordQueueOptions(config).parallelBatches! * config.jobs.batchSize;
    const active = async () =>
      (await store.query<{ n: number }>(`SELECT count(*) AS n FROM "${store.bossSchema}".job WHERE name = $1 AND state = 'active'`, [RECORD_QUEUE]))[0].n;
    const started = Date.now();
    while ((await active()) <= perWorker) {
      if (Date.now() - started > 60_000) throw new Error('the workers never held two batches at once');
      await new Promise((r) => setTimeout(r, 20));
    }
    children[0].kill('SIGKILL');
    // and start a new one in its place
    children.push(await startWorker(configPath));

    const deadline = Date.now() + 120_000;
    while ((await engine.pending(RECORD_QUEUE)) > 0) {
      if (Date.now() > deadline) throw new Error('record jobs did not finish');
      await new Promise((r) => setTimeout(r, 250));
    }

    // the killed worker really was mid-batch: some jobs ran a second time
    const [retried] = await store.query<{ n: number }>(`SELECT count(*) AS n FROM "${store.bossSchema}".job WHERE name = $1 AND retry_count > 0`, [RECORD_QUEUE]);
    expect(retried.n).toBeGreaterThan(0);
    const states = await store.query<{ state: string; n: number }>(`SELECT state::text, count(*) AS n FROM "${store.bossSchema}".job WHERE name = $1 GROUP BY state`, [RECORD_QUEUE]);
    expect(states).toEqual([{ state: 'completed', n: N }]);
    const [dead] = await store.query<{ n: number }>('SELECT count(*) AS n FROM dead_letters');
    expect(dead.n).toBe(0);

    // no change lost: every record was processed, and its AI score is in the CRM
    const [processed] = await store.query<{ n: number }>("SELECT count(*) AS n FROM record_versions WHERE crm = 'pipedrive' AND processed_version IS NOT NULL");
    expect(processed.n).toBe(N);
    const schemaOf = await setup.describe('contact');
    const score = schemaOf.fields.find((f) => f.label === 'Lead score')!;
    const back = await setup.read('contact', ids, [score.name]);
    expect(back.filter((r) => r.fields[score.name] === null || r.fields[score.name] === undefined).map((r) => r.id)).toEqual([]);
    // none applied twice: at most one write of the score per record in the ledger
    const twice = await store.query<{ record_id: string; n: number }>(
      "SELECT record_id, count(*) AS n FROM write_ledger WHERE field = $1 AND outcome = 'written' GROUP BY record_id HAVING count(*) > 1",
      [score.name],
    );
    expect(twice).toEqual([]);
    await setup.close();
    await engine.stop();
    await store.close();
  }, 240_000);
});
