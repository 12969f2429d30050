/**
 * Seeds an org with realistic, messy sales data (reference salesforce.md §2.7, §10): users (one
 * integration user, reps), accounts, contacts, opportunities across stages, tasks, and leads of
 * which most are converted (IsConverted, Converted*Id, ConvertedDate) with engagement custom
 * fields, plus past rep edits in field history. Deterministic for a seed; fast enough for 100k.
 */
import { Faker, en } from '@faker-js/faker';
import { INDUSTRIES, LEAD_SOURCES, STAGES } from './schema.js';
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
export interface SeedCompany {
  accountId: string;
  name: string;
  domain: string | null;
}
export interface SalesforceGroundTruth {
  integrationUserId: string;
  repUserIds: string[];
  people: SeedPerson[];
  companies: SeedCompany[];
  convertedLeads: number;
  openLeads: number;
  /** Lead id → whether it converted (labels for scoring). */
  leadOutcome: Record<string, boolean>;
}

function prng(seed: number): () => number {
  let a = seed >>> 0 || 1;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FREE_MAIL = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com'];
const DAY = 86_400_000;

export function seedOrg(org: SalesforceOrg, opts: { seed: number; contacts: number; now: number }): SalesforceGroundTruth {
  const rnd = prng(opts.seed);
  const faker = new Faker({ locale: [en] });
  faker.seed(opts.seed);
  const pickOf = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const firstNames = Array.from({ length: 400 }, () => faker.person.firstName());
  const lastNames = Array.from({ length: 600 }, () => faker.person.lastName());
  const titles = Array.from({ length: 80 }, () => faker.person.jobTitle());
  const cities = Array.from({ length: 100 }, () => faker.location.city());
  const words = Array.from({ length: 500 }, () => faker.company.name());
  const now = opts.now;
  const at = (daysAgo: number) => now - daysAgo * DAY - Math.floor(rnd() * DAY);

  // Users: the integration user writes through the API; reps are the humans (§7.2).
  const integrationUserId = org.insertRaw('User', { Username: 'integration@inrecord.sim', FirstName: 'Integration', LastName: 'User', Email: 'integration@inrecord.sim', IsActive: true, UserType: 'Standard' }, { at: at(400) });
  org.integrationUserId = integrationUserId;
  const reps: string[] = [];
  for (let i = 0; i < 6; i++) {
    const fn = pickOf(firstNames);
    const ln = pickOf(lastNames);
    const id = org.insertRaw('User', { Username: `${fn}.${ln}${i}@acme-sales.sim`.toLowerCase(), FirstName: fn, LastName: ln, Email: `${fn}.${ln}@acme-sales.sim`.toLowerCase(), IsActive: i !== 5, UserType: 'Standard' }, { userId: integrationUserId, at: at(390) });
    reps.push(id);
  }
  org.insertRaw('User', { Username: 'autoproc@00d.sim', LastName: 'Automated Process', IsActive: true, UserType: 'AutomatedProcess' }, { userId: integrationUserId, at: at(400) });
  const activeReps = reps.slice(0, 5);

  const contactsN = Math.max(1, opts.contacts);
  const accountsN = Math.max(1, Math.round(contactsN / 4));
  const companies: SeedCompany[] = [];
  for (let i = 0; i < accountsN; i++) {
    const base = pickOf(words);
    const name = i < words.length ? base : `${base} ${Math.floor(i / words.length) + 1}`;
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '').slice(0, 24) || `co${i}`;
    const domain = `${slug}${i >= words.length ? i : ''}.com`;
    const r = rnd();
    // Messy websites: bare domain, www, full URL with path, or missing.
    const website = r < 0.1 ? null : r < 0.4 ? domain : r < 0.7 ? `www.${domain}` : `https://www.${domain}/`;
    const created = at(150 + Math.floor(rnd() * 200));
    const accountId = org.insertRaw(
      'Account',
      {
        Name: rnd() < 0.05 ? name.toUpperCase() : name,
        Website: website,
        Industry: pickOf(INDUSTRIES),
        Type: rnd() < 0.3 ? 'Customer - Direct' : 'Prospect',
        AnnualRevenue: Math.round(rnd() * 50_000) * 1000,
        NumberOfEmployees: Math.floor(5 + rnd() ** 2 * 5000),
        BillingCity: pickOf(cities),
        Rating: pickOf(['Hot', 'Warm', 'Cold']),
        OwnerId: pickOf(activeReps),
      },
      { userId: pickOf(activeReps), at: created },
    );
    companies.push({ accountId, name, domain: website ? domain : null });
  }

  const people: SeedPerson[] = [];
  const leadOutcome: Record<string, boolean> = {};
  let converted = 0;
  for (let i = 0; i < contactsN; i++) {
    const company = companies[Math.floor(rnd() * companies.length)] as SeedCompany;
    // A few shared names on purpose: two John Smiths are two people (identity must not merge them).
    const fn = pickOf(firstNames);
    const ln = pickOf(lastNames);
    const r = rnd();
    const domain = company.domain ?? `${company.name.toLowerCase().replace(/[^a-z0-9]+/g, '')}.com`;
    const email = r < 0.06 ? null : r < 0.12 ? `${fn}.${ln}${Math.floor(rnd() * 90)}@${pickOf(FREE_MAIL)}`.toLowerCase() : r < 0.14 ? `info@${domain}` : `${fn}.${ln}@${domain}`.toLowerCase();
    const emailCased = email && rnd() < 0.05 ? email.replace(/^./, (c) => c.toUpperCase()) : email;
    const createdDays = Math.floor(rnd() * 200);
    const created = at(createdDays);
    const owner = pickOf(activeReps);
    const title = pickOf(titles);
    const contactId = org.insertRaw(
      'Contact',
      { FirstName: fn, LastName: ln, Email: emailCased, Title: title, AccountId: company.accountId, Phone: rnd() < 0.7 ? faker.phone.number() : null, LeadSource: pickOf(LEAD_SOURCES), MailingCity: pickOf(cities), OwnerId: owner },
      { userId: owner, at: created },
    );
    let leadId: string | null = null;
    // ~85% of contacts came from a converted lead (the scoring history Einstein-style needs, §10).
    if (rnd() < 0.85) {
      let oppId: string | null = null;
      if (rnd() < 0.5) {
        const stage = pickOf(STAGES);
        oppId = org.insertRaw(
          'Opportunity',
          { Name: `${company.name} - ${pickOf(['New Business', 'Expansion', 'Renewal', 'Pilot'])}`, AccountId: company.accountId, StageName: stage, Amount: Math.round(rnd() * 200) * 500, CloseDate: new Date(created + (30 + rnd() * 120) * DAY).toISOString().slice(0, 10), LeadSource: pickOf(LEAD_SOURCES), OwnerId: owner },
          { userId: owner, at: created },
        );
      }
      leadId = org.insertRaw(
        'Lead',
        {
          FirstName: fn, LastName: ln, Email: emailCased, Company: company.name, Title: title, Status: 'Closed - Converted', LeadSource: pickOf(LEAD_SOURCES), Industry: pickOf(INDUSTRIES),
          Rating: pickOf(['Hot', 'Warm', 'Cold']), NumberOfEmployees: Math.floor(5 + rnd() ** 2 * 5000), AnnualRevenue: Math.round(rnd() * 20_000) * 1000, Website: company.domain,
          IsConverted: true, ConvertedDate: new Date(created).toISOString().slice(0, 10), ConvertedContactId: contactId, ConvertedAccountId: company.accountId, ConvertedOpportunityId: oppId,
          Web_Visits__c: Math.floor(3 + rnd() * 40), Email_Opens__c: Math.floor(2 + rnd() * 25), Last_Engaged__c: formatDateTime(created - rnd() * 5 * DAY), OwnerId: owner,
        },
        { userId: owner, at: created - (5 + rnd() * 30) * DAY },
      );
      leadOutcome[leadId] = true;
      converted++;
    }
    people.push({ contactId, leadId, accountId: company.accountId, firstName: fn, lastName: ln, email });
  }

  // Open and lost leads; some are people who already exist as contacts (duplicates across objects).
  const openN = Math.round(contactsN * 0.5);
  const leadRows = org.rows('Lead');
  for (let i = 0; i < openN; i++) {
    const dup = rnd() < 0.05 ? people[Math.floor(rnd() * people.length)] : undefined;
    const fn = dup?.firstName ?? pickOf(firstNames);
    const ln = dup?.lastName ?? pickOf(lastNames);
    const companyName = pickOf(words);
    const domain = `${companyName.toLowerCase().replace(/[^a-z0-9]+/g, '').slice(0, 24)}.io`;
    const owner = pickOf(activeReps);
    const created = at(Math.floor(rnd() * 200));
    const status = pickOf(['Open - Not Contacted', 'Working - Contacted', 'Working - Contacted', 'Closed - Not Converted']);
    const email = dup?.email ?? (rnd() < 0.1 ? null : `${fn}.${ln}@${rnd() < 0.2 ? pickOf(FREE_MAIL) : domain}`.toLowerCase());
    const id = org.insertRaw(
      'Lead',
      {
        FirstName: fn, LastName: ln, Email: email, Company: companyName, Title: pickOf(titles), Status: status, LeadSource: rnd() < 0.1 ? null : pickOf(LEAD_SOURCES),
        Industry: rnd() < 0.15 ? null : pickOf(INDUSTRIES), Rating: rnd() < 0.3 ? null : pickOf(['Hot', 'Warm', 'Cold']), NumberOfEmployees: rnd() < 0.2 ? null : Math.floor(1 + rnd() ** 3 * 3000),
        AnnualRevenue: rnd() < 0.3 ? null : Math.round(rnd() * 10_000) * 1000, Website: rnd() < 0.5 ? domain : null, Phone: rnd() < 0.5 ? faker.phone.number() : null,
        Web_Visits__c: Math.floor(rnd() * 15), Email_Opens__c: Math.floor(rnd() * 10), Last_Engaged__c: rnd() < 0.3 ? null : formatDateTime(created + rnd() * 10 * DAY), OwnerId: owner,
      },
      { userId: owner, at: created },
    );
    leadOutcome[id] = false;
    // Past rep edits recorded in history (§7.2): the human trail a hybrid field is checked against.
    if (rnd() < 0.1) {
      const row = leadRows.get(id);
      const editAt = formatDateTime(Math.min(now - 60_000, created + rnd() * 20 * DAY));
      const rep = pickOf(activeReps);
      if (row) {
        const old = row.Rating;
        row.Rating = pickOf(['Hot', 'Warm', 'Cold']);
        row.LastModifiedDate = editAt;
        row.LastModifiedById = rep;
        row.SystemModstamp = editAt;
        org.addHistory(org.requireObject('Lead'), id, 'Rating', old, row.Rating, rep, editAt);
      }
    }
  }

  // Tasks on contacts and leads.
  const taskN = Math.round(contactsN / 2);
  for (let i = 0; i < taskN; i++) {
    const person = people[Math.floor(rnd() * people.length)] as SeedPerson;
    const owner = pickOf(activeReps);
    const created = at(Math.floor(rnd() * 120));
    org.insertRaw(
      'Task',
      { WhoId: person.contactId, WhatId: person.accountId, Subject: pickOf(['Call', 'Follow up', 'Send proposal', 'Email', 'Demo prep']), ActivityDate: new Date(created + 7 * DAY).toISOString().slice(0, 10), Status: rnd() < 0.6 ? 'Completed' : 'Not Started', Priority: 'Normal', TaskSubtype: rnd() < 0.5 ? 'Call' : 'Task', OwnerId: owner },
      { userId: owner, at: created },
    );
  }

  return { integrationUserId, repUserIds: reps, people, companies, convertedLeads: converted, openLeads: openN, leadOutcome };
}
