import { z } from 'zod';

/** One record from outside the CRM that must be tied to exactly one CRM record. */
export const identityInputSchema = z
  .object({
    key: z.string().min(1),
    type: z.enum(['contact', 'company']),
    email: z.string().nullish(),
    first_name: z.string().nullish(),
    last_name: z.string().nullish(),
    full_name: z.string().nullish(),
    company_name: z.string().nullish(),
    company_domain: z.string().nullish(),
    phone: z.string().nullish(),
    name: z.string().nullish(),
    domain: z.string().nullish(),
    website: z.string().nullish(),
    /** A person's birth date (YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY). */
    birth_date: z.string().nullish(),
    postcode: z.string().nullish(),
    /** Street address: number and street. */
    address: z.string().nullish(),
    city: z.string().nullish(),
    linkedin_url: z.string().nullish(),
    /** The person's id in another system that the CRM also holds. */
    external_id: z.string().nullish(),
  })
  .passthrough();
export type IdentityInput = z.infer<typeof identityInputSchema>;

export type IdentityStatus = 'matched' | 'ambiguous' | 'unmatched';

export interface IdentityResult {
  key: string;
  status: IdentityStatus;
  id: string | null;
  candidates: string[];
  confidence: number;
  reason: string;
  /** Which evidence decided it (email, email+name, name+company, domain, reviewer …). */
  evidence?: string;
}
