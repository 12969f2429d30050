/**
 * The HubSpot simulator: a local HTTP server that answers like HubSpot's CRM API (v3 objects,
 * batch, search, merge, properties and groups, owners; v4 associations and labels) closely enough for `@hubspot/api-client`
 * 14.0.1 to work unchanged with `new Client({ accessToken, basePath: sim.url })` (reference:
 * docs/reference/hubspot.md). Owns its folder only, in the shape every simulator folder shares:
 * state.ts (the account), seed.ts, schema.ts (object types and the property catalogue), routes.ts
 * (the request pipeline) with one file per API group under routes/, ratelimit.ts, oauth.ts,
 * webhooks.ts (with subscriptions.ts, their settings API), page.ts, spec/; and HubSpot's own:
 * values.ts (property value rules), search.ts and indexes.ts (the filter engine and its indexes),
 * associations.ts (association types, labels and links), engagements.ts. It must not import
 * engine modules; the engine reaches HubSpot only through src/crm/hubspot.
 *
 * Outside the API: the shared control API (../control.ts; a rep edit is history source CRM_UI with
 * the rep's user id) and the record page `/ui/<contacts|companies|deals>/<id>`.
 *
 * `apiBase` = `url` (no trailing slash: the SDK concatenates paths, §1.1). Extra options besides
 * SimulatorOptions: `searchLagMs` (search index lag, §4.4; default 0), `dailyLimit` (default
 * 1,000,000), `searchPerSecond` (default 5), `webhookRetryScale` (multiplies the retry delays;
 * default 1), `oauthClientId` and `refreshToken` (the OAuth endpoint in oauth.ts; its client secret is
 * `clientSecret`, its access-token lifetime `tokenTtlSeconds`). `snapshotFile` is not supported.
 */
import Fastify from 'fastify';
import { observeAnswers } from '../conformance.js';
import { ControlState, latencyHook, registerControl, registerRecordPage } from '../control.js';
import { countDelivery } from '../stats.js';
import type { RepEdit, RunningSimulator, SimulatorOptions } from '../types.js';
import { PAGE_OBJECTS, renderRecordPage } from './page.js';
import { objectTypeOf } from './schema.js';
import { type RouteContext, registerRoutes } from './routes.js';
import { type GroundTruth, seedAccount } from './seed.js';
import { HubspotState } from './state.js';
import { WebhookDispatcher } from './webhooks.js';
import { HubspotOAuth } from './oauth.js';
import { WebhookSubscriptions } from './subscriptions.js';

export { HubspotState } from './state.js';
export type { GroundTruth } from './seed.js';

export interface RunningHubspotSimulator extends RunningSimulator {
  state: HubspotState;
  /** The app id the integration's writes carry as history `sourceId` (§2.4). */
  appId: number;
  portalId: number;
  /** Waits for webhook deliveries in flight (not the scheduled retries). */
  webhooksIdle(): Promise<void>;
  /** The OAuth endpoint's state: `issueCode()` for the authorization_code grant, `revoke()`. */
  oauth: HubspotOAuth;
  /** Webhook settings and subscriptions made through /webhooks/v3 (subscriptions.ts). */
  subscriptions: WebhookSubscriptions;
  /** The developer API key `/webhooks/v3` accepts as `hapikey` (option `developerApiKey`). */
  developerApiKey: string;
}

export const DEFAULT_TOKEN = 'pat-na1-7f3c2a1e-9b4d-4e8f-a6c5-2d1b0e9f8a7c';

export async function startHubspotSimulator(opts: SimulatorOptions = {}): Promise<RunningHubspotSimulator> {
  const seed = opts.seed ?? 1;
  const token = opts.token ?? DEFAULT_TOKEN;
  const state = new HubspotState(seed);
  const truth: GroundTruth = seedAccount(state, seed, opts.records ?? 200, Date.now());
  const live = new ControlState();
  const dispatcher = new WebhookDispatcher(state, {
    secret: opts.clientSecret ?? 'sim-client-secret',
    retryScale: typeof opts.webhookRetryScale === 'number' ? opts.webhookRetryScale : 1,
    faults: () => live.faults,
    onDelivered: (ms) => countDelivery(live.stats, ms),
    onFailed: () => live.stats.webhooksFailed++,
  });
  if (opts.webhookUrl) dispatcher.setTarget(opts.webhookUrl);
  state.listeners.push((n) => {
    if (n.action !== 'deletion') {
      if (n.source.sourceType === 'INTEGRATION') live.stats.integrationWrites += n.changes.length;
      else if (n.source.sourceType === 'CRM_UI') live.stats.humanWrites += n.changes.length;
    }
    dispatcher.onChange(n);
  });

  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  app.addHook('onRequest', latencyHook(live));
  observeAnswers(app, opts.onAnswer);
  const oauth = new HubspotOAuth({
    clientId: typeof opts.oauthClientId === 'string' ? opts.oauthClientId : 'sim-client-id',
    clientSecret: opts.clientSecret ?? 'sim-client-secret',
    ttlSeconds: opts.tokenTtlSeconds ?? 1800,
    refreshToken: typeof opts.refreshToken === 'string' ? opts.refreshToken : undefined,
    onRefresh: () => live.stats.tokenRefreshes++,
    portalId: state.portalId,
    appId: state.appId,
  });
  oauth.register(app);
  const developerApiKey =
    typeof opts.developerApiKey === 'string' ? opts.developerApiKey : 'sim-developer-key';
  const subscriptions = new WebhookSubscriptions((url) => dispatcher.setTarget(url));
  subscriptions.register(app);
  const ctx: RouteContext = {
    state,
    token,
    limits: {
      callsPerWindow: opts.rateLimit?.callsPerWindow ?? 190,
      windowMs: opts.rateLimit?.windowMs ?? 10_000,
      daily: typeof opts.dailyLimit === 'number' ? opts.dailyLimit : 1_000_000,
      searchPerSecond: typeof opts.searchPerSecond === 'number' ? opts.searchPerSecond : 5,
    },
    faults: () => live.faults,
    get stats() {
      return live.stats;
    },
    searchLagMs: typeof opts.searchLagMs === 'number' ? opts.searchLagMs : 0,
    oauth,
    developerApiKey,
  };

  const repEdit = async (edit: RepEdit): Promise<void> => {
    const type = objectTypeOf(edit.object);
    if (!type)
      throw new Error(`unknown object ${edit.object}: use contacts, companies, deals, notes or tasks`);
    const r = state.live(type, Number(edit.id));
    if (!r) throw new Error(`${edit.object} ${edit.id} not found`);
    const owner = state.owners.find((o) => !o.archived);
    const userId = edit.userId ? Number(edit.userId) : (owner?.userId ?? 1);
    const values = state.check(type, edit.fields, r);
    state.update(r, values, { sourceType: 'CRM_UI', sourceId: `userId:${userId}`, userId });
  };

  const control = live.control(repEdit, () => truth);
  registerControl(app, control);
  registerRecordPage(app, (object, id) => {
    const type = PAGE_OBJECTS[object];
    const r = type ? state.get(type, Number(id)) : undefined;
    return r ? renderRecordPage(state, r) : undefined;
  });
  registerRoutes(app, ctx);

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`;

  return {
    crm: 'hubspot',
    url,
    apiBase: url,
    token,
    state,
    appId: state.appId,
    portalId: state.portalId,
    oauth,
    subscriptions,
    developerApiKey,
    ...control,
    webhooksIdle: () => dispatcher.idle(),
    async close() {
      dispatcher.close();
      await app.close();
    },
  };
}
