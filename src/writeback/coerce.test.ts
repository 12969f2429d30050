import { describe, expect, it } from 'vitest';
import type { FieldSchema } from '../crm/types.js';
import { coerceValue, valuesEqual } from './coerce.js';

const f = (type: FieldSchema['type'], extra: Partial<FieldSchema> = {}): FieldSchema => ({
  name: 'x',
  label: 'X',
  type,
  crmType: type,
  required: false,
  writable: true,
  custom: true,
  ...extra,
});

const stage = f('picklist', {
  options: [
    { value: 'hot', label: 'Hot lead' },
    { value: 'cold', label: 'Cold' },
  ],
  restricted: true,
});
// Pipedrive: option values are ids
const pdEnum = f('picklist', { options: [{ value: '12', label: 'Enterprise' }, { value: '13', label: 'SMB' }] });
const sfUnrestricted = f('picklist', { options: [{ value: 'Web', label: 'Web' }], restricted: false });
const multi = f('multipicklist', { options: [{ value: 'a', label: 'Alpha' }, { value: 'b', label: 'Beta' }, { value: 'c', label: 'Gamma' }] });

type Case = [string, FieldSchema, unknown, unknown, { truncate?: boolean }?];
const accepted: Case[] = [
  ['number from number', f('number'), 12.5, 12.5],
  ['number from numeric string', f('number'), ' 42 ', 42],
  ['number exponent', f('number'), '1e3', 1000],
  ['integer', f('integer'), 7, 7],
  ['integer from "7.0"', f('integer'), '7.0', 7],
  ['currency within scale', f('currency', { scale: 2 }), 19.99, 19.99],
  ['percent', f('percent'), 55, 55],
  ['boolean yes', f('boolean'), 'yes', true],
  ['boolean "TRUE"', f('boolean'), 'TRUE', true],
  ['boolean 0', f('boolean'), 0, false],
  ['boolean "off"', f('boolean'), 'off', false],
  ['date', f('date'), '2026-02-28', '2026-02-28'],
  ['date from midnight datetime', f('date'), '2026-02-28T00:00:00Z', '2026-02-28'],
  ['date from midnight ms (HubSpot wire)', f('date'), Date.UTC(2026, 1, 28), '2026-02-28'],
  ['datetime with offset → UTC', f('datetime'), '2026-11-28T10:00:00+02:00', '2026-11-28T08:00:00.000Z'],
  ['datetime compact offset', f('datetime'), '2026-11-28T10:00-0500', '2026-11-28T15:00:00.000Z'],
  ['datetime Z with fraction', f('datetime'), '2026-11-28T10:00:00.123456Z', '2026-11-28T10:00:00.123Z'],
  ['datetime from date', f('datetime'), '2026-11-28', '2026-11-28T00:00:00.000Z'],
  ['datetime from ms', f('datetime'), 0, '1970-01-01T00:00:00.000Z'],
  ['picklist value', stage, 'hot', 'hot'],
  ['picklist label → value', stage, 'hot lead', 'hot'],
  ['picklist value ignoring case', stage, 'COLD', 'cold'],
  ['pipedrive label → option id', pdEnum, 'Enterprise', '12'],
  ['pipedrive option id as number', pdEnum, 13, '13'],
  ['unrestricted picklist defined value', sfUnrestricted, 'Web', 'Web'],
  ['multi from list with labels', multi, ['Beta', 'a'], ['a', 'b']],
  ['multi from ; string', multi, 'c;a', ['a', 'c']],
  ['multi dedupe', multi, ['a', 'Alpha'], ['a']],
  ['multi empty → null', multi, [], null],
  ['text', f('string', { maxLength: 5 }), 'abcde', 'abcde'],
  ['text from number', f('text'), 3.5, '3.5'],
  ['text truncated when allowed', f('string', { maxLength: 3 }), 'abcdef', 'abc', { truncate: true }],
  ['email', f('email'), ' a@b.co ', 'a@b.co'],
  ['url', f('url'), 'https://x.io/p', 'https://x.io/p'],
  ['null clears', f('number'), null, null],
  ['empty string clears', f('string'), '', null],
];

