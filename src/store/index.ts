/**
 * store — inrecord's Postgres: the schema, its migrations, and the two backends behind one small
 * interface (embedded PGlite by default, a Postgres server when DATABASE_URL is set). One SQL
 * dialect, one code path. Modules keep their own SQL in their own folder; they add tables through
 * new numbered files in `migrations/`, never by editing an applied one.
 */
import { join, resolve } from 'node:path';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { secretBox, secretKeyFile } from './secrets.js';
import type { Sql, Store, StoreOptions } from './types.js';

export type { Backend, Row, Sql, Store, StoreOptions } from './types.js';
export { loadMigrations, migrate } from './migrate.js';
export { redactUrl } from './postgres.js';
export { SECRET_KEY_ENV, type SecretBox, isSealed, secretKeyFile } from './secrets.js';
export { type MetricRow, metricHistory, recordMetrics } from './metrics.js';

export const DEFAULT_DATA_DIR = '.inrecord';

/** Where the embedded store lives: --data-dir, then INRECORD_DATA_DIR, then ./.inrecord. */
export function resolveDataDir(dataDir?: string): string {
  return resolve(dataDir ?? process.env.INRECORD_DATA_DIR ?? DEFAULT_DATA_DIR);
}

export async function openStore(opts: StoreOptions = {}): Promise<Store> {
  const schema = opts.schema ?? 'inrecord';
  const databaseUrl = opts.databaseUrl ?? process.env.DATABASE_URL;
  const backend = databaseUrl
    ? await openPostgres(databaseUrl, schema, opts.poolSize)
    : await openPglite(
        opts.dataDir === 'memory://' ? 'memory://' : join(resolveDataDir(opts.dataDir), 'db'),
        schema,
      );
  const keyFile = secretKeyFile({ server: Boolean(databaseUrl), dataDir: opts.dataDir === 'memory://' ? null : resolveDataDir(opts.dataDir), configDir: opts.configDir });
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
