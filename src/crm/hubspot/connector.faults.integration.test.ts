/**
 * The HubSpot connector under HubSpot's hard edges, against the simulator: injected 429/500
 * (retried, counted), a bad token (typed, not retried), the rate-limit headers, and change reads
 * past the 10,000-result search cap (hubspot.md §4.1) — the one test with a large seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../../config/index.js';
import { type RunningHubspotSimulator, startHubspotSimulator } from '../../simulators/hubspot/index.js';
import { HubspotConnector } from './connector.js';

function connector(sim: RunningHubspotSimulator, token = sim.token, extra: Record<string, unknown> = {}, searchPerSecond = 4): HubspotConnector {
  const conn = crmConnectionSchema.parse({ kind: 'hubspot', baseUrl: sim.apiBase, auth: { token }, ...extra });
  return new HubspotConnector(conn, {}, { searchPerSecond });
}

describe('faults', () => {
  let sim: RunningHubspotSimulator;
  beforeAll(async () => {
    sim = await startHubspotSimulator({ records: 60, seed: 5 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('retries injected 429 and 500 answers on writes and still writes every record', async () => {
    const hs = connector(sim);
    const ids: string[] = [];
    for await (const page of hs.readChanged('contact', null, ['email'])) ids.push(...page.map((r) => r.id));
    await hs.createField('contact', { name: 'ai_fit', label: 'AI fit', type: 'number' });
    sim.setFaults({ error429: 0.15, error500: 0.3, errorMethods: ['POST'], seed: 7 });
    try {
      // Seeded draws: the same faults on every run, over 20 calls with 15% 429s and 30% 500s.
      for (let i = 0; i < 20; i++) {
        const part = ids.slice(i * 2, i * 2 + 2);
        const res = await hs.writeBatch('contact', part.map((id, j) => ({ id, fields: { ai_fit: j } })));
        expect(res.every((r) => r.ok)).toBe(true);
      }
    } finally {
      sim.setFaults({});
    }
    const s = hs.stats();
    expect(s.rateLimited + s.retries).toBeGreaterThan(0);
    const back = await hs.read('contact', ids.slice(0, 40), ['ai_fit']);
    expect(back.filter((r) => r.fields.ai_fit !== null)).toHaveLength(40);
  });

  it('a bad token is IR_CRM_AUTH, not retried', async () => {
    const hs = connector(sim, 'pat-na1-wrong');
    await expect(hs.describe('contact')).rejects.toMatchObject({ code: 'IR_CRM_AUTH' });
    expect(hs.stats().calls).toBe(1);
  });

  it('adopts the limit the X-HubSpot-RateLimit-Max header announces', async () => {
    const hs = connector(sim, sim.token, { rateLimit: { callsPerWindow: 7 } });
    expect(hs.rateLimit.callsPerWindow).toBe(7);
    await hs.describe('company');
    // the connector's limiter now follows the simulator's documented window (§9.2)
    expect((hs as unknown as { api: { limiter: { policy: { callsPerWindow: number } } } }).api.limiter.policy.callsPerWindow).toBeGreaterThan(7);
  });
});

describe('the daily limit (§9.1, §9.3)', () => {
  it('a 429 DAILY pauses with a retryable IR_CRM_QUOTA_EXHAUSTED until midnight, and no further call reaches HubSpot', async () => {
    const sim = await startHubspotSimulator({ records: 10, seed: 2, dailyLimit: 6 });
    try {
      // guard 1: only the CRM's own refusal trips it
      const hs = connector(sim, sim.token, { rateLimit: { dailyQuotaGuard: 1 } });
      const id = String([...sim.state.records.contacts.keys()][0]);
      let failure: unknown;
      for (let i = 0; i < 10 && !failure; i++) {
        await hs.writeBatch('contact', [{ id, fields: { jobtitle: `T${i}` } }]).catch((e) => {
          failure = e;
        });
      }
      // the guard read the daily headers and paused before HubSpot had to refuse
      expect(failure).toMatchObject({ code: 'IR_CRM_QUOTA_EXHAUSTED', retryable: true });
      expect(sim.stats().rateLimited).toBe(0);
      // a connector that has not read them yet gets HubSpot's 429 DAILY, and pauses on it
      const fresh = connector(sim, sim.token, { rateLimit: { dailyQuotaGuard: 1 } });
      const refused = await fresh.writeBatch('contact', [{ id, fields: { jobtitle: 'again' } }]).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'IR_CRM_QUOTA_EXHAUSTED', retryable: true });
      expect(String((refused as Error).message)).toMatch(/429 DAILY/);
      expect(sim.stats().rateLimited).toBe(1);
      await expect(fresh.writeBatch('contact', [{ id, fields: { jobtitle: 'again' } }])).rejects.toMatchObject({ code: 'IR_CRM_QUOTA_EXHAUSTED' });
      expect(sim.stats().rateLimited).toBe(1);
    } finally {
      await sim.close();
    }
  });
});

describe('change reads past the 10,000-result search cap (§4.1)', () => {
  let sim: RunningHubspotSimulator;
  beforeAll(async () => {
    sim = await startHubspotSimulator({ records: 10_300, seed: 9, searchPerSecond: 1000 });
  }, 60_000);
  afterAll(async () => {
    await sim?.close();
  });

  it('returns every contact exactly once, oldest first', async () => {
    const hs = connector(sim, sim.token, {}, 1000);
    const seen = new Map<string, number>();
    let last = 0;
    let ordered = true;
    for await (const page of hs.readChanged('contact', null, ['email'])) {
      for (const r of page) {
        seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
        const t = Date.parse(r.modifiedAt);
        if (t < last) ordered = false;
        last = t;
      }
    }
    const total = [...sim.state.records.contacts.values()].filter((r) => !r.archivedAt).length;
    expect(seen.size).toBeGreaterThan(10_000);
    expect(seen.size).toBe(total);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(ordered).toBe(true);
  }, 60_000);
});

describe('OAuth (expiring access tokens, refresh, revoked grant)', () => {
  let sim: RunningHubspotSimulator;
  beforeAll(async () => {
    sim = await startHubspotSimulator({ records: 20, seed: 4, clientSecret: 'app-secret', tokenTtlSeconds: 1, refreshToken: 'rt-configured' });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const oauthConnector = () =>
    new HubspotConnector(
      crmConnectionSchema.parse({
        kind: 'hubspot',
        baseUrl: sim.apiBase,
        auth: { oauth: { clientId: 'sim-client-id', clientSecret: 'app-secret', refreshToken: 'rt-configured', refreshBefore: '0s' } },
      }),
      {},
    );

  it('an expired access token is answered 401 EXPIRED_AUTHENTICATION', async () => {
    const code = sim.oauth.issueCode();
    const form = (b: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(b).toString() });
    const res = await fetch(`${sim.url}/oauth/v1/token`, form({ grant_type: 'authorization_code', code, client_id: 'sim-client-id', client_secret: 'app-secret', redirect_uri: 'http://localhost/cb' }));
    expect(res.status).toBe(200);
    const grant = (await res.json()) as { access_token: string; refresh_token: string; expires_in: number };
    expect(grant.expires_in).toBe(1);
    const again = await fetch(`${sim.url}/oauth/v1/token`, form({ grant_type: 'authorization_code', code, client_id: 'sim-client-id', client_secret: 'app-secret' }));
    expect(((await again.json()) as { status: string }).status).toBe('BAD_AUTH_CODE');
    const ok = await fetch(`${sim.url}/crm/v3/objects/contacts?limit=1`, { headers: { authorization: `Bearer ${grant.access_token}` } });
    expect(ok.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const late = await fetch(`${sim.url}/crm/v3/objects/contacts?limit=1`, { headers: { authorization: `Bearer ${grant.access_token}` } });
    expect(late.status).toBe(401);
    expect(((await late.json()) as { category: string }).category).toBe('EXPIRED_AUTHENTICATION');
  });

  it('the connector refreshes expiring tokens, and a revoked grant is IR_CRM_GRANT_REVOKED', async () => {
    const hs = oauthConnector();
    await hs.describe('contact');
    await new Promise((r) => setTimeout(r, 1100));
    await hs.read('contact', ['1'], ['email']);
    expect(hs.stats().tokenRefreshes).toBeGreaterThanOrEqual(2);
    expect(sim.stats().tokenRefreshes).toBeGreaterThanOrEqual(2);
    sim.oauth.revoke('rt-configured');
    await new Promise((r) => setTimeout(r, 1100));
    await expect(hs.describe('company')).rejects.toMatchObject({ code: 'IR_CRM_GRANT_REVOKED' });
  });
});

describe('webhook subscriptions (§8.1)', () => {
  it('sets the target URL and subscribes creation, deletion, merge and one propertyChange per writable property', async () => {
    const sim = await startHubspotSimulator({ records: 10, seed: 2, developerApiKey: 'dev-key' });
    try {
      const conn = crmConnectionSchema.parse({ kind: 'hubspot', baseUrl: sim.apiBase, auth: { token: sim.token }, webhooks: { appId: String(sim.appId), developerApiKey: 'dev-key' } });
      const hs = new HubspotConnector(conn, {});
      await hs.webhooks.subscribe('http://127.0.0.1:9/hooks', ['contact']);
      expect(sim.subscriptions.targetUrl).toBe('http://127.0.0.1:9/hooks');
      const types = sim.subscriptions.list.map((s) => `${s.eventType}:${s.propertyName ?? ''}`);
      expect(types).toEqual(expect.arrayContaining(['contact.creation:', 'contact.deletion:', 'contact.merge:', 'contact.propertyChange:email']));
      expect(types).not.toContain('contact.propertyChange:hs_lastmodifieddate');
      const n = types.length;
      await hs.webhooks.subscribe('http://127.0.0.1:9/hooks', ['contact']);
      expect(sim.subscriptions.list).toHaveLength(n);
      const noKey = new HubspotConnector(crmConnectionSchema.parse({ kind: 'hubspot', baseUrl: sim.apiBase, auth: { token: sim.token } }), {});
      await expect(noKey.webhooks.subscribe('http://127.0.0.1:9/hooks', ['contact'])).rejects.toMatchObject({ code: 'IR_CRM_UNSUPPORTED' });
    } finally {
      await sim.close();
    }
  });
});
