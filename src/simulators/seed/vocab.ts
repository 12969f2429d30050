/**
 * The seeded world's vocabulary and small helpers shared by its generators: stages, sources,
 * industries, name pools, legal suffixes, and the PRNG every draw comes from.
 */
import { mulberry32 } from '../../random/index.js';
import { isoTime } from './time.js';
import type { DealStage, LeadSource, Seniority } from './types.js';

export const DEAL_STAGES: readonly DealStage[] = [
  'qualification',
  'discovery',
  'proposal',
  'negotiation',
  'closed_won',
  'closed_lost',
];
export const STAGE_PROBABILITY: Record<DealStage, number> = {
  qualification: 0.1,
  discovery: 0.2,
  proposal: 0.5,
  negotiation: 0.8,
  closed_won: 1,
  closed_lost: 0,
};
export const LEAD_SOURCES: readonly LeadSource[] = [
  'web_form',
  'referral',
  'event',
  'webinar',
  'cold_outbound',
  'paid_search',
  'partner',
  'content_download',
];
export const INDUSTRIES = [
  'software',
  'financial_services',
  'healthcare',
  'manufacturing',
  'retail',
  'education',
  'logistics',
  'media',
  'energy',
  'government',
] as const;
export const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'NL', 'CA', 'AU', 'ES', 'SE', 'IE'] as const;
export const SENIORITIES: readonly Seniority[] = [
  'c_level',
  'vp',
  'director',
  'manager',
  'individual',
  'intern',
];
export const ROLE_LOCAL_PARTS = ['info', 'sales', 'contact', 'hello', 'office', 'admin', 'support', 'team'];
export const FREE_MAIL = [
  'gmail.com',
  'yahoo.com',
  'outlook.com',
  'hotmail.com',
  'icloud.com',
  'googlemail.com',
  'gmx.de',
  'web.de',
  'yahoo.co.uk',
];
export const TLD: Record<string, string> = {
  US: 'com',
  GB: 'co.uk',
  DE: 'de',
  FR: 'fr',
  NL: 'nl',
  CA: 'ca',
  AU: 'com.au',
  ES: 'es',
  SE: 'se',
  IE: 'ie',
};
export const LEGAL = [
  'Inc',
  'Inc.',
  'LLC',
  'Ltd',
  'Ltd.',
  'GmbH',
  'Corp',
  'Corporation',
  'Co.',
  'S.A.',
  'B.V.',
  'AB',
  'PLC',
  'Group',
  'Holdings',
  '',
];
export const WORDS = [
  'Summit',
  'Northwind',
  'Bluebird',
  'Atlas',
  'Vertex',
  'Harbor',
  'Granite',
  'Pioneer',
  'Cobalt',
  'Maple',
  'Beacon',
  'Evergreen',
  'Quantum',
  'Redwood',
  'Silverline',
  'Keystone',
  'Orbit',
  'Lumen',
  'Falcon',
  'Sterling',
];
export const NOUNS = [
  'Partners',
  'Systems',
  'Labs',
  'Logistics',
  'Health',
  'Capital',
  'Foods',
  'Energy',
  'Media',
  'Analytics',
  'Dynamics',
  'Solutions',
  'Works',
  'Industries',
  'Networks',
];
export const REGIONS = ['Europe', 'UK', 'Deutschland', 'France', 'Nordics', 'APAC', 'Canada', 'Iberia'];
export const ACCENTED_FIRST = [
  'José',
  'Zoë',
  'Renée',
  'Søren',
  'Björn',
  'François',
  'Łukasz',
  'Chloé',
  'Joël',
  'Inés',
  'Ångström',
  'Noémie',
  'Jürgen',
  'Siân',
  'Dvořák',
];
export const ACCENTED_LAST = [
  'Müller',
  'García',
  'Núñez',
  "O'Neil",
  "D'Angelo",
  'van der Berg',
  'McDonald',
  'Šimek',
  'Lefèvre',
  'Østergaard',
  'Çelik',
  'de la Cruz',
  "O'Brien",
  'Groß',
];
export const NICK: [string, string][] = [
  ['John', 'Jon'],
  ['Catherine', 'Katherine'],
  ['Steven', 'Stephen'],
  ['Sara', 'Sarah'],
  ['Philip', 'Phillip'],
  ['Ann', 'Anne'],
  ['Eric', 'Erik'],
];
export const TITLES: Record<Seniority, readonly string[]> = {
  c_level: ['CEO', 'Chief Revenue Officer', 'CFO', 'Chief Technology Officer', 'COO'],
  vp: ['VP Sales', 'VP of Marketing', 'Vice President, Operations', 'VP Engineering'],
  director: ['Director of Sales', 'Head of Marketing', 'IT Director', 'Director, Procurement'],
  manager: ['Sales Manager', 'Marketing Manager', 'Operations Manager', 'Project Manager'],
  individual: ['Account Executive', 'Analyst', 'Software Engineer', 'Specialist', 'Consultant'],
  intern: ['Intern', 'Working Student', 'Marketing Intern'],
};
export const DAY = 86_400_000;
export const LEGAL_TAIL =
  /\s+(Inc\.?|LLC|Ltd\.?|GmbH|Corp|Corporation|Co\.|S\.A\.|B\.V\.|AB|PLC|Group|Holdings)$/i;

/** The world's generator: mulberry32, seed 0 taken as 0x9e3779b9 (so every seed gives the worlds it always gave). */
export function prng(seed: number): () => number {
  return mulberry32(seed >>> 0 || 0x9e3779b9);
}

export const iso = isoTime;
export const ymd = (ms: number) => isoTime(ms).slice(0, 10);
export const pad = (n: number, w = 6) => String(n).padStart(w, '0');
const asciiCache = new Map<string, string>();
/** Lower-case ASCII letters and digits only (for addresses and domains); names repeat, so memoised. */
export function ascii(s: string): string {
  let v = asciiCache.get(s);
  if (v === undefined) {
    v = s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/ß/g, 'ss')
      .replace(/[øØ]/g, 'o')
      .replace(/[łŁ]/g, 'l')
      .replace(/[^A-Za-z0-9]/g, '')
      .toLowerCase();
    if (asciiCache.size < 200_000) asciiCache.set(s, v);
  }
  return v;
}
