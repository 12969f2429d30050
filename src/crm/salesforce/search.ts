/**
 * Salesforce identity candidates: Contacts found by email (custom email fields too) or name, and
 * Accounts by website domain or name, in SOQL IN lists; or every one, page by page.
 */
import {
  type AttributeFieldNames,
  type AttributeFields,
  attributeFields,
  readAttributes,
} from '../attributes.js';
import type { CompanyCandidate, ContactCandidate, ContactQuery } from '../types.js';
import { IN_BATCH, NAME_BATCH, type Rec, type SalesforceClient } from './client.js';
import { chunk, soqlLikeContains, soqlString, websiteDomain } from './codec.js';
import type { SalesforceSchema } from './schema.js';

const CONTACT_FIELDS = 'Id, Email, FirstName, LastName, AccountId, Account.Name, Phone, MobilePhone';

/** Contact's standard fields of the identifying attributes (a Lead has no birth date; leads are not candidates). */
const STANDARD_ATTRIBUTES: AttributeFieldNames = {
  birth_date: 'Birthdate',
  postcode: 'MailingPostalCode',
  address: 'MailingStreet',
  city: 'MailingCity',
};

/** The trailing digits a phone lookup matches on: enough to tell numbers apart, few enough to span national and international writings. */
const PHONE_DIGITS = 7;

/** What a Contact candidate is read from: the custom email fields and the attribute fields. */
interface ContactShape {
  extra: string[];
  attrs: AttributeFields;
}

export class SalesforceSearch {
  constructor(
    private readonly api: SalesforceClient,
    private readonly schema: SalesforceSchema,
    private readonly configured: AttributeFieldNames = {},
  ) {}

  /**
   * Custom email fields on Contact (e.g. a secondary address): Salesforce has no standard one, so
   * every custom field of type email is searched too and returned as additional_emails. The
   * attribute fields: the standard ones the describe lists (field-level security may hide them),
   * or those the config names.
   */
  private async contactShape(): Promise<ContactShape> {
    const s = await this.schema.describe('contact');
    const extra = s.fields.filter((f) => f.custom && f.type === 'email').map((f) => f.name);
    return { extra, attrs: attributeFields(s, STANDARD_ATTRIBUTES, this.configured) };
  }

  private contactCandidate(r: Rec, { extra, attrs }: ContactShape): ContactCandidate {
    const account = r.Account as Rec | null | undefined;
    const additional = extra.map((f) => r[f]).filter((v): v is string => typeof v === 'string' && v.length > 0).map((v) => v.toLowerCase());
    return {
      id: String(r.Id),
      email: typeof r.Email === 'string' ? r.Email.toLowerCase() : null,
      additional_emails: [...new Set(additional)],
      first_name: (r.FirstName as string | null) ?? null,
      last_name: (r.LastName as string | null) ?? null,
      company_id: (r.AccountId as string | null) ?? null,
      company_name: (account?.Name as string | undefined) ?? null,
      phone: ((r.Phone ?? r.MobilePhone) as string | null) ?? null,
      ...readAttributes(attrs, (f) => r[f]),
    };
  }

  private contactSelect({ extra, attrs }: ContactShape): string {
    const attrFields = Object.values(attrs).filter((f): f is string => !!f);
    return [...new Set([...CONTACT_FIELDS.split(', '), ...extra, ...attrFields])].join(', ');
  }

