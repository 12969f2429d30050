/**
 * Conformance of the HubSpot simulator: webhook settings and subscriptions, and OAuth, driven only through `@hubspot/api-client` 14.0.1
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
    const { report, unanswered } = checkSuite('apps', answers);
    expect(report.violations).toEqual([]);
    expect(report.checked).toBeGreaterThan(8);
    // every answer is on HubSpot's paths
    expect([...new Set(report.unmatched.map((a) => `${a.method} ${a.path.split('/').slice(0, 3).join('/')}`))].sort()).toEqual([]);
    expect(unanswered).toEqual([]);
  });
});
