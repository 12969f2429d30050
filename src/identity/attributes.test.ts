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
    // no month 13: kept as written, a date with a digit mistyped
    ['19851307', '19851307'],
    ['18001307', null],
    ['1985-13-07', null],
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
    // two digits swapped into a month or a day that cannot be: still one slip from the date
    ['19840025', '19840205', 'similar'],
    ['19571233', '19571223', 'similar'],
    ['19409716', '19490716', 'similar'],
    ['19851307', '19851307', 'agree'],
    ['19851307', '19790611', 'differ'],
  ] as const)('dates %j / %j: %s', (a, b, want) =>
    expect(compareDates(normaliseDate(a), normaliseDate(b))).toBe(want),
  );

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
    // spaces lost or split in typing and scanning: the same street
    ['14 cutlackstreet', '14 cutlack st', 'agree'],
    ['11 arndel lstreet', '11 arndell street', 'agree'],
    ['69 fisken c rescent', '69 fisken crescent', 'agree'],
    ['7 pearsonstreet', '8 pearson street', 'similar'],
    ['7 pearsonstreet', '7 pearson road', 'differ'],
    // a house number alone is no address
    ['28', '85 smiths road', 'missing'],
    ['131', '131', 'missing'],
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
