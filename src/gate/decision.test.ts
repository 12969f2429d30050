import { describe, expect, it } from 'vitest';
import { decideGate, labelsToOpen, wilsonInterval } from './decision.js';

const gate = { threshold: 0.9, sampleSize: 100 };

describe('decideGate', () => {
  it.each([
    { n: 0, correct: 0, mode: 'shadow', code: 'too_few_labels' },
    // 99/99 correct is still too few labels
    { n: 99, correct: 99, mode: 'shadow', code: 'too_few_labels' },
    // 95% on 100: Wilson lower bound 0.888 < 0.9
    { n: 100, correct: 95, mode: 'shadow', code: 'below_threshold' },
    // 97% on 100: lower bound 0.9155 ≥ 0.9
    { n: 100, correct: 97, mode: 'open', code: 'passed' },
    // 95% on 400: lower bound 0.9246 ≥ 0.9
    { n: 400, correct: 380, mode: 'open', code: 'passed' },
    { n: 150, correct: 120, mode: 'shadow', code: 'below_threshold' },
  ])('$correct/$n → $mode ($code)', ({ n, correct, mode, code }) => {
    const v = decideGate({ n, correct }, gate);
    expect(v.mode).toBe(mode);
    expect(v.reasonCode).toBe(code);
    expect(v.figures.n).toBe(n);
    expect(v.figures.correct).toBe(correct);
    expect(v.figures.threshold).toBe(0.9);
  });

  it('states the figures in its reason', () => {
    const v = decideGate({ n: 100, correct: 95 }, gate);
    expect(v.reason).toContain('95.0%');
    expect(v.reason).toContain('88.8%');
    expect(v.reason).toContain('90.0%');
    expect(v.figures.lower).toBeCloseTo(0.88825, 4);
  });

  it('counts the all-correct labels still needed', () => {
    expect(labelsToOpen({ n: 0, correct: 0 }, gate)).toBe(100);
    expect(labelsToOpen({ n: 100, correct: 97 }, gate)).toBe(0);
    expect(labelsToOpen({ n: 100, correct: 90 }, { ...gate, threshold: 0.999 }, 1000)).toBeNull();
  });
});

describe('wilsonInterval', () => {
  // reference values: Wilson (1927), as tabulated by Newcombe (1998) and statsmodels proportion_confint(method='wilson')
  it.each([
    { s: 90, n: 100, lower: 0.825634, upper: 0.944771 },
    { s: 0, n: 10, lower: 0, upper: 0.277533 },
    { s: 10, n: 10, lower: 0.722467, upper: 1 },
    { s: 50, n: 100, lower: 0.403832, upper: 0.596168 },
    { s: 97, n: 100, lower: 0.915481, upper: 0.989745 },
    { s: 0, n: 0, lower: 0, upper: 1 },
  ])('$s/$n → [$lower, $upper]', ({ s, n, lower, upper }) => {
    const i = wilsonInterval(s, n);
    expect(i.lower).toBeCloseTo(lower, 5);
    expect(i.upper).toBeCloseTo(upper, 5);
  });

  it('refuses more successes than trials', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(RangeError);
  });
});
