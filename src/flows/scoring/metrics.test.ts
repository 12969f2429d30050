import { describe, expect, it } from 'vitest';
import {
  auc,
  aucInterval,
  brier,
  calibrationError,
  liftTable,
  logLoss,
  reliability,
  topDecilePrecision,
} from './metrics.js';

describe('auc', () => {
  it.each([
    [[0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], 1],
    [[0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1], 0],
    [[0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], 0.5],
    [[0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.75],
  ])('auc(%j, %j) = %d', (s, y, want) => {
    expect(auc(s, y)).toBeCloseTo(want, 10);
  });
  it('is NaN with one class only', () => {
    expect(auc([0.1, 0.2], [1, 1])).toBeNaN();
  });
});

describe('calibration', () => {
  it('brier and log loss of a perfect and a coin model', () => {
    expect(brier([1, 0], [1, 0])).toBe(0);
    expect(brier([0.5, 0.5], [1, 0])).toBe(0.25);
    expect(logLoss([0.5, 0.5], [1, 0])).toBeCloseTo(Math.log(2), 10);
  });
  it('reliability bins hold predicted and observed rates', () => {
    const t = reliability([0.05, 0.05, 0.95, 0.95], [0, 1, 1, 1], 10);
    expect(t).toEqual([
      { from: 0, to: 0.1, count: 2, meanPredicted: 0.05, observedRate: 0.5 },
      { from: 0.9, to: 1, count: 2, meanPredicted: 0.95, observedRate: 1 },
    ]);
    expect(calibrationError(t)).toBeCloseTo((2 * 0.45 + 2 * 0.05) / 4, 10);
  });
});

describe('aucInterval (DeLong)', () => {
  it('matches the structural components worked by hand', () => {
    // Positives 0.9, 0.8, 0.4; negatives 0.7, 0.3, 0.2, 0.1. V10 = [1, 1, 3/4], V01 = [2/3, 1, 1, 1]:
    // AUC 11/12, var = s²(V10)/3 + s²(V01)/4 = (1/48)/3 + (1/36)/4 = 1/72.
    const r = aucInterval([0.9, 0.8, 0.4, 0.7, 0.3, 0.2, 0.1], [1, 1, 1, 0, 0, 0, 0]);
    expect(r.auc).toBeCloseTo(11 / 12, 12);
    expect(r.se).toBeCloseTo(Math.sqrt(1 / 72), 12);
    expect(r.lower).toBeCloseTo(11 / 12 - 1.959964 * Math.sqrt(1 / 72), 9);
    expect(r.upper).toBe(1);
  });
  it('agrees with the rank AUC, ties included, and narrows with more data', () => {
    const s = [0.1, 0.4, 0.35, 0.8, 0.4, 0.2];
    const y = [0, 0, 1, 1, 1, 0];
    expect(aucInterval(s, y).auc).toBeCloseTo(auc(s, y), 12);
    const many = (k: number) =>
      aucInterval(
        Array.from({ length: 6 * k }, (_, i) => s[i % 6] + i * 1e-9),
        Array.from({ length: 6 * k }, (_, i) => y[i % 6]),
      );
    expect(many(50).se).toBeLessThan(many(5).se);
  });
  it('is NaN with one class only', () => {
    expect(aucInterval([0.1, 0.2], [1, 1]).lower).toBeNaN();
  });
});

describe('lift table', () => {
  it('ranks by score, highest first, and counts the positives captured per decile', () => {
    // 20 records: scores 20..1; positives at the scores 20, 19, 17 and 2
    const scores = Array.from({ length: 20 }, (_, i) => 20 - i);
    const labels = scores.map((s) => ([20, 19, 17, 2].includes(s) ? 1 : 0));
    const t = liftTable(scores, labels);
    expect(t).toHaveLength(10);
    expect(t.map((r) => r.records)).toEqual(new Array(10).fill(2));
    expect(t.map((r) => r.positives)).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(t[0]).toEqual({ decile: 1, records: 2, positives: 2, precision: 1, captured: 0.5, lift: 5 });
    expect(t[1].captured).toBe(0.75);
    expect(t[8].captured).toBe(0.75);
    expect(t[9].captured).toBe(1);
    expect(t[1].lift).toBeCloseTo(2.5, 12);
    expect(topDecilePrecision(scores, labels)).toBe(1);
  });
  it('does not depend on the order the records come in', () => {
    const scores = [0.9, 0.1, 0.5, 0.7, 0.3, 0.2, 0.8, 0.4, 0.6, 0.05];
    const labels = [1, 0, 0, 1, 0, 0, 1, 0, 1, 0];
    const perm = [3, 9, 0, 6, 1, 8, 2, 7, 5, 4];
    expect(
      liftTable(
        perm.map((i) => scores[i]),
        perm.map((i) => labels[i]),
      ),
    ).toEqual(liftTable(scores, labels));
    expect(topDecilePrecision(scores, labels)).toBe(1);
  });
  it('splits an uneven count into near-equal groups and leaves empty ones out', () => {
    const t = liftTable([5, 4, 3, 2, 1], [1, 0, 1, 0, 0]);
    expect(t.map((r) => r.records)).toEqual([1, 1, 1, 1, 1]);
    expect(t.map((r) => r.decile)).toEqual([1, 3, 5, 7, 9]);
    expect(t.map((r) => r.captured)).toEqual([0.5, 0.5, 1, 1, 1]);
    expect(liftTable([], [])).toEqual([]);
    expect(topDecilePrecision([], [])).toBeNaN();
  });
  it('a model no better than chance has a lift of about 1 in every decile', () => {
    const scores = Array.from({ length: 100 }, (_, i) => 100 - i);
    const labels = scores.map((_, i) => (i % 5 === 0 ? 1 : 0)); // every fifth, evenly spread
    const t = liftTable(scores, labels);
    for (const r of t) expect(r.lift).toBeCloseTo(1, 12);
    expect(t.map((r) => r.captured)).toEqual(
      [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((x) => expect.closeTo(x, 12)),
    );
  });
  it('without positives, captured and lift are NaN and precision is 0', () => {
    const t = liftTable([3, 2, 1], [0, 0, 0]);
    expect(t.every((r) => r.precision === 0 && Number.isNaN(r.captured) && Number.isNaN(r.lift))).toBe(true);
  });
});
