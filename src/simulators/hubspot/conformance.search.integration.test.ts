/**
 * Conformance of the HubSpot simulator: search, and the limits and faults at scale, driven only through `@hubspot/api-client` 14.0.1
 * (as the connector and any user would). Each quirk cites its section of docs/reference/hubspot.md;
 * the suites, their shared setup and the operations each answers for are in spec/suite.ts.
 */
import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimAnswer } from '../conformance.js';
import { type RunningHubspotSimulator, startHubspotSimulator } from './index.js';
import { failure, checkSuite, startConformanceSimulator } from './spec/suite.js';

let sim: RunningHubspotSimulator;
let hs: Client;
/** Every answer the simulator gave in this file, checked against HubSpot's published spec at the end. */
const answers: SimAnswer[] = [];

beforeAll(async () => {
  sim = await startConformanceSimulator(answers);
  // numberOfApiCallRetries 1 = exactly one call, no retry (§11.2).
  hs = new Client({ accessToken: sim.token, basePath: sim.url, numberOfApiCallRetries: 1 });
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

describe('search (§4)', () => {
  it('filters with AND inside a group and OR across groups, sorts, pages with an integer after', async () => {
    const res = await hs.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ' as never, value: 'customer' }] },
        { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ' as never, value: 'lead' }] },
      ],
      sorts: [{ propertyName: 'createdate', direction: 'DESCENDING' } as never],
      properties: ['lifecyclestage', 'createdate'],
      limit: 5,
      after: '0',
    });
    expect(res.total).toBeGreaterThan(5);
    expect(res.paging?.next?.after).toBe('5');
    for (const r of res.results) expect(['customer', 'lead']).toContain(r.properties.lifecyclestage);
    const dates = res.results.map((r) => r.properties.createdate as string);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it('EQ on strings is case-insensitive; IN needs lower-case; secondary emails are searchable', async () => {
    const withExtra = [...sim.state.records.contacts.values()].find(
      (r) => r.props.hs_additional_emails && r.props.email,
    );
    expect(withExtra).toBeDefined();
    const rec = withExtra as NonNullable<typeof withExtra>;
    const eq = await hs.crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [{ propertyName: 'email', operator: 'EQ' as never, value: rec.props.email.toUpperCase() }],
        },
      ],
      limit: 10,
      after: '0',
      sorts: [],
      properties: ['email'],
    });
    expect(eq.results.map((r) => r.id)).toContain(String(rec.id));
    const extra = rec.props.hs_additional_emails.split(';')[0].toLowerCase();
    const inn = await hs.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'hs_additional_emails', operator: 'IN' as never, values: [extra] }] },
      ],
      limit: 10,
      after: '0',
      sorts: [],
      properties: ['email'],
    });
    expect(inn.results.map((r) => r.id)).toContain(String(rec.id));
  });

  it('supports HAS_PROPERTY, NOT_HAS_PROPERTY, GT on dates as epoch ms, CONTAINS_TOKEN with a wildcard', async () => {
    const ops = async (filters: unknown[]) =>
      (
        await hs.crm.contacts.searchApi.doSearch({
          filterGroups: [{ filters: filters as never }],
          limit: 200,
          after: '0',
          sorts: [],
          properties: ['email', 'phone', 'createdate'],
        })
      ).results;
    const has = await ops([{ propertyName: 'phone', operator: 'HAS_PROPERTY' }]);
    const hasNot = await ops([{ propertyName: 'phone', operator: 'NOT_HAS_PROPERTY' }]);
    expect(has.length + hasNot.length).toBe(
      [...sim.state.records.contacts.values()].filter((r) => r.archivedAt === null).length,
    );
    const cutoff = Date.UTC(2026, 0, 1);
    for (const r of await ops([{ propertyName: 'createdate', operator: 'GT', value: String(cutoff) }]))
      expect(Date.parse(r.properties.createdate as string)).toBeGreaterThan(cutoff);
    const domain = (has[0].properties.email ?? 'x@vanderberg.com').split('@')[1];
    const tok = await ops([{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: `*@${domain}` }]);
    expect(tok.length).toBeGreaterThan(0);
    for (const r of tok) expect(r.properties.email?.toLowerCase().endsWith(`@${domain}`)).toBe(true);
  });

  it('refuses limit > 200 and too many filters', async () => {
    const e = await failure(
      hs.crm.contacts.searchApi.doSearch({
        filterGroups: [],
        limit: 201,
        after: '0',
        sorts: [],
        properties: [],
      }),
    );
    expect(e.code).toBe(400);
    const filters = Array.from({ length: 7 }, () => ({
      propertyName: 'email',
      operator: 'HAS_PROPERTY' as never,
    }));
    const f = await failure(
      hs.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters }],
        limit: 1,
        after: '0',
        sorts: [],
        properties: [],
      }),
    );
    expect(f.code).toBe(400);
  });
});

