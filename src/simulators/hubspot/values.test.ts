/**
 * The value rules of HubSpot properties (reference §5.3–§5.5) as tables of cases.
 */
import { describe, expect, it } from 'vitest';
import { type PropertyDef, defaultProperties, makeProperty, objectTypeOf } from './schema.js';
import { checkValue, validationErrorBody } from './values.js';

const contact = new Map(defaultProperties('contacts').map((d) => [d.name, d]));
const def = (name: string) => contact.get(name) as PropertyDef;
const dateProp = makeProperty('contacts', {
  name: 'renewal_date',
  label: 'Renewal',
  type: 'date',
  fieldType: 'date',
});
const multi = makeProperty('contacts', {
  name: 'interests',
  label: 'Interests',
  type: 'enumeration',
  fieldType: 'checkbox',
  options: ['a', 'b', 'c'].map((v, i) => ({
    label: v.toUpperCase(),
    value: v,
    displayOrder: i,
    hidden: false,
  })),
});

describe('checkValue', () => {
  const cases: [
    string,
    PropertyDef | undefined,
    string,
    unknown,
    { ok: true; value: string } | { code: string; message?: string },
  ][] = [
    ['text as given', def('jobtitle'), 'jobtitle', '  CFO ', { ok: true, value: '  CFO ' }],
    ['empty clears', def('jobtitle'), 'jobtitle', '', { ok: true, value: '' }],
    ['null clears', def('lifecyclestage'), 'lifecyclestage', null, { ok: true, value: '' }],
    [
      'unknown property',
      undefined,
      'missing',
      'x',
      { code: 'PROPERTY_DOESNT_EXIST', message: 'Property "missing" does not exist' },
    ],
    ['read-only', def('createdate'), 'createdate', '2026-01-01', { code: 'READ_ONLY_VALUE' }],
    ['enumeration option', def('lifecyclestage'), 'lifecyclestage', 'lead', { ok: true, value: 'lead' }],
    [
      'enumeration is case-sensitive',
      def('lifecyclestage'),
      'lifecyclestage',
      'Lead',
      { code: 'INVALID_OPTION' },
    ],
    [
      'whitespace around an enumeration',
      def('lifecyclestage'),
      'lifecyclestage',
      'lead ',
      { code: 'LEADING_TRAILING_WHITESPACE', message: '"lead " includes leading or trailing whitespace.' },
    ],
    ['number', def('hubspotscore'), 'hubspotscore', '17', { code: 'READ_ONLY_VALUE' }],
    [
      'number with decimals',
      makeProperty('contacts', { name: 'n', label: 'n', type: 'number', fieldType: 'number' }),
      'n',
      '12.50',
      { ok: true, value: '12.50' },
    ],
    [
      'number sent unquoted',
      makeProperty('contacts', { name: 'n', label: 'n', type: 'number', fieldType: 'number' }),
      'n',
      42,
      { ok: true, value: '42' },
    ],
    [
      'exponent notation',
      makeProperty('contacts', { name: 'n', label: 'n', type: 'number', fieldType: 'number' }),
      'n',
      '1e5',
      { code: 'INVALID_INTEGER', message: '1e5 was not a valid number.' },
    ],
    [
      'not a number',
      makeProperty('contacts', { name: 'n', label: 'n', type: 'number', fieldType: 'number' }),
      'n',
      'abc',
      { code: 'INVALID_INTEGER' },
    ],
    ['date YYYY-MM-DD', dateProp, 'renewal_date', '2026-12-01', { ok: true, value: '2026-12-01' }],
    ['date midnight ms', dateProp, 'renewal_date', '1430438400000', { ok: true, value: '2015-05-01' }],
    [
      'date not midnight',
      dateProp,
      'renewal_date',
      '1606768561954',
      { code: 'INVALID_DATE', message: '1606768561954 is at 20:36:1.954 UTC, not midnight!' },
    ],
    ['date as ISO datetime', dateProp, 'renewal_date', '2026-12-01T10:00:00Z', { code: 'INVALID_DATE' }],
    [
      'datetime ISO normalised',
      def('notes_last_updated'),
      'notes_last_updated',
      '2026-01-01T00:00:00Z',
      { code: 'READ_ONLY_VALUE' },
    ],
    ['email', def('email'), 'email', 'a@b.co', { ok: true, value: 'a@b.co' }],
    ['bad email', def('email'), 'email', 'not-an-email', { code: 'INVALID_EMAIL' }],
    ['multi-select replaces', multi, 'interests', 'a;c', { ok: true, value: 'a;c' }],
    [
      'multi-select bad option',
      multi,
      'interests',
      'a;z',
      { code: 'INVALID_OPTION', message: 'z was not one of the allowed options: [a, b, c]' },
    ],
  ];
  for (const [name, d, prop, raw, want] of cases) {
    it(name, () => {
      const got = checkValue(d, prop, raw);
      if ('ok' in want) expect(got).toEqual(want);
      else {
        expect(got.ok).toBe(false);
        if (!got.ok) {
          expect(got.err.error).toBe(want.code);
          if (want.message) expect(got.err.message).toBe(want.message);
        }
      }
    });
  }

  it('a leading ; appends to a multi-select (§5.4)', () => {
    expect(checkValue(multi, 'interests', ';b', { current: 'a' })).toEqual({ ok: true, value: 'a;b' });
    expect(checkValue(multi, 'interests', 'b', { current: 'a' })).toEqual({ ok: true, value: 'b' });
  });

  it('owners are external options (§5.6)', () => {
    const owner = def('hubspot_owner_id');
    expect(checkValue(owner, 'hubspot_owner_id', '123', { external: () => ['123'] })).toEqual({
      ok: true,
      value: '123',
    });
    expect(checkValue(owner, 'hubspot_owner_id', '999', { external: () => ['123'] }).ok).toBe(false);
  });
});

describe('validationErrorBody (§5.5)', () => {
  it('JSON-encodes the entries in message and repeats them in errors[]', () => {
    const body = validationErrorBody(
      [
        {
          error: 'INVALID_INTEGER',
          name: 'amount',
          message: 'x was not a valid number.',
          propertyValue: 'x',
        },
      ],
      'cid',
      42,
    );
    expect(body.category).toBe('VALIDATION_ERROR');
    expect(body.status).toBe('error');
    const inner = JSON.parse(String(body.message).replace('Property values were not valid: ', ''));
    expect(inner).toEqual([
      {
        isValid: false,
        message: 'x was not a valid number.',
        error: 'INVALID_INTEGER',
        name: 'amount',
        localizedErrorMessage: 'x was not a valid number.',
        propertyValue: 'x',
        portalId: 42,
      },
    ]);
    expect(body.errors).toEqual([
      {
        message: 'x was not a valid number.',
        code: 'INVALID_INTEGER',
        context: { propertyName: ['amount'] },
      },
    ]);
  });
});

describe('objectTypeOf (§7.1)', () => {
  it.each([
    ['contacts', 'contacts'],
    ['contact', 'contacts'],
    ['0-1', 'contacts'],
    ['COMPANIES', 'companies'],
    ['0-3', 'deals'],
    ['note', 'notes'],
    ['0-27', 'tasks'],
    ['tickets', undefined],
  ])('%s → %s', (seg, want) => expect(objectTypeOf(seg)).toBe(want));
});
