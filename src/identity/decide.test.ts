import { describe, expect, it } from 'vitest';
import type { CompanyCandidate, ContactCandidate } from '../crm/types.js';
import { resolveIdentity } from './decide.js';
import { CrmSnapshot } from './snapshot.js';
import type { IdentityInput } from './types.js';

const co = (
  id: string,
  name: string,
  domain: string | null,
  additional: string[] = [],
): CompanyCandidate => ({ id, name, domain, additional_domains: additional });
const ct = (
  id: string,
  first: string,
  last: string,
  email: string | null,
  company: string | null,
  more: Partial<ContactCandidate> = {},
): ContactCandidate => ({
  id,
  email,
  additional_emails: [],
  first_name: first,
  last_name: last,
  company_id: company,
  company_name: null,
  phone: null,
  ...more,
});

const snap = new CrmSnapshot(
  [
    ct('c1', 'John', 'Smith', 'john.smith@globex.com', 'g1', { phone: '+1 415 555 0101' }),
    ct('c2', 'John', 'Smith', 'jsmith@globex.com', 'g1', { phone: '+1 415 555 0102' }),
    ct('c3', 'Jane', 'Doe', 'jane@initech.com', 'i1', { additional_emails: ['janedoe@gmail.com'] }),
    ct('c4', 'Ann', 'Lee', 'info@initech.com', 'i1'),
    ct('c5', 'Bob', 'Ray', 'info@initech.com', 'i1'),
    ct('c6', 'Mary', 'Jones', 'mary@hooli.com', 'h1'),
    ct('c7', 'Mary', 'Jones', 'MARY@hooli.com', 'h1'),
    ct('c8', 'Sam', 'Park', 'sam@soylent.com', 's1'),
  ],
  [
    co('g1', 'Globex Corporation', 'globex.com'),
    co('i1', 'Initech, Inc.', 'https://www.initech.com'),
    co('h1', 'Hooli', 'hooli.com'),
    co('s1', 'Soylent', 'soylent.com'),
    co('s2', 'Soylent Europe GmbH', 'soylent.com'),
    co('u1', 'Umbrella', 'umbrella.com'),
    co('u2', 'Umbrella', 'umbrella.co.uk'),
  ],
);

const c = (key: string, f: Partial<IdentityInput>): IdentityInput => ({ key, type: 'contact', ...f });
const k = (key: string, f: Partial<IdentityInput>): IdentityInput => ({ key, type: 'company', ...f });

