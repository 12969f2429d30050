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
  };
}

/** A webhook the receiver acknowledged, and how long the sender waited for the answer. */
export function countDelivery(stats: SimStats, ms: number): void {
  stats.webhooksDelivered++;
  const samples = stats.webhookResponseMs;
  if (samples.length < RESPONSE_SAMPLES) samples.push(ms);
  else samples[stats.webhooksDelivered % RESPONSE_SAMPLES] = ms;
}
