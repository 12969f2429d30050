/**
 * Seeds the simulated company from the CRM-neutral world (src/simulators/seed): owners → users
 * (user 1 is the API token's owner, the integration), companies → organizations, contacts →
 * persons with several e-mails (work + personal, shared role inboxes), deals across the stages of
 * one pipeline (won/lost as deal status), e-mails/calls/meetings → activities, notes → notes.
 * Keeps the world's ground truth and the world-id → Pipedrive-id maps; the world itself is dropped.
 */
import {
  INDUSTRIES,
  type PersonDetails,
  SENIORITIES,
  type WorldTruth,
  generateWorld,
  personDetails,
} from '../seed/index.js';
import type { PipedriveState } from './state.js';

/** Open stages of the "Sales" pipeline, in the order of the world's first four deal stages. */
export const STAGES = ['Qualified', 'Discovery', 'Proposal made', 'Negotiations started'];

export interface GroundTruthPerson {
  id: number;
  worldId: string;
  name: string;
  /** Every address on the record, trimmed and lower-cased. */
  emails: string[];
  orgId: number | null;
}

export interface GroundTruthOrganization {
  id: number;
  worldId: string;
  name: string;
  /** The registrable domain the company really uses. */
  domain: string;
  website: string | null;
  /** The company's real head count (what an enrichment source is judged against). */
  employees: number;
}

export interface GroundTruth {
  persons: GroundTruthPerson[];
  organizations: GroundTruthOrganization[];
  /**
   * What the CRM records later, by Pipedrive id: `contact` — a deal of the person's is won later
   * (people who already won a deal are history and absent); `deal` — an open deal slips or is lost.
   */
  laterOutcomes: { contact: Record<string, boolean>; deal: Record<string, boolean> };
  /** The world's truth (duplicates, same-name groups, role inboxes, subsidiaries …) in world ids. */
  world: WorldTruth;
  /** World id → Pipedrive id. */
  ids: { persons: Record<string, number>; organizations: Record<string, number>; deals: Record<string, number>; users: Record<string, number> };
}

const ms = (iso: string) => Math.floor(Date.parse(iso) / 1000) * 1000;

/** A person's details in the Contact Sync fields: `birthday` and the `postal_address` object (§2). */
function pipedriveDetails(d: PersonDetails): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (d.birthDate) out.birthday = d.birthDate;
  if (d.street) {
    const [number, ...route] = d.street.split(' ');
    out.postal_address = {
      value: `${d.street}, ${d.postcode} ${d.city}`,
      street_number: number,
      route: route.join(' '),
      postal_code: d.postcode,
      locality: d.city,
    };
  }
  return out;
}

