/**
 * `inrecord worker` end to end on the embedded store against the Pipedrive simulator: it works the
 * record queue named by the configuration (claim, read, version check, flows), and stops on SIGTERM
 * after the jobs in hand. The command runs in this process through commander.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as workerCommand from '../../src/cli/commands/worker.js';
import { RECORD_QUEUE } from '../../src/daemon/index.js';
import { startSimulator } from '../../src/simulators/index.js';
import type { RunningSimulator } from '../../src/simulators/types.js';
import { openStore } from '../../src/store/index.js';
import { createJobEngine } from '../../src/jobs/index.js';

describe('inrecord worker', () => {
  let sim: RunningSimulator;
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-worker-'));
  beforeAll(async () => {
    sim = await startSimulator('pipedrive', { records: 10, seed: 3 });
    writeFileSync(
      join(dir, 'inrecord.yaml'),
      [
        'crm:',
        '  kind: pipedrive',
        `  baseUrl: ${sim.url}`,
        '  auth:',
        `    token: ${sim.token}`,
        'flows: []',
        '',
      ].join('\n'),
    );
  }, 30_000);
  afterAll(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('works queued record jobs and stops gracefully on SIGTERM', async () => {
    const dataDir = join(dir, 'data');
    const producer = await openStore({ dataDir });
    const engine = await createJobEngine(producer);
    await engine.declare(RECORD_QUEUE);
    for (const id of ['1', '2', '3']) {
      await engine.send(RECORD_QUEUE, {
        crm: 'pipedrive',
        object: 'contact',
        id,
        source: 'manual',
        kind: 'updated',
        fields: [],
      });
    }
    await engine.stop();
    await producer.close();

    const program = new Command('inrecord')
      .option('-c, --config <path>')
      .option('--data-dir <dir>')
      .option('--json')
      .exitOverride();
    workerCommand.register(program);
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((c: string | Uint8Array) =>
      out.push(String(c)) > 0) as typeof process.stdout.write;
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = '';
    process.exitCode = undefined;
    const running = program.parseAsync([
      'node',
      'inrecord',
      '--config',
      join(dir, 'inrecord.yaml'),
      '--data-dir',
      dataDir,
      '--json',
      'worker',
    ]);
    try {
      // the command's store is private to it: wait for its start line, then for the CRM to have been read
      while (!out.join('').includes('"queues"')) await new Promise((r) => setTimeout(r, 50));
      const started = JSON.parse(out.join(''));
      expect(started.queues).toEqual(['records']);
      const deadline = Date.now() + 30_000;
      while (sim.stats().totalCalls < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 1000));
      process.emit('SIGTERM', 'SIGTERM');
      await running;
    } finally {
      process.stdout.write = write;
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
    expect(Number(process.exitCode ?? 0)).toBe(0);
    process.exitCode = undefined;

    const store = await openStore({ dataDir });
    const jobs = await store.query<{ state: string; n: number }>(
      `SELECT state::text, count(*) AS n FROM "${store.bossSchema}".job WHERE name = 'records' GROUP BY state`,
    );
    expect(jobs).toEqual([{ state: 'completed', n: 3 }]);
    const versions = await store.query<{ id: string }>(
      "SELECT id FROM record_versions WHERE crm = 'pipedrive' AND processed_version IS NOT NULL ORDER BY id",
    );
    expect(versions.map((v) => v.id)).toEqual(['1', '2', '3']);
    await store.close();
  }, 90_000);
});
