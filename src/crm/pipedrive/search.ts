/**
 * Pipedrive identity candidates: persons by e-mail (exact search, or an e-mail index of all persons
 * for a large batch) or name, organizations by website domain (a domain index: search does not
 * cover `website`) or name; or every one, page by page.
 */
import { type AttributeFieldNames, type AttributeFields, attributeFieldsOnce } from '../attributes.js';
import type { CompanyCandidate, ContactCandidate, ContactQuery } from '../types.js';
import { PAGE, type PipedriveClient, type Rec } from './client.js';
import { HEX40, companyCandidate, contactCandidate, normaliseEmail, pdSince, websiteDomain } from './codec.js';
import type { PipedriveSchema } from './schema.js';

/** From this many e-mails in one findContacts call, an e-mail index beats one search per address. */
const EMAIL_INDEX_THRESHOLD = 10;

/** The trailing digits a phone is indexed by: enough to tell numbers apart, few enough to span national and international writings. */
const PHONE_DIGITS = 7;
const phoneTail = (raw: string): string | null => {
  const d = raw.replace(/\D/g, '');
  return d.length >= PHONE_DIGITS ? d.slice(-PHONE_DIGITS) : null;
};

type Keys = Map<string, Set<string>>;

export class PipedriveSearch {
  private orgIndex: { at: number; since: string | null; byDomain: Map<string, Set<string>> } | null = null;
  private personIndex: {
    at: number;
    since: string | null;
    byEmail: Keys;
    emailsOf: Map<string, string[]>;
    byPhone: Keys;
    phonesOf: Map<string, string[]>;
  } | null = null;

  private readonly attributeFields: () => Promise<AttributeFields>;

  constructor(
    private readonly api: PipedriveClient,
    private readonly schema: PipedriveSchema,
    configured: AttributeFieldNames = {},
  ) {
    this.attributeFields = attributeFieldsOnce(() => this.schema.describe('contact'), {}, configured);
  }

  /** The custom fields the config names for attributes (Contact Sync fields are read without). */
  private async candidates(recs: Rec[]): Promise<ContactCandidate[]> {
    const attrs = await this.attributeFields();
    const names = await this.orgNames(recs.map((p) => p.org_id as number | null));
    return recs.map((p) =>
      contactCandidate(p, typeof p.org_id === 'number' ? (names.get(p.org_id) ?? null) : null, attrs),
    );
  }

  private async orgNames(ids: (number | null | undefined)[]): Promise<Map<number, string>> {
    const want = [...new Set(ids.filter((x): x is number => typeof x === 'number'))];
    const names = new Map<number, string>();
    for (let i = 0; i < want.length; i += 100) {
      const p = await this.api.list('organization', { ids: want.slice(i, i + 100).join(','), limit: 100 });
      for (const o of p.data ?? []) names.set(Number(o.id), String(o.name));
    }
    return names;
  }

  private async personsByIds(ids: number[]): Promise<Rec[]> {
    const out: Rec[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const p = await this.api.list('person', { ids: ids.slice(i, i + 100).join(','), limit: 100 });
      out.push(...(p.data ?? []).filter((r) => r.is_deleted !== true));
    }
    return out;
  }

  async findContacts(q: ContactQuery): Promise<ContactCandidate[]> {
    const ids = new Set<number>();
    const wantedEmails = new Set((q.emails ?? []).map(normaliseEmail));
    const persons = this.api.persons();
    // Search is one term per call at 10 calls / 2 s (§6.3): a large batch is answered from an
    // e-mail index of all persons instead, built by one paged scan and refreshed with updated_since.
    if (wantedEmails.size >= EMAIL_INDEX_THRESHOLD) {
      const index = (await this.personKeys()).byEmail;
      for (const email of wantedEmails) for (const id of index.get(email) ?? []) ids.add(Number(id));
      wantedEmails.clear();
    }
    // Phones are kept as typed and search matches them as text (§3.1): they are found through the
    // same index, by their last digits, so "+1 415 555 0101" finds "(415) 555-0101".
    const tails = (q.phones ?? []).map(phoneTail).filter((t): t is string => t !== null);
    if (tails.length > 0) {
      const index = (await this.personKeys()).byPhone;
      for (const t of tails) for (const id of index.get(t) ?? []) ids.add(Number(id));
    }
    for (const email of wantedEmails) {
      const r = (await this.api.call(
        `search persons by email ${email}`,
        () => persons.searchPersons({ term: email, fields: 'email', exact_match: true, limit: 100 } as never) as Promise<{ data?: { items?: { item: { id: number; emails?: string[] } }[] } }>,
        true,
      )) as { data?: { items?: { item: { id: number; emails?: string[] } }[] } };
      for (const it of r.data?.items ?? []) {
        // exact_match is a whole-value, case-insensitive match (§3.1); checked again here.
        if ((it.item.emails ?? []).some((m) => normaliseEmail(m) === email)) ids.add(it.item.id);
      }
    }
    for (const n of q.names ?? []) {
      const term = [n.firstName, n.lastName].filter(Boolean).join(' ').trim();
      if (term.length < 1) continue;
      const r = (await this.api.call(
        `search persons by name ${term}`,
        () => persons.searchPersons({ term, fields: 'name', exact_match: true, limit: 100 } as never) as Promise<{ data?: { items?: { item: { id: number } }[] } }>,
        true,
      )) as { data?: { items?: { item: { id: number } }[] } };
      for (const it of r.data?.items ?? []) ids.add(it.item.id);
    }
    // An id in a custom field: exact search over custom fields, one term a call (§3.1).
    const idField = (await this.attributeFields()).external_id;
    for (const term of idField && HEX40.test(idField) ? new Set((q.externalIds ?? []).map((v) => v.trim()).filter(Boolean)) : []) {
      const r = (await this.api.call(
        `search persons by external id ${term}`,
        () => persons.searchPersons({ term, fields: 'custom_fields', exact_match: true, limit: 100 } as never) as Promise<{ data?: { items?: { item: { id: number } }[] } }>,
        true,
      )) as { data?: { items?: { item: { id: number } }[] } };
      for (const it of r.data?.items ?? []) ids.add(it.item.id);
    }
    return this.candidates(await this.personsByIds([...ids].sort((a, b) => a - b)));
  }

