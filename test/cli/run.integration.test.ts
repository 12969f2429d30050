/**
 * `inrecord run` as a user starts it, a real process: the configured store schema is the one used,
 * a usage flow (fed by `inrecord import usage`) does not stop the daemon, and `--no-poll` polls
 * nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulators/index.js';
import type { RunningSimulator } from '../../src/simulators/types.js';
import { TEST_DATABASE_URL, dropSchemas, uniqueSchema } from '../../src/store/testing/index.js';

describe('inrecord run', () => {
  let sim: RunningSimulator;
  let child: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-run-'));
  const schema = uniqueSchema('run');

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
        'store:',
        `  databaseUrl: ${TEST_DATABASE_URL}`,
        `  schema: ${schema}`,
        'server: { port: 0 }',
        'flows:',
        '  - name: scoring',
        '    kind: scoring',
        '    object: contact',
        '    outputs: { score: Lead score }',
        '    settings:',
        '      model: rules',
        '      features: { seniority: { field: Seniority, type: category } }',
        '      base: 30',
        '      rules: [{ feature: seniority, equals: [vp], points: 30, label: senior buyer }]',
        '  - name: usage',
        '    kind: usage',
        '    object: contact',
        '    outputs: { events_30d: Usage events }',
        '',
      ].join('\n'),
    );
  }, 30_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await sim?.close();
    await dropSchemas(schema).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts with a usage flow, uses the configured schema, and polls nothing with --no-poll', async () => {
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        resolve('src/cli/main.ts'),
        '--config',
        join(dir, 'inrecord.yaml'),
        '--json',
        'run',
        '--no-poll',
      ],
      {
        cwd: resolve('.'),
        env: { ...process.env, DATABASE_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout?.on('data', (c) => (out += String(c)));
    child.stderr?.on('data', (c) => (err += String(c)));
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    const deadline = Date.now() + 60_000;
    while (!out.includes('"ok"') && Date.now() < deadline && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    expect(err).not.toMatch(/IR_NOT_IMPLEMENTED/);
    const started = out.split('\n').find((l) => l.startsWith('{"ok"'));
    expect(started, `stdout: ${out}\nstderr: ${err}`).toBeDefined();
    expect(JSON.parse(started as string)).toMatchObject({ ok: true, crm: 'pipedrive' });

    // pollers would list persons at once; with --no-poll nothing lists them
    await new Promise((r) => setTimeout(r, 3000));
    const listed = Object.entries(sim.stats().calls).filter(([k]) => /^GET \/api\/v[12]\/persons$/.test(k));
    expect(listed).toEqual([]);

    // the tables live in the configured schema, not in the default one
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'write_ledger'",
        [schema],
      );
      expect(Number(rows[0].n)).toBe(1);
    } finally {
      await client.end();
    }

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);
});
