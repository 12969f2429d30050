/**
 * HubSpot's API limits (reference: docs/reference/hubspot.md §4.4, §9): the 10-second rolling limit
 * per token with its `x-hubspot-ratelimit-*` headers, the daily allowance, and the search limit of
 * 5 requests a second, which has its own 429 body and no headers. Each refusal is answered with the
 * body HubSpot sends for it.
 */
import { WindowCount } from '../stats.js';
import type { SimStats } from '../types.js';
import type { HubspotState } from './state.js';

export interface RateLimits {
  /** Calls per rolling window per token (§9.1: private app, Professional/Enterprise: 190 / 10 s). */
  callsPerWindow: number;
  windowMs: number;
  daily: number;
  /** Search: 5 requests / second (§4.4). */
  searchPerSecond: number;
}

type Rec = Record<string, unknown>;

/** What the limits answer one call: admitted or refused (429 with `body`), with the headers to send either way. */
export type LimitAnswer =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; headers: Record<string, string>; body: Rec };

export class RateLimiter {
  private readonly windows = new Map<string, number[]>();
  /** The calls reaching the 10-second window, refused ones included. */
  private readonly arrivals: WindowCount;
  private dailyUsed = 0;

  constructor(
    private readonly limits: RateLimits,
    private readonly state: HubspotState,
  ) {
    this.arrivals = new WindowCount(limits.windowMs);
  }

  /** Admits one call of `token` (a search or any other API call), counting its arrival into `stats`. */
  admit(token: string, search: boolean, stats: SimStats): LimitAnswer {
    const { limits, state } = this;
    if (search) {
      // Search has its own 5/s limit, its own 429 body, and no rate-limit headers (§4.4, §9.2).
      const a = this.take(`search:${token}`, limits.searchPerSecond, 1000);
      if (!a.ok)
        return {
          ok: false,
          headers: {},
          body: {
            status: 'error',
            message: 'You have reached your secondly limit.',
            errorType: 'RATE_LIMIT',
            correlationId: state.correlationId(),
          },
        };
      return { ok: true, headers: {} };
    }
    this.arrivals.add(stats);
    if (this.dailyUsed >= limits.daily) {
      // The daily allowance is spent until midnight (§9.3): its own 429 body, the daily headers at 0.
      return {
        ok: false,
        headers: {
          'x-hubspot-ratelimit-daily': String(limits.daily),
          'x-hubspot-ratelimit-daily-remaining': '0',
        },
        body: {
          status: 'error',
          message: 'You have reached your daily limit.',
          errorType: 'RATE_LIMIT',
          correlationId: state.correlationId(),
          policyName: 'DAILY',
          requestId: state.correlationId(),
        },
      };
    }
    const a = this.take(`api:${token}`, limits.callsPerWindow, limits.windowMs);
    if (a.ok) this.dailyUsed++;
    const headers = {
      'x-hubspot-ratelimit-daily': String(limits.daily),
      'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, limits.daily - this.dailyUsed)),
      'x-hubspot-ratelimit-interval-milliseconds': String(limits.windowMs),
      'x-hubspot-ratelimit-max': String(limits.callsPerWindow),
      'x-hubspot-ratelimit-remaining': String(a.remaining),
      'x-hubspot-ratelimit-secondly': String(Math.ceil(limits.callsPerWindow / (limits.windowMs / 1000))),
      'x-hubspot-ratelimit-secondly-remaining': String(
        Math.max(0, Math.ceil(a.remaining / (limits.windowMs / 1000))),
      ),
    };
    return a.ok ? { ok: true, headers } : { ok: false, headers, body: this.tenSecondly() };
  }

  /** The 429 body of the 10-second limit (an injected 429 is answered with it too). */
  tenSecondly(): Rec {
    return {
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: this.state.correlationId(),
      policyName: 'TEN_SECONDLY_ROLLING',
      groupName: `publicapi:private_app-api-calls-ten-secondly:${this.state.appId}:${this.state.portalId}`,
    };
  }

  private take(key: string, limit: number, windowMs: number): { ok: boolean; remaining: number } {
    const t = Date.now();
    let stamps = this.windows.get(key);
    if (!stamps) {
      stamps = [];
      this.windows.set(key, stamps);
    }
    while (stamps.length > 0 && stamps[0] <= t - windowMs) stamps.shift();
    if (stamps.length >= limit) return { ok: false, remaining: 0 };
    stamps.push(t);
    return { ok: true, remaining: limit - stamps.length };
  }
}
