/**
 * store — inrecord's Postgres: the schema, its migrations, and the two backends behind one small
 * interface (embedded PGlite by default, a Postgres server when DATABASE_URL is set). One SQL
 * dialect, one code path. Modules keep their own SQL in their own folder; they add tables through
 * new numbered files in `migrations/`, never by editing an applied one.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InrecordError } from '../errors/index.js';
import { migrate } from './migrate.js';
import { backupPglite, openPglite, restorePglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { secretBox, secretKeyFile } from './secrets.js';
import type { Sql, Store, StoreBackend, StoreOptions } from './types.js';

export type { Backend, Row, Sql, Store, StoreOptions } from './types.js';
export { loadMigrations, migrate } from './migrate.js';
export { redactUrl } from './postgres.js';
export type { StoreLockHolder } from './lock.js';
export { SECRET_KEY_ENV, type SecretBox, isSealed, secretKeyFile } from './secrets.js';
export { type MetricRow, metricHistory, recordMetrics } from './metrics.js';

export const DEFAULT_DATA_DIR = '.inrecord';
/** The owner runs one statement at a time; a few connections are enough for a command beside it. */
const BESIDE_POOL_SIZE = 4;
/** The embedded store's lock file, in the data dir: the one process that has it open. */
export const STORE_LOCK_FILE = 'store.lock';

/** Where the embedded store lives: --data-dir, then INRECORD_DATA_DIR, then ./.inrecord. */
export function resolveDataDir(dataDir?: string): string {
  return resolve(dataDir ?? process.env.INRECORD_DATA_DIR ?? DEFAULT_DATA_DIR);
}

export async function openStore(opts: StoreOptions = {}): Promise<Store> {
  const schema = opts.schema ?? 'inrecord';
  const databaseUrl = opts.databaseUrl ?? process.env.DATABASE_URL;
  const root = opts.dataDir === 'memory://' ? undefined : resolveDataDir(opts.dataDir);
  const backend = databaseUrl
    ? await openPostgres(databaseUrl, schema, opts.poolSize)
    : root
      ? await openEmbedded(root, schema, opts)
      : await openPglite('memory://', schema);
  const keyFile = secretKeyFile({ server: Boolean(databaseUrl), dataDir: root ?? null, configDir: opts.configDir });
  const store: Store = Object.assign(backend, {
    secrets: secretBox({ ...(opts.secretKey !== undefined ? { key: opts.secretKey } : {}), ...(keyFile ? { keyFile } : {}) }),
  });
  if (opts.migrate !== false) {
    try {
      await migrate(store);
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
  }
  return store;
}

function embeddedOnly(opts: StoreOptions, what: string): string {
  if (opts.databaseUrl ?? process.env.DATABASE_URL) {
    throw new InrecordError('IR_USAGE', `${what} is for the embedded store; this one is a Postgres server`, {
      fix: 'Back up a Postgres server with its own tools (pg_dump, pg_restore).',
    });
  }
  return resolveDataDir(opts.dataDir);
}

const lockingOf = (root: string) => ({ lockPath: join(root, STORE_LOCK_FILE), root });

/** Writes the embedded store to one file (gzipped tar). Needs the store to itself: stop the daemon first. */
export async function backupStore(file: string, opts: StoreOptions = {}): Promise<{ file: string; dataDir: string; bytes: number }> {
  const root = embeddedOnly(opts, 'a backup');
  const { bytes } = await backupPglite(join(root, 'db'), lockingOf(root), resolve(file));
  return { file: resolve(file), dataDir: root, bytes };
}

/** Makes the embedded store from a backup file, into a data dir that holds no store yet. */
export async function restoreStore(file: string, opts: StoreOptions = {}): Promise<{ file: string; dataDir: string }> {
  const root = embeddedOnly(opts, 'a restore');
  mkdirSync(root, { recursive: true });
  await restorePglite(join(root, 'db'), lockingOf(root), resolve(file));
  return { file: resolve(file), dataDir: root };
}

/**
 * The embedded store in `root`, or — when another process owns it and serves it (`inrecord run`)
 * — the same store reached through that process's socket, with the server backend's code path.
 */
async function openEmbedded(root: string, schema: string, opts: StoreOptions): Promise<StoreBackend> {
  try {
    return await openPglite(join(root, 'db'), schema, {
      ...lockingOf(root),
      ...(opts.onLockTakeover ? { onTakeover: opts.onLockTakeover } : {}),
      ...(opts.serve ? { serve: true } : {}),
    });
  } catch (err) {
    if (!(err instanceof InrecordError) || err.code !== 'IR_STORE_IN_USE' || opts.serve) throw err;
    const endpoint = err.context.endpoint;
    if (typeof endpoint !== 'string') throw err;
    let beside: StoreBackend;
    try {
      beside = await openPostgres(endpoint, schema, opts.poolSize ?? BESIDE_POOL_SIZE);
    } catch {
      throw err; // the owner stopped serving (it is stopping): say who has the store
    }
    // The owner's one session keeps the owner's search_path: a command configured for another
    // schema would read and write the owner's tables.
    const [{ search_path: path }] = await beside.query<{ search_path: string }>('SHOW search_path');
    if (path.split(',')[0].trim().replace(/"/g, '') !== schema) {
      await beside.close().catch(() => {});
      throw new InrecordError('IR_STORE_IN_USE', `${err.message}, with schema ${path.split(',')[0].trim()}; this command is configured for schema ${schema}`, {
        context: err.context,
      });
    }
    return beside;
  }
}

/**
 * Runs `fn` at most once per key, across processes: the key is claimed, the effect done and its
 * result stored in one transaction, so two concurrent runs cannot both do it (the second waits on
 * the key, then finds the result). Do the effect's own DB writes through `tx` (on the embedded store
 * a query on the store itself would wait for this transaction). An effect outside the database is
 * done once unless the process dies between that effect and the commit.
 */
export async function once<T>(store: Store, key: string, fn: (tx: Sql) => Promise<T>): Promise<{ result: T; fresh: boolean }> {
  return store.transaction(async (tx) => {
    const claimed = await tx.query('INSERT INTO effects (key) VALUES ($1) ON CONFLICT (key) DO NOTHING RETURNING key', [key]);
    if (claimed.length === 0) {
      const [prior] = await tx.query<{ result: T }>('SELECT result FROM effects WHERE key = $1', [key]);
      return { result: prior.result, fresh: false };
    }
    const result = await fn(tx);
    await tx.query('UPDATE effects SET result = $2::jsonb WHERE key = $1', [key, JSON.stringify(result ?? null)]);
    return { result, fresh: true };
  });
}
