/**
 * One embedded store, several real processes: `inrecord run` owns the data dir and serves it;
 * `apply` and `runs` started beside it reach the store through the daemon, and after the daemon
 * stops (or is killed) the store opens cleanly with every run the daemon's neighbours recorded.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulators/index.js';
import type { RunningSimulator } from '../../src/simulators/types.js';

interface Done {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the embedded store beside a running daemon', () => {
  let sim: RunningSimulator;
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-owner-'));
  const config = join(dir, 'inrecord.yaml');
  const lockFile = join(dir, 'store.lock');
  const daemons: ChildProcess[] = [];
  const env = { ...process.env, DATABASE_URL: '', INRECORD_LOG_LEVEL: 'info' };
  const argv = (...args: string[]) => [
    '--import',
    'tsx',
    resolve('src/cli/main.ts'),
    '--config',
    config,
    '--data-dir',
    dir,
    ...args,
  ];

  /** One command, a real process, to its end. */
  const cli = (...args: string[]) =>
    new Promise<Done>((done) => {
      execFile(
        process.execPath,
        argv(...args),
        { cwd: resolve('.'), env, timeout: 120_000 },
        (err, stdout, stderr) =>
          done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  /** `inrecord run`, returned once it says it is listening. */
  async function startDaemon(): Promise<{
    child: ChildProcess;
    exited: Promise<number | null>;
    output: () => string;
  }> {
    const child = spawn(process.execPath, argv('--json', 'run', '--no-poll', '--port', '0'), {
      cwd: resolve('.'),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    daemons.push(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (c) => (out += String(c)));
    child.stderr?.on('data', (c) => (err += String(c)));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 90_000;
    while (!out.includes('"ok"') && Date.now() < deadline && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    expect(out, `stderr: ${err}`).toContain('"ok":true');
    return { child, exited, output: () => out + err };
  }

  const applyRuns = async (): Promise<Array<{ id: string; status: string }>> => {
    const listed = await cli('--json', 'runs', '--kind', 'apply', '--limit', '100');
    expect(listed.code, listed.stderr).toBe(0);
    return JSON.parse(listed.stdout);
  };

  beforeAll(async () => {
    sim = await startSimulator('pipedrive', { records: 8, seed: 5 });
    writeFileSync(
      config,
      [
        'crm:',
        '  kind: pipedrive',
        `  baseUrl: ${sim.url}`,
        '  auth:',
        `    token: ${sim.token}`,
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
        '',
      ].join('\n'),
    );
  }, 60_000);

  // a failed test must not leave its daemon holding the store for the next one
  afterEach(() => {
    for (const d of daemons) if (d.exitCode === null) d.kill('SIGKILL');
  });

  afterAll(async () => {
    for (const d of daemons) if (d.exitCode === null) d.kill('SIGKILL');
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs apply and runs through the daemon, again and again, and keeps every run after the daemon stops', async () => {
    const daemon = await startDaemon();
    const holder = JSON.parse(readFileSync(lockFile, 'utf8'));
    expect(holder).toMatchObject({ pid: daemon.child.pid, host: hostname() });
    expect(holder.command).toContain('run');
    expect(holder.endpoint).toContain('host=');

    // beside the daemon: each command either works through it, or is refused naming it — never both
    // writing the data dir. Within a budget, so a slow machine runs fewer rounds, not a longer test.
    const budget = Date.now() + 150_000;
    const applied: string[] = [];
    for (let round = 0; round < 8 && (round < 3 || Date.now() < budget); round++) {
      const apply = await cli('--json', 'apply');
      if (apply.code !== 0) {
        expect(apply.stdout).toContain('IR_STORE_IN_USE');
        expect(apply.stdout).toContain(`PID ${daemon.child.pid}`);
        continue;
      }
      const runs = await applyRuns();
      expect(runs.length).toBe(applied.length + 1);
      applied.push(runs[0].id);
      expect(runs[0].status).toBe('succeeded');
    }
    // the daemon serves: every round went through it
    expect(applied.length).toBeGreaterThanOrEqual(3);

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(existsSync(lockFile)).toBe(false);

    // the daemon is gone: the store opens in this command's own process, with every run and its ledger
    const after = await applyRuns();
    expect(after.map((r) => r.id).sort()).toEqual([...applied].sort());
    const shown = await cli('--json', 'runs', applied[0]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).run.id).toBe(applied[0]);
    expect(existsSync(lockFile)).toBe(false);
  }, 420_000);

  // `npm run bench -- store-owner` runs this with INRECORD_STORE_CYCLES=20
  const cycles = Number(process.env.INRECORD_STORE_CYCLES ?? 1);
  it(`runs the everyday commands together beside the daemon, and the store opens cleanly after it stops (${cycles} cycles)`, async () => {
    const calendar = join(dir, 'meeting.ics');
    writeFileSync(
      calendar,
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//inrecord test//EN',
        'BEGIN:VEVENT',
        'UID:store-owner-1@example.com',
        'DTSTAMP:20261101T090000Z',
        'DTSTART:20261101T090000Z',
        'DTEND:20261101T093000Z',
        'SUMMARY:Intro call',
        'ORGANIZER:mailto:rep@ourteam.example',
        'ATTENDEE:mailto:someone@elsewhere.example',
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n'),
    );
    for (let cycle = 0; cycle < cycles; cycle++) {
      const before = await applyRuns();
      const daemon = await startDaemon();
      // the operator's everyday tools, all at once, beside the daemon: each goes through it
      const everyday = [
        ['--json', 'apply'],
        ['--json', 'runs'],
        ['--json', 'monitor', '--no-notify'],
        ['--json', 'review', 'list'],
        ['--json', 'dlq', 'list'],
        ['--json', 'import', 'calendar', calendar, '--own-domain', 'ourteam.example', '--allow-rejects'],
      ];
      const done = await Promise.all(everyday.map((args) => cli(...args)));
      done.forEach((d, i) => {
        const what = `${everyday[i].join(' ')}: ${d.stdout}${d.stderr}`;
        // `monitor` exits 1 when it raises an alert: a report all the same
        expect(d.code === 0 || (everyday[i][1] === 'monitor' && d.code === 1), what).toBe(true);
        expect(() => JSON.parse(d.stdout), what).not.toThrow();
        expect(d.stdout + d.stderr, what).not.toMatch(/IR_STORE|IR_INTERNAL/);
      });

      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toBe(0);
      expect(existsSync(lockFile)).toBe(false);
      // the daemon is gone: the store opens in this process, whole, with the apply run made beside it
      const after = await applyRuns();
      expect(after).toHaveLength(before.length + 1);
      expect((await cli('--json', 'review', 'list')).code).toBe(0);
    }
  }, 120_000 + cycles * 120_000);

  it('takes over the lock a killed daemon left, with a log line, and loses nothing', async () => {
    const before = await applyRuns();
    const daemon = await startDaemon();
    const pid = daemon.child.pid as number;
    const beside = await cli('--json', 'apply');
    expect(beside.code, beside.stderr).toBe(0);
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(pid); // left behind

    const listed = await cli('--json', 'runs', '--kind', 'apply', '--limit', '100');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toContain(`taking over the embedded store's lock from PID ${pid}`);
    expect(JSON.parse(listed.stdout)).toHaveLength(before.length + 1);
    expect(existsSync(lockFile)).toBe(false);
  }, 300_000);

  it('takes over a stale lock whose PID is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(
      lockFile,
      JSON.stringify({
        pid: Number(gone.stdout),
        host: hostname(),
        startedAt: '2020-01-01T00:00:00.000Z',
        command: 'inrecord apply',
      }),
    );
    const listed = await cli('--json', 'runs');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toContain(`from PID ${gone.stdout}`);
    expect(existsSync(lockFile)).toBe(false);
  }, 120_000);

  it('refuses a command while another live process holds the store without serving it, naming it', async () => {
    // this test process plays the holder: alive, on this host, serving nothing
    writeFileSync(
      lockFile,
      JSON.stringify({
        pid: process.pid,
        host: hostname(),
        startedAt: new Date().toISOString(),
        command: 'inrecord apply',
      }),
    );
    try {
      const refused = await cli('runs');
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('(IR_STORE_IN_USE)');
      expect(refused.stderr).toContain(`PID ${process.pid}`);
      expect(refused.stderr).toContain('inrecord apply');
      expect(refused.stderr).toContain('DATABASE_URL');
    } finally {
      rmSync(lockFile, { force: true });
    }
    // and the store is whole afterwards
    expect((await cli('--json', 'runs')).code).toBe(0);
  }, 120_000);

  it('backs the store up to one file and restores it into an empty data dir, never over a store', async () => {
    const runs = await applyRuns();
    const file = join(dir, 'backup.tar.gz');
    const backedUp = await cli('--json', 'backup', file);
    expect(backedUp.code, backedUp.stdout + backedUp.stderr).toBe(0);
    expect(JSON.parse(backedUp.stdout)).toMatchObject({ file, dataDir: dir });

    const elsewhere = mkdtempSync(join(tmpdir(), 'inrecord-restored-'));
    try {
      const at = (...args: string[]) =>
        new Promise<Done>((done) => {
          execFile(
            process.execPath,
            [
              '--import',
              'tsx',
              resolve('src/cli/main.ts'),
              '--config',
              config,
              '--data-dir',
              elsewhere,
              ...args,
            ],
            { cwd: resolve('.'), env, timeout: 120_000 },
            (err, stdout, stderr) =>
              done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
          );
        });
      expect((await at('restore', file)).code).toBe(0);
      const listed = await at('--json', 'runs', '--kind', 'apply', '--limit', '100');
      expect(listed.code, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout).map((r: { id: string }) => r.id)).toEqual(runs.map((r) => r.id));
      const again = await at('restore', file);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toContain('already holds a store');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 240_000);
});
