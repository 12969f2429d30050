/**
 * HubSpot identity candidates: contacts and companies found by email, name or domain (search, IN
 * lists of 100, at most five filter groups), or listed page by page (§4, §6, §7).
 */
import { type AttributeFieldNames, type AttributeFields, attributeFieldsOnce, readAttributes } from '../attributes.js';
import type { CompanyCandidate, ContactCandidate, ContactQuery } from '../types.js';
import {
  BATCH,
  type BatchJson,
  type HsObjectJson,
  type HubspotClient,
  type PageJson,
  type Rec,
  SEARCH_CAP,
  SEARCH_PAGE,
} from './client.js';
import { type HsObject, bareDomain, chunk, lowerAll, searchablePhoneValues } from './codec.js';
import type { HubspotSchema } from './schema.js';

const CONTACT_PROPS = ['email', 'hs_additional_emails', 'firstname', 'lastname', 'phone', 'mobilephone', 'company'];

/**
 * The default contact properties of the identifying attributes (§14). `hs_linkedin_url` is read
 * where the account has it: a property a read names and the object lacks is ignored (§2).
 */
const STANDARD_ATTRIBUTES: AttributeFieldNames = {
  birth_date: 'date_of_birth',
  postcode: 'zip',
  address: 'address',
  city: 'city',
  linkedin_url: 'hs_linkedin_url',
};

export class HubspotSearch {
  private readonly attributeProps: () => Promise<AttributeFields>;

  constructor(
    private readonly api: HubspotClient,
    private readonly schema: HubspotSchema,
    configured: AttributeFieldNames = {},
  ) {
    this.attributeProps = attributeFieldsOnce(() => this.schema.describe('contact'), STANDARD_ATTRIBUTES, configured);
  }

  /** The attribute properties: the standard ones, and those the config names resolved against the contact properties. */
  private async contactProps(): Promise<string[]> {
    return [
      ...new Set([
        ...CONTACT_PROPS,
        ...Object.values(await this.attributeProps()).filter((p): p is string => !!p),
      ]),
    ];
  }