describe('resolveIdentity', () => {
  it.each([
    // [input, status, id or candidates, reason fragment]
    [c('a', { email: ' John.Smith@GLOBEX.com ' }), 'matched', 'c1', 'email matches one record'],
    [c('b', { email: 'janedoe+crm@gmail.com', full_name: 'DOE, Jane' }), 'matched', 'c3', 'email and name'],
    [
      c('c', { email: 'info@initech.com', first_name: 'Ann', last_name: 'Lee' }),
      'matched',
      'c4',
      'role inbox',
    ],
    [
      c('d', { email: 'info@initech.com' }),
      'ambiguous',
      ['c4', 'c5'],
      'role inbox info@initech.com is on 2 records',
    ],
    [
      c('e', { email: 'info@initech.com', first_name: 'Zed', last_name: 'Zane' }),
      'unmatched',
      [],
      'shared inbox identifies nobody',
    ],
    [
      c('f', { email: 'mary@hooli.com', first_name: 'Mary', last_name: 'Jones' }),
      'ambiguous',
      ['c6', 'c7'],
      'CRM duplicates',
    ],
    [
      c('g', { first_name: 'John', last_name: 'Smith', company_domain: 'globex.com' }),
      'ambiguous',
      ['c1', 'c2'],
      '2 people named john smith',
    ],
    [
      c('h', { first_name: 'John', last_name: 'Smith', company_name: 'Globex', phone: '(415) 555-0102' }),
      'matched',
      'c2',
      'phone and name match one record',
    ],
    [c('i', { first_name: 'Jane', last_name: 'Doe' }), 'unmatched', ['c3'], 'never matched by name alone'],
    [
      // another address at her company's domain: a namesake colleague as likely as Jane with a new one
      c('j', { email: 'new.address@initech.com', first_name: 'Jane', last_name: 'Doe' }),
      'ambiguous',
      ['c3'],
      'closest: jane doe',
    ],
    [
      c('j2', { email: 'jd1990@gmail.com', first_name: 'Jane', last_name: 'Doe', company_name: 'Initech' }),
      'matched',
      'c3',
      'one person of that name',
    ],
    [
      c('k', { email: 'sam@soylent.com', first_name: 'Samantha', last_name: 'Quinn' }),
      'ambiguous',
      ['c8'],
      'differs',
    ],
    [c('l', { email: 'not-an-email' }), 'unmatched', [], 'not an email address'],
    [c('m', { email: 'nobody@nowhere.example' }), 'unmatched', [], 'not in the CRM'],
    [k('n', { domain: 'https://globex.com/about' }), 'matched', 'g1', 'belongs to one company'],
    [k('o', { domain: 'soylent.com' }), 'ambiguous', ['s1', 's2'], 'belongs to 2 companies'],
    [k('p', { domain: 'soylent.com', name: 'Soylent Europe' }), 'matched', 's2', 'name singles out one'],
    [k('q', { name: 'Umbrella' }), 'ambiguous', ['u1', 'u2'], '2 companies are named'],
    [k('r', { name: 'Hooli Inc.' }), 'matched', 'h1', 'one company is named'],
    [
      k('s', { name: 'Hooli', website: 'hooli.io' }),
      'unmatched',
      ['h1'],
      'different company of the same name',
    ],
    [k('t', { name: 'Pied Piper' }), 'unmatched', [], 'not in the CRM'],
  ] as const)('%# %j', (input, status, want, reason) => {
    const r = resolveIdentity(input, snap);
    expect(r.status).toBe(status);
    if (typeof want === 'string') expect(r.id).toBe(want);
    else expect(r.candidates).toEqual(want);
    expect(r.reason.toLowerCase()).toContain(reason.toLowerCase());
    if (r.status === 'matched') expect(r.confidence).toBeGreaterThan(0.5);
    else expect(r.id).toBeNull();
  });
});

