/** An in-memory index of CRM contacts and companies by every normalised key identity blocks on. */
import type { CompanyCandidate, ContactCandidate } from '../crm/types.js';
import {
  normaliseCompanyName,
  normaliseDomain,
  normaliseEmail,
  normaliseName,
  phoneKey,
} from './normalise.js';

export interface IndexedContact {
  c: ContactCandidate;
  first: string;
  last: string;
  emails: string[];
  phone: string | null;
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

  constructor(contacts: Iterable<ContactCandidate> = [], companies: Iterable<CompanyCandidate> = []) {
    for (const co of companies) this.addCompany(co);
    for (const c of contacts) this.addContact(c);
  }

  addCompany(co: CompanyCandidate): void {
    // a record listed twice (overlapping pages, a repeated file line) is one record
    if (this.companies.has(co.id)) return;
    this.companies.set(co.id, co);
    for (const d of [co.domain, ...(co.additional_domains ?? [])]) {
      const nd = normaliseDomain(d);
      if (nd) push(this.companiesByDomain, nd, co.id);
    }
    const nn = normaliseCompanyName(co.name);
    if (nn) push(this.companiesByName, nn, co.id);
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
    const ic: IndexedContact = { c, first: name?.first ?? '', last: name?.last ?? '', emails, phone };
    this.contacts.set(c.id, ic);
    if (ic.last) push(this.byName, `${ic.first}|${ic.last}`, c.id);
    if (c.company_id) push(this.byCompany, c.company_id, c.id);
    if (phone) push(this.byPhone, phone, c.id);
  }

  /** The company ids a contact belongs to: its company id, else companies named like its company name. */
  companiesOf(ic: IndexedContact): string[] {
    if (ic.c.company_id) return [ic.c.company_id];
    const nn = normaliseCompanyName(ic.c.company_name);
    return nn ? (this.companiesByName.get(nn) ?? []) : [];
  }
}
