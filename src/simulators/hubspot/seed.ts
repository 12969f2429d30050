/**
 * Seeds the simulated HubSpot account from the CRM-neutral world (src/simulators/seed): owners,
 * companies (domains as messy as the world stores them), contacts with secondary e-mails and the
 * import duplicates HubSpot lets in (same person twice, e-mail in another case — §6), deals on the
 * default pipeline, notes and tasks on the timeline, and the associations between them (§7.3).
 * Seeded values carry `IMPORT` as their history source. Keeps the ground truth and id maps.
 */
import type { DealStage, PersonDetails, WorldTruth } from '../seed/index.js';
import { generateWorld, isoTime, parseIsoTime, personDetails } from '../seed/index.js';
import type { HubspotState } from './state.js';

export interface GroundTruthContact {
  id: string;
  worldId: string;
  name: string;
  /** Every address on the record, trimmed and lower-cased. */
  emails: string[];
  companyId: string | null;
}

export interface GroundTruthCompany {
  id: string;
  worldId: string;
  name: string;
  /** The registrable domain the company really uses. */
  domain: string;
  website: string | null;
}

export interface GroundTruth {
  contacts: GroundTruthContact[];
  /**
   * What the CRM records later, by HubSpot id: `contact` — reaches customer (contacts that are
   * customers already are history and absent); `deal` — an open deal slips or is lost.
   */
  laterOutcomes: { contact: Record<string, boolean>; deal: Record<string, boolean> };
  companies: GroundTruthCompany[];
  world: WorldTruth;
  /** World id → HubSpot id. */
  ids: {
    contacts: Record<string, string>;
    companies: Record<string, string>;
    deals: Record<string, string>;
    owners: Record<string, string>;
  };
}

/** World stage → the default pipeline's stage id (§13.3). */
export const STAGE_IDS: Record<DealStage, string> = {
  qualification: 'qualifiedtobuy',
  discovery: 'presentationscheduled',
  proposal: 'decisionmakerboughtin',
  negotiation: 'contractsent',
  closed_won: 'closedwon',
  closed_lost: 'closedlost',
};

const LIFECYCLE: Record<string, string> = {
  subscriber: 'subscriber',
  lead: 'lead',
  opportunity: 'opportunity',
  customer: 'customer',
};
const ms = parseIsoTime;
const IMPORT = { sourceType: 'IMPORT' as const, sourceId: 'import:1' };

/** A person's details in HubSpot's default contact properties (empty ones are not stored). */
const hubspotDetails = (d: PersonDetails) => ({
  date_of_birth: d.birthDate ?? '',
  address: d.street ?? '',
  zip: d.postcode ?? '',
  city: d.city ?? '',
});