describe('resolveIdentity on messy data: conflicts go to review, small typos are not misses', () => {
  const messy = new CrmSnapshot(
    [
      ct('k1', 'Karli', 'Campbell', 'campbells@gmail.com', 'a1'),
      ct('e1', 'Priya', 'Natarajan', 'priya.n@acme.com', 'a1', { phone: '+1 212 555 0111' }),
      ct('e2', 'Tom', 'Wexler', 'tom.wexler@acme.com', 'a1', { phone: '+1 212 555 0199' }),
      ct('d1', 'Lena', 'Ortiz', 'lena.ortiz@acme.com', 'a1', { phone: '+1 212 555 0123' }),
      ct('d2', 'Lena', 'Ortiz', 'LENA.ORTIZ@acme.com', 'a1'),
      ct('b1', 'Bianca', 'Cobbett', 'bcobbett@acme.com', 'a1', { phone: '+61 412 345 678' }),
      ct('b2', 'Bridget', 'Knopf', 'bknopf@acme.com', 'a1'),
      ct('u1', 'Amy', 'Urena', 'amy@acme.com', 'a1'),
      ct('p1', 'Gareth', 'Oyelaran', null, null, { phone: '+44 20 7946 0321' }),
      ct('m1', 'Omar', 'Haddad', 'omar@acme.com', 'a1', { phone: '+1 212 555 0140' }),
      ct('m2', 'Omar', 'Haddad', 'OMAR@acme.com', 'a1', { phone: '+1 212 555 0141' }),
      ct('r1', 'Roy', 'Howie', 'roy.howie@gmail.com', null, { phone: '+1 646 555 0150' }),
      ct('h1', 'Mark', 'Fell', 'fells@gmail.com', null),
      ct('s1', 'Sarah', 'Lund', 'sarah.lund@acme.com', 'a1'),
      ct('s2', 'Sara', 'Lund', 'sara.lund@acme.com', 'a1'),
      ct('g1', 'Mozell', 'Green', 'mozell.green@acme.com', 'a1', { phone: '+30 212 989 8653' }),
      ct('g2', 'Agnes', 'Durgan', 'adurgan@acme.fr', null, { phone: '+33 1 29 89 86 53' }),
    ],
    [co('a1', 'Acme Corp', 'acme.com')],
  );
  it.each([
    [
      c('household', { email: 'campbells@gmail.com', first_name: 'Alice', last_name: 'Campbell' }),
      'ambiguous',
      ['k1'],
      'first name',
    ],
    [
      c('email-vs-phone', { email: 'priya.n@acme.com', full_name: 'Priya Natarajan', phone: '212-555-0199' }),
      'ambiguous',
      ['e1', 'e2'],
      'phone',
    ],
    [
      c('dups', { email: 'lena.ortiz@acme.com', full_name: 'Lena Ortiz', phone: '(212) 555-0123' }),
      'ambiguous',
      ['d1', 'd2'],
      'CRM duplicates',
    ],
    [
      c('typos', {
        email: 'bcobbett@acme.com',
        first_name: 'biana',
        last_name: 'cbobett',
        phone: '0412 345 678',
      }),
      'matched',
      'b1',
      'email',
    ],
    [
      c('first-typo', { first_name: 'bridegt', last_name: 'knopf', company_name: 'Acme' }),
      'ambiguous',
      ['b2'],
      'bridget',
    ],
    [
      // the first name as on record, the surname one typo off (a first-name typo is a review, above)
      c('last-typo', { first_name: 'amy', last_name: 'urenea', company_name: 'Acme' }),
      'matched',
      'u1',
      'name (written "amy urenea", on record "amy urena") and company',
    ],
    [
      c('phone-typo', { first_name: 'Gareth', last_name: 'Oyelaram', phone: '020 7946 0321' }),
      'matched',
      'p1',
      'phone',
    ],
    [c('phone-only', { phone: '020 7946 0321' }), 'ambiguous', ['p1'], 'phone'],
    [
      c('phone-singles-out', { email: 'omar@acme.com', full_name: 'Omar Haddad', phone: '212 555 0141' }),
      'matched',
      'm2',
      'single out one',
    ],
    [
      c('slip-with-two', { email: 'roy.howie@gmail.com', full_name: 'riy howie', phone: '646-555-0150' }),
      'matched',
      'r1',
      'written "riy howie"',
    ],
    [
      c('slip-with-one', { email: 'roy.howie@gmail.com', full_name: 'riy howie' }),
      'ambiguous',
      ['r1'],
      'first name',
    ],
    [
      c('household-one-letter', { email: 'fells@gmail.com', full_name: 'Mary Fell' }),
      'ambiguous',
      ['h1'],
      'first name',
    ],
    [
      c('near-namesakes', { full_name: 'Sarah Lund', company_name: 'Acme' }),
      'ambiguous',
      ['s1', 's2'],
      'about equally',
    ],
    [
      c('phone-key-collision', {
        full_name: 'Mozell Green',
        email: 'mozell.green@acme.com',
        phone: '+30 212 989 8653',
      }),
      'matched',
      'g1',
      'email, phone and name',
    ],
    [
      c('swapped', { first_name: 'Urena', last_name: 'Amy', company_domain: 'acme.com' }),
      'matched',
      'u1',
      'on record',
    ],
  ] as const)('%# %j', (input, status, want, reason) => {
    const r = resolveIdentity(input, messy);
    expect(r.status).toBe(status);
    if (typeof want === 'string') expect(r.id).toBe(want);
    else expect(r.candidates).toEqual(want);
    expect(r.reason.toLowerCase()).toContain(reason.toLowerCase());
    if (r.status !== 'matched') expect(r.id).toBeNull();
  });
});

