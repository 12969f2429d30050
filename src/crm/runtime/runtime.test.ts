import { describe, expect, it } from 'vitest';
import { InrecordError } from '../../errors/index.js';
import { QuotaGuard, RateLimiter, backoffMs, callWithRetry, DEFAULT_RETRY, emptyStats } from './index.js';

function fakeClock() {
  let t = 1_000_000;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += Math.max(0, ms);
    },
  };
}

const httpError = (status: number, retryAfterMs?: number) => Object.assign(new Error(`HTTP ${status}`), { status, retryAfterMs });
const describeErr = (err: unknown) => {
  const e = err as { status?: number; retryAfterMs?: number; message: string };
  return { status: e.status, retryAfterMs: e.retryAfterMs, message: e.message };
};

describe('RateLimiter', () => {
  it('admits at most callsPerWindow calls in any rolling window', async () => {
    const c = fakeClock();
    const limiter = new RateLimiter({ callsPerWindow: 10, windowMs: 1000 }, c.now, c.sleep);
    const times: number[] = [];
    for (let i = 0; i < 35; i++) {
      await limiter.acquire();
      times.push(c.now());
    }
    for (let i = 10; i < times.length; i++) expect(times[i] - times[i - 10]).toBeGreaterThanOrEqual(1000);
    expect(times.at(-1)! - times[0]).toBeLessThan(3100);
  });

  it('holds every call until the reset when the CRM says nothing remains', async () => {
    const c = fakeClock();
    const limiter = new RateLimiter({ callsPerWindow: 100, windowMs: 10_000 }, c.now, c.sleep);
    limiter.observe({ remaining: 0, resetAt: c.now() + 4000 });
    await limiter.acquire();
    expect(c.now()).toBeGreaterThanOrEqual(1_004_000);
  });
});

describe('callWithRetry', () => {
  it('waits out 429s without burning the fault retry budget', async () => {
    const c = fakeClock();
    const stats = emptyStats();
    let n = 0;
    const out = await callWithRetry(
      async () => {
        n++;
        if (n <= 8) throw httpError(429, 1000);
        if (n === 9) throw httpError(503);
        return 'ok';
      },
      { describe: describeErr, stats, what: 'test call', sleep: c.sleep, policy: { ...DEFAULT_RETRY, maxRetries: 1 } },
    );
    expect(out).toBe('ok');
    expect(stats.rateLimited).toBe(8);
    expect(stats.retries).toBe(1);
  });

  it('waits out a limit refusal marked `limited` whatever its status, with a jittered backoff, and gives up as rate limited', async () => {
    const c = fakeClock();
    const stats = emptyStats();
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      await c.sleep(ms);
    };
    const limited = (err: unknown) => ({ ...describeErr(err), limited: true, crmCode: 'LIMIT' });
    let n = 0;
    const out = await callWithRetry(
      async () => {
        n++;
        if (n <= 3) throw httpError(403);
        return 'ok';
      },
      { describe: limited, stats, what: 'test call', sleep, policy: { ...DEFAULT_RETRY, maxRetries: 0 } },
    );
    expect(out).toBe('ok');
    expect(stats.rateLimited).toBe(3);
    expect(stats.retries).toBe(0);
    // Full jitter over the doubling cap: each wait lies in [cap/2, cap].
    waits.forEach((ms, i) => {
      const cap = DEFAULT_RETRY.baseDelayMs * 2 ** (i + 1);
      expect(ms).toBeGreaterThanOrEqual(cap / 2);
      expect(ms).toBeLessThanOrEqual(cap);
    });
    const err = await callWithRetry(
      async () => {
        throw httpError(403);
      },
      { describe: limited, what: 'test call', sleep: c.sleep, policy: { ...DEFAULT_RETRY, maxRateLimitWaits: 2 } },
    ).catch((e) => e);
    expect(err.code).toBe('IR_CRM_RATE_LIMITED');
    expect(err.retryable).toBe(true);
    expect(err.context).toMatchObject({ status: 403, crmCode: 'LIMIT' });
  });

  it('does not retry a validation error and names the call', async () => {
    let n = 0;
    const err = await callWithRetry(
      async () => {
        n++;
        throw httpError(400);
      },
      { describe: describeErr, what: 'HubSpot batch update contacts', sleep: async () => {} },
    ).catch((e) => e);
    expect(n).toBe(1);
    expect(err).toBeInstanceOf(InrecordError);
    expect(err.code).toBe('IR_CRM_VALIDATION');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('HubSpot batch update contacts');
  });

  it('gives up on faults after the budget with a retryable error for the job engine', async () => {
    const err = await callWithRetry(async () => Promise.reject(httpError(500)), {
      describe: describeErr,
      what: 'x',
      sleep: async () => {},
      policy: { ...DEFAULT_RETRY, maxRetries: 2 },
    }).catch((e) => e);
    expect(err.code).toBe('IR_CRM_UNAVAILABLE');
    expect(err.retryable).toBe(true);
  });

  it('refreshes the token once on a 401 and tries again', async () => {
    let refreshed = 0;
    let n = 0;
    const out = await callWithRetry(
      async () => {
        n++;
        if (n === 1) throw httpError(401);
        return n;
      },
      { describe: describeErr, what: 'x', onUnauthorized: async () => void refreshed++ },
    );
    expect(out).toBe(2);
    expect(refreshed).toBe(1);
  });

  it('backs off exponentially with jitter, capped', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffMs(1, p, () => 0)).toBe(100);
    expect(backoffMs(2, p, () => 1)).toBe(400);
    expect(backoffMs(10, p, () => 1)).toBe(1000);
  });
});

