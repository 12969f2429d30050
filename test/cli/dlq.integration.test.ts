import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { InrecordError } from '../../src/errors/index.js';
import { createJobEngine, listDeadLetters } from '../../src/jobs/index.js';
import { openStore } from '../../src/store/index.js';

const run = promisify(execFile);
const cli = (dataDir: string, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--data-dir', dataDir, ...args], {
    env: { ...process.env, DATABASE_URL: '', INRECORD_CONFIG: join(dataDir, 'none.yaml') },
  });

describe('inrecord dlq', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-dlq-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists a poison job with its reason, replays it, and refuses to discard without confirmation', async () => {
    const store = await openStore({ dataDir: dir });
    const engine = await createJobEngine(store, { pollIntervalMs: 20 });
    await engine.register('score', async () => {
      throw new InrecordError('IR_JOB_POISON', 'contact 17: output "score" is "n/a", expected a number');
    });
    engine.work();
    await engine.send('score', { recordId: '17' });
    while ((await listDeadLetters(store)).length === 0) await new Promise((r) => setTimeout(r, 50));
    await engine.stop();
    await store.close();

    const list = JSON.parse((await cli(dir, 'dlq', 'list', '--json')).stdout);
    expect(list).toHaveLength(1);
    expect(list[0].error.code).toBe('IR_JOB_POISON');
    expect(list[0].error.message).toContain('contact 17');

    const text = (await cli(dir, 'dlq', 'list')).stdout;
    expect(text).toContain('IR_JOB_POISON');

    const replay = JSON.parse((await cli(dir, 'dlq', 'replay', String(list[0].id), '--json')).stdout);
    expect(replay.jobId).toBeTruthy();

    const discard = await cli(dir, 'dlq', 'discard', String(list[0].id)).catch((e) => e);
    expect(discard.code).toBe(2);

    const after = await openStore({ dataDir: dir });
    const [dl] = await listDeadLetters(after, { status: 'replayed' });
    expect(dl.replayed_job_id).toBe(replay.jobId);
    const jobs = await after.query<{ state: string }>(`SELECT state::text FROM "${after.bossSchema}".job WHERE id = $1`, [replay.jobId]);
    expect(jobs).toEqual([{ state: 'created' }]);
    await after.close();
  }, 120_000);
});
