import { describe, expect, it } from 'vitest';
import { faultHits, injectedApiError } from './faults.js';

describe('injected faults', () => {
  it('a seed gives the same faults on every run, at about the asked share', () => {
    // each faults object is its own stream: two objects with one seed draw the same sequence
    const f1 = { error429: 0.1, error500: 0.2, seed: 42 };
    const f2 = { error429: 0.1, error500: 0.2, seed: 42 };
    const a = Array.from({ length: 1000 }, () => injectedApiError(f1, 'POST'));
    const b = Array.from({ length: 1000 }, () => injectedApiError(f2, 'POST'));
    expect(a).toEqual(b);
    const r429 = a.filter((x) => x === 429).length;
    const r500 = a.filter((x) => x === 500).length;
    expect(r429).toBeGreaterThan(60);
    expect(r429).toBeLessThan(140);
    // 500 is drawn only when no 429 was: 0.9 × 0.2 = 18%
    expect(r500).toBeGreaterThan(130);
    expect(r500).toBeLessThan(230);
  });

  it('hits only the methods asked for; a search POST is spared unless methods are named', () => {
    const f = { error500: 1, seed: 1 };
    expect(injectedApiError(f, 'GET')).toBeNull();
    expect(injectedApiError(f, 'PATCH')).toBe(500);
    expect(injectedApiError(f, 'POST', true)).toBeNull();
    expect(injectedApiError({ error500: 1, errorMethods: ['POST'] }, 'POST', true)).toBe(500);
    expect(faultHits({}, undefined)).toBe(false);
    expect(faultHits({ seed: 3 }, 0)).toBe(false);
  });
});
