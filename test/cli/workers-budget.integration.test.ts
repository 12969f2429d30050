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
const JOBS = 72;
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
      for (let id = 1; id <= JOBS; id++) {
        await engine.send(RECORD_QUEUE, {
          crm: 'pipedrive',
          object: 'contact',
          id: String(id),
          source: 'manual',
          kind: 'updated',
          fields: [],
        });
      }
      await engine.stop();

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
      const completed = async () =>
        Number(
          (
            await store.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM "${store.bossSchema}".job WHERE name = $1 AND state = 'completed'`,
              [RECORD_QUEUE],
            )
          )[0].n,
        );
      const deadline = Date.now() + 90_000;
      let firstCall = 0;
      while (Date.now() < deadline && (await completed()) < JOBS) {
        if (!firstCall && sim.stats().totalCalls > 0) firstCall = Date.now();
        for (const w of workers) expect(w.exitCode, outputs.join('\n')).toBeNull();
        await new Promise((r) => setTimeout(r, 200));
      }
      const elapsedMs = Date.now() - firstCall;
      expect(await completed(), outputs.join('\n')).toBe(JOBS);
      // every worker took part
      for (const out of outputs) expect(out).toContain('"queues"');

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
