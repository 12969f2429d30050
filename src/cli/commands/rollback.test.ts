import { describe, expect, it } from 'vitest';
import { windowTime } from './rollback.js';

describe('rollback window times', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  it('reads a duration back from now or an ISO time', () => {
    expect(windowTime('2h', '--since', now)).toBe('2026-06-01T10:00:00.000Z');
    expect(windowTime('1d', '--since', now)).toBe('2026-05-31T12:00:00.000Z');
    expect(windowTime('2026-06-01T09:30:00+02:00', '--until', now)).toBe('2026-06-01T07:30:00.000Z');
  });
  it('refuses anything else, naming the flag and both forms', () => {
    expect(() => windowTime('yesterday', '--since', now)).toThrow(/--since yesterday: not a time/);
  });
});
