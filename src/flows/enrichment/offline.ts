/**
 * The bundled offline provider: no network, no key. It answers from data/enrichment/companies.jsonl
 * (every company of the seeded worlds in data/enrichment/manifest.json, built by
 * `npx tsx src/flows/enrichment/build-dataset.ts`) and, for domains under
 * the names reserved for examples and tests (RFC 2606/6761: example.com/.net/.org, .example, .test,
 * .invalid, .localhost — where every simulator's companies live), from firmographics derived
 * deterministically from the domain itself. A real domain that is not in the file is "not found":
 * the provider never invents facts about a real company.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dataPath } from '../data-path.js';
import { mulberry32 } from '../../random/index.js';
import { digest } from '../scoring/rules.js';
import {
  type CompanyQuery,
  type EnrichmentProvider,
  type Firmographics,
  type LookupResult,
  type PersonQuery,
  REVENUE_RANGES,
  firmographicsSchema,
  normaliseDomain,
} from './types.js';

const RESERVED = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/;

let freeMail: Set<string> | null = null;

export function isFreeMail(domain: string): boolean {
  freeMail ??= new Set(createRequire(import.meta.url)('email-providers/all.json') as string[]);
  return freeMail.has(domain);
}

export function isReservedDomain(domain: string): boolean {
  return RESERVED.test(domain);
}

const INDUSTRIES = ['Software', 'Financial Services', 'Healthcare', 'Retail', 'Manufacturing', 'Education', 'Media', 'Logistics', 'Energy', 'Professional Services'];
const TECH = ['Salesforce', 'HubSpot', 'Pipedrive', 'Snowflake', 'AWS', 'Google Cloud', 'Azure', 'Stripe', 'Segment', 'Zendesk', 'Intercom', 'Slack', 'Shopify', 'Marketo', 'Databricks', 'Okta'];
const ROUNDS = ['Seed', 'Series A', 'Series B', 'Series C', 'Series D'];

export function revenueRangeOf(revenue: number): (typeof REVENUE_RANGES)[number] {
  const edges = [1e6, 1e7, 5e7, 1e8, 5e8, 1e9];
  const i = edges.findIndex((e) => revenue < e);
  return REVENUE_RANGES[i === -1 ? REVENUE_RANGES.length - 1 : i];
}

function seedOf(domain: string): number {
  return Number.parseInt(digest(domain), 16);
}

/** Firmographics for a reserved-name domain: the same domain always gives the same company. */
export function deriveFirmographics(domain: string, asOf: string): Firmographics {
  const rnd = mulberry32(seedOf(domain));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const employees = Math.round(Math.exp(1.5 + rnd() * 9));
  const revenuePerHead = 80_000 + rnd() * 220_000;
  const revenueRange = revenueRangeOf(employees * revenuePerHead);
  const tech = new Set<string>();
  const nTech = 2 + Math.floor(rnd() * 5);
  while (tech.size < nTech) tech.add(pick(TECH));
  const rounds = Math.floor(rnd() * 4);
  const fundingEvents = [];
  let year = 2016 + Math.floor(rnd() * 4);
  for (let i = 0; i < rounds; i++) {
    year += 1 + Math.floor(rnd() * 2);
    const month = 1 + Math.floor(rnd() * 12);
    fundingEvents.push({ date: `${Math.min(year, 2026)}-${String(month).padStart(2, '0')}-01`, round: ROUNDS[i], amountUsd: Math.round((2 + rnd() * 10) * 4 ** i) * 1_000_000 });
  }
  const label = domain.split('.')[0].replace(/\d+$/, '').replace(/[-_]+/g, ' ');
  return firmographicsSchema.parse({
    domain,
    name: label ? label.replace(/\b\w/g, (c) => c.toUpperCase()) : null,
    employeeCount: employees,
    revenueRange,
    industry: pick(INDUSTRIES),
    techStack: [...tech].sort(),
    fundingEvents,
    asOf,
  });
}

export function readDataset(file: string): Map<string, Firmographics> {
  const map = new Map<string, Firmographics>();
  if (!existsSync(file)) return map;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const r = firmographicsSchema.safeParse(JSON.parse(line));
      if (!r.success) throw new Error(`${file}:${i + 1}: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
      const d = normaliseDomain(r.data.domain);
      if (d) map.set(d, { ...r.data, domain: d });
    });
  return map;
}

export interface OfflineOptions {
  /** Dataset file (default data/enrichment/companies.jsonl). */
  file?: string;
  /** Derive firmographics for reserved example/test domains (default true). */
  deriveReserved?: boolean;
  /** asOf for derived entries (default the dataset's release date). */
  asOf?: string;
}

export const OFFLINE_DATASET_RELEASE = '2026-11-01';

export class OfflineProvider implements EnrichmentProvider {
  readonly version = `offline-${OFFLINE_DATASET_RELEASE}`;
  private readonly dataset: Map<string, Firmographics>;
  private readonly deriveReserved: boolean;
  private readonly asOf: string;

  constructor(opts: OfflineOptions = {}) {
    this.dataset = readDataset(opts.file ?? dataPath('enrichment', 'companies.jsonl'));
    this.deriveReserved = opts.deriveReserved ?? true;
    this.asOf = opts.asOf ?? OFFLINE_DATASET_RELEASE;
  }

  get size(): number {
    return this.dataset.size;
  }

  async lookupCompany(q: CompanyQuery): Promise<LookupResult> {
    const domain = normaliseDomain(q.domain);
    if (!domain) return { ok: true, found: false, why: 'no usable domain on the record (the offline dataset is keyed by domain)' };
    const hit = this.dataset.get(domain) ?? (domain.split('.').length > 2 ? this.dataset.get(domain.split('.').slice(-2).join('.')) : undefined);
    if (hit) return { ok: true, found: true, data: hit };
    if (this.deriveReserved && isReservedDomain(domain)) return { ok: true, found: true, data: deriveFirmographics(domain, this.asOf) };
    return { ok: true, found: false, why: `${domain} is not in the offline dataset` };
  }

  async lookupPerson(q: PersonQuery): Promise<LookupResult> {
    const domain = normaliseDomain(q.email);
    // A free-mail address (gmail.com …) says nothing about the person's employer.
    if (domain && isFreeMail(domain)) return { ok: true, found: false, why: `${domain} is a free-mail provider, not a company` };
    return this.lookupCompany({ domain });
  }
}
