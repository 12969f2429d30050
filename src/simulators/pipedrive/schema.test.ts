/**
 * The simulator's value formats per surface (reference pipedrive.md §4.3, §4.4) and its rate-limit
 * bookkeeping (§6), as tables of cases.
 */
import { describe, expect, it } from 'vitest';
import {
  type FieldDef,
  ValueRejected,
  changelogString,
  decodeV1Custom,
  decodeV2Custom,
  encodeV1Custom,
  encodeV2Custom,
  encodeWebhookCustom,
  v1Time,
  v2Time,
} from './schema.js';
import { TokenRateLimiter, tokenCost } from './ratelimit.js';

const def = (field_type: string, options: number[] | null = null): FieldDef => ({
  id: 1,
  key: 'a'.repeat(40),
  name: 'F',
  field_type,
  options: options ? options.map((id) => ({ id, label: `L${id}` })) : null,
  custom: true,
  mandatory: false,
  readOnly: false,
  addTime: 0,
});

describe('v2 custom_fields decoding is strict (§4.4)', () => {
  const ok: [string, FieldDef, unknown, unknown][] = [
    ['enum id', def('enum', [5, 6]), 6, 6],
    ['set ids', def('set', [5, 6]), [6, 5, 6], [6, 5]],
    ['set null clears', def('set', [5]), null, null],
    ['double', def('double'), 2.5, 2.5],
    ['monetary', def('monetary'), { value: 10, currency: 'USD' }, { value: 10, currency: 'USD' }],
    ['date', def('date'), '2026-01-31', '2026-01-31'],
  ];
  it.each(ok)('accepts %s', (_n, d, v, want) => {
    expect(decodeV2Custom(d, v)).toEqual(want);
  });
  const bad: [string, FieldDef, unknown, RegExp][] = [
    ['enum as string', def('enum', [5]), '5', /Expected 'number' as value for single option/],
    ['unknown option', def('enum', [5]), 7, /Option 7 does not exist/],
    ['empty set', def('set', [5]), [], /Expected non-empty 'array' as value for multi options/],
    ['number as string', def('double'), '5', /Expected 'number'/],
    ['varchar over 255', def('varchar'), 'x'.repeat(256), /exceeds 255/],
    ['bad date', def('date'), '31/01/2026', /YYYY-MM-DD/],
  ];
  it.each(bad)('rejects %s', (_n, d, v, msg) => {
    expect(() => decodeV2Custom(d, v)).toThrow(ValueRejected);
    expect(() => decodeV2Custom(d, v)).toThrow(msg);
  });
});

describe('v1 decoding is lenient (§4.3, §4.4)', () => {
  it.each([
    ['enum "6"', def('enum', [5, 6]), '6', 6],
    ['enum label is dropped', def('enum', [5, 6]), 'L6', undefined],
    ['set "5,6"', def('set', [5, 6]), '5,6', [5, 6]],
    ['number string', def('double'), '3.5', 3.5],
    ['empty clears', def('varchar'), '', null],
  ])('%s', (_n, d, v, want) => {
    expect(decodeV1Custom(d, v, {})).toEqual(want);
  });
  it('monetary takes <key>_currency', () => {
    const d = def('monetary');
    expect(decodeV1Custom(d, '12', { [`${d.key}_currency`]: 'USD' })).toEqual({ value: 12, currency: 'USD' });
  });
});

describe('one stored value, four surfaces (§4.3 table)', () => {
  const k = 'a'.repeat(40);
  it.each([
    ['enum', def('enum', [17]), 17, 17, { [k]: '17' }, { type: 'enum', id: 17 }, '17'],
    ['set', def('set', [13, 14]), [13, 14], [13, 14], { [k]: '13,14' }, { type: 'set', values: [{ id: 13 }, { id: 14 }] }, '13,14'],
    ['monetary', def('monetary'), { value: 200, currency: 'EUR' }, { value: 200, currency: 'EUR' }, { [k]: 200, [`${k}_currency`]: 'EUR' }, { type: 'monetary', value: 200, currency: 'EUR' }, '200'],
    ['varchar', def('varchar'), 'txt', 'txt', { [k]: 'txt' }, { type: 'varchar', value: 'txt' }, 'txt'],
  ])('%s', (_n, d, stored, v2, v1, hook, log) => {
    expect(encodeV2Custom(d, stored)).toEqual(v2);
    expect(encodeV1Custom(d, stored)).toEqual(v1);
    expect(encodeWebhookCustom(d, stored)).toEqual(hook);
    expect(changelogString(stored)).toBe(log);
  });
  it('include_option_labels', () => {
    expect(encodeV2Custom(def('enum', [17]), 17, true)).toEqual({ id: 17, label: 'L17' });
  });
});

describe('times (§2)', () => {
  it('v2 RFC 3339 without fractions, v1 space-separated UTC', () => {
    const t = Date.UTC(2026, 10, 28, 9, 5, 7, 456);
    expect(v2Time(t)).toBe('2026-11-28T09:05:07Z');
    expect(v1Time(t)).toBe('2026-11-28 09:05:07');
  });
});

describe('token rate limits (§6)', () => {
  it('costs: v2 about half of v1', () => {
    expect([tokenCost(2, 'get'), tokenCost(1, 'get'), tokenCost(2, 'list'), tokenCost(1, 'list'), tokenCost(2, 'search')]).toEqual([1, 2, 10, 20, 20]);
  });
  it('burst per token per rolling window, separate search window, daily budget', () => {
    let now = 1_000_000;
    const rl = new TokenRateLimiter({ dailyTokens: 100, burst: 2, burstOAuth: 8, searchBurst: 1, windowMs: 2000 }, () => now);
    const api = { search: false, oauth: false };
    expect(rl.admit('t', 10, api).ok).toBe(true);
    expect(rl.admit('t', 10, api).headers['x-ratelimit-remaining']).toBe('0');
    expect(rl.admit('t', 10, api)).toMatchObject({ ok: false, reason: 'burst' });
    expect(rl.admit('other', 10, api).ok).toBe(true);
    expect(rl.admit('t', 20, { search: true, oauth: false }).ok).toBe(true);
    expect(rl.admit('t', 20, { search: true, oauth: false }).ok).toBe(false);
    now += 2001;
    expect(rl.admit('t', 10, api).ok).toBe(true);
    const spent = rl.admit('t', 100, api);
    expect(spent).toMatchObject({ ok: false, reason: 'daily' });
    expect(spent.headers['x-daily-ratelimit-token-remaining']).toBe('0');
    now += 86_400_000;
    expect(rl.admit('t', 100, api).ok).toBe(true);
  });
});
