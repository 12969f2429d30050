import { describe, expect, it } from 'vitest';
import {
  compareAddresses,
  compareDates,
  comparePlaces,
  normaliseAddress,
  normaliseDate,
  normaliseLinkedIn,
  normalisePostcode,
  personAttributes,
} from './attributes.js';

describe('identifying attributes', () => {
  it.each([
    ['1985-03-07', '19850307'],
    ['19850307', '19850307'],
    ['1985/3/7', '19850307'],
    ['07/03/1985', '19850307'],
    ['12/31/1980', '19801231'],
    ['1985-03-07T00:00:00Z', '19850307'],
    ['19851307', null],
    ['not a date', null],
    ['', null],
  ])('birth date %j → %j', (raw, want) => expect(normaliseDate(raw)).toBe(want));

  it.each([
    ['19850307', '19850307', 'agree'],
    ['19850307', '19850703', 'swapped'],
    ['19850307', '19850308', 'similar'],
    ['19850307', '19850370', 'similar'],
    ['19850307', '19790611', 'differ'],
    [null, '19850307', 'missing'],
  ] as const)('dates %j / %j: %s', (a, b, want) => expect(compareDates(a, b)).toBe(want));

  it('folds addresses, postcodes and profiles to one writing', () => {
    expect(normaliseAddress('12 Pinkerton Circuit')).toBe(normaliseAddress('12 pinkerton cct'));
    expect(normalisePostcode('SW1A 1AA')).toBe('sw1a1aa');
    expect(normaliseLinkedIn('https://www.linkedin.com/in/Jane-Doe-12/?trk=x')).toBe('jane-doe-12');
    expect(normaliseLinkedIn('https://example.com/jane')).toBeNull();
  });

  it.each([
    ['12 knox street', '12 knox st', 'agree'],
    ['12 knox street', '12 knxo street', 'similar'],
    ['12 knox street', '13 knox street', 'similar'],
    ['knox street', '12 knox street', 'similar'],
    ['12 knox street', '48 knox street', 'differ'],
    ['12 knox street', '12 bourne street', 'differ'],
    [null, '12 knox street', 'missing'],
  ] as const)('addresses %j / %j: %s', (a, b, want) =>
    expect(compareAddresses(normaliseAddress(a), normaliseAddress(b))).toBe(want),
  );

  it('compares places with one typo tolerated on longer names', () => {
    expect(comparePlaces('port macquarie', 'port macpquarie')).toBe('similar');
    expect(comparePlaces('byford', 'byford')).toBe('agree');
    expect(comparePlaces('bega', 'berg')).toBe('differ');
    expect(comparePlaces(null, 'bega')).toBe('missing');
  });

  it('is all null for a record without attributes', () => {
    expect(personAttributes({})).toEqual({
      birth: null,
      postcode: null,
      address: null,
      city: null,
      linkedin: null,
      external: null,
    });
    expect(personAttributes({ external_id: ' ERP-42 ' }).external).toBe('erp-42');
  });
});
