import { describe, expect, it } from 'vitest';
import {
  compareNameKeys,
  editDistance,
  firstNamesAgree,
  jaroWinkler,
  nearlySameName,
  normaliseCompanyName,
  normaliseDomain,
  normaliseEmail,
  normaliseName,
  normalisePhone,
} from './normalise.js';

describe('normaliseEmail', () => {
  it.each([
    ['  John.Smith+crm@Gmail.com ', 'johnsmith@gmail.com', true, false],
    ['j.o.h.n@googlemail.com', 'john@gmail.com', true, false],
    ['jane+news@outlook.com', 'jane@outlook.com', true, false],
    ['jane.doe+x@acme.com', 'jane.doe+x@acme.com', false, false],
    ['INFO@Acme.com', 'info@acme.com', false, true],
    ['sales+eu@acme.io', 'sales+eu@acme.io', false, true],
    ['ｊｏｈｎ@acme.com', 'john@acme.com', false, false],
  ])('%s → %s', (raw, canonical, free, role) => {
    const e = normaliseEmail(raw)!;
    expect(e.canonical).toBe(canonical);
    expect(e.freeMail).toBe(free);
    expect(e.role).toBe(role);
  });
  it('rejects what is not an address', () => {
    for (const bad of ['', 'john', 'john@', '@acme.com', 'a b@acme.com', null])
      expect(normaliseEmail(bad)).toBeNull();
  });
});

describe('normaliseDomain', () => {
  it.each([
    ['https://www.Acme.com/about?x=1', 'acme.com'],
    ['shop.acme.co.uk', 'acme.co.uk'],
    ['WWW.ACME.COM', 'acme.com'],
    ['jane@eu.acme.de', 'acme.de'],
    ['acme.github.io', 'acme.github.io'],
  ])('%s → %s', (raw, want) => expect(normaliseDomain(raw)).toBe(want));
  it('gives null for nothing usable', () => {
    expect(normaliseDomain('')).toBeNull();
    expect(normaliseDomain('not a domain')).toBeNull();
  });
});

describe('normaliseName', () => {
  it.each([
    [['John', 'Smith', null], 'john', 'smith'],
    [[null, null, 'SMITH, John'], 'john', 'smith'],
    [[null, null, 'Dr. Jane A. O’Neil'], 'jane', 'oneil'],
    [['José', 'Núñez', null], 'jose', 'nunez'],
    [[null, null, 'john a smith jr.'], 'john', 'smith'],
    [['Mary-Kate', 'van der Berg', null], 'mary', 'vanderberg'],
  ])('%j → %s %s', (args, first, last) => {
    expect(normaliseName(...(args as [string, string, string]))).toMatchObject({ first, last });
  });
  it.each([
    [['Ja yde', 'Crouch'], 'jayde'],
    [['Mary Ann', 'Lowe'], 'maryann'],
    [['Mary-Kate', 'Olsen'], 'marykate'],
    [['Jane A.', 'Doe'], undefined],
    [['Jane', 'Doe'], undefined],
  ])('%j: the given name run together is %s', (args, joined) => {
    expect(normaliseName(...(args as [string, string]))?.joined).toBe(joined);
  });
  it('knows nicknames only as agreement, not as keys', () => {
    expect(firstNamesAgree('bob', 'robert')).toBe(true);
    expect(firstNamesAgree('john', 'jane')).toBe(false);
  });
});

describe('normaliseCompanyName', () => {
  it.each([
    ['The ACME, Inc.', 'acme'],
    ['Acme GmbH', 'acme'],
    ['Smith & Sons Ltd', 'smith and sons'],
    ['Société Générale S.A.', 'societe generale'],
    ['Acme Analytics', 'acme analytics'],
  ])('%s → %s', (raw, want) => expect(normaliseCompanyName(raw)).toBe(want));
});

describe('normalisePhone', () => {
  it('brings formats of one number together', () => {
    const a = normalisePhone('(415) 555-0132');
    expect(a).toBe(normalisePhone('+1 415 555 0132'));
    expect(a).toBe(normalisePhone('415.555.0132'));
  });
});

describe('name comparison', () => {
  it.each([
    ['martha', 'marhta', 1],
    ['bridegt', 'bridget', 1],
    ['urenea', 'urena', 1],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3],
    ['', 'abc', 3],
  ])('edit distance %s / %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });

  it.each([
    ['martha', 'marhta', 0.961],
    ['dixon', 'dicksonx', 0.813],
    ['dwayne', 'duane', 0.84],
    ['abc', 'xyz', 0],
  ])('Jaro–Winkler %s / %s ≈ %f', (a, b, v) => {
    expect(jaroWinkler(a, b)).toBeCloseTo(v, 3);
  });

  it.each([
    ['bianca', 'biana', 'first', 'similar'],
    ['cobbett', 'cbobett', 'last', 'similar'],
    ['bob', 'robert', 'first', 'exact'],
    ['j', 'john', 'first', 'initial'],
    ['k', 'john', 'first', 'different'],
    ['alice', 'karli', 'first', 'different'],
    ['jon', 'john', 'first', 'different'],
    ['mark', 'mary', 'first', 'different'],
    ['', 'john', 'first', 'missing'],
  ] as const)('%s / %s (%s name) → %s', (a, b, kind, want) => {
    expect(compareNameKeys(a, b, kind)).toBe(want);
  });

  it('tells a slip of the keys from another name', () => {
    expect(nearlySameName('riy', 'roy')).toBe(true);
    expect(nearlySameName('jac', 'jack')).toBe(true);
    expect(nearlySameName('isablel', 'isabella')).toBe(true);
    expect(nearlySameName('alice', 'karli')).toBe(false);
    expect(nearlySameName('kynan', 'matthew')).toBe(false);
  });
});
