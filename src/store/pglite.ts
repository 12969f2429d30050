import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
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

export async function openPglite(dataDir: string, schema: string): Promise<StoreBackend> {
  const memory = dataDir === 'memory://';
  if (!memory) mkdirSync(dataDir, { recursive: true });
  const db = memory ? await PGlite.create({ parsers, loadDataDir: await initialisedCluster() }) : await PGlite.create(dataDir, { parsers });
  await db.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}", public;`);

  const sqlOf = (q: Pick<PGlite, 'query' | 'exec'>): Sql => ({
    async query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
      const res = await q.query<T>(text, params ? [...params] : undefined);
      return res.rows;
    },
    async exec(text: string): Promise<void> {
      await q.exec(text);
    },
  });
  const base = sqlOf(db);

  return {
    backend: 'pglite',
    schema,
    bossSchema: `${schema}_boss`,
    location: memory ? 'memory' : dataDir,
    ...base,
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      return db.transaction(async (tx) => fn(sqlOf(tx)));
    },
    async executeSql(text: string, values?: unknown[]) {
      if (!values || values.length === 0) {
        const results = await db.exec(text);
        return { rows: (results.at(-1)?.rows ?? []) as Row[] };
      }
      const res = await db.query<Row>(text, values);
      return { rows: res.rows };
    },
    async close() {
      await db.close();
    },
  };
}
