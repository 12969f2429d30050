/**
 * Seeds the simulated company with realistic, messy data: users (the token owner plus reps), one
 * sales pipeline, organizations (some without a website, some sharing a domain), persons with
 * several e-mails (work + personal, shared `info@` inboxes, namesakes), deals across every stage,
 * activities and notes. Deterministic for a given seed.
 */
import { Faker, en } from '@faker-js/faker';
import type { PipedriveState } from './state.js';

export const STAGES = ['Qualified', 'Contact made', 'Demo scheduled', 'Proposal made', 'Negotiations started'];

const FREE_MAIL = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'proton.me'];

export interface GroundTruthPerson {
  id: number;
  name: string;
  emails: string[];
  orgId: number | null;
}

export interface GroundTruth {
  persons: GroundTruthPerson[];
  organizations: { id: number; name: string; domain: string | null }[];
  /** Persons sharing an e-mail address with another person (identity must not pick one). */
  sharedEmails: string[];
}

/** mulberry32: a small, fast deterministic PRNG (faker per record is too slow for 100k persons). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Faker draws pools of realistic values once; records combine them with the fast PRNG. */
function pools(seed: number) {
  const f = new Faker({ locale: [en] });
  f.seed(seed);
  const many = <T>(n: number, g: () => T) => Array.from({ length: n }, g);
  return {
    first: many(600, () => f.person.firstName()),
    last: many(900, () => f.person.lastName()),
    company: many(1500, () => f.company.name()),
    street: many(500, () => f.location.streetAddress()),
    city: many(300, () => f.location.city()),
    country: many(60, () => f.location.country()),
    phone: many(2000, () => f.phone.number()),
    job: many(300, () => f.person.jobTitle()),
    product: many(300, () => f.commerce.productName()),
    sentence: many(300, () => f.lorem.sentence()),
  };
}

