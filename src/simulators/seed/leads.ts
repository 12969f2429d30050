/**
 * The world's leads and their outcomes. Conversion follows a hidden logistic model that a CRM can
 * only partly see: the prospect's real need and budget are in no field (engagement is a noisy trace
 * of the need), industry and head count are sometimes left empty while the truth uses the real
 * ones, two weights drift with the lead's age, a rare pair of nearly identical columns carries a
 * strong signal, and some recorded outcomes contradict the real decision (label noise). Outcomes
 * arrive after a lag: leads whose outcome comes after `now` are open in the CRM, and their later
 * outcome is the ground truth a model's scores are judged on.
 */
import type { SeedContact, SeedLead, Seniority } from './types.js';
import {
  COUNTRIES,
  DAY,
  INDUSTRIES,
  LEAD_SOURCES,
  SENIORITIES,
  TITLES,
  TLD,
  ascii,
  iso,
  pad,
} from './vocab.js';

/** The second web tracker (`webVisits`) was installed this many days before `now`. */
export const TRACKER_INSTALLED_DAYS = 300;
/** Leads are created over this many days before `now`; the drifting weights move across it. */
export const LEAD_HISTORY_DAYS = 720;
/** Default share of leads that convert (now or later). */
export const DEFAULT_CONVERSION_RATE = 0.1;
/** Asking for more conversions than this share of the leads adds leads. */
export const MAX_CONVERSION_RATE = 0.15;
/**
 * Label noise: a real buyer recorded as disqualified (a duplicate closed, the deal booked on another
 * record), and a non-buyer recorded as converted (converted to log a call, a partner's contact).
 */
export const LABEL_NOISE = { buyerLost: 0.05, nonBuyerConverted: 0.01 };

/** The hidden model's weights; `hidden_*` are fields no CRM holds. */
const LEAD_WEIGHTS: Record<string, number> = {
  source_referral: 1.0,
  source_partner: 0.7,
  source_event: 0.45,
  source_webinar: 0.9,
  source_web_form: 0.2,
  source_paid_search: -0.7,
  source_content_download: -0.2,
  source_cold_outbound: -0.7,
  industry_software: 0.45,
  industry_financial_services: 0.3,
  industry_healthcare: 0.35,
  industry_manufacturing: 0.3,
  industry_retail: -0.3,
  industry_government: -0.7,
  industry_education: -0.6,
  seniority_c_level: 0.65,
  seniority_vp: 0.6,
  seniority_director: 0.35,
  seniority_manager: 0.15,
  seniority_intern: -1.2,
  country_US: 0.55,
  country_GB: 0.35,
  country_DE: 0.2,
  country_ES: -0.35,
  log_employees: 0.45,
  log_revenue: 0.15,
  email_opens: 0.03,
  page_views: 0.012,
  meetings: 0.2,
  recent_meetings: 0.6,
  days_since_last_activity: -0.015,
  exec_briefing: 1.8,
  hidden_need: 0.9,
  hidden_budget: 1.0,
};

/** How a weight differs on the newest leads: weight at creation = weight + drift × freshness (1 new … 0 oldest). */
const LEAD_DRIFT: Record<string, number> = {
  source_webinar: -0.8,
  source_paid_search: 1.5,
  intercept: -0.3,
};

/** Freshness of a lead created at `createdMs`: 1 at `now`, 0 at the start of the history. */
function freshness(createdMs: number, nowMs: number): number {
  return Math.max(0, 1 - (nowMs - createdMs) / (LEAD_HISTORY_DAYS * DAY));
}

/**
 * The hidden model's features of a lead, as numbers (the names `truth.leadModel.weights` and
 * `drift` use), from the real values: the hidden need and budget, and the real industry and head
 * count where the CRM field is empty. `fresh` is the lead's freshness (for the drifting weights).
 */
