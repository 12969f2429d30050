/**
 * The search engine (reference §4) as tables of cases: operators, groups, sorting, paging, limits.
 */
import { describe, expect, it } from 'vitest';
import { defaultProperties } from './schema.js';
import { type SearchFilter, type Searchable, checkSearchRequest, matchFilter, runSearch } from './search.js';

const defs = new Map(defaultProperties('contacts').map((d) => [d.name, d]));
const rec = (id: number, props: Record<string, string>): Searchable => ({ id, createdAt: id, props });
const people = [
  rec(1, {
    email: 'Ann@Acme.com',
    firstname: 'Ann',
    lifecyclestage: 'lead',
    createdate: '2026-01-01T00:00:00.000Z',
    hs_additional_emails: 'ann@home.net;a.b@acme.com',
  }),
  rec(2, {
    email: 'bob@beta.io',
    firstname: 'Bob',
    lifecyclestage: 'customer',
    createdate: '2026-03-01T00:00:00.000Z',
    phone: '+1 555',
  }),
  rec(3, {
    email: 'cy@acme.com',
    firstname: 'Cy',
    lifecyclestage: 'lead',
    createdate: '2026-02-01T00:00:00.000Z',
  }),
  rec(4, { firstname: 'Dee', createdate: '2026-04-01T00:00:00.000Z' }),
];

describe('matchFilter (§4.2)', () => {
  const cases: [string, SearchFilter, number[]][] = [
    [
      'EQ on a string is case-insensitive',
      { propertyName: 'email', operator: 'EQ', value: 'ann@acme.com' },
      [1],
    ],
    ['EQ on an enumeration is exact', { propertyName: 'lifecyclestage', operator: 'EQ', value: 'LEAD' }, []],
    [
      'NEQ keeps records without the property',
      { propertyName: 'lifecyclestage', operator: 'NEQ', value: 'lead' },
      [2, 4],
    ],
    [
      'IN matches lower-cased strings',
      { propertyName: 'email', operator: 'IN', values: ['ann@acme.com', 'cy@acme.com'] },
      [1, 3],
    ],
    [
      'IN with an upper-case value does not match',
      { propertyName: 'email', operator: 'IN', values: ['ANN@ACME.COM'] },
      [],
    ],
    [
      'IN on secondary emails',
      { propertyName: 'hs_additional_emails', operator: 'IN', values: ['a.b@acme.com'] },
      [1],
    ],
    [
      'EQ on secondary emails',
      { propertyName: 'hs_additional_emails', operator: 'EQ', value: 'ANN@home.net' },
      [1],
    ],
    ['HAS_PROPERTY', { propertyName: 'phone', operator: 'HAS_PROPERTY' }, [2]],
    ['NOT_HAS_PROPERTY', { propertyName: 'email', operator: 'NOT_HAS_PROPERTY' }, [4]],
    [
      'GT on a datetime with epoch ms',
      { propertyName: 'createdate', operator: 'GT', value: String(Date.UTC(2026, 1, 1)) },
      [2, 4],
    ],
    [
      'GTE on a datetime with epoch ms',
      { propertyName: 'createdate', operator: 'GTE', value: String(Date.UTC(2026, 1, 1)) },
      [2, 3, 4],
    ],
    ['LT', { propertyName: 'createdate', operator: 'LT', value: String(Date.UTC(2026, 1, 1)) }, [1]],
    ['LTE', { propertyName: 'createdate', operator: 'LTE', value: String(Date.UTC(2026, 1, 1)) }, [1, 3]],
    [
      'BETWEEN',
      {
        propertyName: 'createdate',
        operator: 'BETWEEN',
        value: String(Date.UTC(2026, 1, 1)),
        highValue: String(Date.UTC(2026, 2, 1)),
      },
      [2, 3],
    ],
    [
      'CONTAINS_TOKEN with a wildcard',
      { propertyName: 'email', operator: 'CONTAINS_TOKEN', value: '*@acme.com' },
      [1, 3],
    ],
    [
      'CONTAINS_TOKEN on a word',
      { propertyName: 'firstname', operator: 'CONTAINS_TOKEN', value: 'bob' },
      [2],
    ],
  ];
  for (const [name, f, want] of cases) {
    it(name, () =>
      expect(
        people.filter((p) => matchFilter(f, p.props, defs.get(f.propertyName))).map((p) => p.id),
      ).toEqual(want),
    );
  }
});

describe('runSearch (§4.1, §4.3)', () => {
  it('ANDs filters in a group and ORs groups', () => {
    const out = runSearch(
      people,
      {
        filterGroups: [
          {
            filters: [
              { propertyName: 'lifecyclestage', operator: 'EQ', value: 'lead' },
              { propertyName: 'firstname', operator: 'EQ', value: 'cy' },
            ],
          },
          { filters: [{ propertyName: 'phone', operator: 'HAS_PROPERTY' }] },
        ],
      },
      defs,
      [],
    );
    expect(out).toEqual({ ok: true, ids: [2, 3], total: 2, next: null });
  });

  it('sorts by one property, both forms, and pages with an integer offset', () => {
    const asc = runSearch(
      people,
      { sorts: [{ propertyName: 'createdate', direction: 'ASCENDING' }], limit: 2 },
      defs,
      [],
    );
    expect(asc).toEqual({ ok: true, ids: [1, 3], total: 4, next: '2' });
    const desc = runSearch(people, { sorts: ['-createdate'], limit: 2, after: '2' }, defs, []);
    expect(desc).toEqual({ ok: true, ids: [3, 1], total: 4, next: null });
  });

  it('free-text query over the default searchable properties', () => {
    expect(runSearch(people, { query: 'beta' }, defs, ['email', 'firstname'])).toMatchObject({ ids: [2] });
  });

  it('stops at the 10,000th result and refuses paging beyond it', () => {
    const many = Array.from({ length: 10_050 }, (_, i) => rec(i + 1, { lifecyclestage: 'lead' }));
    const last = runSearch(many, { limit: 200, after: '9800' }, defs, []);
    expect(last).toMatchObject({ ok: true, total: 10_050, next: null });
    if (last.ok) expect(last.ids).toHaveLength(200);
    expect(runSearch(many, { limit: 10, after: '10000' }, defs, []).ok).toBe(false);
  });

  it.each([
    [{ limit: 201 }, /limit/],
    [{ filterGroups: Array.from({ length: 6 }, () => ({ filters: [] })) }, /filter groups/],
    [
      {
        filterGroups: [
          { filters: Array.from({ length: 7 }, () => ({ propertyName: 'email', operator: 'HAS_PROPERTY' })) },
        ],
      },
      /filters in a filter group/,
    ],
    [
      {
        filterGroups: Array.from({ length: 4 }, () => ({
          filters: Array.from({ length: 5 }, () => ({ propertyName: 'email', operator: 'HAS_PROPERTY' })),
        })),
      },
      /Too many filters: 20/,
    ],
    [
      { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'HAS_PROPERTY', value: 'x' }] }] },
      /does not take a value/,
    ],
    [{ filterGroups: [{ filters: [{ propertyName: 'email', operator: 'IN' }] }] }, /needs "values"/],
    [
      { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'LIKE', value: 'x' }] }] },
      /Invalid operator/,
    ],
  ])('refuses %j', (req, msg) => expect(checkSearchRequest(req as never)).toMatch(msg));
});
