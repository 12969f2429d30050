/** The enrichment provider contract: company / person identifiers in, firmographics out. */
import { z } from 'zod';
import type { InrecordError } from '../../errors/index.js';

export const REVENUE_RANGES = ['<1M', '1M-10M', '10M-50M', '50M-100M', '100M-500M', '500M-1B', '>1B'] as const;

export const fundingEventSchema = z.object({
  /** YYYY-MM-DD */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  round: z.string().min(1),
  amountUsd: z.number().nonnegative().nullable(),
});

export const firmographicsSchema = z.object({
  domain: z.string().min(1),
  name: z.string().nullable().default(null),
  employeeCount: z.number().int().nonnegative().nullable().default(null),
  revenueRange: z.enum(REVENUE_RANGES).nullable().default(null),
  industry: z.string().nullable().default(null),
  techStack: z.array(z.string()).default([]),
  fundingEvents: z.array(fundingEventSchema).default([]),
  /** When the provider's data was current (YYYY-MM-DD or ISO date-time): compared with a person's edit. */
  asOf: z.string().min(10),
});
export type Firmographics = z.infer<typeof firmographicsSchema>;
export type FirmographicsInput = z.input<typeof firmographicsSchema>;
export type FundingEvent = z.infer<typeof fundingEventSchema>;

export interface CompanyQuery {
  domain?: string | null;
  name?: string | null;
}

export interface PersonQuery {
  email?: string | null;
  name?: string | null;
}

export type LookupResult = { ok: true; found: true; data: Firmographics } | { ok: true; found: false; why: string } | { ok: false; error: InrecordError };

export interface EnrichmentProvider {
  /** Stamped as the outputs' model version ('offline-2026.11', 'http:clearbit-like'). */
  readonly version: string;
  lookupCompany(q: CompanyQuery): Promise<LookupResult>;
  /** A person resolves to their company by the email's domain unless the provider knows better. */
  lookupPerson(q: PersonQuery): Promise<LookupResult>;
}

/** A bare, lower-case host from a domain, URL or email ('https://www.Acme.com/x' → 'acme.com'). */
export function normaliseDomain(input: string | null | undefined): string | null {
  if (!input) return null;
  let s = input.trim().toLowerCase();
  if (s === '') return null;
  const at = s.lastIndexOf('@');
  if (at >= 0) s = s.slice(at + 1);
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/[/?#:].*$/, '').replace(/^www\./, '').replace(/\.$/, '');
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(s) ? s : null;
}
