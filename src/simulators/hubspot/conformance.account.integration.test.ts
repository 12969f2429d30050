/**
 * Conformance of the HubSpot simulator: the account's settings — properties and property groups,
 * webhook settings and subscriptions, OAuth — driven only through `@hubspot/api-client` 14.0.1
 * (as the connector and any user would). Each quirk cites its section of docs/reference/hubspot.md;
 * the suites, their shared setup and the operations each answers for are in spec/suite.ts.
 */
import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimAnswer } from '../conformance.js';
import type { RunningHubspotSimulator } from './index.js';
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

describe('properties (§5)', () => {
  it('lists, gets and creates with type, fieldType and options', async () => {
    const all = await hs.crm.properties.coreApi.getAll('contacts');
    const life = all.results.find((p) => p.name === 'lifecyclestage');
    expect(life).toMatchObject({ type: 'enumeration', fieldType: 'radio' });
    expect(life?.options.map((o) => o.value)).toContain('salesqualifiedlead');
    const created = await hs.crm.properties.coreApi.create('contacts', {
      name: 'ai_intent',
      label: 'AI intent',
      type: 'enumeration' as never,
      fieldType: 'select' as never,
      groupName: 'contactinformation',
      options: [
        { label: 'High', value: 'high', hidden: false, displayOrder: 0 },
        { label: 'Low', value: 'low', hidden: false, displayOrder: 1 },
      ],
    });
    expect(created.name).toBe('ai_intent');
    const got = await hs.crm.properties.coreApi.getByName('contacts', 'ai_intent');
    expect(got.options.map((o) => o.value)).toEqual(['high', 'low']);
    const dup = await failure(
      hs.crm.properties.coreApi.create('contacts', {
        name: 'ai_intent',
        label: 'x',
        type: 'string' as never,
        fieldType: 'text' as never,
        groupName: 'contactinformation',
      }),
    );
    expect(dup.code).toBe(409);
    const badPair = await failure(
      hs.crm.properties.coreApi.create('contacts', {
        name: 'ai_bad',
        label: 'x',
        type: 'number' as never,
        fieldType: 'select' as never,
        groupName: 'contactinformation',
      }),
    );
    expect(badPair.code).toBe(400);
  });
});

describe('property groups through the official client (§5)', () => {
  it('lists property groups (not shadowed by the property route), creates, updates and archives one; a property needs an existing group', async () => {
    const groups = await hs.crm.properties.groupsApi.getAll('contacts');
    expect(groups.results.map((g) => g.name)).toContain('contactinformation');
    const made = await hs.crm.properties.groupsApi.create('contacts', { name: 'inrecord_ai', label: 'inrecord AI', displayOrder: -1 });
    expect(made).toMatchObject({ name: 'inrecord_ai', label: 'inrecord AI', archived: false });
    expect((await hs.crm.properties.groupsApi.update('contacts', 'inrecord_ai', { label: 'AI fields' })).label).toBe('AI fields');
    expect((await hs.crm.properties.groupsApi.getByName('contacts', 'inrecord_ai')).label).toBe('AI fields');
    const noGroup = await failure(hs.crm.properties.coreApi.create('contacts', { name: 'ai_orphan', label: 'Orphan', type: 'string' as never, fieldType: 'text' as never, groupName: 'no_such_group' }));
    expect(noGroup.code).toBe(400);
    expect(String(noGroup.body.message)).toMatch(/no_such_group does not exist/);
    await hs.crm.properties.coreApi.create('contacts', { name: 'ai_summary_g', label: 'AI summary', type: 'string' as never, fieldType: 'text' as never, groupName: 'inrecord_ai' });
    const busy = await failure(hs.crm.properties.groupsApi.archive('contacts', 'inrecord_ai'));
    expect(busy.code).toBe(400);
    const updated = await hs.crm.properties.coreApi.update('contacts', 'ai_summary_g', { label: 'AI account summary', description: 'Written by inrecord' });
    expect(updated).toMatchObject({ name: 'ai_summary_g', label: 'AI account summary', groupName: 'inrecord_ai' });
    await hs.crm.properties.coreApi.archive('contacts', 'ai_summary_g');
    expect((await failure(hs.crm.properties.coreApi.getByName('contacts', 'ai_summary_g'))).code).toBe(404);
    expect((await failure(hs.crm.properties.coreApi.archive('contacts', 'email'))).code).toBe(400);
    await hs.crm.properties.groupsApi.archive('contacts', 'inrecord_ai');
    expect((await failure(hs.crm.properties.groupsApi.getByName('contacts', 'inrecord_ai'))).code).toBe(404);
  });
});

describe('webhooks and OAuth through the official client (§8)', () => {
  it('manages webhook settings and v3 subscriptions (string ids, no createdBy): create, list, get, update, delete', async () => {
    const dev = new Client({ developerApiKey: sim.developerApiKey, basePath: sim.url, numberOfApiCallRetries: 1 });
    await dev.webhooks.settingsApi.configure(sim.appId, { targetUrl: 'http://127.0.0.1:9/hooks', throttling: { maxConcurrentRequests: 10 } });
    expect((await dev.webhooks.settingsApi.getAll(sim.appId)).targetUrl).toBe('http://127.0.0.1:9/hooks');
    const sub = await dev.webhooks.subscriptionsApi.create(sim.appId, { eventType: 'contact.propertyChange' as never, propertyName: 'jobtitle', active: true });
    expect(typeof sub.id).toBe('string');
    expect(sub).not.toHaveProperty('createdBy');
    expect((await dev.webhooks.subscriptionsApi.getAll(sim.appId)).results.map((r) => r.id)).toContain(sub.id);
    expect((await dev.webhooks.subscriptionsApi.getById(Number(sub.id), sim.appId)).propertyName).toBe('jobtitle');
    expect((await dev.webhooks.subscriptionsApi.update(Number(sub.id), sim.appId, { active: false })).active).toBe(false);
    await dev.webhooks.subscriptionsApi.archive(Number(sub.id), sim.appId);
    expect((await failure(dev.webhooks.subscriptionsApi.getById(Number(sub.id), sim.appId))).code).toBe(404);
  });

  it('exchanges an authorization code, reads the access token, revokes the refresh token', async () => {
    const code = sim.oauth.issueCode();
    const tokens = await hs.oauth.tokensApi.create('authorization_code', code, 'http://localhost/cb', 'sim-client-id', 'test-secret');
    expect(tokens.accessToken).toBeTruthy();
    const info = await hs.oauth.accessTokensApi.get(tokens.accessToken);
    expect(info.hubId).toBe(sim.portalId);
    await hs.oauth.refreshTokensApi.archive(tokens.refreshToken);
  });
});

// Last in the file: it reads the answers of every test above.
describe("HubSpot's published OpenAPI description", () => {
  it('every answer above has a documented status and matches the documented schema; every operation of the suite answered', () => {
    const { report, unanswered } = checkSuite('account', answers);
    expect(report.violations).toEqual([]);
    expect(report.checked).toBeGreaterThan(25);
    // every answer is on HubSpot's paths
    expect([...new Set(report.unmatched.map((a) => `${a.method} ${a.path.split('/').slice(0, 3).join('/')}`))].sort()).toEqual([]);
    expect(unanswered).toEqual([]);
  });
});
