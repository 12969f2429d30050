/**
 * The Pipedrive simulator: a local HTTP server that answers like Pipedrive's API v1 and v2 closely
 * enough for the `pipedrive` npm client v33 to work unchanged (reference: docs/reference/
 * pipedrive.md). Owns its folder only, in the shape every simulator folder shares: state.ts (the
 * company), seed.ts, schema.ts (field definitions and custom-field formats), routes.ts (the request
 * pipeline) with one file per API group under routes/, ratelimit.ts, oauth.ts, webhooks.ts, page.ts,
 * spec/; and Pipedrive's own: entities.ts (shapes and validation), catalog.ts (products, followers,
 * activity types). It must not import engine modules; the engine reaches Pipedrive only through
 * src/crm/pipedrive.
 *
 * Outside the API: the shared control API (../control.ts) and `/ui/<persons|organizations|deals>/<id>`
 * (the record page, AI-written fields marked).
 *
 * `apiBase` is the v2 base path, `url + '/api/v2'` (what `new v2.Configuration({ basePath })`
 * takes); the v1 base path is `url + '/v1'` (or `url + '/api/v1'`). No trailing slash: the SDK
 * concatenates paths (§1.3).
 *
 * Extra options (besides SimulatorOptions): `webhookRetryScale` (multiplies the 3/30/150 s retry
 * schedule; default 1), `strictCustomFieldKeys` (unknown keys in v2 `custom_fields` → 400 instead
 * of being ignored; default false), `dailyTokens`, `searchBurst`, `oauthClientId`,
 * `oauthClientSecret`, `webhookUser`/`webhookPassword` (Basic auth of the `webhookUrl`
 * subscription). `snapshotFile`: loaded instead of seeding when it exists, written on close.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Fastify from 'fastify';
import { observeAnswers } from '../conformance.js';
import { ControlState, latencyHook, registerControl, registerRecordPage } from '../control.js';
import { WindowCount, countDelivery } from '../stats.js';
import type { RepEdit, RunningSimulator, SimulatorOptions } from '../types.js';
import { decodeV2, deriveOnWrite } from './entities.js';
import { HEX40 } from './schema.js';
import { PAGE_OBJECTS, renderRecordPage } from './page.js';
import { DEFAULT_RATE_LIMITS, TokenRateLimiter } from './ratelimit.js';
import { type RouteContext, registerRoutes } from './routes.js';
import { type GroundTruth, seedCompany } from './seed.js';
import type { PipedriveSnapshot } from './model.js';
import { PipedriveState } from './state.js';
import type { EntityType } from './schema.js';
import { WebhookDispatcher } from './webhooks.js';

export { PipedriveState } from './state.js';
export type { GroundTruth } from './seed.js';

export interface RunningPipedriveSimulator extends RunningSimulator {
  /** v1 base path: url + '/v1'. */
  apiBaseV1: string;
  state: PipedriveState;
  /** Waits for webhook deliveries in flight (not the scheduled retries). */
  webhooksIdle(): Promise<void>;
}

const OBJECTS: Record<string, Exclude<EntityType, 'note'>> = {
  person: 'person',
  persons: 'person',
  organization: 'organization',
  organizations: 'organization',
  deal: 'deal',
  deals: 'deal',
  activity: 'activity',
  activities: 'activity',
};

