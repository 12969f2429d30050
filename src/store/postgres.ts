import pg from 'pg';
import { InrecordError } from '../errors/index.js';
import type { Row, Sql, StoreBackend } from './types.js';

// Same value parsing as the embedded backend: int8 and numeric as JS numbers.
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => (v === null ? null : Number(v));
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://***';
  }
}

export async function openPostgres(databaseUrl: string, schema: string, poolSize = 10): Promise<StoreBackend> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    types: typeParsers as unknown as pg.CustomTypesConfig,
    options: `-c search_path="${schema}",public`,
  });
  pool.on('error', () => {
    /* idle client errors surface on the next query */
  });
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (err) {
    await pool.end().catch(() => {});
    // Two processes creating the same schema at once race inside Postgres; the loser sees a
    // unique violation on the catalogue and the schema exists afterwards.
    if ((err as { code?: string }).code !== '23505') {
      throw new InrecordError('IR_STORE_UNAVAILABLE', `cannot reach the Postgres server at ${redactUrl(databaseUrl)}: ${(err as Error).message}`, { cause: err });
    }
    return openPostgres(databaseUrl, schema, poolSize);
  }

  const sqlOf = (q: pg.Pool | pg.PoolClient): Sql => ({
    async query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
      const res = await q.query(text, params ? [...params] : undefined);
      return res.rows as T[];
    },
    async exec(text: string): Promise<void> {
      await q.query(text);
    },
  });

  return {
    backend: 'postgres',
    schema,
    bossSchema: `${schema}_boss`,
    location: redactUrl(databaseUrl),
    ...sqlOf(pool),
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(sqlOf(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async executeSql(text: string, values?: unknown[]) {
      const res = await pool.query(text, values && values.length > 0 ? values : undefined);
      // a multi-statement text returns an array of results; pg-boss wants the last one's rows
      const last = Array.isArray(res) ? res.at(-1) : res;
      return { rows: (last?.rows ?? []) as Row[] };
    },
    async close() {
      await pool.end();
    },
  };
}
