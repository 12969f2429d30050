import { describe, expect, it } from 'vitest';
import {
  firstNamesAgree,
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
    expect(normaliseName(...(args as [string, string, string]))).toEqual({ first, last });
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
