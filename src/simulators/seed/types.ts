/**
 * The CRM-neutral seeded world: plain values each simulator maps into its own records, plus the
 * ground truth tests and benchmarks score against. Ids are the world's own (`co_…`, `ct_…`); a
 * simulator assigns its CRM's ids and keeps the mapping.
 */

export type Seniority = 'c_level' | 'vp' | 'director' | 'manager' | 'individual' | 'intern';
export type Intent = 'high' | 'medium' | 'low' | 'not_sales';
export type LeadSource =
  | 'web_form'
  | 'referral'
  | 'event'
  | 'webinar'
  | 'cold_outbound'
  | 'paid_search'
  | 'partner'
  | 'content_download';
export type DealStage =
  | 'qualification'
  | 'discovery'
  | 'proposal'
  | 'negotiation'
  | 'closed_won'
  | 'closed_lost';
export type ActivityType = 'email' | 'call' | 'meeting' | 'note';

export interface GenerateWorldOptions {
  seed: number;
  /** CRM contacts (duplicates included). */
  contacts: number;
  /** Default: contacts / 5 (at least 5). */
  companies?: number;
  /** Leads; default contacts / 2, raised when `convertedLeads` needs more. */
  leads?: number;
  /**
   * Expected number of leads that convert, now or later (the hidden model's intercept is solved for
   * it). Conversion stays between 5 and 15 %: asking for more adds leads (at 10 %). Default: 10 %.
   */
  convertedLeads?: number;
  /** Default: contacts × 0.3. */
  deals?: number;
  /** Inbound emails and call notes with intent labels. Default: min(2000, contacts / 5), at least 40. */
  messages?: number;
  /** People and companies not in the CRM. Default: contacts / 10, at least 20. */
  outsiders?: number;
  /** "Now" of the world, ms since epoch. Default: 2026-11-01T00:00:00Z (fixed, for determinism). */
  now?: number;
}

export interface SeedOwner {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  active: boolean;
}

export interface SeedCompany {
  id: string;
  /** As stored in the CRM (legal suffixes and case vary). */
  name: string;
  /** As stored in the CRM: a bare domain, or sometimes a URL / upper case / www. form; null when unknown. */
  domain: string | null;
  additionalDomains: string[];
  /** The registrable domain the company really uses (ground truth; subsidiaries share the parent's). */
  trueDomain: string;
  website: string | null;
  industry: string;
  employees: number;
  annualRevenue: number;
  country: string;
  city: string;
  phone: string | null;
  parentId: string | null;
  ownerId: string;
  createdAt: string;
}

export interface SeedContact {
  id: string;
  /** Ground truth: contacts with the same personId are the same human (CRM duplicates). */
  personId: string;
  companyId: string;
  /** As stored in the CRM (messy: case, titles, middle initials, accents, "LAST, First" in last_name). */
  firstName: string | null;
  lastName: string | null;
  /** The person's clean name (ground truth). */
  trueFirstName: string;
  trueLastName: string;
  /** Primary email as stored (case may differ from the duplicate's); may be a role inbox or a personal address. */
  email: string | null;
  additionalEmails: string[];
  /** The person's own address (ground truth), work or personal. */
  personalEmail: string | null;
  workEmail: string | null;
  phone: string | null;
  title: string;
  seniority: Seniority;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
  /** At `now`: customer once a deal of theirs was won, opportunity with an open deal, else lead or subscriber. */
  lifecycleStage: 'subscriber' | 'lead' | 'opportunity' | 'customer';
  /**
   * Ground truth: the contact reaches customer after `now` (a deal of theirs is won later, or a
   * purchase the CRM does not see coming). Always false for a customer already.
   */
  becomesCustomer: boolean;
  /** When this record is a later duplicate: the id of the first record of the same person. */
  duplicateOf: string | null;
}

