/**
 * Pipedrive's token-based rate limits (§6): a company-wide daily token budget, a per-endpoint token
 * cost (v2 about half of v1), a burst limit per token per rolling 2 s window, and the Search API's
 * own 10 requests / 2 s. Pure bookkeeping with an injectable clock.
 */

export interface RateLimitConfig {
  /** Daily company budget: 30,000 × plan multiplier × seats (§6.1). Default: Premium (5) × 10 seats. */
  dailyTokens: number;
  /** Burst per token per window (§6.3: Premium API token 100 / 2 s). */
  burst: number;
  /** Burst for OAuth access tokens (Premium: 400 / 2 s). */
  burstOAuth: number;
  searchBurst: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  dailyTokens: 30_000 * 5 * 10,
  burst: 100,
  burstOAuth: 400,
  searchBurst: 10,
  windowMs: 2_000,
};

export type OpKind = 'get' | 'list' | 'write' | 'delete' | 'search' | 'fields' | 'changelog' | 'flow' | 'webhooks' | 'free';

/** Token cost of one call (§6.2, the `x-token-cost` of each operation in the specs). */
export function tokenCost(version: 1 | 2, op: OpKind): number {
  const v2: Record<OpKind, number> = { get: 1, list: 10, write: 5, delete: 3, search: 20, fields: 10, changelog: 20, flow: 40, webhooks: 10, free: 0 };
  const v1: Record<OpKind, number> = { get: 2, list: 20, write: 10, delete: 6, search: 40, fields: 20, changelog: 20, flow: 40, webhooks: 10, free: 0 };
  return (version === 2 ? v2 : v1)[op];
}

export interface Admission {
  ok: boolean;
  headers: Record<string, string>;
  /** Why it was refused: the burst window or the daily budget. */
  reason?: 'burst' | 'daily';
}

export class TokenRateLimiter {
  private readonly windows = new Map<string, number[]>();
  private spent = 0;
  private day: number;

  constructor(
    readonly config: RateLimitConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.day = Math.floor(now() / 86_400_000);
  }

  /** Admits (or refuses) one call of `token` costing `cost` tokens. */
  admit(token: string, cost: number, opts: { search: boolean; oauth: boolean }): Admission {
    const t = this.now();
    const today = Math.floor(t / 86_400_000);
    if (today !== this.day) {
      // The budget resets at midnight, server time (§6.1); the simulator's server time is UTC.
      this.day = today;
      this.spent = 0;
    }
    const limit = opts.search ? this.config.searchBurst : opts.oauth ? this.config.burstOAuth : this.config.burst;
    const key = `${opts.search ? 'search' : 'api'}:${token}`;
    let stamps = this.windows.get(key);
    if (!stamps) {
      stamps = [];
      this.windows.set(key, stamps);
    }
    while (stamps.length > 0 && stamps[0] <= t - this.config.windowMs) stamps.shift();
    const resetS = stamps.length > 0 ? Math.max(1, Math.ceil((stamps[0] + this.config.windowMs - t) / 1000)) : Math.ceil(this.config.windowMs / 1000);
    const daily = (remaining: number) => ({
      'x-daily-ratelimit-token-limit': String(this.config.dailyTokens),
      'x-daily-ratelimit-token-remaining': String(Math.max(0, remaining)),
    });
    if (this.spent + cost > this.config.dailyTokens) {
      return {
        ok: false,
        reason: 'daily',
        headers: { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(limit - stamps.length), 'x-ratelimit-reset': String(resetS), ...daily(0) },
      };
    }
    if (stamps.length >= limit) {
      return {
        ok: false,
        reason: 'burst',
        headers: {
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(resetS),
          'retry-after': String(resetS),
          ...daily(this.config.dailyTokens - this.spent),
        },
      };
    }
    stamps.push(t);
    this.spent += cost;
    return {
      ok: true,
      headers: {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(limit - stamps.length),
        'x-ratelimit-reset': String(resetS),
        ...daily(this.config.dailyTokens - this.spent),
      },
    };
  }

  get tokensSpent(): number {
    return this.spent;
  }
}
