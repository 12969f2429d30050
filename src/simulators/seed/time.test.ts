/** isoTime / parseIsoTime give exactly what Date#toISOString and Date.parse give. */
import { describe, expect, it } from 'vitest';
import { prng } from './vocab.js';
import { isoTime, parseIsoTime } from './time.js';

const builtinIso = (ms: number) => {
  try {
    return new Date(ms).toISOString();
  } catch (e) {
    return (e as Error).name;
  }
};
const ours = (ms: number) => {
  try {
    return isoTime(ms);
  } catch (e) {
    return (e as Error).name;
  }
};

describe('seed timestamps', () => {
  it('format and parse like the built-ins over 200,000 instants from 1970 to 9999', () => {
    const rnd = prng(42);
    for (let i = 0; i < 200_000; i++) {
      const ms = Math.floor(rnd() * 253_402_300_799_999);
      const iso = new Date(ms).toISOString();
      if (isoTime(ms) !== iso) expect(isoTime(ms)).toBe(iso);
      if (parseIsoTime(iso) !== ms) expect(parseIsoTime(iso)).toBe(ms);
    }
  });

  it.each([0, 86_399_999, 86_400_000, Date.UTC(2000, 1, 29), Date.UTC(2100, 1, 28, 23, 59, 59, 999), 253_402_300_799_999, -1, 1.5, 253_402_300_800_000, Number.NaN])(
    'formats %s as toISOString does',
    (ms) => expect(ours(ms)).toBe(builtinIso(ms)),
  );

  it.each([
    '2024-02-29T10:00:00.000Z',
    '2023-02-29T10:00:00.000Z',
    '2100-02-29T00:00:00.000Z',
    '2024-04-31T00:00:00.000Z',
    '2024-13-01T00:00:00.000Z',
    '2024-01-01T24:00:00.000Z',
    '2024-01-01T00:00:00Z',
    '2024-01-01',
    '1969-12-31T23:59:59.999Z',
    '2024-1a-01T00:00:00.000Z',
    'not a date',
  ])('parses %s as Date.parse does', (s) => expect(Object.is(parseIsoTime(s), Date.parse(s))).toBe(true));
});
