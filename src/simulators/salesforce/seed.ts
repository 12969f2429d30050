/**
 * Seeds the org from the CRM-neutral world (src/simulators/seed): owners → Users (plus the
 * integration user), companies → Accounts, contacts → Contacts, leads → Leads (converted ones with
 * IsConverted, ConvertedDate, Converted{Contact,Account,Opportunity}Id, §2.7, §10), deals →
 * Opportunities across stages (close-date pushes recorded in field history by the owner), activities
 * → Tasks and Events; lead engagement goes to custom fields. A share of leads carries a past rep edit
 * in LeadHistory, the human trail hybrid fields are checked against (§7.2).
 */
import { type DealStage, type PersonDetails, type World, generateWorld, personDetails, prng } from '../seed/index.js';
import { formatDateTime } from './soql.js';
import type { SalesforceOrg } from './state.js';

export interface SeedPerson {
  contactId: string;
  leadId: string | null;
  accountId: string;
  firstName: string;
  lastName: string;
  email: string | null;
}
export interface SeedCompanyRef {
  accountId: string;
  name: string;
  domain: string | null;
}
export interface SalesforceGroundTruth {
  integrationUserId: string;
  /** Salesforce ids of the sales reps (the world's owners), in the world's order. */
  repUserIds: string[];
  people: SeedPerson[];
  companies: SeedCompanyRef[];
  convertedLeads: number;
  openLeads: number;
  /** Lead id → whether it converted by now (the CRM's own label; open leads are false). */
  leadOutcome: Record<string, boolean>;
  /** What the CRM records later, by Salesforce id: `lead` — an open lead converts (decided leads are history and absent). */
  laterOutcomes: { lead: Record<string, boolean> };
  /** World id (`ct_…`, `co_…`, `ld_…`, `dl_…`, `ow_…`) → Salesforce id. */
  idOf: Record<string, string>;
  /** The world itself: its `truth` (duplicates, namesakes, the lead model) scores identity and flows. */
  world: World;
}

const DAY = 86_400_000;
const SOURCE: Record<string, string> = {
  web_form: 'Web', referral: 'External Referral', event: 'Trade Show', webinar: 'Webinar', cold_outbound: 'Outbound',
  paid_search: 'Advertisement', partner: 'Partner Referral', content_download: 'Content Download',
};
const INDUSTRY: Record<string, string> = {
  software: 'Technology', financial_services: 'Finance', healthcare: 'Healthcare', manufacturing: 'Manufacturing', retail: 'Retail',
  education: 'Education', logistics: 'Transportation', media: 'Media', energy: 'Energy', government: 'Government',
};
const STATUS: Record<string, string> = {
  new: 'Open - Not Contacted', working: 'Working - Contacted', nurturing: 'Working - Contacted', unqualified: 'Closed - Not Converted', converted: 'Closed - Converted',
};
const STAGE: Record<DealStage, string> = {
  qualification: 'Qualification', discovery: 'Needs Analysis', proposal: 'Proposal/Price Quote', negotiation: 'Negotiation/Review', closed_won: 'Closed Won', closed_lost: 'Closed Lost',
};
const ms = (iso: string) => Date.parse(iso);
/** A person's details in the Contact's standard mailing address and birth date fields. */
const salesforceDetails = (d: PersonDetails) => ({ MailingStreet: d.street, MailingCity: d.city, MailingPostalCode: d.postcode, Birthdate: d.birthDate });

