import { describe, expect, it } from 'vitest';
import { seedOrg } from './seed.js';
import { SalesforceOrg } from './state.js';

describe('the seeded org', () => {
  const org = new SalesforceOrg();
  const truth = seedOrg(org, { seed: 5, contacts: 300, now: Date.UTC(2026, 10, 1) });
  const byId = new Map(truth.world.leads.map((l) => [truth.idOf[l.id] as string, l]));
  const leads = [...org.rows('Lead').values()] as Record<string, unknown>[];
  // leads whose Rating a rep changed later (history of its own)
  const edited = new Set(
    [...org.rows('LeadHistory').values()].filter((h) => h.Field === 'Rating').map((h) => h.LeadId),
  );

  it("writes the rep's Rating from what a rep sees, never from the hidden probability", () => {
    let rated = 0;
    for (const row of leads) {
      const l = byId.get(row.Id as string);
      if (!l || row.Rating == null) continue;
      if (edited.has(row.Id)) continue;
      rated++;
      const seen =
        l.meetings * 2 +
        (l.daysSinceLastActivity <= 30 ? 2 : 0) +
        (l.emailOpens > 8 ? 1 : 0) +
        (l.seniority === 'c_level' || l.seniority === 'vp' ? 1 : 0);
      // the rep's judgement varies by one point either way, no more
      if (row.Rating === 'Hot') expect(seen + 1).toBeGreaterThanOrEqual(4);
      if (row.Rating === 'Cold') expect(seen - 1).toBeLessThan(2);
    }
    expect(rated).toBeGreaterThan(100);
    // two leads a rep cannot tell apart get ratings that do not follow their hidden probabilities
    const cold = truth.world.leads.filter(
      (l) => l.meetings === 0 && l.daysSinceLastActivity > 30 && l.emailOpens <= 8,
    );
    const hiddenHigh = cold
      .filter((l) => l.conversionProbability > 0.3 && !edited.has(truth.idOf[l.id]))
      .map((l) => org.rows('Lead').get(truth.idOf[l.id] as string)?.Rating);
    expect(hiddenHigh.length).toBeGreaterThan(0);
    expect(hiddenHigh.every((r) => r !== 'Hot')).toBe(true);
  });

  it('records outcomes as the CRM would: decided leads closed, open leads with a later outcome only in the truth', () => {
    const open = Object.keys(truth.laterOutcomes.lead);
    expect(open.length).toBeGreaterThan(0);
    for (const id of open) {
      const row = org.rows('Lead').get(id) as Record<string, unknown>;
      expect(String(row.Status).startsWith('Closed')).toBe(false);
      expect(row.IsConverted ?? false).toBe(false);
    }
    const converted = leads.filter((r) => r.IsConverted === true).length;
    expect(converted).toBe(truth.convertedLeads);
    const rate = truth.world.leads.filter((l) => l.outcome === 'converted').length / truth.world.leads.length;
    expect(rate).toBeGreaterThan(0.05);
    expect(rate).toBeLessThan(0.15);
    // the CRM holds the empty fields as empty, the rare briefing pair as checkboxes
    expect(leads.some((r) => r.NumberOfEmployees == null)).toBe(true);
    expect(leads.some((r) => r.Exec_Briefing__c === true)).toBe(true);
    expect(leads.some((r) => r.Site_Sessions__c == null)).toBe(true);
  });
});
