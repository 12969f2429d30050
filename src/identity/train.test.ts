import { describe, expect, it } from 'vitest';
import type { CompanyCandidate, ContactCandidate } from '../crm/types.js';
import { DEFAULT_MODEL, TF_MIN_RECORDS, tfWeight, weightsOf } from './model.js';
import { CrmSnapshot } from './snapshot.js';
import { trainModel } from './train.js';
import type { IdentityInput } from './types.js';

const FIRST = [
  'olivia',
  'james',
  'amelia',
  'noah',
  'isla',
  'oliver',
  'mia',
  'jack',
  'grace',
  'henry',
  'chloe',
  'lucas',
];
const LAST = [
  'nguyen',
  'smith',
  'kowalski',
  'okafor',
  'lindqvist',
  'moreau',
  'tanaka',
  'haddad',
  'brennan',
  'silva',
];

/** A CRM of n people at n/10 companies, each with a work address; plain values, no randomness. */
function crm(n: number): { contacts: ContactCandidate[]; companies: CompanyCandidate[] } {
  const companies = Array.from({ length: n / 10 }, (_, i) => ({
    id: `co${i}`,
    name: `Company ${i}`,
    domain: `company${i}.com`,
    additional_domains: [],
  }));
  const contacts = Array.from({ length: n }, (_, i) => {
    const first = FIRST[i % FIRST.length] as string;
    const last = `${LAST[Math.floor(i / FIRST.length) % LAST.length]}${Math.floor(i / 120)}`;
    return {
      id: `c${i}`,
      email: `${first}.${last}@company${i % (n / 10)}.com`,
      additional_emails: [],
      first_name: first,
      last_name: last,
      company_id: `co${i % (n / 10)}`,
      company_name: null,
      phone: null,
    };
  });
  return { contacts, companies };
}

/** Inputs for every third person: the email, and the first name's last two letters swapped when `typos`. */
function inputs(contacts: ContactCandidate[], typos: boolean): IdentityInput[] {
  return contacts
    .filter((_, i) => i % 3 === 0)
    .map((c) => {
      const f = c.first_name as string;
      return {
        key: c.id,
        type: 'contact' as const,
        email: c.email,
        first_name: typos ? `${f.slice(0, -2)}${f.at(-1)}${f.at(-2)}` : f,
        last_name: c.last_name,
      };
    });
}

describe('trainModel', () => {
  const data = crm(600);
  const snap = new CrmSnapshot(data.contacts, data.companies);
  const opts = { randomPairs: 8_000 };
  const clean = trainModel(inputs(data.contacts, false), snap, opts);
  const typod = trainModel(inputs(data.contacts, true), snap, opts);

  it('is repeatable: the same CRM, inputs and seed give the same model', () => {
    expect(trainModel(inputs(data.contacts, true), snap, opts).model).toEqual(typod.model);
    expect(typod.randomPairs).toBe(8_000);
    expect(typod.pairs).toBeGreaterThanOrEqual(200);
  });

  it('learns from the inputs how often a person writes their own name with a typo', () => {
    // most inputs' first name is a typo of their record's: among matches a typo is the norm
    expect(typod.model.first.similar.m).toBeGreaterThan(clean.model.first.similar.m + 0.5);
    expect(typod.model.first.exact.m).toBeLessThan(clean.model.first.exact.m - 0.5);
    expect(weightsOf(typod.model).first.exact).toBeLessThan(weightsOf(clean.model).first.exact);
    // the email vouched for them (anchors): the email itself keeps a strong weight
    expect(weightsOf(typod.model).email.agree).toBeGreaterThan(12);
  });

  it('counts u on random CRM pairs: names shared by many weigh less than the judged default', () => {
    // 12 first names among 600 people: two strangers share one 1 time in 12
    expect(clean.model.first.exact.u).toBeGreaterThan(0.06);
    expect(clean.model.first.exact.u).toBeLessThan(0.11);
    expect(weightsOf(clean.model).first.exact).toBeLessThan(weightsOf(DEFAULT_MODEL).first.exact);
  });

  it('never lets a weaker level outweigh a stronger one', () => {
    const w = weightsOf(typod.model);
    expect(w.first.similar).toBeLessThanOrEqual(w.first.exact);
    expect(w.first.initial).toBeLessThanOrEqual(w.first.similar);
    expect(w.last.different).toBeLessThanOrEqual(w.last.initial);
  });
});

describe('tfWeight', () => {
  const p = DEFAULT_MODEL.last.exact;
  const avg = Math.log2(p.m / p.u);
  it('lowers the weight of a value many records hold, and never raises a rare one', () => {
    expect(tfWeight(p, 2_000, 100_000)).toBeLessThan(avg - 1);
    expect(tfWeight(p, 1, 100_000)).toBeCloseTo(avg, 5);
  });
  it('leaves a small CRM alone: its counts are no frequencies', () => {
    expect(tfWeight(p, 300, TF_MIN_RECORDS - 1)).toBe(avg);
  });
});