  /**
   * Candidates among Contacts only. A Lead is a different record kind in Salesforce (its own id
   * prefix, no account, converted into a Contact): returning leads here would make the same person
   * ambiguous with their converted contact and send contact writes to a Lead id. Leads are reached
   * as the `lead` kind (read/readChanged).
   */
  async findContacts(q: ContactQuery): Promise<ContactCandidate[]> {
    const found = new Map<string, ContactCandidate>();
    const shape = await this.contactShape();
    const { extra } = shape;
    const emails = [...new Set((q.emails ?? []).filter(Boolean))];
    for (const part of chunk(emails, IN_BATCH)) {
      const list = part.map(soqlString).join(', ');
      const where = ['Email', ...extra].map((f) => `${f} IN (${list})`).join(' OR ');
      const soql = `SELECT ${this.contactSelect(shape)} FROM Contact WHERE ${where}`;
      for (const r of await this.api.queryAllRecords('find contacts by email', soql))
        found.set(String(r.Id), this.contactCandidate(r, shape));
    }
    for (const part of chunk(q.names ?? [], NAME_BATCH)) {
      const conds = part.map((n) =>
        n.firstName
          ? `(FirstName = ${soqlString(n.firstName)} AND LastName = ${soqlString(n.lastName)})`
          : `LastName = ${soqlString(n.lastName)}`,
      );
      const soql = `SELECT ${this.contactSelect(shape)} FROM Contact WHERE ${conds.join(' OR ')}`;
      for (const r of await this.api.queryAllRecords('find contacts by name', soql))
        found.set(String(r.Id), this.contactCandidate(r, shape));
    }
    // A phone field keeps the number as typed ("(415) 555-0101", "+1 415 555 0101"): LIKE on its
    // last digits with any characters between them finds every writing; the digits are checked here.
    const tails = [
      ...new Set(
        (q.phones ?? [])
          .map((p) => p.replace(/\D/g, ''))
          .filter((d) => d.length >= PHONE_DIGITS)
          .map((d) => d.slice(-PHONE_DIGITS)),
      ),
    ];
    for (const part of chunk(tails, NAME_BATCH)) {
      const conds = part.flatMap((t) =>
        ['Phone', 'MobilePhone'].map((f) => `${f} LIKE '%${t.split('').join('%')}'`),
      );
      const soql = `SELECT ${this.contactSelect(shape)} FROM Contact WHERE ${conds.join(' OR ')}`;
      const wanted = new Set(part);
      for (const r of await this.api.queryAllRecords('find contacts by phone', soql)) {
        const hit = [r.Phone, r.MobilePhone].some(
          (v) => typeof v === 'string' && wanted.has(v.replace(/\D/g, '').slice(-PHONE_DIGITS)),
        );
        if (hit) found.set(String(r.Id), this.contactCandidate(r, shape));
      }
    }
    const idField = shape.attrs.external_id;
    const ids = [...new Set((q.externalIds ?? []).map((v) => v.trim()).filter(Boolean))];
    for (const part of idField ? chunk(ids, IN_BATCH) : []) {
      const soql = `SELECT ${this.contactSelect(shape)} FROM Contact WHERE ${idField} IN (${part.map(soqlString).join(', ')})`;
      for (const r of await this.api.queryAllRecords('find contacts by external id', soql)) found.set(String(r.Id), this.contactCandidate(r, shape));
    }
    return [...found.values()];
  }

  private companyCandidate(r: Rec): CompanyCandidate {
    return { id: String(r.Id), name: (r.Name as string | null) ?? null, domain: websiteDomain(r.Website), additional_domains: [] };
  }

  /**
   * Website is free text (`acme.com`, `www.acme.com`, `https://www.acme.com/`): a LIKE narrows on
   * the server, then the normalised host must equal the domain (so `notacme.com` is not a match).
   */
  async findCompanies(q: { domains?: string[]; names?: string[] }): Promise<CompanyCandidate[]> {
    const found = new Map<string, CompanyCandidate>();
    const domains = [...new Set((q.domains ?? []).map((d) => d.toLowerCase()).filter(Boolean))];
    for (const part of chunk(domains, NAME_BATCH)) {
      const soql = `SELECT Id, Name, Website FROM Account WHERE ${part.map((d) => `Website LIKE ${soqlLikeContains(d)}`).join(' OR ')}`;
      const wanted = new Set(part);
      for (const r of await this.api.queryAllRecords('find companies by domain', soql)) {
        const c = this.companyCandidate(r);
        if (c.domain && wanted.has(c.domain)) found.set(c.id, c);
      }
    }
    const names = [...new Set((q.names ?? []).filter(Boolean))];
    for (const part of chunk(names, IN_BATCH)) {
      const soql = `SELECT Id, Name, Website FROM Account WHERE Name IN (${part.map(soqlString).join(', ')})`;
      for (const r of await this.api.queryAllRecords('find companies by name', soql)) found.set(String(r.Id), this.companyCandidate(r));
    }
    return [...found.values()];
  }

  async *listContacts(): AsyncIterable<ContactCandidate[]> {
    const shape = await this.contactShape();
    for await (const page of this.api.queryPages(
      'list contacts',
      `SELECT ${this.contactSelect(shape)} FROM Contact ORDER BY Id`,
    ))
      yield page.map((r) => this.contactCandidate(r, shape));
  }

  async *listCompanies(): AsyncIterable<CompanyCandidate[]> {
    for await (const page of this.api.queryPages('list companies', 'SELECT Id, Name, Website FROM Account ORDER BY Id')) yield page.map((r) => this.companyCandidate(r));
  }

}
