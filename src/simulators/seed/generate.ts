/**
 * generateWorld: the deterministic world. Faker (seeded) fills small name pools once; every record
 * then draws from a mulberry32 PRNG, because one faker call per field is too slow for 100k
 * contacts. Same seed and options → the same world, byte for byte.
 */
import { Faker, en } from '@faker-js/faker';
import { generateDeals } from './deals.js';
import { worldDraws } from './draws.js';
import { generateLeads } from './leads.js';
import { composeMessage } from './messages.js';
import { generateOutsiders } from './outsiders.js';
import type {
  GenerateWorldOptions,
  Intent,
  SeedCompany,
  SeedContact,
  SeedMessage,
  SeedOutsider,
  SeedOwner,
  Seniority,
  World,
  WorldTruth,
} from './types.js';
import {
  COUNTRIES,
  DAY,
  INDUSTRIES,
  REGIONS,
  ROLE_LOCAL_PARTS,
  SENIORITIES,
  TITLES,
  TLD,
  WORDS,
  ascii,
  iso,
  pad,
  prng,
} from './vocab.js';


export function generateWorld(opts: GenerateWorldOptions): World {
  const seed = opts.seed;
  const rnd = prng(seed);
  const now = opts.now ?? Date.UTC(2026, 10, 1);
  const nContacts = Math.max(0, Math.floor(opts.contacts));
  const nCompanies = Math.max(5, Math.floor(opts.companies ?? nContacts / 5));
  const faker = new Faker({ locale: [en] });
  faker.seed(seed);
  const firstPool = [...new Set(Array.from({ length: 600 }, () => faker.person.firstName()))];
  const lastPool = [...new Set(Array.from({ length: 900 }, () => faker.person.lastName()))];
  const cityPool = Array.from({ length: 120 }, () => faker.location.city());

  const d = worldDraws(rnd, firstPool, lastPool);
  const {
    pick,
    int,
    chance,
    first,
    last,
    uniqueDomain,
    companyName,
    stripLegal,
    messyDomain,
    phoneFor,
    workEmail,
    personalEmail,
    messyFirst,
    messyLast,
  } = d;

  // Owners: the sales team, at its own domain.
  const teamDomain = `${ascii(pick(WORDS))}-sales.example`;
  const owners: SeedOwner[] = Array.from({ length: 8 }, (_, i) => {
    const f = pick(firstPool);
    const l = pick(lastPool);
    return {
      id: `ow_${pad(i + 1, 3)}`,
      firstName: f,
      lastName: l,
      email: `${ascii(f)}.${ascii(l)}@${teamDomain}`,
      active: i < 7,
    };
  });
  const activeOwners = owners.filter((o) => o.active);
  const owner = () => pick(activeOwners).id;

  // Companies.
  const companies: SeedCompany[] = [];
  const sameNameCompanies = new Map<string, string[]>();
  const subsidiaries: Record<string, string[]> = {};
  for (let i = 0; i < nCompanies; i++) {
    const id = `co_${pad(i + 1)}`;
    const country = i === 0 ? 'US' : pick(COUNTRIES);
    const industry = pick(INDUSTRIES);
    // Heavy tail: a few large companies, many small ones; index 0 is the largest.
    const employees = i === 0 ? 48_000 : Math.max(1, Math.round(10 ** (1 + rnd() * 3.6)));
    const annualRevenue = Math.round(employees * (60_000 + rnd() * 240_000));
    let name: string;
    let trueDomain: string;
    let parentId: string | null = null;
    const r = rnd();
    if (i > 20 && r < 0.03) {
      // Subsidiary: shares the parent's domain, name derived from the parent's.
      const parent = companies[int(0, Math.min(i - 1, 200))] as SeedCompany;
      name =
        `${stripLegal(parent.name)} ${pick(REGIONS)} ${pick(['GmbH', 'Ltd', 'B.V.', 'SAS', 'AB', ''])}`.trim();
      trueDomain = parent.trueDomain;
      parentId = parent.parentId ?? parent.id;
      const pid = parentId;
      subsidiaries[pid] ??= [];
      subsidiaries[pid].push(id);
    } else if (i > 20 && r < 0.05) {
      // A different company with the same name as an existing one, elsewhere.
      const other = companies[int(0, i - 1)] as SeedCompany;
      name = other.name;
      trueDomain = uniqueDomain(ascii(stripLegal(name)).slice(0, 24), TLD[country] ?? 'com');
    } else {
      name = companyName();
      trueDomain = uniqueDomain(
        ascii(stripLegal(name)).slice(0, 24),
        chance(0.08) ? 'io' : (TLD[country] ?? 'com'),
      );
    }
    const extra =
      parentId === null && chance(0.05) ? [uniqueDomain(ascii(stripLegal(name)).slice(0, 20), 'net')] : [];
    const domain = parentId !== null ? (chance(0.5) ? trueDomain : null) : messyDomain(trueDomain);
    companies.push({
      id,
      name: chance(0.04) ? name.toUpperCase() : name,
      domain,
      additionalDomains: extra,
      trueDomain,
      website: chance(0.8)
        ? `https://${chance(0.7) ? 'www.' : ''}${trueDomain}${chance(0.2) ? '/about-us' : ''}`
        : null,
      industry,
      employees,
      annualRevenue,
      country,
      city: pick(cityPool),
      phone: chance(0.7) ? phoneFor(country) : null,
      parentId,
      ownerId: owner(),
      createdAt: iso(now - int(30, 1500) * DAY),
    });
    const key = stripLegal(name).toLowerCase();
    const group = sameNameCompanies.get(key);
    if (group) group.push(id);
    else sameNameCompanies.set(key, [id]);
  }

  // Contacts.
  const companyIndex = () => Math.min(nCompanies - 1, Math.floor(nCompanies * rnd() ** 2.2));
  const contactsByCompany = new Map<string, number[]>();
  const contacts: SeedContact[] = [];
  const persons: Record<string, string[]> = {};
  const duplicates: [string, string][] = [];
  const sameNameGroups: string[][] = [];
  const inSameNameGroup = new Set<string>();
  const roleByCompany = new Map<string, string>();
  const roleInboxes = new Map<string, string[]>();
  let personSeq = 0;

  const pushContact = (c: SeedContact) => {
    contacts.push(c);
    const same = persons[c.personId];
    if (same) same.push(c.id);
    else persons[c.personId] = [c.id];
    const list = contactsByCompany.get(c.companyId);
    if (list) list.push(contacts.length - 1);
    else contactsByCompany.set(c.companyId, [contacts.length - 1]);
  };
  const newPerson = (id: string, company: SeedCompany, f: string, l: string): SeedContact => {
    const personId = `pe_${pad(++personSeq)}`;
    const seniority = SENIORITIES[Math.min(5, Math.floor(rnd() ** 0.7 * 6))] as Seniority;
    const work = workEmail(f, l, company.trueDomain);
    const personal = chance(0.3) ? personalEmail(f, l) : null;
    let email: string | null = work;
    const additional: string[] = [];
    const r = rnd();
    if (r < 0.08 && personal) {
      email = personal; // signed up with a personal address; work address added later
      additional.push(work);
    } else if (r < 0.03) email = null;
    else if (personal && chance(0.5)) additional.push(personal);
    const created = now - int(1, 1400) * DAY;
    return {
      id,
      personId,
      companyId: company.id,
      firstName: messyFirst(f),
      lastName: messyLast(l),
      trueFirstName: f,
      trueLastName: l,
      email,
      additionalEmails: additional,
      personalEmail: personal,
      workEmail: work,
      phone: chance(0.6) ? phoneFor(company.country) : null,
      title: pick(TITLES[seniority]),
      seniority,
      ownerId: owner(),
      createdAt: iso(created),
      updatedAt: iso(Math.min(now, created + int(0, 400) * DAY)),
      // drawn here to keep every later draw of the world where it was; settled by the deals
      lifecycleStage: pick(['subscriber', 'lead', 'opportunity', 'customer'] as const),
      becomesCustomer: false,
      duplicateOf: null,
    };
  };

  let seq = 0;
  const nextId = () => `ct_${pad(++seq)}`;
  // Several John Smiths at the largest company (different people, different addresses).
  const big = companies[0] as SeedCompany;
  const smiths = Math.min(4, nContacts);
  if (smiths >= 2) {
    const group: string[] = [];
    for (let k = 0; k < smiths; k++) {
      const c = newPerson(nextId(), big, 'John', 'Smith');
      if (c.email === null || c.email === c.personalEmail) c.email = c.workEmail;
      c.firstName = k === 2 ? 'John R.' : 'John';
      c.lastName = k === 3 ? 'SMITH' : 'Smith';
      pushContact(c);
      group.push(c.id);
    }
    sameNameGroups.push(group);
    for (const id of group) inSameNameGroup.add(id);
  }
  while (contacts.length < nContacts) {
    const r = rnd();
    if (contacts.length > 10 && r < 0.04) {
      // CRM duplicate: the same person imported again, the address in another case.
      const orig = contacts[int(0, contacts.length - 1)] as SeedContact;
      if (orig.duplicateOf !== null || !orig.email) continue;
      const e = orig.email;
      const at = e.indexOf('@');
      const variant = chance(0.5)
        ? e.toUpperCase()
        : `${e[0]?.toUpperCase()}${e.slice(1, at)}@${e.slice(at + 1).toUpperCase()}`;
      const dup: SeedContact = {
        ...orig,
        id: nextId(),
        firstName: chance(0.5) ? orig.trueFirstName : messyFirst(orig.trueFirstName),
        lastName: chance(0.5) ? orig.trueLastName : messyLast(orig.trueLastName),
        email: variant === e ? e.toUpperCase() : variant,
        additionalEmails: [],
        phone: chance(0.5) ? orig.phone : null,
        createdAt: iso(Date.parse(orig.createdAt) + int(1, 200) * DAY),
        duplicateOf: orig.id,
      };
      pushContact(dup);
      duplicates.push([orig.id, dup.id]);
      continue;
    }
    const company = companies[companyIndex()] as SeedCompany;
    if (contacts.length > 10 && r < 0.05) {
      // Another pair of namesakes at one company (different people).
      const idxs = contactsByCompany.get(company.id);
      const other = idxs && (contacts[idxs[int(0, idxs.length - 1)] as number] as SeedContact);
      if (other && other.duplicateOf === null && !inSameNameGroup.has(other.id)) {
        const c = newPerson(nextId(), company, other.trueFirstName, other.trueLastName);
        if (c.email === null) c.email = c.workEmail;
        pushContact(c);
        sameNameGroups.push([other.id, c.id]);
        inSameNameGroup.add(other.id);
        inSameNameGroup.add(c.id);
        continue;
      }
    }
    const c = newPerson(nextId(), company, first(), last());
    if (r > 0.975) {
      // Shared role inbox as the primary address (own address kept as secondary, sometimes not).
      let role = roleByCompany.get(company.id);
      if (!role) {
        role = `${pick(ROLE_LOCAL_PARTS)}@${company.trueDomain}`;
        roleByCompany.set(company.id, role);
      }
      if (c.email && chance(0.7))
        c.additionalEmails = [c.email, ...c.additionalEmails.filter((x) => x !== c.email)];
      c.email = role;
      pushContact(c);
      const list = roleInboxes.get(role);
      if (list) list.push(c.id);
      else roleInboxes.set(role, [c.id]);
      continue;
    }
    if (chance(0.01) && c.lastName && c.firstName) {
      // Imported with the whole name in the last-name field, "LAST, First".
      c.lastName = `${c.trueLastName.toUpperCase()}, ${c.trueFirstName}`;
      c.firstName = null;
    }
    pushContact(c);
  }

  // Leads and their outcomes (leads.ts), then deals, activities and lifecycles (deals.ts).
  const draws = { rnd, pick, int, chance, stripLegal };
  const leadsOut = generateLeads(
    {
      ...draws,
      first,
      last,
      companyName,
      owner,
      companyNameOf: (c) => (companies[Number(c.companyId.slice(3)) - 1] ?? big).name,
    },
    { leads: opts.leads ?? nContacts / 2, convertedLeads: opts.convertedLeads, now, contacts },
  );
  const { deals, activities } = generateDeals(draws, {
    deals: Math.floor(opts.deals ?? nContacts * 0.3),
    now,
    companies,
    contacts,
    contactsByCompany,
  });

  // Outsiders: people and companies not in the CRM, some deliberately close to CRM records.
  const outsiders = generateOutsiders(d, {
    outsiders: Math.floor(opts.outsiders ?? Math.max(20, nContacts / 10)),
    contacts,
    companies,
  });

  // Inbound emails and call notes with intent labels.
  const nMessages = Math.floor(opts.messages ?? Math.max(40, Math.min(2000, nContacts / 5)));
  const messages: SeedMessage[] = [];
  const INTENTS: readonly Intent[] = ['high', 'medium', 'low', 'not_sales'];
  for (let i = 0; i < nMessages; i++) {
    const ir = rnd();
    const intent = INTENTS[ir < 0.18 ? 0 : ir < 0.43 ? 1 : ir < 0.7 ? 2 : 3] as Intent;
    const kind = chance(0.7) ? 'email' : 'call_note';
    const fromContact =
      contacts.length > 0 && chance(0.75) ? (contacts[int(0, contacts.length - 1)] as SeedContact) : null;
    const candidate =
      fromContact || outsiders.length === 0
        ? null
        : (outsiders[int(0, outsiders.length - 1)] as SeedOutsider);
    const outsider = candidate?.kind === 'person' ? candidate : null;
    const fName = fromContact?.trueFirstName ?? outsider?.firstName ?? first();
    const lName = fromContact?.trueLastName ?? outsider?.lastName ?? last();
    const fromEmail =
      fromContact?.workEmail ?? fromContact?.email ?? outsider?.email ?? personalEmail(fName, lName);
    const { subject, body } = composeMessage(rnd, intent, kind, fName);
    messages.push({
      id: `ms_${pad(i + 1)}`,
      kind,
      fromEmail,
      fromName: `${fName} ${lName}`,
      contactId: fromContact?.id ?? null,
      subject,
      body,
      at: iso(now - int(0, 90) * DAY - int(0, 86_399) * 1000),
      intent,
    });
  }

  const truth: WorldTruth = {
    persons,
    duplicates,
    sameNameGroups,
    roleInboxes: [...roleInboxes].map(([email, contactIds]) => ({ email, contactIds })),
    subsidiaries,
    sameNameCompanies: [...sameNameCompanies.values()].filter(
      (g) => g.length > 1 && g.some((id) => !isSubsidiary(id)),
    ),
    leadModel: { intercept: leadsOut.intercept, weights: leadsOut.weights, drift: leadsOut.drift },
    convertedLeads: leadsOut.converted,
    laterConvertedLeads: leadsOut.laterConverted,
  };
  function isSubsidiary(id: string) {
    return companies[Number(id.slice(3)) - 1]?.parentId != null;
  }
  return {
    seed,
    now: iso(now),
    teamDomain,
    owners,
    companies,
    contacts,
    leads: leadsOut.leads,
    deals,
    activities,
    messages,
    outsiders,
    truth,
  };
}
