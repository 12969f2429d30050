import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import { InrecordError } from '../errors/index.js';
import { type StoreLock, type StoreLockHolder, acquireStoreLock } from './lock.js';
import { SessionGate, type StoreSocket, serveSession } from './session.js';
import type { Row, Sql, StoreBackend } from './types.js';

/** Same value parsing as the server backend: int8 and numeric as JS numbers. */
const parsers = {
  [types.INT8]: (v: string) => Number(v),
  [types.NUMERIC]: (v: string) => Number(v),
};

/**
 * A freshly initialised cluster, made once per process: every in-memory store starts from a copy
 * of it instead of running initdb again (initdb is most of the cost of opening one — about 28 s
 * against 4 s on a loaded two-core machine).
 */
let freshCluster: Promise<Blob> | undefined;
function initialisedCluster(): Promise<Blob> {
  freshCluster ??= (async () => {
    const db = await PGlite.create();
    try {
      return await db.dumpDataDir('none');
    } finally {
      await db.close();
    }
  })();
  freshCluster.catch(() => {
    freshCluster = undefined;
  });
  return freshCluster;
}

/**
 * PGlite reports a cluster it cannot start (no valid checkpoint record, a torn control file) as a
 * WebAssembly abort after printing Postgres's PANIC to stderr.
 */
export function isDamagedClusterError(err: unknown): boolean {
  if (err instanceof WebAssembly.RuntimeError) return true;
  const message = err instanceof Error ? err.message : String(err);
  return /^Aborted\(|PANIC/.test(message);
}

export interface PgliteLocking {
  /** The lock file taken before the data dir is opened (one owner per data dir). */
  lockPath: string;
  /** The directory named to the user (the one holding the lock and the cluster). */
  root: string;
  /** Called when a stale lock left by a process that is gone is taken over. */
  onTakeover?: (previous: StoreLockHolder) => void;
  /** Serve the store on a Unix socket in `root`, for commands run beside this process. */
  serve?: boolean;
}

async function openCluster(dataDir: string, lock: StoreLock | undefined, root: string): Promise<PGlite> {
  try {
    return await PGlite.create(dataDir, { parsers });
  } catch (err) {
    lock?.release();
    if (!isDamagedClusterError(err)) throw err;
    throw new InrecordError('IR_STORE_DAMAGED', `the embedded store at ${dataDir} cannot be opened: Postgres found no consistent state to start from (${(err as Error).message.split('.')[0]})`, {
      cause: err,
      context: { dataDir: root },
    });
  }
}

export async function openPglite(dataDir: string, schema: string, locking?: PgliteLocking): Promise<StoreBackend> {
  const memory = dataDir === 'memory://';
  if (!memory) mkdirSync(dataDir, { recursive: true });
  const lock = memory || !locking ? undefined : acquireStoreLock(locking.lockPath, locking.root);
  if (lock?.tookOver) locking?.onTakeover?.(lock.tookOver);
  const db = memory ? await PGlite.create({ parsers, loadDataDir: await initialisedCluster() }) : await openCluster(dataDir, lock, locking?.root ?? dataDir);
  const gate = new SessionGate();
  let socket: StoreSocket | undefined;
  try {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}", public;`);
    if (lock && locking?.serve) {
      // Serving is a convenience: where the socket cannot be made (a data dir path longer than a
      // Unix socket path may be), the owner works alone and a command beside it is told who owns it.
      socket = await serveSession(db, gate, locking.root).catch(() => undefined);
      if (socket) lock.publish(socket.url);
    }
  } catch (err) {
    await db.close().catch(() => {});
    lock?.release();
    throw err;
  }

  const sqlOf = (q: Pick<PGlite, 'query' | 'exec'>): Sql => ({
    async query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
      const res = await q.query<T>(text, params ? [...params] : undefined);
      return res.rows;
    },
    async exec(text: string): Promise<void> {
      await q.exec(text);
    },
  });
  const tx = sqlOf(db);

  return {
    backend: 'pglite',
    schema,
    bossSchema: `${schema}_boss`,
    location: memory ? 'memory' : dataDir,
    query: (text, params) => gate.run(() => tx.query(text, params)),
    exec: (text) => gate.run(() => tx.exec(text)),
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      return gate.run(() => db.transaction(async (t) => fn(sqlOf(t))));
    },
    executeSql: (text: string, values?: unknown[]) =>
      gate.run(async () => {
        if (!values || values.length === 0) {
          const results = await db.exec(text);
          return { rows: (results.at(-1)?.rows ?? []) as Row[] };
        }
        const res = await db.query<Row>(text, values);
        return { rows: res.rows };
      }),
    async close() {
      try {
        await socket?.close();
        await gate.run(() => db.close());
      } finally {
        lock?.release();
      }
    },
  };
}

/**
 * Copies the embedded store into one gzipped tar file (PGlite's own dump of its data dir). The
 * store's lock is held meanwhile, so nothing writes while it is copied.
 */
export async function backupPglite(dataDir: string, locking: PgliteLocking, file: string): Promise<{ bytes: number }> {
  const lock = acquireStoreLock(locking.lockPath, locking.root);
  const db = await openCluster(dataDir, lock, locking.root);
  try {
    const dump = await db.dumpDataDir('gzip');
    const bytes = Buffer.from(await dump.arrayBuffer());
    writeFileSync(file, bytes);
    return { bytes: bytes.length };
  } finally {
    await db.close().catch(() => {});
    lock.release();
  }
}

/** Makes a new embedded store from a backup file; an existing store is never overwritten. */
export async function restorePglite(dataDir: string, locking: PgliteLocking, file: string): Promise<void> {
  const lock = acquireStoreLock(locking.lockPath, locking.root);
  try {
    mkdirSync(dataDir, { recursive: true });
    if (readdirSync(dataDir).length > 0) {
      throw new InrecordError('IR_USAGE', `${locking.root} already holds a store; a restore makes a new one`, {
        fix: `Move ${locking.root} aside (keep it until the restored store is checked), then run the restore again.`,
        context: { dataDir: locking.root },
      });
    }
    const db = await PGlite.create(dataDir, { parsers, loadDataDir: new Blob([readFileSync(file)]) });
    await db.close();
  } finally {
    lock.release();
  }
}
