import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InrecordError } from '../errors/index.js';
import { acquireStoreLock, isStale } from './lock.js';

/** The PID of a process that has exited (a real one, not a guess). */
function deadPid(): number {
  const done = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(done.stdout);
}

describe('the embedded store lock', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'inrecord-lock-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes the owner into the lock and removes it on release', () => {
    const d = dir();
    const path = join(d, 'store.lock');
    const lock = acquireStoreLock(path, d);
    const written = JSON.parse(readFileSync(path, 'utf8'));
    expect(written).toMatchObject({ pid: process.pid, host: hostname() });
    expect(Date.parse(written.startedAt)).not.toBeNaN();
    expect(written.command).toMatch(/^inrecord/);
    lock.publish('postgresql://inrecord@localhost:5432/postgres?host=%2Fx');
    expect(JSON.parse(readFileSync(path, 'utf8')).endpoint).toContain('host=%2Fx');
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a second owner with IR_STORE_IN_USE naming the holder', () => {
    const d = dir();
    const path = join(d, 'store.lock');
    const lock = acquireStoreLock(path, d);
    try {
      let caught: unknown;
      try {
        acquireStoreLock(path, d);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(InrecordError);
      expect((caught as InrecordError).code).toBe('IR_STORE_IN_USE');
      expect((caught as InrecordError).message).toContain(`PID ${process.pid}`);
      expect((caught as InrecordError).context).toMatchObject({ pid: process.pid, dataDir: d });
      expect((caught as InrecordError).fix).toMatch(/DATABASE_URL/);
    } finally {
      lock.release();
    }
  });

  it('takes over a lock whose process is gone, and reports whose it was', () => {
    const d = dir();
    const path = join(d, 'store.lock');
    const gone = {
      pid: deadPid(),
      host: hostname(),
      startedAt: '2020-01-01T00:00:00.000Z',
      command: 'inrecord run',
    };
    writeFileSync(path, JSON.stringify(gone));
    const lock = acquireStoreLock(path, d);
    expect(lock.tookOver).toEqual(gone);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('treats a lock from another host as held: its PID cannot be checked from here', () => {
    const other = { pid: deadPid(), host: `${hostname()}-elsewhere`, startedAt: '', command: 'inrecord run' };
    expect(isStale(other)).toBe(false);
    expect(isStale({ ...other, host: hostname() })).toBe(true);
    expect(isStale({ ...other, host: hostname(), pid: process.pid })).toBe(false);
  });
});
