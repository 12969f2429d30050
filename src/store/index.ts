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
import type { Store, StoreOptions } from './types.js';

export type { Backend, Row, Sql, Store, StoreOptions } from './types.js';
export { loadMigrations, migrate } from './migrate.js';
export { redactUrl } from './postgres.js';

export const DEFAULT_DATA_DIR = '.inrecord';

/** Where the embedded store lives: --data-dir, then INRECORD_DATA_DIR, then ./.inrecord. */
export function resolveDataDir(dataDir?: string): string {
  return resolve(dataDir ?? process.env.INRECORD_DATA_DIR ?? DEFAULT_DATA_DIR);
}

export async function openStore(opts: StoreOptions = {}): Promise<Store> {
  const schema = opts.schema ?? 'inrecord';
  const databaseUrl = opts.databaseUrl ?? process.env.DATABASE_URL;
  const store = databaseUrl
    ? await openPostgres(databaseUrl, schema, opts.poolSize)
    : await openPglite(
        opts.dataDir === 'memory://' ? 'memory://' : join(resolveDataDir(opts.dataDir), 'db'),
        schema,
      );
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

/** Runs `fn` at most once per key, across processes: the effect's result is stored with its key. */
export async function once<T>(store: Store, key: string, fn: () => Promise<T>): Promise<{ result: T; fresh: boolean }> {
  const prior = await store.query<{ result: T }>('SELECT result FROM effects WHERE key = $1', [key]);
  if (prior.length > 0) return { result: prior[0].result, fresh: false };
  const result = await fn();
  const inserted = await store.query<{ key: string }>(
    'INSERT INTO effects (key, result) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO NOTHING RETURNING key',
    [key, JSON.stringify(result ?? null)],
  );
  return { result, fresh: inserted.length > 0 };
}