  /**
   * Organizations by website domain. Pipedrive's organization search does not cover `website`
   * (§3.3, §3.7 search fields), so the connector keeps a domain index of organizations, built by
   * one paged scan and then refreshed with `updated_since`; candidates are re-read by id (deleted
   * ones drop out). By name: exact-match search.
   */
  async findCompanies(q: { domains?: string[]; names?: string[] }): Promise<CompanyCandidate[]> {
    const ids = new Set<string>();
    if (q.domains && q.domains.length > 0) {
      const index = await this.domainIndex();
      for (const d of q.domains) for (const id of index.get(d.trim().toLowerCase().replace(/^www\./, '')) ?? []) ids.add(id);
    }
    const orgs = this.api.orgs();
    for (const name of q.names ?? []) {
      const term = name.trim();
      if (!term) continue;
      const r = (await this.api.call(
        `search organizations by name ${term}`,
        () => orgs.searchOrganization({ term, fields: 'name', exact_match: true, limit: 100 } as never) as Promise<{ data?: { items?: { item: { id: number } }[] } }>,
        true,
      )) as { data?: { items?: { item: { id: number } }[] } };
      for (const it of r.data?.items ?? []) ids.add(String(it.item.id));
    }
    const list = [...ids].map(Number).sort((a, b) => a - b);
    const out: CompanyCandidate[] = [];
    for (let i = 0; i < list.length; i += 100) {
      const p = await this.api.list('organization', { ids: list.slice(i, i + 100).join(','), limit: 100 });
      for (const o of p.data ?? []) if (o.is_deleted !== true) out.push(companyCandidate(o));
    }
    return out;
  }

  /** The e-mail and phone index of all persons: one paged scan, then what changed since (`updated_since`). */
  private async personKeys(): Promise<{ byEmail: Keys; byPhone: Keys }> {
    const now = Date.now();
    if (!this.personIndex || now - this.personIndex.at > 6 * 3600_000)
      this.personIndex = {
        at: now,
        since: null,
        byEmail: new Map(),
        emailsOf: new Map(),
        byPhone: new Map(),
        phonesOf: new Map(),
      };
    const idx = this.personIndex;
    const started = new Date(now - 2000).toISOString();
    let cursor: string | undefined;
    do {
      const params: Rec = { sort_by: 'update_time', sort_direction: 'asc', limit: PAGE, cursor };
      if (idx.since) params.updated_since = pdSince(idx.since);
      const p = await this.api.list('person', params);
      for (const r of p.data ?? []) {
        const id = String(r.id);
        const emails = ((r.emails as { value?: string }[] | undefined) ?? [])
          .map((m) => normaliseEmail(String(m.value ?? '')))
          .filter((m) => m.length > 0);
        const phones = ((r.phones as { value?: string }[] | undefined) ?? [])
          .map((m) => phoneTail(String(m.value ?? '')))
          .filter((t): t is string => t !== null);
        rekey(idx.byEmail, idx.emailsOf, id, emails);
        rekey(idx.byPhone, idx.phonesOf, id, phones);
      }
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
    idx.since = started;
    return idx;
  }

  private async domainIndex(): Promise<Map<string, Set<string>>> {
    const now = Date.now();
    if (!this.orgIndex || now - this.orgIndex.at > 6 * 3600_000) this.orgIndex = { at: now, since: null, byDomain: new Map() };
    const idx = this.orgIndex;
    const started = new Date(now - 2000).toISOString();
    let cursor: string | undefined;
    do {
      const params: Rec = { sort_by: 'update_time', sort_direction: 'asc', limit: PAGE, cursor };
      if (idx.since) params.updated_since = pdSince(idx.since);
      const p = await this.api.list('organization', params);
      for (const o of p.data ?? []) {
        const id = String(o.id);
        for (const set of idx.byDomain.values()) set.delete(id);
        const d = websiteDomain(o.website);
        if (!d) continue;
        let s = idx.byDomain.get(d);
        if (!s) {
          s = new Set();
          idx.byDomain.set(d, s);
        }
        s.add(id);
      }
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
    idx.since = started;
    return idx.byDomain;
  }

  async *listContacts(): AsyncIterable<ContactCandidate[]> {
    let cursor: string | undefined;
    do {
      const p = await this.api.list('person', { limit: PAGE, cursor });
      const rows = p.data ?? [];
      if (rows.length > 0) yield await this.candidates(rows);
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
  }

  async *listCompanies(): AsyncIterable<CompanyCandidate[]> {
    let cursor: string | undefined;
    do {
      const p = await this.api.list('organization', { limit: PAGE, cursor });
      if ((p.data ?? []).length > 0) yield (p.data ?? []).map(companyCandidate);
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
  }
}

/** Moves a person's keys in an index to `keys` (a changed person loses the ones it no longer has). */
function rekey(index: Keys, keysOf: Map<string, string[]>, id: string, keys: string[]): void {
  for (const k of keysOf.get(id) ?? []) index.get(k)?.delete(id);
  keysOf.set(id, keys);
  for (const k of keys) {
    let set = index.get(k);
    if (!set) {
      set = new Set();
      index.set(k, set);
    }
    set.add(id);
  }
}
