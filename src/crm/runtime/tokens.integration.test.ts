import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestStore, type TestStore } from '../../store/testing/index.js';
import { GrantRevoked, isConnectionPaused, oauthToken } from './index.js';

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
