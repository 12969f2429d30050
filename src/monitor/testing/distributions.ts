/** Seeded score samples for drift tests and the benchmark. Never imported by runtime code. */
import { mulberry32 } from '../../random/index.js';

/** n scores ~ Normal(mean, sd) by Box–Muller, rounded and clipped to 0–100 like a lead score. */
export function normalScores(n: number, mean: number, sd: number, seed: number): number[] {
  const rnd = mulberry32(seed);
  const out: number[] = [];
  while (out.length < n) {
    const u = Math.max(rnd(), 1e-12);
    const v = rnd();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    out.push(Math.min(100, Math.max(0, Math.round(mean + sd * z))));
  }
  return out;
}
