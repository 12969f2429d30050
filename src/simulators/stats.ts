/** The counters every simulator keeps (`/_sim/stats`). */
import type { SimStats } from './types.js';

/** How many webhook response times are kept: the most recent ones, enough for percentiles of a benchmark. */
export const RESPONSE_SAMPLES = 20_000;

export function emptyStats(): SimStats {
  return {
    calls: {},
    totalCalls: 0,
    integrationWrites: 0,
    humanWrites: 0,
    rateLimited: 0,
    webhooksDelivered: 0,
    webhooksFailed: 0,
    webhookResponseMs: [],
    tokenRefreshes: 0,
    peakCallsPerWindow: 0,
    peakWindowMs: 0,
  };
}

/**
 * The calls reaching the simulator in its rate-limit window, refused ones included: the most it
 * has seen in any one window (`peakCallsPerWindow`) is what a client's pacing is judged by.
 */
export class WindowCount {
  private readonly stamps: number[] = [];
  private head = 0;

  constructor(private readonly windowMs: number) {}

  /** Counts one call arriving at `t` into `stats`' peak. */
  add(stats: SimStats, t = Date.now()): void {
    this.stamps.push(t);
    while (this.head < this.stamps.length && (this.stamps[this.head] as number) <= t - this.windowMs) this.head++;
    if (this.head > 10_000) {
      this.stamps.splice(0, this.head);
      this.head = 0;
    }
    stats.peakWindowMs = this.windowMs;
    stats.peakCallsPerWindow = Math.max(stats.peakCallsPerWindow, this.stamps.length - this.head);
  }
}

/** A webhook the receiver acknowledged, and how long the sender waited for the answer. */
export function countDelivery(stats: SimStats, ms: number): void {
  stats.webhooksDelivered++;
  const samples = stats.webhookResponseMs;
  if (samples.length < RESPONSE_SAMPLES) samples.push(ms);
  else samples[stats.webhooksDelivered % RESPONSE_SAMPLES] = ms;
}
