import { describe, expect, it } from 'vitest';
import { generateWorld } from './index.js';

const world = generateWorld({ seed: 7, contacts: 3000, convertedLeads: 300 });

describe('generateWorld', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const again = generateWorld({ seed: 7, contacts: 3000, convertedLeads: 300 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(world));
    expect(generateWorld({ seed: 8, contacts: 3000 }).contacts[10]?.email).not.toBe(
      world.contacts[10]?.email,
    );
  });

  it('has the requested sizes and unique ids', () => {
    expect(world.contacts).toHaveLength(3000);
    expect(world.companies).toHaveLength(600);
    expect(new Set(world.contacts.map((c) => c.id)).size).toBe(3000);
    expect(new Set(world.companies.map((c) => c.id)).size).toBe(600);
  });

  it('contains every identity pathology', () => {
    const t = world.truth;
    const smiths = t.sameNameGroups[0] ?? [];
    expect(smiths.length).toBeGreaterThanOrEqual(3);
    const byId = new Map(world.contacts.map((c) => [c.id, c]));
    expect(new Set(smiths.map((id) => byId.get(id)?.companyId)).size).toBe(1);
    expect(new Set(smiths.map((id) => byId.get(id)?.personId)).size).toBe(smiths.length);
    expect(t.duplicates.length).toBeGreaterThan(20);
    for (const [a, b] of t.duplicates) {
      const x = byId.get(a);
      const y = byId.get(b);
      expect(x?.personId).toBe(y?.personId);
      expect(x?.email?.toLowerCase()).toBe(y?.email?.toLowerCase());
      expect(x?.email).not.toBe(y?.email);
    }
    expect(t.roleInboxes.some((r) => r.contactIds.length >= 2)).toBe(true);
    expect(
      world.contacts.some(
        (c) =>
          c.personalEmail && c.workEmail && (c.additionalEmails.length > 0 || c.email === c.personalEmail),
      ),
    ).toBe(true);
    const subs = Object.entries(t.subsidiaries);
    expect(subs.length).toBeGreaterThan(0);
    const co = new Map(world.companies.map((c) => [c.id, c]));
    for (const [parent, kids] of subs)
      for (const k of kids) expect(co.get(k)?.trueDomain).toBe(co.get(parent)?.trueDomain);
    expect(t.sameNameCompanies.length).toBeGreaterThan(0);
    expect(world.contacts.some((c) => c.firstName === null && c.lastName?.includes(','))).toBe(true);
    expect(world.contacts.some((c) => c.firstName?.startsWith('Dr. '))).toBe(true);
    expect(world.companies.some((c) => c.domain?.startsWith('https://'))).toBe(true);
    const patterns = new Set(world.outsiders.map((o) => o.pattern));
    expect([...patterns].sort()).toEqual([
      'same_company_name',
      'same_name_other_company',
      'similar_company_name',
      'similar_name_same_company',
      'stranger',
    ]);
  });

  it('outsiders are not in the CRM', () => {
    const emails = new Set(
      world.contacts
        .flatMap((c) => [c.email, ...c.additionalEmails])
        .filter(Boolean)
        .map((e) => e?.toLowerCase()),
    );
    const domains = new Set(world.companies.map((c) => c.trueDomain));
    for (const o of world.outsiders) {
      if (o.email) expect(emails.has(o.email.toLowerCase())).toBe(false);
      if (o.pattern !== 'similar_name_same_company') expect(domains.has(o.companyDomain)).toBe(false);
    }
  });

  it('leads convert at the asked rate, following the hidden model', () => {
    expect(world.truth.convertedLeads).toBeGreaterThan(240);
    expect(world.truth.convertedLeads).toBeLessThan(360);
    const conv = world.leads.filter((l) => l.converted);
    const rest = world.leads.filter((l) => !l.converted);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(conv.map((l) => l.conversionProbability))).toBeGreaterThan(
      2 * mean(rest.map((l) => l.conversionProbability)),
    );
    const big = generateWorld({ seed: 3, contacts: 200, convertedLeads: 1000 });
    expect(big.truth.convertedLeads).toBeGreaterThan(900);
  });

  it('deals and activities are consistent', () => {
    const ids = new Set(world.contacts.map((c) => c.id));
    for (const d of world.deals) {
      for (const c of d.contactIds) expect(ids.has(c)).toBe(true);
      expect(d.closeDate >= d.originalCloseDate).toBe(true);
    }
    expect(world.deals.some((d) => d.closeDatePushes > 0)).toBe(true);
    expect(new Set(world.activities.map((a) => a.type)).size).toBe(4);
  });

  it('messages carry all four labels with varied wording', () => {
    expect(new Set(world.messages.map((m) => m.intent))).toEqual(
      new Set(['high', 'medium', 'low', 'not_sales']),
    );
    const bodies = new Set(world.messages.map((m) => m.body));
    expect(bodies.size / world.messages.length).toBeGreaterThan(0.8);
  });
});
