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
    const eventually = world.leads.filter((l) => l.outcome === 'converted');
    expect(eventually.length).toBeGreaterThan(240);
    expect(eventually.length).toBeLessThan(360);
    expect(world.truth.convertedLeads + world.truth.laterConvertedLeads).toBe(eventually.length);
    const conv = world.leads.filter((l) => l.outcome === 'converted' && !l.labelNoise);
    const rest = world.leads.filter((l) => l.outcome !== 'converted' && !l.labelNoise);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(conv.map((l) => l.conversionProbability))).toBeGreaterThan(
      2 * mean(rest.map((l) => l.conversionProbability)),
    );
    // asking for more than 15 % adds leads: conversion stays realistic
    const big = generateWorld({ seed: 3, contacts: 200, convertedLeads: 1000 });
    const bigRate = big.leads.filter((l) => l.outcome === 'converted').length / big.leads.length;
    expect(bigRate).toBeGreaterThan(0.08);
    expect(bigRate).toBeLessThan(0.12);
    expect(big.truth.convertedLeads + big.truth.laterConvertedLeads).toBeGreaterThan(900);
  });

  it('conversion is 5–15 %, partly driven by what no CRM field holds, with noise, gaps and drift', () => {
    const plain = generateWorld({ seed: 11, contacts: 4000, leads: 20_000 });
    const leads = plain.leads;
    const rate = (xs: typeof leads) => xs.filter((l) => l.outcome === 'converted').length / xs.length;
    expect(rate(leads)).toBeGreaterThan(0.05);
    expect(rate(leads)).toBeLessThan(0.15);
    // the hidden need and budget move conversion a lot, and no field carries them
    const needy = leads.filter((l) => l.hidden.need > 1 && l.hidden.budget);
    const not = leads.filter((l) => l.hidden.need < -1 && !l.hidden.budget);
    expect(rate(needy)).toBeGreaterThan(4 * rate(not));
    expect(plain.truth.leadModel.weights.hidden_need).toBeGreaterThan(0);
    // label noise: recorded outcomes that contradict the real decision, both ways
    const noisy = leads.filter((l) => l.labelNoise);
    expect(noisy.length / leads.length).toBeGreaterThan(0.005);
    expect(noisy.length / leads.length).toBeLessThan(0.03);
    expect(new Set(noisy.map((l) => l.outcome)).size).toBe(2);
    // empty fields, while the truth keeps the real value
    const share = (f: (l: (typeof leads)[number]) => boolean) => leads.filter(f).length / leads.length;
    expect(share((l) => l.employees === null)).toBeGreaterThan(0.1);
    expect(share((l) => l.industry === null)).toBeGreaterThan(0.08);
    expect(leads.every((l) => l.employees === null || l.employees === l.hidden.employees)).toBe(true);
    // a rare pair of nearly identical columns, and a near-duplicate count that is empty on old leads
    expect(share((l) => l.execBriefing)).toBeLessThan(0.03);
    expect(share((l) => l.execBriefing)).toBeGreaterThan(0.005);
    expect(share((l) => l.execBriefing === l.briefingInvited)).toBeGreaterThan(0.99);
    const tracked = leads.filter((l) => l.webVisits !== null);
    expect(tracked.length).toBeGreaterThan(leads.length * 0.3);
    expect(tracked.length).toBeLessThan(leads.length * 0.6);
    expect(tracked.every((l) => Math.abs((l.webVisits as number) - l.pageViews) <= l.pageViews * 0.2 + 3)).toBe(true);
    // drift: webinars convert better on old leads than on new ones, paid search the other way
    const now = Date.parse(plain.now);
    const old = leads.filter((l) => now - Date.parse(l.createdAt) > 480 * 86_400_000);
    const recent = leads.filter((l) => now - Date.parse(l.createdAt) < 240 * 86_400_000);
    const by = (xs: typeof leads, s: string) => rate(xs.filter((l) => l.leadSource === s));
    expect(by(old, 'webinar')).toBeGreaterThan(by(recent, 'webinar') * 1.4);
    expect(by(recent, 'paid_search')).toBeGreaterThan(by(old, 'paid_search') * 1.4);
    // outcomes arrive over time: open leads now, decided later
    const open = leads.filter((l) => l.status !== 'converted' && l.status !== 'unqualified');
    expect(open.length).toBeGreaterThan(leads.length * 0.1);
    for (const l of open) expect(l.decidedAt > plain.now).toBe(true);
    for (const l of leads.filter((x) => !open.includes(x))) {
      expect(l.decidedAt <= plain.now).toBe(true);
      expect(l.converted).toBe(l.outcome === 'converted');
    }
  });

  it('deals have a fate after now, and contacts the lifecycle their deals give them', () => {
    const fates = new Set(world.deals.filter((d) => d.stageIndex < 4).map((d) => d.fate));
    expect([...fates].sort()).toEqual(['lost', 'slipped', 'won']);
    for (const d of world.deals) {
      if (d.stage === 'closed_won') expect(d.fate).toBe('won');
      if (d.stage === 'closed_lost') expect(d.fate).toBe('lost');
      if (d.closesLaterOn) expect(d.closesLaterOn > world.now.slice(0, 10)).toBe(true);
    }
    // stalled deals are the risky ones: deals that slip or are lost have sat longer in their stage
    const open = world.deals.filter((d) => d.stageIndex < 4);
    const age = (ds: typeof open) => ds.reduce((s, d) => s + (Date.parse(world.now) - Date.parse(d.stageEnteredAt)), 0) / ds.length;
    expect(age(open.filter((d) => d.fate !== 'won'))).toBeGreaterThan(age(open.filter((d) => d.fate === 'won')));
    const wonBy = new Set(world.deals.filter((d) => d.stage === 'closed_won').flatMap((d) => d.contactIds));
    for (const c of world.contacts) {
      expect(c.lifecycleStage === 'customer').toBe(wonBy.has(c.id));
      if (c.lifecycleStage === 'customer') expect(c.becomesCustomer).toBe(false);
    }
    const later = world.contacts.filter((c) => c.becomesCustomer).length / world.contacts.length;
    expect(later).toBeGreaterThan(0.01);
    expect(later).toBeLessThan(0.15);
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