export function seedCompany(state: PipedriveState, seed: number, persons: number, now: number): GroundTruth {
  const P = pools(seed);
  const rnd = prng(seed * 2654435761);
  const f = {
    number: {
      float: rnd,
      int: ({ min, max }: { min: number; max: number }) => min + Math.floor(rnd() * (max - min + 1)),
    },
  };
  const truth: GroundTruth = { persons: [], organizations: [], sharedEmails: [] };

  state.addUser({ id: 1, name: 'Integration Admin', email: 'integration@simco.example', active_flag: true, is_admin: true });
  const reps = ['Alex Rivera', 'Sam Okafor', 'Priya Natarajan', 'Jonas Berg', 'Mia Chen'];
  for (const name of reps) state.addUser({ name, email: `${name.split(' ')[0].toLowerCase()}@simco.example`, active_flag: true, is_admin: false });
  state.addUser({ name: 'Former Rep', email: 'former@simco.example', active_flag: false, is_admin: false });
  state.addPipeline('Sales', STAGES);
  const repIds = state.users.filter((u) => u.active_flag && u.id !== 1).map((u) => u.id);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const year = 365 * 86_400_000;
  const times = () => {
    const add = now - Math.floor(f.number.float() * year) - 86_400_000;
    const upd = Math.min(now - 60_000, add + Math.floor(f.number.float() * (now - add)));
    return [Math.floor(add / 1000) * 1000, Math.floor(upd / 1000) * 1000] as const;
  };

  const personDefs = state.customDefs('person');
  const orgDefs = state.customDefs('organization');
  const dealDefs = state.customDefs('deal');
  const opt = (defs: typeof personDefs, name: string) => defs.find((d) => d.name === name);

  // Organizations.
  const orgCount = Math.max(1, Math.ceil(persons / 4));
  const orgDomains: (string | null)[] = [];
  const segment = opt(orgDefs, 'Segment');
  for (let i = 0; i < orgCount; i++) {
    const name = i < P.company.length ? P.company[i] : `${pick(P.company)} ${pick(['Group', 'Holdings', 'Labs', 'Partners', 'Systems'])}`;
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '').slice(0, 20) || `org${i}`;
    // Every 25th organization reuses the previous domain: a subsidiary or a duplicate record.
    const domain = i % 25 === 24 && orgDomains[i - 1] ? orgDomains[i - 1] : i % 10 === 9 ? null : `${slug}${i}.example.com`;
    orgDomains.push(domain);
    const [add, upd] = times();
    const custom: Record<string, unknown> = {};
    if (segment?.options && f.number.float() < 0.6) custom[segment.key] = pick(segment.options).id;
    const e = state.insertSeeded(
      'organization',
      {
        name,
        owner_id: pick(repIds),
        address: f.number.float() < 0.7 ? { value: `${pick(P.street)}, ${pick(P.city)}`, country: pick(P.country) } : null,
        website: domain ? (f.number.float() < 0.5 ? `https://www.${domain}` : `http://${domain}/`) : null,
        linkedin: null,
        industry: null,
        annual_revenue: null,
        employee_count: f.number.int({ min: 1, max: 5000 }),
        visible_to: 3,
        label_ids: [],
      },
      custom,
      add,
      upd,
    );
    truth.organizations.push({ id: e.id, name, domain });
  }

  // Persons.
  const grade = opt(personDefs, 'Lead grade');
  const interests = opt(personDefs, 'Interests');
  const infoInbox = new Map<number, string>();
  for (let i = 0; i < persons; i++) {
    const first = pick(P.first);
    const last = pick(P.last);
    const orgIdx = f.number.float() < 0.85 ? Math.floor(f.number.float() * orgCount) : -1;
    const orgId = orgIdx >= 0 ? truth.organizations[orgIdx].id : null;
    const domain = orgIdx >= 0 ? orgDomains[orgIdx] : null;
    const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
    const emails: { value: string; primary: boolean; label: string }[] = [];
    const r = f.number.float();
    if (domain && r < 0.05) {
      // A shared inbox used by several people of the same organization.
      let inbox = infoInbox.get(orgIdx);
      if (!inbox) {
        inbox = `info@${domain}`;
        infoInbox.set(orgIdx, inbox);
      } else truth.sharedEmails.push(inbox);
      emails.push({ value: inbox, primary: true, label: 'work' });
    } else if (domain && r < 0.9) {
      emails.push({ value: `${local}${i}@${domain}`, primary: true, label: 'work' });
      if (f.number.float() < 0.4) emails.push({ value: `${local}${i}@${pick(FREE_MAIL)}`, primary: false, label: 'home' });
    } else if (r < 0.97) {
      emails.push({ value: `${local}${i}@${pick(FREE_MAIL)}`, primary: true, label: 'home' });
    }
    // Messy capitalisation and whitespace, as typed by hand.
    if (emails.length > 0 && f.number.float() < 0.05) emails[0].value = ` ${emails[0].value.toUpperCase()}`;
    const phones = f.number.float() < 0.6 ? [{ value: pick(P.phone), primary: true, label: 'work' }] : [];
    const [add, upd] = times();
    const custom: Record<string, unknown> = {};
    if (grade?.options && f.number.float() < 0.3) custom[grade.key] = pick(grade.options).id;
    if (interests?.options && f.number.float() < 0.2) custom[interests.key] = [pick(interests.options).id];
    const e = state.insertSeeded(
      'person',
      {
        name: `${first} ${last}`,
        first_name: first,
        last_name: last,
        owner_id: pick(repIds),
        org_id: orgId,
        emails,
        phones,
        visible_to: 3,
        label_ids: [],
        job_title: f.number.float() < 0.5 ? pick(P.job) : null,
      },
      custom,
      add,
      upd,
    );
    truth.persons.push({ id: e.id, name: `${first} ${last}`, emails: emails.map((m) => m.value.trim().toLowerCase()), orgId });
  }

  // Deals across every stage.
  const risk = opt(dealDefs, 'Deal risk');
  const dealCount = Math.ceil(persons / 3);
  for (let i = 0; i < dealCount; i++) {
    const p = truth.persons[Math.floor(f.number.float() * truth.persons.length)];
    const stage = state.stages[i % state.stages.length];
    const r = f.number.float();
    const status = r < 0.75 ? 'open' : r < 0.88 ? 'won' : 'lost';
    const [add, upd] = times();
    const custom: Record<string, unknown> = {};
    if (risk?.options && f.number.float() < 0.2) custom[risk.key] = pick(risk.options).id;
    state.insertSeeded(
      'deal',
      {
        title: `${pick(P.product)} deal`,
        owner_id: pick(repIds),
        creator_user_id: pick(repIds),
        value: f.number.int({ min: 500, max: 250_000 }),
        currency: 'EUR',
        person_id: p?.id ?? null,
        org_id: p?.orgId ?? null,
        pipeline_id: stage.pipeline_id,
        stage_id: stage.id,
        status,
        probability: null,
        lost_reason: status === 'lost' ? pick(['Price', 'Timing', 'Competitor', 'No budget']) : null,
        expected_close_date: new Date(upd + 30 * 86_400_000).toISOString().slice(0, 10),
        visible_to: 3,
        label_ids: [],
        stage_change_time: upd,
        won_time: status === 'won' ? upd : null,
        lost_time: status === 'lost' ? upd : null,
        close_time: status === 'open' ? null : upd,
      },
      custom,
      add,
      upd,
    );
  }

  // Activities and notes on persons (and their deals/orgs).
  const activityCount = Math.ceil(persons / 2);
  for (let i = 0; i < activityCount; i++) {
    const p = truth.persons[Math.floor(f.number.float() * truth.persons.length)];
    const [add, upd] = times();
    const done = f.number.float() < 0.6;
    state.insertSeeded(
      'activity',
      {
        subject: pick(['Intro call', 'Follow-up', 'Demo', 'Send proposal', 'Check in']),
        type: pick(['call', 'meeting', 'email', 'task']),
        owner_id: pick(repIds),
        creator_user_id: pick(repIds),
        deal_id: null,
        person_id: p.id,
        org_id: p.orgId,
        participants: [{ person_id: p.id, primary: true }],
        due_date: new Date(upd).toISOString().slice(0, 10),
        due_time: '10:00',
        duration: '00:30',
        busy: true,
        done,
        marked_as_done_time: done ? upd : null,
        note: null,
      },
      {},
      add,
      upd,
    );
  }
  const noteCount = Math.ceil(persons / 4);
  for (let i = 0; i < noteCount; i++) {
    const p = truth.persons[Math.floor(f.number.float() * truth.persons.length)];
    const [add, upd] = times();
    state.insertSeeded(
      'note',
      {
        content: `<p>${pick(P.sentence)}</p>`,
        user_id: pick(repIds),
        person_id: p.id,
        org_id: p.orgId,
        deal_id: null,
        lead_id: null,
        pinned_to_deal_flag: false,
        pinned_to_person_flag: false,
        pinned_to_organization_flag: false,
        pinned_to_lead_flag: false,
        pinned_to_project_flag: false,
      },
      {},
      add,
      upd,
    );
  }
  return truth;
}