export function leadFeatures(l: SeedLead, nowMs: number): Record<string, number> {
  const employees = l.hidden.employees;
  const revenue = l.annualRevenue ?? employees * 150_000;
  return {
    [`source_${l.leadSource}`]: 1,
    [`industry_${l.hidden.industry}`]: 1,
    [`seniority_${l.seniority}`]: 1,
    ...(l.country ? { [`country_${l.country}`]: 1 } : {}),
    log_employees: Math.log10(Math.max(1, employees)),
    log_revenue: Math.log10(Math.max(1, revenue)) - 6,
    email_opens: Math.min(l.emailOpens, 20),
    page_views: Math.min(l.pageViews, 60),
    meetings: l.meetings,
    // Engagement matters only when it is recent: the interaction a simple rule misses.
    recent_meetings: l.daysSinceLastActivity <= 14 ? l.meetings : 0,
    days_since_last_activity: Math.min(l.daysSinceLastActivity, 180),
    exec_briefing: l.execBriefing ? 1 : 0,
    hidden_need: l.hidden.need,
    hidden_budget: l.hidden.budget ? 1 : 0,
    fresh: freshness(Date.parse(l.createdAt), nowMs),
  };
}

/** Σ weight × feature, drift included, without the intercept. */
export function leadLogit(l: SeedLead, nowMs: number): number {
  const f = leadFeatures(l, nowMs);
  const fresh = f.fresh as number;
  let z = (LEAD_DRIFT.intercept as number) * fresh;
  for (const [k, v] of Object.entries(f)) {
    if (k === 'fresh') continue;
    z += ((LEAD_WEIGHTS[k] ?? 0) + (LEAD_DRIFT[k] ?? 0) * fresh) * v;
  }
  return z;
}

export interface LeadDraws {
  rnd: () => number;
  pick: <T>(xs: readonly T[]) => T;
  int: (min: number, max: number) => number;
  chance: (p: number) => boolean;
  first: () => string;
  last: () => string;
  companyName: () => string;
  stripLegal: (name: string) => string;
  owner: () => string;
  /** The name of the company a contact works for. */
  companyNameOf: (contact: SeedContact) => string;
}

export interface LeadsResult {
  leads: SeedLead[];
  intercept: number;
  weights: Record<string, number>;
  drift: Record<string, number>;
  converted: number;
  laterConverted: number;
}

