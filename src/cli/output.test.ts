import { describe, expect, it } from 'vitest';
import { progressBar } from './output.js';

describe('progress of a long run', () => {
  const fakeClock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('shows done / total, the rate, the time left and the API budget on a terminal', () => {
    const c = fakeClock();
    const out: string[] = [];
    const bar = progressBar('apply', { tty: true, now: c.now, write: (s) => out.push(s), budget: () => ({ calls: 42, callsPerWindow: 250, windowMs: 10_000 }) });
    c.advance(10_000);
    bar.update(500, 2000);
    expect(out.at(-1)).toContain('500/2000');
    expect(out.at(-1)).toContain('50/s');
    expect(out.at(-1)).toContain('0:30 left');
    expect(out.at(-1)).toContain('42 API calls (limit 250/10s)');
    bar.end();
    expect(out.at(-1)).toBe('\n');
  });

  it('with --json writes one JSON progress line every few seconds, and the last one', () => {
    const c = fakeClock();
    const out: string[] = [];
    const bar = progressBar('apply', { json: true, tty: false, now: c.now, write: (s) => out.push(s) });
    for (let i = 1; i <= 100; i++) {
      c.advance(100);
      bar.update(i * 10, 1000);
    }
    // 10 s of updates: one line per 3 s and the final one
    expect(out.length).toBeGreaterThanOrEqual(3);
    expect(out.length).toBeLessThanOrEqual(5);
    const last = JSON.parse(out.at(-1) as string);
    expect(last.progress).toMatchObject({ label: 'apply', done: 1000, total: 1000, etaSeconds: 0 });
  });

  it('writes nothing when stderr is not a terminal and --json is off', () => {
    const out: string[] = [];
    const bar = progressBar('apply', { tty: false, write: (s) => out.push(s) });
    bar.update(1, 2);
    bar.end();
    expect(out).toEqual([]);
  });
});