export function seedCompany(state: PipedriveState, seed: number, persons: number, now: number): GroundTruth {
  // Leads and messages are not Pipedrive records here; keep them minimal to save start time.
  const world = generateWorld({ seed, contacts: persons, leads: Math.min(50, persons), convertedLeads: Math.min(5, persons), messages: 40, outsiders: 20 });
  const ids: GroundTruth['ids'] = { persons: {}, organizations: {}, deals: {}, users: {} };

  state.addUser({ id: 1, name: 'Integration Admin', email: `integration@${world.teamDomain}`, active_flag: true, is_admin: true });
  for (const o of world.owners) ids.users[o.id] = state.addUser({ name: `${o.firstName} ${o.lastName}`, email: o.email, active_flag: o.active, is_admin: false }).id;
  state.addPipeline('Sales', STAGES);
  const owner = (id: string) => ids.users[id] ?? 1;

  const industry = state.fieldDef('organization', 'industry');
  if (industry) {
    industry.options = [];
    state.addFieldOptions(industry, [...INDUSTRIES]);
  }
  const seniority = state.customDefs('person').find((d) => d.name === 'Seniority');
  if (seniority) {
    seniority.options = [];
    state.addFieldOptions(seniority, [...SENIORITIES]);
  }

  const organizations: GroundTruthOrganization[] = [];
  for (const c of world.companies) {
    const at = ms(c.createdAt);
    const website = c.website ?? c.domain;
    const e = state.insertSeeded(
      'organization',
      {
        name: c.name,
        owner_id: owner(c.ownerId),
        address: { value: `${c.city}, ${c.country}`, locality: c.city, country: c.country },
        website,
        linkedin: null,
        industry: industry?.options?.find((o) => o.label === c.industry)?.id ?? null,
        annual_revenue: c.annualRevenue,
        employee_count: c.employees,
        visible_to: 3,
        label_ids: [],
      },
      {},
      at,
      at,
    );
    ids.organizations[c.id] = e.id;
    organizations.push({ id: e.id, worldId: c.id, name: c.name, domain: c.trueDomain, website, employees: c.employees });
  }

  const laterOutcomes: GroundTruth['laterOutcomes'] = { contact: {}, deal: {} };
  const people: GroundTruthPerson[] = [];
  for (const p of world.contacts) {
    const all = [p.email, ...p.additionalEmails].filter((m): m is string => !!m);
    const emails = all.map((value, i) => ({
      value,
      primary: i === 0,
      label: value.toLowerCase() === p.workEmail?.toLowerCase() ? 'work' : value.toLowerCase() === p.personalEmail?.toLowerCase() ? 'home' : 'other',
    }));
    const name = [p.firstName, p.lastName].filter((x) => x && x.length > 0).join(' ') || (p.email ?? 'Unknown');
    const sen = seniority?.options?.find((o) => o.label === p.seniority)?.id;
    const orgId = ids.organizations[p.companyId] ?? null;
    const e = state.insertSeeded(
      'person',
      {
        name,
        first_name: p.firstName,
        last_name: p.lastName,
        owner_id: owner(p.ownerId),
        org_id: orgId,
        emails,
        phones: p.phone ? [{ value: p.phone, primary: true, label: 'work' }] : [],
        visible_to: 3,
        label_ids: [],
        job_title: p.title,
        ...pipedriveDetails(personDetails(seed, p.personId)),
      },
      seniority && sen !== undefined ? { [seniority.key]: sen } : {},
      ms(p.createdAt),
      Math.max(ms(p.createdAt), ms(p.updatedAt)),
    );
    ids.persons[p.id] = e.id;
    people.push({ id: e.id, worldId: p.id, name, emails: all.map((m) => m.trim().toLowerCase()), orgId });
    if (p.lifecycleStage !== 'customer') laterOutcomes.contact[String(e.id)] = p.becomesCustomer;
  }

  for (const d of world.deals) {
    const closed = d.stage === 'closed_won' || d.stage === 'closed_lost';
    const stage = state.stages[Math.min(d.stageIndex, STAGES.length - 1)];
    const at = ms(d.createdAt);
    const upd = Math.max(at, ms(d.stageEnteredAt));
    const status = d.stage === 'closed_won' ? 'won' : d.stage === 'closed_lost' ? 'lost' : 'open';
    const e = state.insertSeeded(
      'deal',
      {
        title: d.name,
        owner_id: owner(d.ownerId),
        creator_user_id: owner(d.ownerId),
        value: d.amount,
        currency: d.currency,
        person_id: d.contactIds.length > 0 ? (ids.persons[d.contactIds[0]] ?? null) : null,
        org_id: ids.organizations[d.companyId] ?? null,
        pipeline_id: stage.pipeline_id,
        stage_id: stage.id,
        status,
        probability: Math.round(d.probability * 100),
        lost_reason: status === 'lost' ? 'Lost to competitor' : null,
        expected_close_date: d.closeDate,
        visible_to: 3,
        label_ids: [],
        stage_change_time: upd,
        won_time: status === 'won' ? upd : null,
        lost_time: status === 'lost' ? upd : null,
        close_time: closed ? upd : null,
      },
      {},
      at,
      upd,
    );
    ids.deals[d.id] = e.id;
    if (!closed) laterOutcomes.deal[String(e.id)] = d.fate !== 'won';
  }

  for (const a of world.activities) {
    const at = ms(a.at);
    const personId = a.contactId ? (ids.persons[a.contactId] ?? null) : null;
    const orgId = a.companyId ? (ids.organizations[a.companyId] ?? null) : null;
    const dealId = a.dealId ? (ids.deals[a.dealId] ?? null) : null;
    if (a.type === 'note') {
      state.insertSeeded(
        'note',
        {
          content: a.body,
          user_id: owner(a.ownerId),
          person_id: personId,
          org_id: orgId,
          deal_id: dealId,
          lead_id: null,
          pinned_to_deal_flag: false,
          pinned_to_person_flag: false,
          pinned_to_organization_flag: false,
          pinned_to_lead_flag: false,
          pinned_to_project_flag: false,
        },
        {},
        at,
        at,
      );
      continue;
    }
    const mins = a.durationMinutes ?? 0;
    state.insertSeeded(
      'activity',
      {
        subject: a.subject,
        type: a.type,
        owner_id: owner(a.ownerId),
        creator_user_id: owner(a.ownerId),
        deal_id: dealId,
        person_id: personId,
        org_id: orgId,
        participants: personId ? [{ person_id: personId, primary: true }] : [],
        due_date: a.at.slice(0, 10),
        due_time: a.at.slice(11, 16),
        duration: `${String(Math.floor(mins / 60)).padStart(2, '0')}:${String(mins % 60).padStart(2, '0')}`,
        busy: true,
        done: at <= now,
        marked_as_done_time: at <= now ? at : null,
        note: a.body,
        public_description: null,
      },
      {},
      at,
      at,
    );
  }
  return { persons: people, organizations, laterOutcomes, world: world.truth, ids };
}