describe('resolveIdentity with identifying attributes and partial inputs', () => {
  const people = new CrmSnapshot(
    [
      ct('b1', 'Bianca', 'Cobbett', 'bcobbett@acme.com', 'a1', { phone: '+61 412 345 678' }),
      ct('h1', 'Karli', 'Campbell', 'k.campbell@gmail.com', null, {
        address: '12 Knox Street',
        postcode: '4129',
        birth_date: '1980-01-02',
      }),
      ct('s1', 'Ella', 'Stone', null, null, {
        address: '5 Elm Road',
        postcode: '2000',
        birth_date: '1975-06-07',
      }),
      ct('d1', 'Tom', 'Reed', null, null, { birth_date: '1990-02-03', postcode: '3000' }),
      ct('d2', 'Tom', 'Reed', null, null, { birth_date: '1990-02-03', postcode: '3000' }),
      ct('l1', 'Ana', 'Silva', null, null, { linkedin_url: 'https://www.linkedin.com/in/ana-silva' }),
      ct('x1', 'Ivo', 'Marsh', null, null, { external_id: 'ERP-77' }),
      ct('x2', 'Ivo', 'Marsh', 'ivo@acme.com', 'a1', { external_id: 'ERP-78' }),
      // a household: one mailbox each, one phone, and each person's own birth date
      ct('w1', 'Nathan', 'Weaver', null, null, {
        phone: '+61 404 634 662',
        birth_date: '1988-11-01',
        postcode: '2776',
      }),
      ct('w2', 'Lochlan', 'Weaver', 'lochlan.weaver@acme.com', null, {
        birth_date: '1990-05-05',
        postcode: '2776',
      }),
      ct('n1', 'Chloe', 'Coleman', null, null, {
        address: '50 Mina Wylie Crescent',
        postcode: '3114',
        birth_date: '1985-07-01',
      }),
      ct('g1', 'Ellie', 'Green', 'ellie.green@acme.com', 'a1', {
        address: '3 Walker Crescent',
        postcode: '6056',
        birth_date: '1908-06-11',
      }),
      ct('r1', 'Samuel', 'Crimes', null, null, { address: '91 Newbu Place', postcode: '5351' }),
      // twins: the birth date settles nothing
      ct('t1', 'Ruby', 'Kiss', null, null, { phone: '+61 416 452 285', birth_date: '1956-07-23' }),
      ct('t2', 'Tayah', 'Kiss', 'tayah.kiss@acme.com', null, { birth_date: '1956-07-23' }),
    ],
    [co('a1', 'Acme Corp', 'acme.com')],
  );
  it.each([
    // a first name, a phone and a company: the reason says what was given, not "no name"
    [
      c('first-phone-company', { first_name: 'Zed', phone: '0499 999 999', company_name: 'Acme' }),
      'unmatched',
      [],
      'no crm record fits phone 0499 999 999 (on no record), first name "zed"',
    ],
    [
      c('first-only', { first_name: 'Zed' }),
      'unmatched',
      [],
      'without a last name, a first name identifies no one',
    ],
    [c('nothing', {}), 'unmatched', [], 'no email, phone, name, company or other identifying field'],
    // another first name at the same street address: a household, not this person
    [
      c('address-household', {
        first_name: 'Alice',
        last_name: 'Campbell',
        address: '12 knox st',
        postcode: '4129',
      }),
      'ambiguous',
      ['h1'],
      'address 12 knox st is on karli campbell (h1) but the first name "alice"',
    ],
    // the same, with the record's birth date: the person's own, so the name is the record's other name
    [
      c('address-birth', {
        first_name: 'Karli',
        last_name: 'Campbel',
        address: '12 knox st',
        birth_date: '02/01/1980',
      }),
      'matched',
      'h1',
      'birth date, address and name (written "karli campbel"',
    ],
    [
      c('birth-swapped', {
        first_name: 'Ella',
        last_name: 'Stone',
        birth_date: '1975-07-06',
        address: '5 elm rd',
      }),
      'matched',
      's1',
      'birth date (day and month swapped), address and name',
    ],
    [
      c('birth-typo-name', {
        first_name: 'Ella',
        last_name: 'Stine',
        birth_date: '19750607',
        postcode: '2000',
      }),
      'matched',
      's1',
      'birth date, postcode and name (written "ella stine"',
    ],
    // CRM duplicates found by birth date: review, never a pick
    [
      c('duplicates-by-birth', { first_name: 'Tom', last_name: 'Reed', birth_date: '1990-02-03' }),
      'ambiguous',
      ['d1', 'd2'],
      'crm duplicates: 2 records for tom reed share a birth date',
    ],
    [
      c('linkedin', { full_name: 'Ana Silva', linkedin_url: 'linkedin.com/in/Ana-Silva/' }),
      'matched',
      'l1',
      'linkedin profile and name match one record',
    ],
    // two namesakes: the external id singles one out, and contradicts the other
    [
      c('external-id', { full_name: 'Ivo Marsh', external_id: 'erp-77' }),
      'matched',
      'x1',
      'external id and name',
    ],
    // another first name, the household's mailbox and Nathan's phone: the birth date is Nathan's
    // own and Lochlan's differs, so the record is Nathan's (before: email and phone point at
    // different records, review)
    [
      c('split-settled-by-birth', {
        first_name: 'Jackson',
        last_name: 'Weaver',
        email: 'lochlan.weaver@acme.com',
        phone: '0404 634 662',
        birth_date: '01/11/1988',
      }),
      'matched',
      'w1',
      'email lochlan.weaver@acme.com is on lochlan weaver (w2), whose birth date differs',
    ],
    // the same between twins: the birth date is on both records
    [
      c('split-twins', {
        first_name: 'Jackson',
        last_name: 'Kiss',
        email: 'tayah.kiss@acme.com',
        phone: '0416 452 285',
        birth_date: '1956-07-23',
      }),
      'ambiguous',
      ['t1', 't2'],
      'the evidence points at different records',
    ],
    // the address one typo off in the record's postcode, under the name one typo off: Chloe's own
    // (before: review, nothing of the person's own agreed exactly)
    [
      c('address-nearly', {
        first_name: 'Chleo',
        last_name: 'Coleman',
        address: '50 mina wylie crscent',
        postcode: '3114',
      }),
      'matched',
      'n1',
      'address (nearly), postcode and name (written "chleo coleman"',
    ],
    // a birth date with two digits swapped into a month that cannot be, in the record's postcode,
    // from another mailbox at the employer: Ellie's own (before: review, a colleague's mailbox)
    [
      c('birth-nearly', {
        first_name: 'Ellie',
        last_name: 'Green',
        email: 'ellie.green.new@acme.com',
        birth_date: '19086011',
        postcode: '6056',
      }),
      'matched',
      'g1',
      'birth date (nearly: a digit off or two swapped), postcode and name',
    ],
    // the same street one house along, under another first name: a neighbour or a household
    [
      c('address-nearly-other-name', {
        first_name: 'Isabella',
        last_name: 'Crimes',
        address: '90 newbu place',
        postcode: '5351',
      }),
      'ambiguous',
      ['r1'],
      'not enough to match on',
    ],
    // a birth date one digit off and nothing of the place, from another mailbox at the employer:
    // a colleague of the same name is as likely
    [
      c('birth-nearly-alone', {
        first_name: 'Ellie',
        last_name: 'Green',
        email: 'ellie.green.new@acme.com',
        birth_date: '1908-06-12',
        postcode: '7000',
      }),
      'ambiguous',
      ['g1'],
      'not enough to match on',
    ],
    // a phone one digit off is no phone match, and a name alone is never enough
    [
      c('phone-one-off', { first_name: 'Bianca', last_name: 'Cobbett', phone: '0412 345 679' }),
      'unmatched',
      ['b1'],
      'never matched by name alone',
    ],
  ] as const)('%# %j', (input, status, want, reason) => {
    const r = resolveIdentity(input, people);
    expect(r.status).toBe(status);
    if (typeof want === 'string') expect(r.id).toBe(want);
    else expect(r.candidates).toEqual(want);
    expect(r.reason.toLowerCase()).toContain(reason.toLowerCase());
  });
});
