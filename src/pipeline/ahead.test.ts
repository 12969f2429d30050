import { describe, expect, it } from 'vitest';
import { readAhead } from './ahead.js';

async function* counted(n: number, log: string[], failAt?: number): AsyncGenerator<number> {
  try {
    for (let i = 0; i < n; i++) {
      if (i === failAt) throw new Error(`read ${i} failed`);
      log.push(`read ${i}`);
      await new Promise((r) => setTimeout(r, 1));
      yield i;
    }
  } finally {
    log.push('closed');
  }
}

describe('readAhead', () => {
  it('yields every item in order', async () => {
    const out: number[] = [];
    for await (const x of readAhead(counted(20, []), 3)) out.push(x);
    expect(out).toEqual([...Array(20).keys()]);
  });

  it('reads ahead while the consumer is busy, never more than max ahead', async () => {
    const log: string[] = [];
    const consumed: number[] = [];
    for await (const x of readAhead(counted(10, log), 3)) {
      consumed.push(x);
      await new Promise((r) => setTimeout(r, 20));
      const after = log.filter((l) => l.startsWith('read')).length;
      // while the first item was worked on, the source read the next three
      if (x === 0) expect(after).toBe(1 + 3);
      // read: what was consumed, at most max buffered, and one in hand
      expect(after).toBeLessThanOrEqual(consumed.length + 3 + 1);
    }
    expect(consumed).toHaveLength(10);
  });

  it('hands over what was read before a fault, then the fault', async () => {
    const out: number[] = [];
    await expect(
      (async () => {
        for await (const x of readAhead(counted(10, [], 4), 8)) out.push(x);
      })(),
    ).rejects.toThrow('read 4 failed');
    expect(out).toEqual([0, 1, 2, 3]);
  });

  it('closes the source when the consumer stops early', async () => {
    const log: string[] = [];
    for await (const x of readAhead(counted(100, log), 2)) if (x === 3) break;
    expect(log.at(-1)).toBe('closed');
    expect(log.filter((l) => l.startsWith('read')).length).toBeLessThanOrEqual(4 + 2 + 1);
  });
});
