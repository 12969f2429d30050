import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dlqCommand from '../../src/cli/commands/dlq.js';
import * as workerCommand from '../../src/cli/commands/worker.js';
import { InrecordError } from '../../src/errors/index.js';
import { createJobEngine, listDeadLetters } from '../../src/jobs/index.js';
import { openStore } from '../../src/store/index.js';

const run = promisify(execFile);

/** The real program, as a user runs it (one process start: the replay). */
const cli = (dataDir: string, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--data-dir', dataDir, ...args], {
    env: { ...process.env, DATABASE_URL: '', INRECORD_CONFIG: join(dataDir, 'none.yaml') },
  });

/** The same command modules, in this process (no process start per command). */
async function inProcess(...args: string[]): Promise<{ code: number; stdout: string }> {
  const program = new Command('inrecord').option('-c, --config <path>').option('--data-dir <dir>').option('--json').exitOverride();
  dlqCommand.register(program);
  workerCommand.register(program);
  const out: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'inrecord', ...args]);
  } finally {
    process.stdout.write = write;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout: out.join('') };
}

describe('inrecord dlq', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-dlq-'));
  const savedConfig = process.env.INRECORD_CONFIG;
  beforeAll(() => {
    process.env.INRECORD_CONFIG = join(dir, 'none.yaml');
  });
  afterAll(() => {
    if (savedConfig === undefined) delete process.env.INRECORD_CONFIG;
    else process.env.INRECORD_CONFIG = savedConfig;
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists and shows a poison job with its reason, replays it, discards only with confirmation', async () => {
    const store = await openStore({ dataDir: dir });
    const engine = await createJobEngine(store, { pollIntervalMs: 20 });
    await engine.register<{ recordId: string }>('score', async (d) => {
      throw new InrecordError('IR_JOB_POISON', `contact ${d.recordId}: output "score" is "n/a", expected a number`, {
        context: { recordId: d.recordId, field: 'score' },
      });
    });
    engine.work();
    await engine.send('score', { recordId: '17' });
    await engine.send('score', { recordId: '18' });
    while ((await listDeadLetters(store)).length < 2) await new Promise((r) => setTimeout(r, 50));
    await engine.stop();
    await store.close();

    const list = JSON.parse((await inProcess('--data-dir', dir, 'dlq', 'list', '--json')).stdout);
    expect(list).toHaveLength(2);
    const first = list.find((d: { data: { recordId: string } }) => d.data.recordId === '17');
    const second = list.find((d: { data: { recordId: string } }) => d.data.recordId === '18');
    expect(first.error.code).toBe('IR_JOB_POISON');
    expect(first.error.message).toContain('contact 17');
    expect(first.attempts).toBe(1);

    const text = await inProcess('--data-dir', dir, 'dlq', 'list');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('IR_JOB_POISON');

    const show = await inProcess('--data-dir', dir, 'dlq', 'show', String(first.id));
    expect(show.stdout).toContain('"recordId": "17"');
    expect(show.stdout).toContain('"field":"score"');
    expect((await inProcess('--data-dir', dir, 'dlq', 'show', '999', '--json')).code).toBe(1);

    const replay = JSON.parse((await cli(dir, 'dlq', 'replay', String(first.id), '--json')).stdout);
    expect(replay.jobId).toBeTruthy();
    expect((await inProcess('--data-dir', dir, 'dlq', 'replay', String(first.id))).code).toBe(2);

    // no TTY to ask on, no --yes: refused, nothing changes
    expect((await inProcess('--data-dir', dir, 'dlq', 'discard', String(second.id))).code).toBe(2);
    expect((await inProcess('--data-dir', dir, 'dlq', 'discard', String(second.id), '--yes', '--json')).code).toBe(0);

    const after = await openStore({ dataDir: dir });
    const [dl] = await listDeadLetters(after, { status: 'replayed' });
    expect(dl.replayed_job_id).toBe(replay.jobId);
    expect((await listDeadLetters(after, { status: 'discarded' })).map((d) => d.id)).toEqual([second.id]);
    const jobs = await after.query<{ state: string; data: unknown }>(`SELECT state::text, data FROM "${after.bossSchema}".job WHERE id = $1`, [replay.jobId]);
    expect(jobs).toEqual([{ state: 'created', data: { recordId: '17' } }]);
    await after.close();
  }, 120_000);

  it('a worker without a configuration says what is missing', async () => {
    const r = await inProcess('--data-dir', dir, 'worker', '--json');
    expect(r.code).toBe(2);
  }, 60_000);
});
