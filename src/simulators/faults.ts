import { prng } from './seed/index.js';
import type { SimFaults } from './types.js';

/**
 * Fault draws shared by the three simulators. With `faults.seed` set, the draws come from a
 * seeded stream, so a test that injects faults sees the same faults on every run; without it they
 * are `Math.random()`, as a demo or a soak test wants.
 */
const streams = new WeakMap<SimFaults, () => number>();

/** One draw in [0, 1) from the faults' stream. */
export function faultDraw(f: SimFaults): number {
  if (f.seed === undefined) return Math.random();
  let next = streams.get(f);
  if (!next) {
    next = prng(f.seed);
    streams.set(f, next);
  }
  return next();
}

/** True with probability `share` (0 or undefined: never). */
export function faultHits(f: SimFaults, share: number | undefined): boolean {
  return share !== undefined && share > 0 && faultDraw(f) < share;
}

/**
 * The injected API error for one call, if any: only methods in `errorMethods` (default: writes)
 * are hit; `readOnlyPost` marks a POST that reads (a search), spared unless `errorMethods` is set.
 */
export function injectedApiError(f: SimFaults, method: string, readOnlyPost = false): 429 | 500 | null {
  const methods = f.errorMethods ?? ['POST', 'PATCH', 'PUT', 'DELETE'];
  if (!methods.includes(method) || (readOnlyPost && !f.errorMethods)) return null;
  if (faultHits(f, f.error429)) return 429;
  if (faultHits(f, f.error500)) return 500;
  return null;
}
