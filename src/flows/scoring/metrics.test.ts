import { describe, expect, it } from 'vitest';
import { auc, brier, calibrationError, logLoss, reliability } from './metrics.js';

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
