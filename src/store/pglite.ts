import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import type { Row, Sql, Store } from './types.js';

/** Same value parsing as the server backend: int8 and numeric as JS numbers. */
const parsers = {
  [types.INT8]: (v: string) => Number(v),
  [types.NUMERIC]: (v: string) => Number(v),
};

export async function openPglite(dataDir: string, schema: string): Promise<Store> {
  const memory = dataDir === 'memory://';
  if (!memory) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(memory ? undefined : dataDir, { parsers });
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