/** A standard normal draw (Box–Muller). */
function gaussian(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

export function generateLeads(
  d: LeadDraws,
  opts: { leads: number; convertedLeads?: number; now: number; contacts: SeedContact[] },
): LeadsResult {
  const { rnd, pick, int, chance } = d;
  const now = opts.now;
  let nLeads = Math.max(0, Math.floor(opts.leads));
  const want = opts.convertedLeads;
  if (want !== undefined && want > nLeads * MAX_CONVERSION_RATE)
    nLeads = Math.ceil(want / DEFAULT_CONVERSION_RATE);
  const leads: SeedLead[] = [];
  const logits: number[] = [];
  for (let i = 0; i < nLeads; i++) {
    const f = d.first();
    const l = d.last();
    const created = now - int(1, LEAD_HISTORY_DAYS) * DAY;
    const fresh = freshness(created, now);
    // Where leads come from drifts too: newer ones come more from paid search and downloads.
    const leadSource = chance(0.35 * fresh)
      ? pick(['paid_search', 'content_download', 'web_form'] as const)
      : pick(LEAD_SOURCES);
    const industry = pick(INDUSTRIES);
    const country = pick(COUNTRIES);
    const employees = Math.max(1, Math.round(10 ** (0.5 + rnd() * 4)));
    const seniority = SENIORITIES[Math.min(5, Math.floor(rnd() ** 0.8 * 6))] as Seniority;
    const need = gaussian(rnd);
    const budget = chance(0.35);
    // Engagement is a noisy trace of the need the CRM cannot see.
    const engaged = Math.min(1, Math.max(0, 0.65 * rnd() + 0.35 / (1 + Math.exp(-1.7 * need))));
    const meetings = engaged > 0.75 ? int(1, 4) : engaged > 0.6 ? int(0, 1) : 0;
    const pageViews = Math.floor(engaged * int(0, 60));
    const execBriefing = chance(0.0125);
    const name = d.companyName();
    const ageDays = (now - created) / DAY;
    const lead: SeedLead = {
      id: `ld_${pad(i + 1)}`,
      firstName: f,
      lastName: l,
      email: `${ascii(f)}.${ascii(l)}${i}@${ascii(d.stripLegal(name)).slice(0, 20) || 'lead'}.${TLD[country] ?? 'com'}`,
      companyName: name,
      title: pick(TITLES[seniority]),
      seniority,
      leadSource,
      industry: chance(0.12) ? null : industry,
      employees: chance(0.15) ? null : employees,
      annualRevenue: null,
      country: chance(0.05) ? null : country,
      emailOpens: Math.floor(engaged * engaged * int(0, 25)),
      pageViews,
      webVisits:
        ageDays <= TRACKER_INSTALLED_DAYS ? Math.round(pageViews * (0.8 + 0.4 * rnd())) + int(0, 2) : null,
      meetings,
      daysSinceLastActivity: int(0, 180),
      execBriefing,
      briefingInvited: execBriefing ? chance(0.9) : chance(0.003),
      createdAt: iso(created),
      ownerId: d.owner(),
      status: 'new',
      converted: false,
      convertedAt: null,
      convertedContactId: null,
      outcome: 'unqualified',
      decidedAt: iso(created),
      labelNoise: false,
      hidden: { need, budget, industry, employees },
      conversionProbability: 0,
    };
    const revenue = Math.round(employees * (50_000 + rnd() * 250_000));
    lead.annualRevenue = lead.employees === null && chance(0.7) ? null : chance(0.08) ? null : revenue;
    logits.push(leadLogit(lead, now));
    leads.push(lead);
  }
  // Solve the intercept so the expected number of recorded conversions (label noise included) is what was asked.
  const asked = want ?? nLeads * DEFAULT_CONVERSION_RATE;
  const target = Math.max(
    0,
    (asked - nLeads * LABEL_NOISE.nonBuyerConverted) /
      (1 - LABEL_NOISE.buyerLost - LABEL_NOISE.nonBuyerConverted),
  );
  let lo = -30;
  let hi = 30;
  for (let it = 0; it < 40 && nLeads > 0; it++) {
    const mid = (lo + hi) / 2;
    let s = 0;
    for (const z of logits) s += 1 / (1 + Math.exp(-(z + mid)));
    if (s < target) lo = mid;
    else hi = mid;
  }
  const intercept = (lo + hi) / 2;
  let converted = 0;
  let laterConverted = 0;
  for (let i = 0; i < nLeads; i++) {
    const lead = leads[i] as SeedLead;
    const p = 1 / (1 + Math.exp(-((logits[i] as number) + intercept)));
    lead.conversionProbability = p;
    const real = rnd() < p;
    lead.labelNoise = chance(real ? LABEL_NOISE.buyerLost : LABEL_NOISE.nonBuyerConverted);
    lead.outcome = real !== lead.labelNoise ? 'converted' : 'unqualified';
    const created = Date.parse(lead.createdAt);
    // Conversions come sooner than disqualifications; either may come after `now`.
    const decided = created + (lead.outcome === 'converted' ? int(5, 150) : int(15, 300)) * DAY;
    lead.decidedAt = iso(decided);
    if (decided > now) {
      lead.status =
        now - created < 14 * DAY ? 'new' : pick(['new', 'working', 'working', 'nurturing'] as const);
      if (lead.outcome === 'converted') laterConverted++;
      continue;
    }
    lead.status = lead.outcome;
    if (lead.outcome !== 'converted') continue;
    converted++;
    lead.converted = true;
    lead.convertedAt = lead.decidedAt;
    const c = opts.contacts[i];
    if (c && c.duplicateOf === null && c.email) {
      // The contact this lead became: the same person.
      lead.convertedContactId = c.id;
      lead.firstName = c.trueFirstName;
      lead.lastName = c.trueLastName;
      lead.email = c.email;
      lead.companyName = d.companyNameOf(c);
    }
  }
  return {
    leads,
    intercept,
    weights: { ...LEAD_WEIGHTS },
    drift: { ...LEAD_DRIFT },
    converted,
    laterConverted,
  };
}