const rejected: [string, FieldSchema, unknown, 'IR_FIELD_VALUE_INVALID' | 'IR_FIELD_TYPE_MISMATCH', RegExp][] = [
  ['number from word', f('number'), 'high', 'IR_FIELD_VALUE_INVALID', /not a number/],
  ['number from boolean', f('number'), true, 'IR_FIELD_TYPE_MISMATCH', /boolean/],
  ['number from list', f('number'), ['1'], 'IR_FIELD_TYPE_MISMATCH', /list/],
  ['number out of range', f('number'), 1e16, 'IR_FIELD_VALUE_INVALID', /out of range/],
  ['NaN', f('number'), Number.NaN, 'IR_FIELD_VALUE_INVALID', /finite/],
  ['integer with decimals', f('integer'), 7.5, 'IR_FIELD_VALUE_INVALID', /whole number/],
  ['currency over scale', f('currency', { scale: 2 }), 19.999, 'IR_FIELD_VALUE_INVALID', /3 decimal places/],
  ['boolean from word', f('boolean'), 'maybe', 'IR_FIELD_VALUE_INVALID', /not a boolean/],
  ['boolean from 2', f('boolean'), 2, 'IR_FIELD_VALUE_INVALID', /not a boolean/],
  ['date not calendar', f('date'), '2026-02-30', 'IR_FIELD_VALUE_INVALID', /calendar/],
  ['date US format', f('date'), '02/28/2026', 'IR_FIELD_VALUE_INVALID', /ISO 8601/],
  ['date with time of day', f('date'), '2026-02-28T10:00:00Z', 'IR_FIELD_VALUE_INVALID', /time of day/],
  ['date non-midnight ms', f('date'), Date.UTC(2026, 1, 28, 5), 'IR_FIELD_VALUE_INVALID', /midnight UTC/],
  ['datetime without zone', f('datetime'), '2026-11-28T10:00:00', 'IR_FIELD_VALUE_INVALID', /time zone/],
  ['datetime bad hour', f('datetime'), '2026-11-28T25:00:00Z', 'IR_FIELD_VALUE_INVALID', /valid/],
  ['picklist unknown', stage, 'warm', 'IR_FIELD_VALUE_INVALID', /not a defined option/],
  ['pipedrive unknown id', pdEnum, '99', 'IR_FIELD_VALUE_INVALID', /not a defined option/],
  ['unrestricted picklist unknown value is still rejected', sfUnrestricted, 'Email', 'IR_FIELD_VALUE_INVALID', /unrestricted/],
  ['picklist from boolean', stage, true, 'IR_FIELD_TYPE_MISMATCH', /boolean/],
  ['multi unknown member', multi, ['a', 'z'], 'IR_FIELD_VALUE_INVALID', /"z" is not a defined option/],
  ['text too long', f('string', { maxLength: 3 }), 'abcdef', 'IR_FIELD_VALUE_INVALID', /6 characters, the field holds 3/],
  ['text from list', f('string'), ['a'], 'IR_FIELD_TYPE_MISMATCH', /list/],
  ['email invalid', f('email'), 'not-an-email', 'IR_FIELD_VALUE_INVALID', /email/],
  ['url invalid', f('url'), 'ftp://x.io', 'IR_FIELD_VALUE_INVALID', /URL/],
  ['required cleared', f('string', { required: true }), null, 'IR_FIELD_VALUE_INVALID', /required/],
  ['object', f('string'), { a: 1 }, 'IR_FIELD_TYPE_MISMATCH', /object/],
];

describe('coerceValue accepts and normalises', () => {
  it.each(accepted)('%s', (_n, field, raw, expected, opts) => {
    const c = coerceValue(raw, field, opts ?? {});
    expect(c).toMatchObject({ ok: true, value: expected });
  });
  it('marks truncation', () => {
    expect(coerceValue('abcdef', f('string', { maxLength: 3 }), { truncate: true })).toEqual({ ok: true, value: 'abc', truncated: true });
  });
  it('never splits a surrogate pair when truncating', () => {
    expect(coerceValue('ab😀', f('string', { maxLength: 3 }), { truncate: true })).toMatchObject({ value: 'ab' });
  });
});

describe('coerceValue rejects before any call', () => {
  it.each(rejected)('%s', (_n, field, raw, code, reason) => {
    const c = coerceValue(raw, field);
    expect(c.ok).toBe(false);
    if (!c.ok) {
      expect(c.code).toBe(code);
      expect(c.reason).toMatch(reason);
    }
  });
});

describe('valuesEqual', () => {
  const cases: [string, FieldSchema, unknown, unknown, boolean][] = [
    ['number vs numeric string', f('number'), 5, '5', true],
    ['float noise', f('number'), 0.1 + 0.2, 0.3, true],
    ['different numbers', f('number'), 1, 2, false],
    ['same instant, two zones', f('datetime'), '2026-11-28T10:00:00+02:00', '2026-11-28T08:00:00.000Z', true],
    ['multi in another order', multi, ['b', 'a'], ['a', 'b'], true],
    ['multi different', multi, ['a'], ['a', 'b'], false],
    ['empty string vs null', f('string'), '', null, true],
    ['text case matters', f('string'), 'A', 'a', false],
    ['boolean vs word', f('boolean'), true, 'yes', true],
    ['null vs value', f('number'), null, 0, false],
    ['picklist label vs value', stage, 'Hot lead', 'hot', true],
  ];
  it.each(cases)('%s', (_n, field, a, b, eq) => {
    expect(valuesEqual(a, b, field)).toBe(eq);
  });
});
