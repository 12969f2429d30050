import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, type Store, openStore } from '../../store/index.js';
import { BACKENDS, TEST_DATABASE_URL, openTestStore, testSecretKey, type TestStore, uniqueSchema, dropSchemas } from '../../store/testing/index.js';
import { GrantRevoked, isConnectionPaused, oauthToken } from './index.js';

/** No 8-character piece of any token appears in the raw rows. */
function expectNoTokenText(raw: string, tokens: string[]): void {
  for (const t of tokens) for (let i = 0; i + 8 <= t.length; i++) expect(raw, `a piece of ${t}`).not.toContain(t.slice(i, i + 8));
}

describe.each(BACKENDS)('OAuth token source on %s', (backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(backend);
  });
  afterAll(async () => store.destroy());

  it('refreshes once for many concurrent callers across workers sharing the store', async () => {
    let exchanges = 0;
    const exchange = async () => {
      exchanges++;
      await new Promise((r) => setTimeout(r, 30));
      return { accessToken: `at-${exchanges}`, expiresIn: 3600 };
    };
    // three "workers": separate token sources over the same connection row
    const workers = [1, 2, 3].map(() => oauthToken({ connection: 'crm:a', refreshToken: 'rt', exchange, store }));
    const tokens = await Promise.all(workers.flatMap((w) => [w.token(), w.token(), w.token()]));
    expect(exchanges).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['at-1']));
  });

  it('refreshes on a 401 only when nobody else already has', async () => {
    let exchanges = 0;
    const exchange = async () => ({ accessToken: `bt-${++exchanges}`, expiresIn: 3600 });
    const a = oauthToken({ connection: 'crm:b', refreshToken: 'rt', exchange, store });
    const b = oauthToken({ connection: 'crm:b', refreshToken: 'rt', exchange, store });
    const first = await a.token();
    expect(await b.token()).toBe(first);
    const [x, y] = await Promise.all([a.refresh(first), b.refresh(first)]);
    expect(exchanges).toBe(2);
    expect(x).toBe('bt-2');
    expect(y).toBe('bt-2');
  });

  it('reports a revoked grant as non-retryable and pauses the connection', async () => {
    const src = oauthToken({
      connection: 'crm:c',
      refreshToken: 'rt',
      exchange: async () => {
        throw new GrantRevoked('invalid_grant: token revoked');
      },
      store,
    });
    const err = await src.token().catch((e) => e);
    expect(err.code).toBe('IR_CRM_GRANT_REVOKED');
    expect(err.retryable).toBe(false);
    expect(await isConnectionPaused(store, 'crm:c')).toBe(true);
  });
});

