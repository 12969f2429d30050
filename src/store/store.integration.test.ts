import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { STORE_LOCK_FILE, loadMigrations, migrate, once, openStore } from './index.js';
import { BACKENDS, TEST_DATABASE_URL, dropSchemas, openTestStore, type TestStore, uniqueSchema } from './testing/index.js';

describe.each(BACKENDS)('store on %s', (backend) => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.destroy();
    store = undefined;
  });

  it('applies every migration, and re-running them is a no-op', async () => {
    store = await openTestStore(backend);
    const names = (await store.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).map((r) => r.name);
    expect(names).toEqual(loadMigrations().map((m) => m.name));
    const again = await migrate(store);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(names.length);
  });

  it('round-trips jsonb, timestamps and bigints the same way on both backends', async () => {
    store = await openTestStore(backend);
    await store.query("INSERT INTO runs (id, kind, summary) VALUES ('r1', 'apply', $1::jsonb)", [
      JSON.stringify({ written: 3, fields: ['a'] }),
    ]);
    const [run] = await store.query<{ summary: unknown; started_at: Date }>('SELECT summary, started_at FROM runs');
    expect(run.summary).toEqual({ written: 3, fields: ['a'] });
    expect(run.started_at).toBeInstanceOf(Date);
    const [{ n }] = await store.query<{ n: number }>('SELECT count(*) AS n FROM runs');
    expect(n).toBe(1);
  });

  it('rolls back a failed transaction', async () => {
    store = await openTestStore(backend);
    await expect(
      store.transaction(async (tx) => {
        await tx.query("INSERT INTO cursors (name, value) VALUES ('c', '1')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.query('SELECT * FROM cursors')).toEqual([]);
  });

  it('runs an effect once per key', async () => {
    store = await openTestStore(backend);
    let calls = 0;
    const a = await once(store, 'k1', async () => ++calls);
    const b = await once(store, 'k1', async () => ++calls);
    expect(a).toEqual({ result: 1, fresh: true });
    expect(b).toEqual({ result: 1, fresh: false });
    expect(calls).toBe(1);
  });
});

describe('store on the Postgres server', () => {
  it('fails loudly when the server cannot be reached', async () => {
    const { openStore } = await import('./index.js');
    await expect(openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', schema: 'x' })).rejects.toMatchObject({
      code: 'IR_STORE_UNAVAILABLE',
    });
  });

  it('ends with one correct schema when two processes migrate at once', async () => {
    const schema = uniqueSchema('race');
    const script = `
      import { openStore } from './src/store/index.ts';
      const s = await openStore({ databaseUrl: process.env.URL, schema: process.env.SCHEMA });
      const rows = await s.query('SELECT count(*)::int AS n FROM schema_migrations');
      console.log(JSON.stringify(rows[0]));
      await s.close();`;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          env: { ...process.env, URL: TEST_DATABASE_URL, SCHEMA: schema },
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(err))));
      });
    try {
      const [a, b] = await Promise.all([run(), run()]);
      const expected = loadMigrations().length;
      expect(JSON.parse(a).n).toBe(expected);
      expect(JSON.parse(b).n).toBe(expected);
    } finally {
      await dropSchemas(schema);
    }
  });
});

describe('the embedded store on disk', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'inrecord-store-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('serves its owner’s one session to a second opener, whose transactions never carry the owner’s writes', async () => {
    const dir = dataDir();
    const owner = await openStore({ dataDir: dir, databaseUrl: '', serve: true });
    try {
      await owner.exec('CREATE TABLE probe (n int, who text)');
      const beside = await openStore({ dataDir: dir, databaseUrl: '' });
      expect(beside.backend).toBe('postgres');
      try {
        // the owner writes all along while the second opener's transactions commit or roll back
        let n = 0;
        let writing = true;
        const ownerWrites = (async () => {
          while (writing) {
            await owner.transaction((tx) => tx.query("INSERT INTO probe VALUES ($1, 'owner')", [n++]));
            await new Promise((r) => setImmediate(r)); // a daemon's work leaves room for socket I/O
          }
        })();
        for (let k = 0; k < 12; k++) {
          await beside
            .transaction(async (tx) => {
              await tx.query("INSERT INTO probe VALUES ($1, 'beside')", [k]);
              await new Promise((r) => setImmediate(r));
              if (k % 3 === 2) throw new Error('roll back');
            })
            .catch(() => {});
        }
        writing = false;
        await ownerWrites;
        const rows = await owner.query<{ who: string; n: number; top: number }>('SELECT who, count(*) AS n, max(n) AS top FROM probe GROUP BY who ORDER BY who');
        expect(rows).toEqual([
          { who: 'beside', n: 8, top: 10 },
          { who: 'owner', n, top: n - 1 },
        ]);
      } finally {
        await beside.close();
      }
    } finally {
      await owner.close();
    }
    expect(existsSync(join(dir, STORE_LOCK_FILE))).toBe(false);
  }, 120_000);

  it('answers a large result through the socket intact (megabytes the socket cannot send at once)', async () => {
    const dir = dataDir();
    const owner = await openStore({ dataDir: dir, databaseUrl: '', serve: true });
    try {
      const beside = await openStore({ dataDir: dir, databaseUrl: '' });
      try {
        const rows = await beside.query<{ n: number; v: string }>("SELECT n, repeat(md5(n::text), 30) AS v FROM generate_series(1, 4000) AS n ORDER BY n");
        expect(rows.length).toBe(4000);
        const expected = await owner.query<{ n: number; v: string }>("SELECT n, repeat(md5(n::text), 30) AS v FROM generate_series(1, 4000) AS n ORDER BY n");
        expect(rows).toEqual(expected);
      } finally {
        await beside.close();
      }
    } finally {
      await owner.close();
    }
  }, 120_000);

  it('reports a cluster that cannot start as IR_STORE_DAMAGED, and leaves no lock behind', async () => {
    const dir = dataDir();
    const store = await openStore({ dataDir: dir, databaseUrl: '', migrate: false });
    await store.exec('CREATE TABLE t (x int)');
    await store.close();
    // a WAL with no checkpoint record in it: what two writers on one data dir leave behind
    const wal = join(dir, 'db', 'pg_wal');
    for (const f of readdirSync(wal).filter((f) => /^[0-9A-F]{24}$/.test(f))) writeFileSync(join(wal, f), Buffer.alloc(statSync(join(wal, f)).size));
    await expect(openStore({ dataDir: dir, databaseUrl: '', migrate: false })).rejects.toMatchObject({ code: 'IR_STORE_DAMAGED', context: { dataDir: dir } });
    expect(existsSync(join(dir, STORE_LOCK_FILE))).toBe(false);
  }, 120_000);
});