describe('QuotaGuard', () => {
  it('pauses with a retryable error at the guard, not before', () => {
    const c = fakeClock();
    const g = new QuotaGuard(0.9, 'Salesforce', { now: c.now });
    g.observe(899, 1000);
    expect(() => g.check()).not.toThrow();
    const resetAt = c.now() + 3_600_000;
    g.observe(900, 1000, resetAt);
    try {
      g.check();
      expect.unreachable();
    } catch (err) {
      expect((err as InrecordError).code).toBe('IR_CRM_QUOTA_EXHAUSTED');
      expect((err as InrecordError).retryable).toBe(true);
      expect((err as InrecordError).context.resumeAt).toBe(new Date(resetAt).toISOString());
    }
  });

  it('carries the CRM’s own fix when given one, the catalogue’s otherwise', () => {
    const plain = new QuotaGuard(0.9, 'Pipedrive');
    plain.spent();
    expect(plain.error().fix).toMatch(/daily API quota is spent/);
    const own = new QuotaGuard(0.9, 'Salesforce', { fix: 'wait for the rolling window' });
    own.observe(10, 10);
    expect(own.error().fix).toBe('wait for the rolling window');
  });

  it('a quota with a reset time counts afresh once the reset has passed', () => {
    const c = fakeClock();
    const g = new QuotaGuard(0.9, 'Pipedrive', { now: c.now });
    g.observe(950, 1000, c.now() + 60_000);
    expect(() => g.check()).toThrow(/until the quota resets/);
    c.sleep(60_000);
    expect(() => g.check()).not.toThrow();
    expect(g.share).toBe(0);
  });

  it('a rolling allocation (no reset time) stays paused until a fresh reading is under the guard', () => {
    const c = fakeClock();
    const g = new QuotaGuard(0.9, 'Salesforce', { now: c.now, recheckMs: 300_000 });
    g.observe(95, 100);
    expect(g.needsProbe()).toBe(false);
    let err: InrecordError | null = null;
    try {
      g.check();
    } catch (e) {
      err = e as InrecordError;
    }
    expect(err?.code).toBe('IR_CRM_QUOTA_EXHAUSTED');
    // The pause lasts until the next look, not a fixed hour.
    expect(Date.parse(String(err?.context.resumeAt))).toBe(c.now() + 300_000);
    c.sleep(300_000);
    expect(g.needsProbe()).toBe(true);
    expect(() => g.check()).toThrow();
    g.observe(96, 100);
    expect(g.needsProbe()).toBe(false);
    c.sleep(300_000);
    g.observe(40, 100);
    expect(g.needsProbe()).toBe(false);
    expect(() => g.check()).not.toThrow();
  });

  it('a refusal from the CRM arms the guard even without a reading', () => {
    const g = new QuotaGuard(0.9, 'Salesforce');
    expect(() => g.check()).not.toThrow();
    g.spent();
    expect(() => g.check()).toThrow(expect.objectContaining({ code: 'IR_CRM_QUOTA_EXHAUSTED' }));
  });
});
