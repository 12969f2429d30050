import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { InrecordError } from '../errors/index.js';

/**
 * The embedded store has one owner at a time. PGlite is Postgres in one process with no shared
 * memory between processes: two processes opening one data dir each replay and checkpoint the WAL
 * on their own, and the second one's writes and checkpoints destroy the first one's (an apply run
 * vanishes, or the cluster is left without a valid checkpoint record). The lock file beside the
 * data dir names the owner; a second process is refused with the owner's PID and command.
 */
export interface StoreLockHolder {
  pid: number;
  host: string;
  /** ISO time the owner opened the store. */
  startedAt: string;
  /** The owner's command line (`inrecord run`, `inrecord apply` …). */
  command: string;
  /** Where the owner serves the store to commands run beside it (a Postgres connection string). */
  endpoint?: string;
}

export interface StoreLock {
  readonly path: string;
  readonly holder: StoreLockHolder;
  /** Whether an earlier owner's lock was found stale and taken over. */
  readonly tookOver?: StoreLockHolder;
  /** Records where the store is served, for the commands run beside the owner. */
  publish(endpoint: string): void;
  release(): void;
}

/** A takeover guard older than this was left by a process that died while taking over. */
const GUARD_STALE_MS = 10_000;

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function commandLine(): string {
  const args = process.argv.slice(2).join(' ');
  return args ? `inrecord ${args}` : 'inrecord';
}

function readHolder(path: string): StoreLockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<StoreLockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return {
      pid: parsed.pid,
      host: parsed.host,
      startedAt: String(parsed.startedAt ?? ''),
      command: String(parsed.command ?? ''),
      ...(typeof parsed.endpoint === 'string' ? { endpoint: parsed.endpoint } : {}),
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // a file that is not a lock we wrote (the lock is written whole, then linked into place)
    return { pid: 0, host: '', startedAt: '', command: 'an unreadable lock file' };
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock whose owner is gone: same host, and no process with that PID (or the file is unreadable and old). */
export function isStale(holder: StoreLockHolder, host = hostname()): boolean {
  if (holder.pid === 0) return true;
  return holder.host === host && holder.pid !== process.pid && !processAlive(holder.pid);
}

/** Creates the lock file with its whole content, or fails with EEXIST: written aside, then hard-linked into place (atomic, like O_EXCL). */
function createExclusive(path: string, holder: StoreLockHolder): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, `${JSON.stringify(holder)}\n`, { flag: 'wx' });
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/** Only one process may replace a stale lock: the guard file is taken with `wx`, and dropped after. */
function withTakeoverGuard<T>(path: string, fn: () => T): T | undefined {
  const guard = `${path}.takeover`;
  try {
    writeFileSync(guard, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    try {
      if (Date.now() - statSync(guard).mtimeMs > GUARD_STALE_MS) unlinkSync(guard);
    } catch {
      /* another process removed it */
    }
    return undefined;
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(guard);
    } catch {
      /* already gone */
    }
  }
}

export function storeInUseError(dataDir: string, holder: StoreLockHolder): InrecordError {
  const endpoint = holder.endpoint ? { endpoint: holder.endpoint } : {};
  const who = holder.pid === 0 ? holder.command : `PID ${holder.pid} on ${holder.host} (${holder.command || 'inrecord'}, since ${holder.startedAt})`;
  return new InrecordError('IR_STORE_IN_USE', `the embedded store at ${dataDir} is in use by ${who}`, {
    context: { dataDir, pid: holder.pid, host: holder.host, command: holder.command, startedAt: holder.startedAt, ...endpoint },
  });
}

/**
 * Takes the store's lock, or throws IR_STORE_IN_USE naming the owner. A stale lock (its PID is no
 * longer alive on this host) is taken over and reported in `tookOver`.
 */
export function acquireStoreLock(path: string, dataDir: string): StoreLock {
  const holder: StoreLockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: commandLine() };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(path, holder)) return lockOf(path, holder);
    const current = readHolder(path);
    if (!current) continue; // released meanwhile
    if (!isStale(current)) throw storeInUseError(dataDir, current);
    const replaced = withTakeoverGuard(path, () => {
      const again = readHolder(path);
      if (again && !isStale(again)) return false;
      if (again) unlinkSync(path);
      return createExclusive(path, holder);
    });
    if (replaced) return lockOf(path, holder, current);
    pause(50); // another process is taking the stale lock over
  }
  const current = readHolder(path);
  throw storeInUseError(dataDir, current ?? { pid: 0, host: '', startedAt: '', command: 'another process taking it over' });
}

function lockOf(path: string, first: StoreLockHolder, tookOver?: StoreLockHolder): StoreLock {
  let holder = first;
  let released = false;
  const publish = (endpoint: string) => {
    holder = { ...holder, endpoint };
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, `${JSON.stringify(holder)}\n`, { flag: 'wx' });
    renameSync(tmp, path); // the owner replaces its own lock whole
  };
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    const current = readHolder(path);
    if (current && current.pid === holder.pid && current.startedAt === holder.startedAt) {
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    }
  };
  // a process that exits without closing the store (process.exit after a failure) leaves no lock
  process.on('exit', release);
  return {
    path,
    get holder() {
      return holder;
    },
    ...(tookOver ? { tookOver } : {}),
    publish,
    release,
  };
}
