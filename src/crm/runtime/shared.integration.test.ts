/**
 * The shared rate budget on both store backends: several budgets over one connection (as several
 * processes hold them) admit no more calls per window than the limit between them, share a pause
 * the CRM asked for, and share the CRM's daily-allocation counter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestStore, openTestStore } from '../../store/testing/index.js';
import { RateBudget } from './index.js';

interface Call {
  admittedAt: number;
  answeredAt: number;
}

/** For every window-long span, wherever in [admitted, answered] the CRM saw each call, no more than `limit` fall in it. */
function expectNoWindowOver(calls: Call[], limit: number, windowMs: number): void {
  for (const edge of ['admittedAt', 'answeredAt'] as const) {
    const at = calls.map((c) => c[edge]).sort((a, b) => a - b);
    for (let i = limit; i < at.length; i++)
      expect(at[i] - at[i - limit], `${edge} ${i}`).toBeGreaterThanOrEqual(windowMs);
  }
}

describe.each(BACKENDS)('shared rate budget on %s', (backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(backend);
  });
  afterAll(async () => store.destroy());

  it('keeps three budgets of one connection under one limit together', async () => {
    const limit = 5;
    const windowMs = 300;
    const limiters = [1, 2, 3].map(() =>
      new RateBudget({ connection: 'crm:one', store }).limiter('api', { callsPerWindow: limit, windowMs }),
    );
    const calls: Call[] = [];
    const started = Date.now();
    // each "process" has 6 callers in a loop, each call answered after 5–25 ms
    await Promise.all(
      limiters.flatMap((l) =>
        Array.from({ length: 6 }, async () => {
          while (calls.length < 30) {
            const slot = await l.acquire();
            const admittedAt = Date.now();
            await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
            const answeredAt = Date.now();
            slot.release();
            calls.push({ admittedAt, answeredAt });
          }
        }),
      ),
    );
    const elapsed = Date.now() - started;
    expectNoWindowOver(calls, limit, windowMs);
    // 30+ calls at 5 per (300 ms + answer): about 6 windows, not 2 (the pace of three separate limiters)
    expect(elapsed).toBeGreaterThan(5 * windowMs);
    expect(elapsed).toBeLessThan(30 * windowMs);
  }, 30_000);

  it('shares a pause the CRM asked for (a 429 with its reset) with every budget of the connection', async () => {
    const [a, b] = [1, 2].map(() =>
      new RateBudget({ connection: 'crm:pause', store }).limiter('api', {
        callsPerWindow: 100,
        windowMs: 1_000,
      }),
    );
    (await a.acquire()).release();
    a.pauseUntil(Date.now() + 400);
    await new Promise((r) => setTimeout(r, 50)); // the pause reaches the store
    const t = Date.now();
    (await b.acquire()).release();
    expect(Date.now() - t).toBeGreaterThanOrEqual(300);
  });

  it('adopts the limit the CRM reports, for every budget of the connection', async () => {
    const [a, b] = [1, 2].map(() =>
      new RateBudget({ connection: 'crm:limit', store }).limiter('api', {
        callsPerWindow: 100,
        windowMs: 60_000,
      }),
    );
    (await a.acquire()).release();
    a.observe({ limit: 2, remaining: 1 });
    (await a.acquire()).release();
    // the window holds 2 calls of a limit of 2 now: the other budget waits for a slot to lapse
    const next = await Promise.race([
      b.acquire().then(() => 'admitted'),
      new Promise((r) => setTimeout(() => r('waiting'), 300)),
    ]);
    expect(next).toBe('waiting');
    expect(b.policy.callsPerWindow).toBe(2);
  });

  it('pauses every budget when one of them reads the daily allocation at the guard', async () => {
    const said: string[] = [];
    const logger = {
      warn: (_o: unknown, m: string) => said.push(m),
      info: (_o: unknown, m: string) => said.push(m),
      debug: () => {},
    } as never;
    const one = new RateBudget({ connection: 'crm:daily', store, logger });
    const two = new RateBudget({ connection: 'crm:daily', store });
    const q1 = one.quota(0.9, 'Test daily API calls');
    const q2 = two.quota(0.9, 'Test daily API calls');
    const l1 = one.limiter('api', { callsPerWindow: 100, windowMs: 1_000 });
    const l2 = two.limiter('api', { callsPerWindow: 100, windowMs: 1_000 });
    // one process reads the CRM's counter on an answer: 950 of 1,000 used
    (await l1.acquire()).release();
    q1.observe(950, 1_000, Date.now() + 60_000);
    expect(() => q1.check()).toThrow(/950 of 1000/);
    expect(said.join('\n')).toMatch(
      /Test daily API calls: 950 of 1000 used \(guard 90%\): every process calling this CRM pauses its calls until/,
    );
    // it shares the reading with its next admission; the other process takes it with its own
    (await l1.acquire()).release();
    expect(() => q2.check()).not.toThrow();
    (await l2.acquire()).release();
    const err = (() => {
      try {
        q2.check();
      } catch (e) {
        return e as { code: string; retryable: boolean };
      }
    })();
    expect(err?.code).toBe('IR_CRM_QUOTA_EXHAUSTED');
    expect(err?.retryable).toBe(true);
    // a later reading under the guard frees both
    q2.observe(100, 1_000, Date.now() + 60_000);
    (await l2.acquire()).release();
    (await l1.acquire()).release();
    expect(() => q1.check()).not.toThrow();
    expect(said.at(-1)).toMatch(/100 of 1000 used, under the guard again: calls resume/);
  });
});
