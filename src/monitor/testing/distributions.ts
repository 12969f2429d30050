/** Seeded score samples for drift tests and the benchmark. Never imported by runtime code. */

/** mulberry32: a small seeded PRNG, so a "random" sample is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n scores ~ Normal(mean, sd) by Box–Muller, rounded and clipped to 0–100 like a lead score. */
export function normalScores(n: number, mean: number, sd: number, seed: number): number[] {
  const rnd = seededRandom(seed);
  const out: number[] = [];
  while (out.length < n) {
    const u = Math.max(rnd(), 1e-12);
    const v = rnd();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    out.push(Math.min(100, Math.max(0, Math.round(mean + sd * z))));
  }
  return out;
}
