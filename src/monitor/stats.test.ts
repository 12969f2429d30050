import { describe, expect, it } from 'vitest';
import {
  binEdges,
  binIndex,
  kolmogorovQ,
  ksTest,
  psi,
  psiFromProportions,
  quantile,
} from './stats.js';

describe('psiFromProportions', () => {
  it.each([
    // hand-computed: Σ (a−e)·ln(a/e)
    { e: [0.25, 0.25, 0.25, 0.25], a: [0.1, 0.2, 0.3, 0.4], want: 0.228217 },
    { e: [0.5, 0.5], a: [0.5, 0.5], want: 0 },
    { e: [0.5, 0.5], a: [0.6, 0.4], want: 0.1 * Math.log(0.6 / 0.5) + -0.1 * Math.log(0.4 / 0.5) },
    // an empty actual bin counts as 1e-4: (1e-4 − 0.5)·ln(1e-4/0.5) + (1 − 0.5)·ln(1/0.5)
    { e: [0.5, 0.5], a: [0, 1], want: (1e-4 - 0.5) * Math.log(1e-4 / 0.5) + 0.5 * Math.log(2) },
  ])('$e vs $a → $want', ({ e, a, want }) => {
    expect(psiFromProportions(e, a)).toBeCloseTo(want, 5);
  });

  it('refuses bins of different lengths', () => {
    expect(() => psiFromProportions([1], [0.5, 0.5])).toThrow(RangeError);
  });
});

describe('binning', () => {
  it.each([
    { sorted: [1, 2, 3, 4, 5], q: 0.5, want: 3 },
    { sorted: [1, 2, 3, 4], q: 0.5, want: 2.5 },
    { sorted: [10, 20], q: 0.25, want: 12.5 },
    { sorted: [7], q: 0.9, want: 7 },
  ])('quantile($sorted, $q) = $want', ({ sorted, q, want }) => {
    expect(quantile(sorted, q)).toBe(want);
  });

  it('fixed 0–100 bins have edges every 10', () => {
    expect(binEdges([], { kind: 'fixed', bins: 10, min: 0, max: 100 })).toEqual([
      10, 20, 30, 40, 50, 60, 70, 80, 90,
    ]);
  });

  it('quantile edges split the reference evenly and merge duplicates', () => {
    expect(binEdges([1, 2, 3, 4, 5, 6, 7, 8, 9], { kind: 'quantile', bins: 4 })).toEqual([3, 5, 7]);
    expect(binEdges([5, 5, 5, 5, 9], { kind: 'quantile', bins: 4 })).toEqual([5]);
  });

  it.each([
    { v: -1, want: 0 },
    { v: 10, want: 0 },
    { v: 10.01, want: 1 },
    { v: 95, want: 9 },
    { v: 1000, want: 9 },
  ])('value $v lands in bin $want', ({ v, want }) => {
    expect(binIndex([10, 20, 30, 40, 50, 60, 70, 80, 90], v)).toBe(want);
  });
});

describe('psi over samples', () => {
  const reference = Array.from({ length: 1000 }, (_, i) => (i % 100) + 0.5);

  it('is ~0 for the same distribution', () => {
    expect(psi(reference, reference).psi).toBeCloseTo(0, 10);
  });

  it('grows when the sample shifts up', () => {
    const shifted = reference.map((v) => Math.min(100, v + 30));
    const r = psi(reference, shifted, { kind: 'fixed', bins: 10, min: 0, max: 100 });
    expect(r.psi).toBeGreaterThan(0.25);
    expect(r.actualCounts.reduce((s, c) => s + c, 0)).toBe(1000);
  });
});

describe('kolmogorovQ', () => {
  // critical values of the Kolmogorov distribution (tables in every statistics text)
  it.each([
    { lambda: 1.2238, p: 0.1 },
    { lambda: 1.3581, p: 0.05 },
    { lambda: 1.6276, p: 0.01 },
    { lambda: 0, p: 1 },
  ])('Q($lambda) ≈ $p', ({ lambda, p }) => {
    expect(kolmogorovQ(lambda)).toBeCloseTo(p, 3);
  });
});

describe('ksTest', () => {
  it.each([
    { a: [1, 2, 3, 4, 5], b: [6, 7, 8, 9, 10], d: 1 },
    { a: [1, 2, 3], b: [1, 2, 3], d: 0 },
    { a: [0.1, 0.2, 0.3, 0.4], b: [0.25, 0.35], d: 0.5 },
    // ties across samples are stepped past together
    { a: [1, 1, 2, 2], b: [1, 2, 2, 2], d: 0.25 },
  ])('D($a, $b) = $d', ({ a, b, d }) => {
    expect(ksTest(a, b).d).toBeCloseTo(d, 12);
  });

  it('p-value is 1 for identical samples and tiny for disjoint large ones', () => {
    const x = Array.from({ length: 200 }, (_, i) => i);
    expect(ksTest(x, x).pValue).toBe(1);
    expect(
      ksTest(
        x,
        x.map((v) => v + 1000),
      ).pValue,
    ).toBeLessThan(1e-10);
  });

  it('p-value matches the asymptotic formula for D = 0.5, n = 4 and 2', () => {
    // nₑ = 8/6, λ = (√nₑ + 0.12 + 0.11/√nₑ)·0.5
    const ne = 8 / 6;
    const lambda = (Math.sqrt(ne) + 0.12 + 0.11 / Math.sqrt(ne)) * 0.5;
    expect(ksTest([0.1, 0.2, 0.3, 0.4], [0.25, 0.35]).pValue).toBeCloseTo(kolmogorovQ(lambda), 12);
    expect(kolmogorovQ(lambda)).toBeGreaterThan(0.5);
  });
});

