/**
 * Scale-out on the Postgres server: 3 worker processes share one queue; one is killed with SIGKILL
 * mid-batch. Every job completes and every effect is recorded exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/index.js';
import { TEST_DATABASE_URL, dropSchemas, uniqueSchema } from '../store/testing/index.js';
import { createJobEngine } from './index.js';

const JOBS = 5000;

function startWorker(schema: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/jobs/testing/worker.ts'], {
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, SCHEMA: schema, VITEST: '', JOB_MS: '5', BATCH: '50' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr?.on('data', (d) => (err += d));
    child.stdout?.on('data', (d) => String(d).includes('ready') && resolve(child));
    child.on('exit', (code) => code !== 0 && code !== null && reject(new Error(`worker exited ${code}: ${err}`)));
  });
}

describe('exactly once across worker processes on the Postgres server', () => {
  const schema = uniqueSchema('eo');
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await dropSchemas(schema);
  });

  it('completes every job and records every effect once after a worker is killed mid-batch', async () => {
    const store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema, poolSize: 4 });
    await store.exec('CREATE TABLE eo_effects (n integer NOT NULL, pid integer NOT NULL)');
    const producer = await createJobEngine(store);
    await producer.register('eo', async () => {}, { retryLimit: 5, retryDelaySeconds: 1, expireInSeconds: 3 });
    children.push(...(await Promise.all([startWorker(schema), startWorker(schema), startWorker(schema)])));
    await producer.sendBatch(
      'eo',
      Array.from({ length: JOBS }, (_, n) => ({ data: { n } })),
    );

    // kill one worker while it is in the middle of a batch
    const victim = children[0];
    for (;;) {
      const [{ n }] = await store.query<{ n: number }>('SELECT count(*) AS n FROM eo_effects WHERE pid = $1', [victim.pid]);
      // a count that is not a whole number of batches: the victim holds fetched, unfinished jobs
      if (n >= 300 && n % 50 !== 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    victim.kill('SIGKILL');

    const deadline = Date.now() + 120_000;
    while ((await producer.pending('eo')) > 0) {
      if (Date.now() > deadline) throw new Error('jobs did not finish');
      await new Promise((r) => setTimeout(r, 200));
    }
    const [effects] = await store.query<{ total: number; distinct: number }>(
      'SELECT count(*) AS total, count(DISTINCT n) AS distinct FROM eo_effects',
    );
    const states = await store.query<{ state: string; n: number }>(
      `SELECT state::text, count(*) AS n FROM "${store.bossSchema}".job WHERE name = 'eo' GROUP BY state`,
    );
    const [dead] = await store.query<{ n: number }>('SELECT count(*) AS n FROM dead_letters');
    expect(effects).toEqual({ total: JOBS, distinct: JOBS });
    expect(states).toEqual([{ state: 'completed', n: JOBS }]);
    expect(dead.n).toBe(0);
    // the killed worker really was mid-batch: some of its jobs were finished by the others
    const [retried] = await store.query<{ n: number }>(
      `SELECT count(*) AS n FROM "${store.bossSchema}".job WHERE name = 'eo' AND retry_count > 0`,
    );
    expect(retried.n).toBeGreaterThan(0);
    await producer.stop();
    await store.close();
  }, 180_000);
});
