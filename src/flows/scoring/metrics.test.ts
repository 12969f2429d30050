import { describe, expect, it } from 'vitest';
import { auc, aucInterval, brier, calibrationError, logLoss, reliability } from './metrics.js';

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
