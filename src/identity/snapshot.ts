/**
 * An in-memory index of CRM contacts and companies by every normalised key identity blocks on,
 * and the value counts that term-frequency adjustment reads.
 */
import type { CompanyCandidate, ContactCandidate } from '../crm/types.js';
import { type PersonAttributes, personAttributes } from './attributes.js';
import {
  normaliseCompanyName,
  normaliseDomain,
  normaliseEmail,
  normaliseName,
  phoneKey,
  soundex,
} from './normalise.js';

export interface IndexedContact {
  c: ContactCandidate;
  first: string;
  last: string;
  emails: string[];
  phone: string | null;
  attrs: PersonAttributes;
}

/** Appends v under k; ids arrive in order, so a repeat is always the last element. */
function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) {
    if (a[a.length - 1] !== v) a.push(v);
  } else m.set(k, [v]);
}

export class CrmSnapshot {
  readonly contacts = new Map<string, IndexedContact>();
  readonly companies = new Map<string, CompanyCandidate>();
  readonly byEmail = new Map<string, string[]>();
  readonly byName = new Map<string, string[]>();
  readonly byCompany = new Map<string, string[]>();
  readonly byPhone = new Map<string, string[]>();
  readonly companiesByDomain = new Map<string, string[]>();
  readonly companiesByName = new Map<string, string[]>();
  /** `${companyId}|${last}` → contact ids: name + company lookups without scanning a company's staff. */
  readonly byCompanyLast = new Map<string, string[]>();
  /** `${companyId}|${first}` → contact ids: finds a person at a company whose last name is misspelt. */
  readonly byCompanyFirst = new Map<string, string[]>();
  /** `${companyId}|${soundex(last)}`: a misspelt last name at a company (first names sound alike too often). */
  readonly byCompanySound = new Map<string, string[]>();
  readonly byBirth = new Map<string, string[]>();
  readonly byAddress = new Map<string, string[]>();
  /** `${postcode}|${first}` and `${postcode}|${last}` → contact ids. */
  readonly byPostcodeName = new Map<string, string[]>();
  readonly byLinkedIn = new Map<string, string[]>();
  readonly byExternal = new Map<string, string[]>();
  /** How many records hold each first / last name key: what term-frequency adjustment reads. */
  readonly firstCount = new Map<string, number>();
  readonly lastCount = new Map<string, number>();
  /**
   * The snapshot is the whole CRM (or a fair sample of it), so value counts are frequencies. A
   * snapshot of fetched candidates is not: its counts say what was asked for.
   */
  readonly complete: boolean;
  private readonly companyKeys = new Map<string, { name: string | null; domains: string[] }>();

  constructor(
    contacts: Iterable<ContactCandidate> = [],
    companies: Iterable<CompanyCandidate> = [],
    opts: { complete?: boolean } = {},
  ) {
    this.complete = opts.complete ?? true;
    for (const co of companies) this.addCompany(co);
    for (const c of contacts) this.addContact(c);
  }

  addCompany(co: CompanyCandidate): void {
    // a record listed twice (overlapping pages, a repeated file line) is one record
    if (this.companies.has(co.id)) return;
    this.companies.set(co.id, co);
    const domains: string[] = [];
    for (const d of [co.domain, ...(co.additional_domains ?? [])]) {
      const nd = normaliseDomain(d);
      if (nd && !domains.includes(nd)) {
        domains.push(nd);
        push(this.companiesByDomain, nd, co.id);
      }
    }
    const nn = normaliseCompanyName(co.name);
    if (nn) push(this.companiesByName, nn, co.id);
    this.companyKeys.set(co.id, { name: nn, domains });
  }

  addContact(c: ContactCandidate): void {
    if (this.contacts.has(c.id)) return;
    const name = normaliseName(c.first_name, c.last_name);
    const emails: string[] = [];
    for (const e of [c.email, ...(c.additional_emails ?? [])]) {
      const ne = normaliseEmail(e);
      if (!ne) continue;
      emails.push(ne.canonical);
      push(this.byEmail, ne.canonical, c.id);
    }
    const phone = phoneKey(c.phone);
    const attrs = personAttributes(c);
    const ic: IndexedContact = { c, first: name?.first ?? '', last: name?.last ?? '', emails, phone, attrs };
    this.contacts.set(c.id, ic);
    if (ic.first) this.firstCount.set(ic.first, (this.firstCount.get(ic.first) ?? 0) + 1);
    if (ic.last) this.lastCount.set(ic.last, (this.lastCount.get(ic.last) ?? 0) + 1);
    if (c.company_id && ic.last.length >= 3)
      push(this.byCompanySound, `${c.company_id}|${soundex(ic.last)}`, c.id);
    if (attrs.birth) push(this.byBirth, attrs.birth, c.id);
    if (attrs.address) push(this.byAddress, attrs.address, c.id);
    if (attrs.postcode && ic.first) push(this.byPostcodeName, `${attrs.postcode}|${ic.first}`, c.id);
    if (attrs.postcode && ic.last) push(this.byPostcodeName, `${attrs.postcode}|${ic.last}`, c.id);
    if (attrs.linkedin) push(this.byLinkedIn, attrs.linkedin, c.id);
    if (attrs.external) push(this.byExternal, attrs.external, c.id);
    if (ic.last) push(this.byName, `${ic.first}|${ic.last}`, c.id);
    if (c.company_id) push(this.byCompany, c.company_id, c.id);
    if (c.company_id && ic.last) push(this.byCompanyLast, `${c.company_id}|${ic.last}`, c.id);
    if (c.company_id && ic.first) push(this.byCompanyFirst, `${c.company_id}|${ic.first}`, c.id);
    if (phone) push(this.byPhone, phone, c.id);
  }

  /** A company's normalised name (null when it has none or is unknown). */
  companyNameKey(id: string): string | null {
    return this.companyKeys.get(id)?.name ?? null;
  }

  /** A company's registrable domains, normalised. */
  companyDomains(id: string): string[] {
    return this.companyKeys.get(id)?.domains ?? [];
  }

  /** The company ids a contact belongs to: its company id, else companies named like its company name. */
  companiesOf(ic: IndexedContact): string[] {
    if (ic.c.company_id) return [ic.c.company_id];
    const nn = normaliseCompanyName(ic.c.company_name);
    return nn ? (this.companiesByName.get(nn) ?? []) : [];
  }
}