describe.each(BACKENDS)('OAuth tokens at rest on %s', (backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(backend);
  });
  afterAll(async () => store.destroy());
  const raw = async (connection: string) => JSON.stringify(await store.query('SELECT * FROM oauth_tokens WHERE connection = $1', [connection]));

  it('stores access and refresh tokens sealed: the raw table holds none of their text', async () => {
    const src = oauthToken({
      connection: 'crm:sealed',
      refreshToken: 'rt-config-5d1e8b7c',
      exchange: async () => ({ accessToken: 'at-issued-93c0a4f2e1', refreshToken: 'rt-rotated-6b2f0d9a', expiresIn: 3600 }),
      store,
    });
    expect(await src.token()).toBe('at-issued-93c0a4f2e1');
    const row = await raw('crm:sealed');
    expectNoTokenText(row, ['rt-config-5d1e8b7c', 'at-issued-93c0a4f2e1', 'rt-rotated-6b2f0d9a']);
    // sealed values differ even for equal plaintexts (an IV each)
    expect(store.secrets.seal('same')).not.toBe(store.secrets.seal('same'));
    // and the stored grant is what a second worker reads
    const other = oauthToken({ connection: 'crm:sealed', refreshToken: 'rt-config-5d1e8b7c', exchange: async () => ({ accessToken: 'never', expiresIn: 1 }), store });
    expect(await other.token()).toBe('at-issued-93c0a4f2e1');
  });

  it('seals rows stored in plaintext when first touched, without a refresh', async () => {
    await store.query(
      `INSERT INTO oauth_tokens (connection, access_token, refresh_token, expires_at, status) VALUES ('crm:legacy', 'at-legacy-2c9e7a1b', 'rt-legacy-8f4d3e6a', now() + interval '1 hour', 'active')`,
    );
    let exchanges = 0;
    const src = oauthToken({
      connection: 'crm:legacy',
      refreshToken: 'rt-legacy-8f4d3e6a',
      exchange: async () => {
        exchanges++;
        return { accessToken: 'at-new', expiresIn: 3600 };
      },
      store,
    });
    expect(await src.token()).toBe('at-legacy-2c9e7a1b');
    expect(exchanges).toBe(0);
    expectNoTokenText(await raw('crm:legacy'), ['at-legacy-2c9e7a1b', 'rt-legacy-8f4d3e6a']);
  });

  it('takes a different refresh token in the config as a re-authorisation of a revoked grant', async () => {
    const revoked = async () => {
      throw new GrantRevoked('invalid_grant: token revoked');
    };
    const first = oauthToken({ connection: 'crm:reauth', refreshToken: 'rt-old', exchange: revoked, store });
    expect((await first.token().catch((e) => e)).code).toBe('IR_CRM_GRANT_REVOKED');
    // the same token in the config: still revoked, the token endpoint is not asked again
    let asked = 0;
    const again = oauthToken({ connection: 'crm:reauth', refreshToken: 'rt-old', exchange: async () => ({ accessToken: `at-${++asked}`, expiresIn: 3600 }), store });
    expect((await again.token().catch((e) => e)).message).toContain('(earlier)');
    expect(asked).toBe(0);
    // a new token in the config: the grant is replaced and the connection resumes
    const used: string[] = [];
    const renewed = oauthToken({
      connection: 'crm:reauth',
      refreshToken: 'rt-new',
      exchange: async (rt) => {
        used.push(rt);
        return { accessToken: 'at-renewed', expiresIn: 3600 };
      },
      store,
    });
    expect(await renewed.token()).toBe('at-renewed');
    expect(used).toEqual(['rt-new']);
    expect(await isConnectionPaused(store, 'crm:reauth')).toBe(false);
  });
});

describe.each(BACKENDS)('a wrong secret key on %s', (backend: Backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-key-'));
  const schema = uniqueSchema('key');
  const open = (secretKey: string): Promise<Store> =>
    backend === 'pglite' ? openStore({ dataDir: dir, schema, secretKey }) : openStore({ databaseUrl: TEST_DATABASE_URL, schema, secretKey, poolSize: 2 });
  afterAll(async () => {
    if (backend === 'postgres') await dropSchemas(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a typed error naming the key the tokens were sealed with; a new grant under the current key recovers', async () => {
    const right = testSecretKey();
    const wrong = testSecretKey();
    const exchange = async () => ({ accessToken: 'at-right', expiresIn: 3600 });
    let s = await open(right);
    await oauthToken({ connection: 'crm:key', refreshToken: 'rt', exchange, store: s }).token();
    const sealedWith = s.secrets.keyId();
    await s.close();

    s = await open(wrong);
    try {
      const err = await oauthToken({ connection: 'crm:key', refreshToken: 'rt', exchange, store: s })
        .token()
        .catch((e) => e);
      expect(err.code).toBe('IR_SECRET_KEY_MISMATCH');
      expect(err.retryable).toBe(false);
      expect(err.message).toContain(sealedWith);
      expect(err.message).toContain(s.secrets.keyId());
      expect(err.fix).toMatch(/INRECORD_SECRET_KEY/);
      expect(err.fix).toMatch(/inrecord auth/);
      // re-authorising stores a grant under the current key
      const src = oauthToken({ connection: 'crm:key', refreshToken: 'rt', exchange, store: s });
      await src.replace({ refreshToken: 'rt-2', accessToken: 'at-2', expiresIn: 3600 });
      expect(await oauthToken({ connection: 'crm:key', refreshToken: 'rt', exchange, store: s }).token()).toBe('at-2');
    } finally {
      await s.close();
    }
  });
});