export function seedAccount(state: HubspotState, seed: number, contacts: number, now: number): GroundTruth {
  const world = generateWorld({
    seed,
    contacts,
    leads: Math.min(50, contacts),
    convertedLeads: Math.min(5, contacts),
    messages: 40,
    outsiders: 20,
  });
  const ids: GroundTruth['ids'] = { contacts: {}, companies: {}, deals: {}, owners: {} };

  world.owners.forEach((o, i) => {
    const owner = state.addOwner({
      id: String(41_629_779 + i * 7),
      userId: 9_104_200 + i,
      email: o.email,
      firstName: o.firstName,
      lastName: o.lastName,
      archived: !o.active,
    });
    ids.owners[o.id] = owner.id;
  });
  const owner = (id: string) => ids.owners[id] ?? '';

  const companies: GroundTruthCompany[] = [];
  for (const c of world.companies) {
    const r = state.create(
      'companies',
      {
        name: c.name,
        domain: c.domain ?? '',
        website: c.website ?? '',
        phone: c.phone ?? '',
        industry: c.industry.toUpperCase(),
        annualrevenue: String(c.annualRevenue),
        numberofemployees: String(c.employees),
        city: c.city,
        country: c.country,
        hubspot_owner_id: owner(c.ownerId),
        hs_additional_domains: c.additionalDomains.join(';'),
      },
      IMPORT,
      { at: ms(c.createdAt), unique: false },
    );
    ids.companies[c.id] = String(r.id);
    companies.push({
      id: String(r.id),
      worldId: c.id,
      name: c.name,
      domain: c.trueDomain,
      website: c.website,
    });
  }

  // the date each customer's first deal was won: their lifecycle moves to customer then
  const wonAt = new Map<string, number>();
  for (const d of world.deals)
    if (d.stage === 'closed_won')
      for (const c of d.contactIds) {
        const at = ms(d.stageEnteredAt);
        if (!wonAt.has(c) || at < (wonAt.get(c) as number)) wonAt.set(c, at);
      }
  const laterOutcomes: GroundTruth['laterOutcomes'] = { contact: {}, deal: {} };
  const people: GroundTruthContact[] = [];
  const companyById = new Map(world.companies.map((c) => [c.id, c]));
  for (const p of world.contacts) {
    const companyId = ids.companies[p.companyId] ?? null;
    const company = companyById.get(p.companyId);
    const r = state.create(
      'contacts',
      {
        email: p.email ?? '',
        hs_additional_emails: p.additionalEmails.join(';'),
        firstname: p.firstName ?? '',
        lastname: p.lastName ?? '',
        phone: p.phone ?? '',
        jobtitle: p.title,
        company: company?.name ?? '',
        seniority: p.seniority,
        ...hubspotDetails(personDetails(seed, p.personId)),
        // a customer was an opportunity first; the stage moves on when the deal is won (below)
        lifecyclestage: p.lifecycleStage === 'customer' ? 'opportunity' : (LIFECYCLE[p.lifecycleStage] ?? 'lead'),
        hubspot_owner_id: owner(p.ownerId),
      },
      IMPORT,
      // Imports let the same person in twice (§6): duplicates skip the e-mail uniqueness check.
      { at: ms(p.createdAt), unique: false },
    );
    const won = wonAt.get(p.id);
    if (p.lifecycleStage === 'customer' && won !== undefined)
      state.update(r, { lifecyclestage: 'customer' }, { sourceType: 'CRM_UI', sourceId: 'userId:9104200', userId: 9_104_200 }, Math.max(won, r.createdAt + 1));
    const modifiedAt = ms(p.updatedAt);
    if (modifiedAt > r.updatedAt) state.setModifiedAt(r, modifiedAt);
    if (p.lifecycleStage !== 'customer') laterOutcomes.contact[String(r.id)] = p.becomesCustomer;
    if (companyId) state.associate('contacts', r.id, 'companies', Number(companyId), [1]);
    const id = String(r.id);
    ids.contacts[p.id] = id;
    const name = [p.firstName, p.lastName].filter((x) => x).join(' ') || (p.email ?? 'Unknown');
    const emails = [p.email, ...p.additionalEmails]
      .filter((m): m is string => !!m)
      .map((m) => m.trim().toLowerCase());
    people.push({ id, worldId: p.id, name, emails, companyId });
  }

  for (const d of world.deals) {
    const r = state.create(
      'deals',
      {
        dealname: d.name,
        amount: String(d.amount),
        closedate: new Date(`${d.closeDate}T00:00:00Z`).toISOString(),
        dealstage: STAGE_IDS[d.stage],
        pipeline: 'default',
        hubspot_owner_id: owner(d.ownerId),
        deal_currency_code: ['USD', 'EUR', 'GBP'].includes(d.currency) ? d.currency : 'USD',
        hs_deal_stage_probability: String(d.probability),
      },
      IMPORT,
      { at: ms(d.createdAt), unique: false },
    );
    const stageAt = ms(d.stageEnteredAt);
    if (stageAt > r.updatedAt) state.setModifiedAt(r, stageAt);
    const company = ids.companies[d.companyId];
    if (company) state.associate('deals', r.id, 'companies', Number(company), [5]);
    for (const c of d.contactIds)
      if (ids.contacts[c]) state.associate('deals', r.id, 'contacts', Number(ids.contacts[c]));
    ids.deals[d.id] = String(r.id);
    if (d.stage !== 'closed_won' && d.stage !== 'closed_lost') laterOutcomes.deal[String(r.id)] = d.fate !== 'won';
  }

  for (const a of world.activities) {
    const at = ms(a.at);
    const type = a.type === 'note' ? 'notes' : 'tasks';
    const values: Record<string, string> =
      type === 'notes'
        ? {
            hs_timestamp: isoTime(at),
            hs_note_body: a.body,
            hubspot_owner_id: owner(a.ownerId),
          }
        : {
            hs_timestamp: isoTime(at),
            hs_task_subject: a.subject,
            hs_task_body: a.body,
            // HubSpot's own task types: EMAIL | CALL | TODO ("To-do"), docs/reference/hubspot.md §7.4
            hs_task_type: a.type === 'email' ? 'EMAIL' : a.type === 'call' ? 'CALL' : 'TODO',
            hs_task_status: at <= now ? 'COMPLETED' : 'NOT_STARTED',
            hs_task_priority: 'NONE',
            hubspot_owner_id: owner(a.ownerId),
          };
    const r = state.create(
      type,
      values,
      { sourceType: 'CRM_UI', sourceId: 'userId:9104200', userId: 9_104_200 },
      { at, unique: false },
    );
    if (a.contactId && ids.contacts[a.contactId])
      state.associate(type, r.id, 'contacts', Number(ids.contacts[a.contactId]));
    if (a.companyId && ids.companies[a.companyId])
      state.associate(type, r.id, 'companies', Number(ids.companies[a.companyId]));
    if (a.dealId && ids.deals[a.dealId]) state.associate(type, r.id, 'deals', Number(ids.deals[a.dealId]));
  }
  return { contacts: people, laterOutcomes, companies, world: world.truth, ids };
}
