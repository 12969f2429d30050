/** Test support: a fresh, isolated store on either backend. Never imported by runtime code. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore } from '../index.js';
import type { Backend, Store } from '../types.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Both backends: every store and jobs suite runs on each. The server backend never skips silently. */
export const BACKENDS: Backend[] = ['pglite', 'postgres'];

export interface TestStore extends Store {
  /** Drops the test schemas (server) and closes. */
  destroy(): Promise<void>;
}

export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A fresh secret key (base64), as INRECORD_SECRET_KEY holds one. */
export function testSecretKey(): string {
  return randomBytes(32).toString('base64');
}

/** `secretKey`: default a fresh key per store (never a key file in the working directory). */
export async function openTestStore(backend: Backend, opts: { schema?: string; migrate?: boolean; secretKey?: string } = {}): Promise<TestStore> {
  const schema = opts.schema ?? uniqueSchema();
  const secretKey = opts.secretKey ?? testSecretKey();
  const store =
    backend === 'pglite'
      ? await openStore({ dataDir: 'memory://', schema, migrate: opts.migrate, secretKey })
      : await openStore({ databaseUrl: TEST_DATABASE_URL, schema, migrate: opts.migrate, poolSize: 5, secretKey });
  return Object.assign(store, {
    async destroy() {
      if (backend === 'postgres') await dropSchemas(schema);
      await store.close().catch(() => {});
    },
  });
}

export async function dropSchemas(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE; DROP SCHEMA IF EXISTS "${schema}_boss" CASCADE;`);
  } finally {
    await client.end();
  }
}
