/**
 * The two request limits of reference salesforce.md §9.1, both refused with 403
 * REQUEST_LIMIT_EXCEEDED (§6.3): the rolling 24 h allocation (`dailyApiRequests`, default 100,000;
 * `rateLimit` replaces it with a shorter rolling window for tests), and the concurrent long-running
 * limit (requests in service `afterMs`, default 20 s, or more; `limit` 25 per production org).
 * Salesforce publishes no other request limit, and no 429 (§6.2): the control API's `error429`
 * share is answered with Salesforce's own short-lived refusal, the concurrent-limit 403.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ControlState } from '../control.js';
import { injectedApiError } from '../faults.js';
import { WindowCount } from '../stats.js';
import type { SimulatorOptions } from '../types.js';
import { SfApiError } from './state.js';

const WINDOW_MS = 86_400_000;
const TOTAL_REQUESTS = 'TotalRequests Limit exceeded.';
const LONG_RUNNING = 'ConcurrentPerOrgLongTxn Limit exceeded.';

/** Calls that take `ms` to answer: all of them, or those whose method is in `methods`. */
export interface SlowRequests {
  ms: number;
  methods?: string[];
}

/** The org's request limits, call accounting and injected API errors, over one simulator's counters. */
export class RequestLimits {
  /** The rolling allocation (§9.1). */
  readonly windowMs: number;
  readonly maxCalls: number;
  /** Configured latency; undefined: full speed. */
  slow: SlowRequests | undefined;
  private readonly longRunning: { limit: number; afterMs: number };
  private readonly callTimes: number[] = [];
  private callHead = 0;
  /** Calls in service, by when they were admitted. */
  private readonly inService = new Map<number, number>();
  private served = 0;
  private readonly arrivals: WindowCount;

  constructor(
    opts: SimulatorOptions,
    private readonly live: ControlState,
  ) {
    this.windowMs = opts.rateLimit?.windowMs ?? WINDOW_MS;
    this.maxCalls =
      opts.rateLimit?.callsPerWindow ??
      (typeof opts.dailyApiRequests === 'number' ? opts.dailyApiRequests : 100_000);
    this.longRunning = {
      limit: 25,
      afterMs: 20_000,
      ...(opts.longRunning as { limit?: number; afterMs?: number } | undefined),
    };
    this.slow = opts.slowRequests as SlowRequests | undefined;
    this.arrivals = new WindowCount(this.windowMs);
  }

  /** Calls counted against the allocation in the current window. */
  used(): number {
    const cutoff = Date.now() - this.windowMs;
    while (this.callHead < this.callTimes.length && (this.callTimes[this.callHead] as number) <= cutoff)
      this.callHead++;
    if (this.callHead > 10_000) {
      this.callTimes.splice(0, this.callHead);
      this.callHead = 0;
    }
    return this.callTimes.length - this.callHead;
  }

  private longRunningNow(): number {
    const cutoff = Date.now() - this.longRunning.afterMs;
    let n = 0;
    for (const since of this.inService.values()) if (since <= cutoff) n++;
    return n;
  }

  /** Counts one API call; returns an error to answer instead (limits, injected faults). */
  admit(req: FastifyRequest, template: string): SfApiError | null {
    const stats = this.live.stats;
    stats.totalCalls++;
    this.arrivals.add(stats);
    stats.calls[template] = (stats.calls[template] ?? 0) + 1;
    // No new call is taken while `limit` calls have been in service `afterMs` or longer.
    if (this.longRunningNow() >= this.longRunning.limit) {
      stats.rateLimited++;
      return SfApiError.one(403, 'REQUEST_LIMIT_EXCEEDED', LONG_RUNNING);
    }
    if (this.used() >= this.maxCalls) {
      stats.rateLimited++;
      return SfApiError.one(403, 'REQUEST_LIMIT_EXCEEDED', TOTAL_REQUESTS);
    }
    this.callTimes.push(Date.now());
    const injected = injectedApiError(this.live.faults, req.method);
    if (injected === 429) {
      stats.rateLimited++;
      return SfApiError.one(403, 'REQUEST_LIMIT_EXCEEDED', LONG_RUNNING);
    }
    if (injected === 500)
      return SfApiError.one(
        500,
        'UNKNOWN_EXCEPTION',
        'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)',
      );
    return null;
  }

  /** An admitted call is in service until its answer is sent; waits any configured latency. */
  async serve(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const id = this.served++;
    this.inService.set(id, Date.now());
    reply.raw.once('close', () => this.inService.delete(id));
    const slow = this.slow;
    if (slow && slow.ms > 0 && (!slow.methods || slow.methods.includes(req.method)))
      await new Promise((r) => setTimeout(r, slow.ms));
  }
}