describe('scale, limits and faults (§4.1, §9, §11.2)', () => {
  it('pages past 10,000 records with list; search refuses paging past the 10,000th result', async () => {
    const big = await startHubspotSimulator({ records: 10, seed: 3 });
    try {
      const at = Date.UTC(2026, 0, 1);
      for (let i = 0; i < 10_050; i++)
        big.state.create(
          'contacts',
          { email: `bulk${i}@bulk.example`, lifecyclestage: 'lead' },
          { sourceType: 'IMPORT' },
          { at: at + i, unique: false },
        );
      const c = new Client({ accessToken: big.token, basePath: big.url, numberOfApiCallRetries: 1 });
      const all = await c.crm.contacts.getAll(100, undefined, ['email']);
      expect(all.length).toBe(big.state.records.contacts.size);
      const req = {
        filterGroups: [
          { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ' as never, value: 'lead' }] },
        ],
        limit: 200,
        sorts: [],
        properties: ['email'],
      };
      const last = await c.crm.contacts.searchApi.doSearch({ ...req, after: '9800' });
      expect(last.total).toBeGreaterThan(10_000);
      expect(last.paging).toBeUndefined();
      const e = await failure(c.crm.contacts.searchApi.doSearch({ ...req, after: '10000' }));
      expect(e.code).toBe(400);
    } finally {
      await big.close();
    }
  }, 120_000);

  it('answers the 10-second limit with 429 TEN_SECONDLY_ROLLING, and the SDK retries the search secondly limit', async () => {
    const tight = await startHubspotSimulator({
      records: 10,
      seed: 4,
      rateLimit: { callsPerWindow: 3, windowMs: 10_000 },
    });
    try {
      const c = new Client({ accessToken: tight.token, basePath: tight.url, numberOfApiCallRetries: 1 });
      for (let i = 0; i < 3; i++) await c.crm.contacts.basicApi.getPage(1);
      const e = await failure(c.crm.contacts.basicApi.getPage(1));
      expect(e.code).toBe(429);
      expect(e.body).toMatchObject({
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
        message: 'You have reached your ten_secondly_rolling limit.',
      });
      expect(e.body.category).toBeUndefined();
      expect(e.headers['x-hubspot-ratelimit-remaining']).toBe('0');
      // The SDK retries "secondly limit" 429s after 1 s × attempt (§11.2): 8 searches at 5/s all succeed.
      const retrying = new Client({
        accessToken: tight.token,
        basePath: tight.url,
        numberOfApiCallRetries: 3,
      });
      const req = { filterGroups: [], limit: 1, after: '0', sorts: [], properties: [] };
      const out = await Promise.all(
        Array.from({ length: 8 }, () => retrying.crm.contacts.searchApi.doSearch(req)),
      );
      expect(out).toHaveLength(8);
      expect(tight.stats().rateLimited).toBeGreaterThanOrEqual(2);
    } finally {
      await tight.close();
    }
  }, 30_000);

  it('injects 500s on writes and the SDK retries them', async () => {
    const faulty = await startHubspotSimulator({ records: 10, seed: 5 });
    try {
      faulty.setFaults({ error500: 0.3, seed: 7 });
      const c = new Client({ accessToken: faulty.token, basePath: faulty.url, numberOfApiCallRetries: 6 });
      const id = String([...faulty.state.records.contacts.values()][0].id);
      for (let i = 0; i < 4; i++)
        await c.crm.contacts.basicApi.update(id, { properties: { jobtitle: `T${i}` } });
      expect(faulty.state.get('contacts', Number(id))?.props.jobtitle).toBe('T3');
      expect(faulty.stats().calls['PATCH /crm/v3/objects/:type/:id']).toBeGreaterThanOrEqual(4);
    } finally {
      await faulty.close();
    }
  }, 30_000);
});

// Last in the file: it reads the answers of every test above.
describe("HubSpot's published OpenAPI description", () => {
  it('every answer above has a documented status and matches the documented schema; every operation of the suite answered', () => {
    const { report, unanswered } = checkSuite('search', answers);
    expect(report.violations).toEqual([]);
    expect(report.checked).toBeGreaterThan(5);
    // every answer is on HubSpot's paths
    expect([...new Set(report.unmatched.map((a) => `${a.method} ${a.path.split('/').slice(0, 3).join('/')}`))].sort()).toEqual([]);
    expect(unanswered).toEqual([]);
  });
});