export async function startPipedriveSimulator(
  opts: SimulatorOptions = {},
): Promise<RunningPipedriveSimulator> {
  const seed = opts.seed ?? 1;
  const token = opts.token ?? 'a3f1c9e2b7d84f6a9c0e1d2b3a4f5e6d7c8b9a01';
  // A snapshot file, when it exists, replaces seeding; it is written back on close.
  const snapshotFile = typeof opts.snapshotFile === 'string' ? opts.snapshotFile : undefined;
  let state: PipedriveState;
  let truth: GroundTruth;
  if (snapshotFile && existsSync(snapshotFile)) {
    const snap = JSON.parse(readFileSync(snapshotFile, 'utf8')) as {
      state: PipedriveSnapshot;
      truth: GroundTruth;
    };
    state = PipedriveState.fromSnapshot(snap.state);
    truth = snap.truth;
  } else {
    state = new PipedriveState(seed);
    truth = seedCompany(state, seed, opts.records ?? 200, Date.now());
  }
  const live = new ControlState();
  const limiter = new TokenRateLimiter({
    ...DEFAULT_RATE_LIMITS,
    ...(opts.rateLimit
      ? {
          burst: opts.rateLimit.callsPerWindow,
          burstOAuth: opts.rateLimit.callsPerWindow,
          windowMs: opts.rateLimit.windowMs,
        }
      : {}),
    ...(typeof opts.dailyTokens === 'number' ? { dailyTokens: opts.dailyTokens } : {}),
    ...(typeof opts.searchBurst === 'number' ? { searchBurst: opts.searchBurst } : {}),
  });
  const dispatcher = new WebhookDispatcher(state, {
    retryScale: typeof opts.webhookRetryScale === 'number' ? opts.webhookRetryScale : 1,
    timeoutMs: 10_000,
    faults: () => live.faults,
    onDelivered: (ms) => countDelivery(live.stats, ms),
    onFailed: () => live.stats.webhooksFailed++,
  });
  state.listeners.push((ev) => {
    if (ev.action === 'change' || ev.action === 'create') {
      if (ev.source === 'api') live.stats.integrationWrites += ev.changedKeys.length;
      else live.stats.humanWrites += ev.changedKeys.length;
    }
    dispatcher.onChange(ev);
  });
  if (opts.webhookUrl) {
    state.addWebhook({
      user_id: 1,
      event_action: '*',
      event_object: '*',
      subscription_url: opts.webhookUrl,
      version: '2.0',
      name: 'inrecord',
      http_auth_user: typeof opts.webhookUser === 'string' ? opts.webhookUser : null,
      http_auth_password: typeof opts.webhookPassword === 'string' ? opts.webhookPassword : null,
    });
  }

  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  app.addHook('onRequest', latencyHook(live));
  observeAnswers(app, opts.onAnswer);
  let url = '';
  const ctx: RouteContext = {
    state,
    limiter,
    window: new WindowCount(limiter.config.windowMs),
    token,
    tokenUserId: 1,
    oauth: {
      clientId: typeof opts.oauthClientId === 'string' ? opts.oauthClientId : 'sim-client-id',
      clientSecret:
        typeof opts.oauthClientSecret === 'string'
          ? opts.oauthClientSecret
          : (opts.clientSecret ?? 'sim-client-secret'),
      ttlSeconds: opts.tokenTtlSeconds ?? 3600,
    },
    accessTokens: new Map(),
    refreshTokens: new Map(),
    faults: () => live.faults,
    get stats() {
      return live.stats;
    },
    strictCustomKeys: opts.strictCustomFieldKeys === true,
    apiDomain: () => url,
  };
  if (typeof opts.refreshToken === 'string') ctx.refreshTokens.set(opts.refreshToken, 1);

  const repEdit = async (edit: RepEdit): Promise<void> => {
    const type = OBJECTS[edit.object];
    if (!type)
      throw new Error(`unknown object ${edit.object}: use persons, organizations, deals or activities`);
    const e = state.get(type, Number(edit.id));
    if (!e || e.deletedAt !== null) throw new Error(`${edit.object} ${edit.id} not found`);
    const body: Record<string, unknown> = {};
    const custom: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(edit.fields)) {
      if (k === 'custom_fields' && typeof v === 'object' && v !== null) Object.assign(custom, v);
      else if (HEX40.test(k)) custom[k] = v;
      else body[k] = v;
    }
    if (Object.keys(custom).length > 0) body.custom_fields = custom;
    const d = decodeV2(state, type, body, 'update', { strictCustomKeys: true });
    deriveOnWrite(type, e, d.core, state.now());
    const userId = edit.userId ? Number(edit.userId) : 2;
    state.update(e, d.core, d.custom, { userId, source: 'app', userAgent: 'Mozilla/5.0 (simulated rep)' });
  };

  const control = live.control(repEdit, () => truth);
  registerControl(app, control);
  registerRecordPage(app, (object, id) => {
    const type = PAGE_OBJECTS[object];
    const e = type ? state.get(type, Number(id)) : undefined;
    return type && e ? renderRecordPage(state, type, e, ctx.tokenUserId) : undefined;
  });
  registerRoutes(app, ctx);

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  url = `http://${opts.host ?? '127.0.0.1'}:${port}`;

  return {
    crm: 'pipedrive',
    url,
    apiBase: `${url}/api/v2`,
    apiBaseV1: `${url}/v1`,
    token,
    state,
    ...control,
    webhooksIdle: () => dispatcher.idle(),
    async close() {
      dispatcher.close();
      await app.close();
      if (snapshotFile) writeFileSync(snapshotFile, JSON.stringify({ state: state.toSnapshot(), truth }));
    },
  };
}
