/**
 * The search indexes give the same answers as reading every record (reference §4): same ids in
 * the same order, same totals, same paging, for the filter shapes connectors send — before and
 * after the indexed records are updated, archived and created.
 */
import { describe, expect, it } from 'vitest';
import { type ObjectType, QUERY_PROPS } from './schema.js';
import { type SearchRequest, runSearch } from './search.js';
import { seedAccount } from './seed.js';
import { HubspotState } from './state.js';

const NOW = Date.UTC(2026, 5, 1);
const state = new HubspotState(11);
seedAccount(state, 11, 1500, NOW);

function scanned(type: ObjectType, req: SearchRequest) {
  const live = [...state.records[type].values()].filter((r) => r.archivedAt === null);
  return runSearch(live, req, state.properties[type], QUERY_PROPS[type]);
}
const indexed = (type: ObjectType, req: SearchRequest) =>
  state.searchIndex(type).search(req, state.properties[type], QUERY_PROPS[type]);

const contacts = () => [...state.records.contacts.values()].filter((r) => r.archivedAt === null);
const isoAt = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 9 * 86_400_000).toISOString();

/** The requests compared, built from the current records so each one matches something. */
function requests(): [string, ObjectType, SearchRequest][] {
  const cs = contacts();
  const emails = cs.map((r) => r.props.email).filter((e): e is string => !!e);
  const extra = cs.map((r) => r.props.hs_additional_emails?.split(';')[0]).filter((e): e is string => !!e);
  const companies = [...state.records.companies.values()];
  const domain = companies.find((c) => c.props.domain)?.props.domain ?? 'none';
  const since = String(Date.UTC(2024, 6, 1));
  const f = (propertyName: string, operator: string, value?: unknown, extraFields: object = {}) => ({
    propertyName,
    operator,
    ...(value === undefined ? {} : { value }),
    ...extraFields,
  });
  return [
    ['email EQ in another case', 'contacts', { filterGroups: [{ filters: [f('email', 'EQ', emails[3].toUpperCase())] }], limit: 100 }],
    ['email IN, lower and upper case', 'contacts', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'IN', values: [...emails.slice(0, 60).map((e) => e.toLowerCase()), emails[70].toUpperCase(), 'nobody@nowhere.test'] }] }], limit: 200 }],
    ['secondary e-mail IN', 'contacts', { filterGroups: [{ filters: [{ propertyName: 'hs_additional_emails', operator: 'IN', values: extra.slice(0, 30).map((e) => e.toLowerCase()) }] }], limit: 200 }],
    ['secondary e-mail EQ or primary EQ (two groups)', 'contacts', { filterGroups: [{ filters: [f('hs_additional_emails', 'EQ', extra[5])] }, { filters: [f('email', 'EQ', extra[5])] }], limit: 10 }],
    ['email IN sorted by modified date', 'contacts', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'IN', values: emails.slice(100, 300).map((e) => e.toLowerCase()) }] }], sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'DESCENDING' }], limit: 50, after: '20' }],
    ['hs_object_id IN and EQ across groups', 'contacts', { filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'IN', values: cs.slice(0, 20).map((r) => String(r.id)) }] }, { filters: [f('hs_object_id', 'EQ', String(cs[500].id))] }], limit: 100 }],
    ['modified since, oldest first, page 1', 'contacts', { filterGroups: [{ filters: [f('hs_lastmodifieddate', 'GTE', since)] }], sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }], limit: 200 }],
    ['modified since, oldest first, page 3', 'contacts', { filterGroups: [{ filters: [f('hs_lastmodifieddate', 'GTE', since)] }], sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }], limit: 200, after: '400' }],
    ['modified after an ISO date, newest first', 'contacts', { filterGroups: [{ filters: [f('lastmodifieddate', 'GT', '2025-01-01T00:00:00.000Z')] }], sorts: [{ propertyName: 'lastmodifieddate', direction: 'DESCENDING' }], limit: 100, after: '100' }],
    ['modified since and lifecycle stage', 'contacts', { filterGroups: [{ filters: [f('hs_lastmodifieddate', 'GTE', since), f('lifecyclestage', 'EQ', 'lead')] }], sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }], limit: 100 }],
    ['created between, no sort', 'contacts', { filterGroups: [{ filters: [f('createdate', 'BETWEEN', String(Date.UTC(2024, 0, 1)), { highValue: String(Date.UTC(2024, 2, 1)) })] }], limit: 200 }],
    ['created before, sorted by created desc', 'contacts', { filterGroups: [{ filters: [f('createdate', 'LT', String(Date.UTC(2024, 5, 1)))] }], sorts: ['-createdate'], limit: 30, after: '10' }],
    ['modified LTE, sorted by last name', 'contacts', { filterGroups: [{ filters: [f('hs_lastmodifieddate', 'LTE', String(Date.UTC(2025, 0, 1)))] }], sorts: [{ propertyName: 'lastname', direction: 'ASCENDING' }], limit: 100 }],
    ['sorted by last name, records without one first', 'contacts', { sorts: [{ propertyName: 'lastname', direction: 'ASCENDING' }], limit: 100, after: '0' }],
    ['sorted by first name descending, query text', 'contacts', { query: 'a', sorts: [{ propertyName: 'firstname', direction: 'DESCENDING' }], limit: 100 }],
    ['range with an unparseable value', 'contacts', { filterGroups: [{ filters: [f('hs_lastmodifieddate', 'GTE', 'not a date')] }], sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }], limit: 10 }],
    ['NEQ only (no index helps)', 'contacts', { filterGroups: [{ filters: [f('lifecyclestage', 'NEQ', 'lead')] }], limit: 100, after: '50' }],
    ['no filters, no sort', 'contacts', { limit: 100, after: '700' }],
    ['two groups: range OR equality', 'contacts', { filterGroups: [{ filters: [f('hs_lastmodifieddate', 'GTE', since)] }, { filters: [f('email', 'EQ', emails[9])] }], sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }], limit: 100, after: '100' }],
    ['company domain EQ', 'companies', { filterGroups: [{ filters: [f('domain', 'EQ', domain)] }], limit: 100 }],
    ['company name sort, modified since', 'companies', { filterGroups: [{ filters: [f('hs_lastmodifieddate', 'GTE', since)] }], sorts: [{ propertyName: 'name', direction: 'DESCENDING' }], limit: 100 }],
    ['deal amount above, largest first', 'deals', { filterGroups: [{ filters: [f('amount', 'GT', '20000')] }], sorts: [{ propertyName: 'amount', direction: 'DESCENDING' }], limit: 100 }],
    ['deal stage IN, sorted by close date', 'deals', { filterGroups: [{ filters: [{ propertyName: 'dealstage', operator: 'IN', values: ['closedwon', 'contractsent'] }] }], sorts: [{ propertyName: 'closedate', direction: 'ASCENDING' }], limit: 100 }],
  ];
}