export interface SeedLead {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  companyName: string;
  title: string;
  seniority: Seniority;
  leadSource: LeadSource;
  /** Null when nobody filled it in (the CRM field is empty). */
  industry: string | null;
  employees: number | null;
  annualRevenue: number | null;
  country: string | null;
  emailOpens: number;
  pageViews: number;
  /**
   * Site sessions from a second web tracker, installed `TRACKER_INSTALLED_DAYS` before `now`: a
   * near-duplicate of `pageViews`, empty on leads created before it.
   */
  webVisits: number | null;
  meetings: number;
  daysSinceLastActivity: number;
  /** Rare: the lead attended an executive briefing (about 1 in 80). */
  execBriefing: boolean;
  /** Rare and nearly the same column: invited to the briefing (most attendees, a few others). */
  briefingInvited: boolean;
  createdAt: string;
  ownerId: string;
  /** The status in the CRM at `now` (open leads are new / working / nurturing). */
  status: 'new' | 'working' | 'nurturing' | 'unqualified' | 'converted';
  /** Converted in the CRM by `now`. */
  converted: boolean;
  convertedAt: string | null;
  /** The contact this lead became, when converted and in the CRM. */
  convertedContactId: string | null;
  /**
   * Ground truth: how the CRM records the lead's outcome, when it is decided (`decidedAt`, after
   * `now` for leads still open — their later outcome). Includes the label noise.
   */
  outcome: 'converted' | 'unqualified';
  decidedAt: string;
  /** Ground truth: the recorded outcome contradicts the lead's real buying decision (a mislabelled record). */
  labelNoise: boolean;
  /**
   * Ground truth the CRM never holds: the prospect's real need (standard normal), whether budget
   * exists, and the real industry and head count behind fields left empty.
   */
  hidden: { need: number; budget: boolean; industry: string; employees: number };
  /** The hidden model's probability of conversion (ground truth; a model is scored against `outcome`). */
  conversionProbability: number;
}

export interface SeedDeal {
  id: string;
  name: string;
  companyId: string;
  contactIds: string[];
  ownerId: string;
  stage: DealStage;
  /** 0..5 in the order of DEAL_STAGES. */
  stageIndex: number;
  amount: number;
  currency: string;
  createdAt: string;
  /** YYYY-MM-DD. */
  closeDate: string;
  originalCloseDate: string;
  /** How many times the close date was pushed out. */
  closeDatePushes: number;
  stageEnteredAt: string;
  probability: number;
  /**
   * Ground truth: what happens to the deal after `now` (closed deals: what happened). `won` on time,
   * `slipped` (the close date moves out again), `lost`. Deal risk is judged on it: slipped or lost.
   */
  fate: 'won' | 'slipped' | 'lost';
  /** Ground truth: when an open deal closes after `now` (won or lost), YYYY-MM-DD; null for slipped or already closed. */
  closesLaterOn: string | null;
}

export interface SeedActivity {
  id: string;
  type: ActivityType;
  subject: string;
  body: string;
  at: string;
  ownerId: string;
  contactId: string | null;
  companyId: string | null;
  dealId: string | null;
  direction: 'inbound' | 'outbound' | null;
  durationMinutes: number | null;
}

export interface SeedMessage {
  id: string;
  kind: 'email' | 'call_note';
  fromEmail: string;
  fromName: string;
  /** The CRM contact who sent it, null for an outsider. */
  contactId: string | null;
  subject: string;
  body: string;
  at: string;
  /** Ground truth label. */
  intent: Intent;
}

/** Someone or some company NOT in the CRM. `nearNamesakeOf` names the CRM record it resembles. */
export interface SeedOutsider {
  id: string;
  kind: 'person' | 'company';
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  companyName: string;
  companyDomain: string;
  nearNamesakeOf: string | null;
  /** What makes it tricky: 'stranger' | 'same_name_other_company' | 'similar_name_same_company' | 'same_company_name' | 'similar_company_name'. */
  pattern: string;
}

export interface WorldTruth {
  /** personId → the contact ids of that person (length > 1: CRM duplicates). */
  persons: Record<string, string[]>;
  /** Pairs [first, duplicate]. */
  duplicates: [string, string][];
  /** Groups of different people with the same name at the same company ("several John Smiths"). */
  sameNameGroups: string[][];
  /** Role inboxes and the contacts that carry them. */
  roleInboxes: { email: string; contactIds: string[] }[];
  /** Parent company id → subsidiary ids (subsidiaries share the parent's domain). */
  subsidiaries: Record<string, string[]>;
  /** Groups of different companies with the same name. */
  sameNameCompanies: string[][];
  /**
   * The hidden lead-conversion model: logit = intercept + Σ weight × feature (see `leadFeatures`),
   * with fields the CRM does not hold (`hidden_need`, `hidden_budget`) and weights that drift with
   * the lead's age (`drift`: weight at creation = weight + drift × (1 − age / 720 days)).
   */
  leadModel: { intercept: number; weights: Record<string, number>; drift: Record<string, number> };
  /** Leads converted in the CRM by `now`, and those that convert later (open at `now`). */
  convertedLeads: number;
  laterConvertedLeads: number;
}

export interface World {
  seed: number;
  now: string;
  /** The sales team's own email domain (owners' addresses). */
  teamDomain: string;
  owners: SeedOwner[];
  companies: SeedCompany[];
  contacts: SeedContact[];
  leads: SeedLead[];
  deals: SeedDeal[];
  activities: SeedActivity[];
  messages: SeedMessage[];
  outsiders: SeedOutsider[];
  truth: WorldTruth;
}
