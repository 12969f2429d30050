/**
 * Three `inrecord worker` processes against one CRM: they share its rate budget through the
 * Postgres server store, so the CRM (the simulator, which counts the calls reaching it in each
 * rolling window) never sees more calls per window than its limit, and refuses none.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORD_QUEUE } from '../../src/daemon/index.js';
import { createJobEngine } from '../../src/jobs/index.js';
import { startSimulator } from '../../src/simulators/index.js';
import type { RunningSimulator } from '../../src/simulators/types.js';
import { openStore } from '../../src/store/index.js';
import {
  TEST_DATABASE_URL,
  dropSchemas,
  testSecretKey,
  uniqueSchema,
} from '../../src/store/testing/index.js';

const LIMIT = 8;
const WINDOW_MS = 1_000;
const JOBS = 56;
const WORKERS = 3;

describe('three workers, one CRM rate budget', () => {
  let sim: RunningSimulator;
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-budget-'));
  const config = join(dir, 'inrecord.yaml');
  const schema = uniqueSchema('budget');
  const env = {
    ...process.env,
    DATABASE_URL: '',
    INRECORD_SECRET_KEY: testSecretKey(),
    INRECORD_LOG_LEVEL: 'warn',
  };
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    sim = await startSimulator('pipedrive', {
      records: JOBS,
      seed: 11,
      rateLimit: { callsPerWindow: LIMIT, windowMs: WINDOW_MS },
    });
    writeFileSync(
      config,
      [
        'crm:',
        '  kind: pipedrive',
        `  baseUrl: ${sim.url}`,
        '  auth:',
        `    token: ${sim.token}`,
        `  rateLimit: { callsPerWindow: ${LIMIT}, windowMs: ${WINDOW_MS} }`,
        'store:',
        `  databaseUrl: ${TEST_DATABASE_URL}`,
        `  schema: ${schema}`,
        // one record per job, four at a time per worker: twelve callers against eight calls a second
        'jobs: { batchSize: 1, concurrency: 4 }',
        'flows: []',
        '',
      ].join('\n'),
    );
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await sim?.close();
    await dropSchemas(schema).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('stay under the CRM limit per window together, with no 429', async () => {
    const store = await openStore({
      databaseUrl: TEST_DATABASE_URL,
      schema,
      secretKey: env.INRECORD_SECRET_KEY,
    });
    try {
      const engine = await createJobEngine(store);
      await engine.declare(RECORD_QUEUE);
      const outputs: string[] = [];
      for (let i = 0; i < WORKERS; i++) {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', resolve('src/cli/main.ts'), '--config', config, '--json', 'worker'],
          {
            cwd: resolve('.'),
            env,
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        workers.push(child);
        outputs.push('');
        child.stdout?.on('data', (c) => (outputs[i] += String(c)));
        child.stderr?.on('data', (c) => (outputs[i] += String(c)));
      }
      // all three are working the queue before the jobs arrive: the clock measures the budget, not start-up
      const startBy = Date.now() + 90_000;
      while (outputs.some((o) => !o.includes('"queues"')) && Date.now() < startBy) {
        for (const w of workers) expect(w.exitCode, outputs.join('\n')).toBeNull();
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const out of outputs) expect(out).toContain('"queues"');

      sim.resetStats();
      const t0 = Date.now();
      await engine.sendBatch(
        RECORD_QUEUE,
        Array.from({ length: JOBS }, (_, i) => ({
          data: {
            crm: 'pipedrive',
            object: 'contact',
            id: String(i + 1),
            source: 'manual',
            kind: 'updated',
            fields: [],
          },
        })),
      );
      const deadline = Date.now() + 90_000;
      while ((await engine.pending(RECORD_QUEUE)) > 0 && Date.now() < deadline) {
        for (const w of workers) expect(w.exitCode, outputs.join('\n')).toBeNull();
        await new Promise((r) => setTimeout(r, 100));
      }
      const elapsedMs = Date.now() - t0;
      await engine.stop();
      const done = await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${store.bossSchema}".job WHERE name = $1 AND state = 'completed'`,
        [RECORD_QUEUE],
      );
      expect(Number(done[0].n), outputs.join('\n')).toBe(JOBS);

      const stats = sim.stats();
      const calls = JSON.stringify(stats.calls);
      console.log(
        `three workers: ${stats.totalCalls} calls ${calls} in ${(elapsedMs / 1000).toFixed(1)} s = ${((stats.totalCalls / elapsedMs) * 1000).toFixed(2)} calls/s ` +
          `(limit ${LIMIT} per ${WINDOW_MS} ms = ${((LIMIT / WINDOW_MS) * 1000).toFixed(2)}/s); most in one window ${stats.peakCallsPerWindow}; 429s ${stats.rateLimited}`,
      );
      expect(stats.peakWindowMs).toBe(WINDOW_MS);
      expect(stats.peakCallsPerWindow).toBeLessThanOrEqual(LIMIT);
      expect(stats.rateLimited).toBe(0);
      // the limit was the constraint: the workers kept it full, several windows long
      expect(stats.peakCallsPerWindow).toBe(LIMIT);
      expect(stats.totalCalls).toBeGreaterThanOrEqual(JOBS);
    } finally {
      for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
      await Promise.all(
        workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once('exit', r)) : null)),
      );
      await store.close();
    }
  }, 150_000);
});