function compareAll(): void {
  for (const [name, type, req] of requests()) {
    const a = indexed(type, req);
    const b = scanned(type, req);
    expect(a, name).toEqual(b);
  }
}

describe('search indexes agree with the scan (§4)', () => {
  it('on the seeded world, for every filter shape', () => {
    const sample = indexed('contacts', requests()[6][2]);
    expect(sample.ok && sample.total).toBeGreaterThan(100);
    compareAll();
  });

  it('after updates, archives and creates made once the indexes exist', () => {
    compareAll(); // builds every index first
    const cs = contacts();
    const rep = { sourceType: 'CRM_UI' as const, userId: 1 };
    cs.slice(0, 300).forEach((r, i) => {
      state.update(r, { lifecyclestage: i % 2 ? 'customer' : 'lead', lastname: i % 5 ? `Changed${i}` : '' }, rep, Date.UTC(2025, 0, 1) + i * 60_000);
    });
    cs.slice(300, 320).forEach((r, i) => {
      state.update(r, { email: `moved${i}@example.org` }, rep, Date.UTC(2025, 1, 1));
    });
    for (const r of cs.slice(320, 360)) state.archive(r, rep, Date.UTC(2025, 2, 1));
    for (let i = 0; i < 40; i++)
      state.create('contacts', { email: `new${i}@example.net`, firstname: i % 3 ? 'New' : '', lastname: `Person${i}` }, rep, { at: Date.parse(isoAt(i)) });
    compareAll();
    // A record moved by an update is found under its new e-mail and not under its old one.
    const moved = indexed('contacts', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'moved3@example.org' }] }] });
    expect(moved.ok && moved.ids).toEqual([cs[303].id]);
    const archived = indexed('contacts', { filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'EQ', value: String(cs[330].id) }] }] });
    expect(archived.ok && archived.total).toBe(0);
  });
});