  /** Contacts → candidates; the company comes from the primary association (§7). */
  private async contactCandidates(rows: HsObjectJson[]): Promise<ContactCandidate[]> {
    const companyOf = new Map<string, string>();
    const needAssoc = rows.filter((r) => !r.associations).map((r) => r.id);
    for (const r of rows) {
      const first = r.associations?.companies?.results?.find((a) => a.type === 'contact_to_company') ?? r.associations?.companies?.results?.[0];
      if (first) companyOf.set(r.id, String(first.id));
    }
    for (const part of chunk(needAssoc, 1000)) {
      const res = (await this.api.call('batch read contact→company associations', (c) =>
        c.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: part.map((id) => ({ id })) } as never),
      )) as unknown as { results: { _from?: { id: string }; from?: { id: string }; to: { toObjectId: number | string; associationTypes?: { typeId: number }[] }[] }[] };
      for (const r of res.results) {
        const from = String((r._from ?? r.from)?.id);
        const primary = r.to.find((t) => t.associationTypes?.some((a) => a.typeId === 1)) ?? r.to[0];
        if (primary) companyOf.set(from, String(primary.toObjectId));
      }
    }
    const names = new Map<string, string | null>();
    const companyIds = [...new Set(companyOf.values())];
    for (const part of chunk(companyIds, BATCH)) {
      const res = (await this.api.call('batch read companies', (c) => c.crm.companies.batchApi.read({ inputs: part.map((id) => ({ id })), properties: ['name'], propertiesWithHistory: [] } as never))) as unknown as BatchJson;
      for (const r of res.results) names.set(String(r.id), r.properties.name ?? null);
    }
    const attrs = await this.attributeProps();
    return rows.map((r) => {
      const p = r.properties;
      const companyId = companyOf.get(r.id) ?? null;
      return {
        id: String(r.id),
        email: p.email ? p.email.trim().toLowerCase() : null,
        additional_emails: (p.hs_additional_emails ?? '').split(';').map((e) => e.trim().toLowerCase()).filter(Boolean),
        first_name: p.firstname ?? null,
        last_name: p.lastname ?? null,
        company_id: companyId,
        company_name: (companyId ? names.get(companyId) : null) ?? p.company ?? null,
        phone: p.phone || p.mobilephone || null,
        ...readAttributes(attrs, (f) => p[f]),
      };
    });
  }

  private companyCandidate(r: HsObjectJson): CompanyCandidate {
    const p = r.properties;
    return {
      id: String(r.id),
      name: p.name ?? null,
      domain: bareDomain(p.domain) ?? bareDomain(p.website),
      additional_domains: (p.hs_additional_domains ?? '').split(';').map((d) => bareDomain(d)).filter((d): d is string => d !== null),
    };
  }

  /** Every page of one search (≤ 10,000 results, which a batch of 100 values never reaches). */
  private async searchAll(o: HsObject, filterGroups: Rec[], properties: string[]): Promise<HsObjectJson[]> {
    const out: HsObjectJson[] = [];
    let after = 0;
    for (;;) {
      const page = await this.api.search(o, { filterGroups, properties, limit: SEARCH_PAGE, after: String(after) });
      out.push(...page.results);
      const next = page.paging?.next?.after;
      if (!next || Number(next) + SEARCH_PAGE > SEARCH_CAP) return out;
      after = Number(next);
    }
  }

  async findContacts(q: ContactQuery): Promise<ContactCandidate[]> {
    const rows = new Map<string, HsObjectJson>();
    const props = await this.contactProps();
    // IN takes lower-case values for strings; secondary addresses are searchable via
    // hs_additional_emails (§4.2, §6). One group per property: groups are OR-ed.
    for (const part of chunk(lowerAll(q.emails ?? []), 100)) {
      const found = await this.searchAll(
        'contacts',
        [
          { filters: [{ propertyName: 'email', operator: 'IN', values: part }] },
          { filters: [{ propertyName: 'hs_additional_emails', operator: 'IN', values: part }] },
        ],
        props,
      );
      for (const r of found) rows.set(r.id, r);
    }
    // At most 5 filter groups per search (§4.1): five names a call.
    for (const part of chunk(q.names ?? [], 5)) {
      const groups = part.map((n) => ({
        filters: [
          { propertyName: 'lastname', operator: 'EQ', value: n.lastName },
          ...(n.firstName ? [{ propertyName: 'firstname', operator: 'EQ', value: n.firstName }] : []),
        ],
      }));
      for (const r of await this.searchAll('contacts', groups, props)) rows.set(r.id, r);
    }
    // Phones are searched on their calculated forms, the area code and local number (§4): each
    // number given in the forms HubSpot may have kept, 100 values an IN, one search per batch.
    for (const part of chunk([...new Set((q.phones ?? []).flatMap(searchablePhoneValues))], 100)) {
      const groups = ['hs_searchable_calculated_phone_number', 'hs_searchable_calculated_mobile_number'].map(
        (propertyName) => ({ filters: [{ propertyName, operator: 'IN', values: part }] }),
      );
      for (const r of await this.searchAll('contacts', groups, props)) rows.set(r.id, r);
    }
    const idProp = (await this.attributeProps()).external_id;
    for (const part of idProp ? chunk(lowerAll((q.externalIds ?? []).map((v) => v.trim()).filter(Boolean)), 100) : []) {
      const groups = [{ filters: [{ propertyName: idProp, operator: 'IN', values: part }] }];
      for (const r of await this.searchAll('contacts', groups, props)) rows.set(r.id, r);
    }
    return this.contactCandidates([...rows.values()]);
  }

  async findCompanies(q: { domains?: string[]; names?: string[] }): Promise<CompanyCandidate[]> {
    const rows = new Map<string, HsObjectJson>();
    const props = ['name', 'domain', 'website', 'hs_additional_domains'];
    for (const part of chunk(lowerAll(q.domains ?? []), 100)) {
      const found = await this.searchAll(
        'companies',
        [{ filters: [{ propertyName: 'domain', operator: 'IN', values: part }] }, { filters: [{ propertyName: 'hs_additional_domains', operator: 'IN', values: part }] }],
        props,
      );
      for (const r of found) rows.set(r.id, r);
    }
    for (const part of chunk(lowerAll(q.names ?? []), 100)) {
      for (const r of await this.searchAll('companies', [{ filters: [{ propertyName: 'name', operator: 'IN', values: part }] }], props)) rows.set(r.id, r);
    }
    return [...rows.values()].map((r) => this.companyCandidate(r));
  }

  async *listContacts(): AsyncIterable<ContactCandidate[]> {
    const props = await this.contactProps();
    let after: string | undefined;
    do {
      const page = (await this.api.call('list contacts', (c) =>
        c.crm.objects.basicApi.getPage('contacts', 100, after, props, undefined, ['companies']),
      )) as unknown as PageJson;
      const rows = page.results.map((r) => ({ ...r, associations: r.associations ?? {} }));
      if (rows.length > 0) yield await this.contactCandidates(rows);
      after = page.paging?.next?.after;
    } while (after);
  }

  async *listCompanies(): AsyncIterable<CompanyCandidate[]> {
    let after: string | undefined;
    do {
      const page = (await this.api.call('list companies', (c) => c.crm.objects.basicApi.getPage('companies', 100, after, ['name', 'domain', 'website', 'hs_additional_domains']))) as unknown as PageJson;
      if (page.results.length > 0) yield page.results.map((r) => this.companyCandidate(r));
      after = page.paging?.next?.after;
    } while (after);
  }
}