export function seedOrg(org: SalesforceOrg, opts: { seed: number; contacts: number; now: number }): SalesforceGroundTruth {
  const contactsN = Math.max(1, opts.contacts);
  // ≥ 1,000 leads converted by now from 625 people up (the default 1,400); at the world's 5–15 %
  // conversion the generator adds leads as needed (12,500). A smaller org gets one conversion
  // per person (ten leads each), keeping small test orgs small.
  const world = generateWorld({
    seed: opts.seed,
    contacts: contactsN,
    leads: Math.round(contactsN * 1.35),
    convertedLeads: contactsN * 2 >= 1250 ? 1250 : contactsN,
    now: Math.floor(opts.now / DAY) * DAY,
  });
  const idOf: Record<string, string> = {};
  const id = (worldId: string | null | undefined) => (worldId ? (idOf[worldId] ?? null) : null);
  const rnd = prng(opts.seed ^ 0x5f0e);
  const clamp = (t: number) => Math.min(t, opts.now - 1000);

  // Users: the integration user writes through the API; the world's owners are the reps (§7.2).
  const first = ms(world.now) - 800 * DAY;
  const integrationUserId = org.insertRaw('User', { Username: 'integration@inrecord.sim', FirstName: 'Integration', LastName: 'User', Email: 'integration@inrecord.sim', IsActive: true, UserType: 'Standard' }, { at: first });
  org.integrationUserId = integrationUserId;
  const repUserIds: string[] = [];
  for (const o of world.owners) {
    const uid = org.insertRaw('User', { Username: o.email, FirstName: o.firstName, LastName: o.lastName, Email: o.email, IsActive: o.active, UserType: 'Standard' }, { userId: integrationUserId, at: first });
    idOf[o.id] = uid;
    repUserIds.push(uid);
  }
  org.insertRaw('User', { Username: 'autoproc@00d.sim', LastName: 'Automated Process', IsActive: true, UserType: 'AutomatedProcess' }, { userId: integrationUserId, at: first });

  const companies: SeedCompanyRef[] = [];
  for (const c of world.companies) {
    const owner = id(c.ownerId) as string;
    const accountId = org.insertRaw(
      'Account',
      {
        Name: c.name, Website: c.website ?? c.domain, Industry: INDUSTRY[c.industry] ?? c.industry, NumberOfEmployees: c.employees,
        AnnualRevenue: Math.min(c.annualRevenue, 9e17), BillingCity: c.city, BillingCountry: c.country, Phone: c.phone, OwnerId: owner,
        Type: rnd() < 0.3 ? 'Customer - Direct' : 'Prospect',
      },
      { userId: owner, at: clamp(ms(c.createdAt)) },
    );
    idOf[c.id] = accountId;
    companies.push({ accountId, name: c.name, domain: c.trueDomain });
  }
  for (const c of world.companies) if (c.parentId) (org.rows('Account').get(idOf[c.id] as string) as Record<string, unknown>).ParentId = idOf[c.parentId];

  for (const c of world.contacts) {
    const owner = id(c.ownerId) as string;
    const contactId = org.insertRaw(
      'Contact',
      {
        FirstName: c.firstName, LastName: c.lastName ?? '[not provided]', Email: c.email, Secondary_Email__c: c.additionalEmails[0] ?? null, Phone: c.phone, Title: c.title, AccountId: id(c.companyId), OwnerId: owner,
        ...salesforceDetails(personDetails(opts.seed, c.personId)),
        LastModifiedDate: formatDateTime(clamp(ms(c.updatedAt))),
      },
      { userId: owner, at: clamp(ms(c.createdAt)) },
    );
    idOf[c.id] = contactId;
  }

  const dealOfContact = new Map<string, string>();
  for (const d of world.deals) {
    const owner = id(d.ownerId) as string;
    const oppId = org.insertRaw(
      'Opportunity',
      {
        Name: d.name, AccountId: id(d.companyId), StageName: STAGE[d.stage], Amount: d.amount, Probability: Math.round(d.probability * 100), CloseDate: d.closeDate, OwnerId: owner,
        LastModifiedDate: formatDateTime(clamp(ms(d.stageEnteredAt))),
      },
      { userId: owner, at: clamp(ms(d.createdAt)) },
    );
    idOf[d.id] = oppId;
    for (const c of d.contactIds) if (!dealOfContact.has(c)) dealOfContact.set(c, oppId);
    // the deal's contacts as contact roles, the first one primary
    d.contactIds.forEach((c, i) => {
      if (idOf[c]) org.insertRaw('OpportunityContactRole', { OpportunityId: oppId, ContactId: idOf[c], Role: i === 0 ? 'Decision Maker' : 'Influencer', IsPrimary: i === 0 }, { userId: owner, at: clamp(ms(d.createdAt)) });
    });
    // Close-date pushes are rep edits in OpportunityFieldHistory.
    if (d.closeDatePushes > 0 && d.originalCloseDate !== d.closeDate) {
      org.addHistory(org.requireObject('Opportunity'), oppId, 'CloseDate', d.originalCloseDate, d.closeDate, owner, formatDateTime(clamp(ms(d.stageEnteredAt))));
    }
  }

  const leadOutcome: Record<string, boolean> = {};
  const laterOutcomes: SalesforceGroundTruth['laterOutcomes'] = { lead: {} };
  const contactLead = new Map<string, string>();
  let converted = 0;
  const leadObj = org.requireObject('Lead');
  for (const l of world.leads) {
    const owner = id(l.ownerId) as string;
    const created = clamp(ms(l.createdAt));
    const lastEngaged = clamp(ms(world.now) - l.daysSinceLastActivity * DAY);
    const contactId = id(l.convertedContactId);
    const contactRow = contactId ? org.rows('Contact').get(contactId) : undefined;
    // The rep's own rating, from what the rep sees on the record (never from the hidden truth).
    const seen = l.meetings * 2 + (l.daysSinceLastActivity <= 30 ? 2 : 0) + (l.emailOpens > 8 ? 1 : 0) + (l.seniority === 'c_level' || l.seniority === 'vp' ? 1 : 0) + Math.floor(rnd() * 3) - 1;
    const values: Record<string, unknown> = {
      FirstName: l.firstName, LastName: l.lastName, Email: l.email, Company: l.companyName, Title: l.title, Status: STATUS[l.status], LeadSource: SOURCE[l.leadSource] ?? 'Other',
      Industry: l.industry === null ? null : (INDUSTRY[l.industry] ?? l.industry), NumberOfEmployees: l.employees === null ? null : Math.min(l.employees, 99_999_999),
      AnnualRevenue: l.annualRevenue === null ? null : Math.min(l.annualRevenue, 9e17), Country: l.country,
      Rating: rnd() < 0.3 ? null : seen >= 4 ? 'Hot' : seen >= 2 ? 'Warm' : 'Cold', Email_Opens__c: l.emailOpens, Web_Visits__c: l.pageViews, Site_Sessions__c: l.webVisits, Meetings__c: l.meetings,
      Exec_Briefing__c: l.execBriefing, Briefing_Invited__c: l.briefingInvited, Last_Engaged__c: formatDateTime(Math.max(created, lastEngaged)), OwnerId: owner,
    };
    if (l.converted) {
      converted++;
      Object.assign(values, {
        IsConverted: true, Status: 'Closed - Converted', ConvertedDate: (l.convertedAt ?? l.createdAt).slice(0, 10), ConvertedContactId: contactId,
        ConvertedAccountId: (contactRow?.AccountId as string | undefined) ?? null, ConvertedOpportunityId: l.convertedContactId ? (dealOfContact.get(l.convertedContactId) ?? null) : null,
      });
    }
    const leadId = org.insertRaw('Lead', values, { userId: owner, at: created });
    idOf[l.id] = leadId;
    leadOutcome[leadId] = l.converted;
    if (l.status !== 'converted' && l.status !== 'unqualified') laterOutcomes.lead[leadId] = l.outcome === 'converted';
    if (contactId) contactLead.set(contactId, leadId);
    // Past rep edits (§7.2): the owner changed the Rating on some open leads.
    if (!l.converted && rnd() < 0.1) {
      const row = org.rows('Lead').get(leadId) as Record<string, unknown>;
      const editAt = formatDateTime(clamp(created + rnd() * 20 * DAY));
      const before = row.Rating ?? null;
      row.Rating = before === 'Hot' ? 'Warm' : 'Hot';
      row.LastModifiedDate = editAt;
      row.LastModifiedById = owner;
      row.SystemModstamp = editAt;
      org.addHistory(leadObj, leadId, 'Rating', before, row.Rating, owner, editAt);
    }
  }

  for (const a of world.activities) {
    const owner = id(a.ownerId) as string;
    const at = clamp(ms(a.at));
    const who = id(a.contactId);
    const what = id(a.dealId) ?? id(a.companyId);
    if (a.type === 'meeting') {
      org.insertRaw('Event', { Subject: a.subject, Description: a.body, StartDateTime: formatDateTime(at), EndDateTime: formatDateTime(at + (a.durationMinutes ?? 30) * 60_000), WhoId: who, WhatId: what, OwnerId: owner }, { userId: owner, at });
    } else {
      org.insertRaw(
        'Task',
        { Subject: a.subject, Description: a.body, ActivityDate: new Date(at).toISOString().slice(0, 10), Status: 'Completed', Priority: 'Normal', TaskSubtype: a.type === 'email' ? 'Email' : a.type === 'call' ? 'Call' : 'Task', WhoId: who, WhatId: what, OwnerId: owner },
        { userId: owner, at },
      );
    }
  }

  const people: SeedPerson[] = world.contacts.map((c) => ({
    contactId: idOf[c.id] as string,
    leadId: contactLead.get(idOf[c.id] as string) ?? null,
    accountId: idOf[c.companyId] as string,
    firstName: c.firstName ?? '',
    lastName: c.lastName ?? '[not provided]',
    email: c.email,
  }));
  return { integrationUserId, repUserIds, people, companies, convertedLeads: converted, openLeads: world.leads.length - converted, leadOutcome, laterOutcomes, idOf, world };
}
