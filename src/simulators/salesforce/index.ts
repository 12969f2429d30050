/**
 * The Salesforce simulator: a local HTTP server that answers like the Salesforce REST API closely
 * enough for jsforce v3 to work unchanged (reference: docs/reference/salesforce.md). Owns its
 * folder only, in the shape every simulator folder shares: state.ts (the org and its write path),
 * seed.ts, schema.ts (describe metadata), routes.ts (the request pipeline) with one file per
 * resource group under routes/, ratelimit.ts, oauth.ts, webhooks.ts (Outbound Messages), page.ts,
 * spec/; and Salesforce's own: ids.ts (15/18-char ids), soql.ts (the SOQL engine), bulk.ts (Bulk
 * API 2.0), changeevents.ts and cometd.ts (Change Data Capture). It must not import engine
 * modules; the engine reaches Salesforce only through src/crm/salesforce.
 *
 * `apiBase` is the instance URL (what `new jsforce.Connection({ instanceUrl })` takes); the OAuth
 * endpoints live on the same host (`oauth2: { loginUrl: apiBase }`).
 *
 * Custom fields are created through the Tooling API path the real org uses:
 * `POST /services/data/vXX.X/tooling/sobjects/CustomField` with
 * `{ FullName: 'Lead.Score__c', Metadata: { label, type: 'Number'|'Text'|'Picklist'|…, length,
 * precision, scale, valueSet: { restricted, valueSetDefinition: { value: [{ fullName, label }] } } } }`.
 *
 * Extra options (besides SimulatorOptions): `oauthClientId` / `oauthClientSecret` (defaults
 * 'sim-client-id' / 'sim-client-secret'), `dailyApiRequests` (rolling 24 h allocation, default
 * 100,000; `rateLimit` replaces it with a shorter rolling window for tests; once spent, calls are
 * answered 403 REQUEST_LIMIT_EXCEEDED `TotalRequests Limit exceeded.`), `longRunning`
 * ({ limit, afterMs }, default 25 requests running 20 s or more: while that many are in service, new
 * calls are answered 403 REQUEST_LIMIT_EXCEEDED `ConcurrentPerOrgLongTxn Limit exceeded.`; both in
 * ratelimit.ts),
 * `slowRequests` ({ ms, methods? }: calls of those methods, default all, take that long to answer;
 * also `setSlowRequests` on the handle), `outboundRetryMs` (first Outbound Message retry delay,
 * default 1000 ms; the 2 h / 24 h caps scale with it), `webhookUrl` is the Outbound Message
 * endpoint, `bulk` ({ processingMs, dailyBatches, dailyQueryJobs, maxUploadBytes, defaultMaxRecords }, see
 * bulk.ts) paces and limits Bulk API 2.0 jobs. `changeEventRetentionMs` (default 72 h), `changeEventOverflowAt` (changes per
 * transaction before an overflow event, default 100,000) and `cometdHoldMs` (how long a
 * /meta/connect waits, default 110 s) shape Change Data Capture (changeevents.ts, cometd.ts).
 * `snapshotFile` is not supported (the org is rebuilt from the seed).
 *
 * Salesforce's REST API never answers 429 (§6.2): the control API's `error429` share is answered
 * with Salesforce's own short-lived refusal, the concurrent-limit 403 above.
 *
 * Outside Salesforce's paths: the shared control API (../control.ts) and Salesforce's own
 * POST /_sim/outbound {url}, POST /_sim/revoke-grants, POST /_sim/change-events/{expire,gap,overflow};
 * GET /ui/<Object>/<id> renders the record page (page.ts: fields, the integration's last writes
 * marked, the activity timeline).
 */
import Fastify from 'fastify';
import { observeAnswers } from '../conformance.js';
import { ControlState, latencyHook, registerControl, registerRecordPage } from '../control.js';
import { countDelivery } from '../stats.js';
import type { RepEdit, RunningSimulator, SimulatorOptions } from '../types.js';
import type { BulkOptions } from './bulk.js';
import { ChangeEventBus } from './changeevents.js';
import { registerChangeEventControl, registerCometd } from './cometd.js';
import { SalesforceOAuth, registerOAuthRoutes } from './oauth.js';
import { renderRecordPage } from './page.js';
import { RequestLimits, type SlowRequests } from './ratelimit.js';
import { VERSIONS, registerRoutes } from './routes.js';
import { type SalesforceGroundTruth, seedOrg } from './seed.js';
import { SalesforceOrg } from './state.js';
import { OutboundMessenger, notificationOf } from './webhooks.js';

export { SalesforceOrg, SfApiError } from './state.js';
export { normalizeId, to18 } from './ids.js';
export type { SlowRequests } from './ratelimit.js';
export { buildNotificationsXml, isAck } from './webhooks.js';
export type { SalesforceGroundTruth } from './seed.js';

export interface RunningSalesforceSimulator extends RunningSimulator {
  org: SalesforceOrg;
  orgId: string;
  groundTruth(): SalesforceGroundTruth;
  integrationUserId: string;
  /** A one-time authorization code for the web-server OAuth flow (as /services/oauth2/authorize issues). */
  issueAuthCode(): string;
  /** Revokes every refresh token (and the access tokens issued from them): the next refresh is invalid_grant. */
  revokeGrants(): void;
  setOutboundUrl(url: string | undefined): void;
  /** Makes calls slow (of the given methods, default all), so that the long-running limit can be reached; undefined: back to full speed. */
  setSlowRequests(slow: SlowRequests | undefined): void;
  /** Waits for Outbound Messages buffered or in flight (not scheduled retries). */
  outboundIdle(): Promise<void>;
  /** Change Data Capture: the retained change events (cometd.ts serves them). */
  changeEvents: ChangeEventBus;
  oauth: { clientId: string; clientSecret: string };
}

export async function startSalesforceSimulator(
  opts: SimulatorOptions = {},
): Promise<RunningSalesforceSimulator> {
  const staticToken = opts.token ?? '00DRO0000008aXd!AQ8AQSimulatorStaticAccessToken';
  const clientId = typeof opts.oauthClientId === 'string' ? opts.oauthClientId : 'sim-client-id';
  const clientSecret =
    typeof opts.oauthClientSecret === 'string' ? opts.oauthClientSecret : 'sim-client-secret';
  const org = new SalesforceOrg();
  const truth: SalesforceGroundTruth = seedOrg(org, {
    seed: opts.seed ?? 1,
    contacts: opts.records ?? 1200,
    now: Date.now(),
  });
  const integrationUserId = truth.integrationUserId;
  const live = new ControlState();
  const limits = new RequestLimits(opts, live);
  let outboundUrl = opts.webhookUrl;
  let baseUrl = '';
  const oauth = new SalesforceOAuth({
    org,
    staticToken,
    integrationUserId,
    clientId,
    clientSecret,
    ttlMs: (opts.tokenTtlSeconds ?? 7200) * 1000,
    baseUrl: () => baseUrl,
    live,
  });

  const messenger = new OutboundMessenger({
    url: () => outboundUrl,
    orgId: org.orgId,
    actionId: org.ids.next('04k'),
    get baseUrl() {
      return baseUrl;
    },
    version: '62.0',
    ids: org.ids,
    faults: () => live.faults,
    retryBaseMs: typeof opts.outboundRetryMs === 'number' ? opts.outboundRetryMs : 1000,
    onDelivered: (ms) => countDelivery(live.stats, ms),
    onFailed: () => live.stats.webhooksFailed++,
  });

  const changeEvents = new ChangeEventBus({
    org,
    version: '62.0',
    ...(typeof opts.changeEventRetentionMs === 'number' ? { retentionMs: opts.changeEventRetentionMs } : {}),
    ...(typeof opts.changeEventOverflowAt === 'number' ? { overflowAt: opts.changeEventOverflowAt } : {}),
  });
  org.listeners.push((c) => changeEvents.record(c));

  org.listeners.push((c) => {
    if (c.source === 'api') live.stats.integrationWrites += c.fields.length;
    else live.stats.humanWrites += c.fields.length;
    const n = notificationOf(org, c);
    if (n) messenger.enqueue(n);
  });

  const app = Fastify({
    logger: false,
    bodyLimit: 50 * 1024 * 1024,
    routerOptions: {
      ignoreTrailingSlash: true,
      // §3.1: `q` is decoded with form semantics ('+' is a space).
      querystringParser: (s: string) => Object.fromEntries(new URLSearchParams(s)),
    },
  });
  app.addHook('onRequest', latencyHook(live));
  observeAnswers(app, opts.onAnswer);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.addContentTypeParser(['text/xml', 'application/xml'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );

  const repEdit = async (edit: RepEdit) => {
    const userId = edit.userId ?? (truth.repUserIds[0] as string);
    org.update(edit.object, edit.id, edit.fields, userId, 'rep');
  };
  const control = live.control(repEdit, () => truth);

  app.register(async (ctl) => {
    registerControl(ctl, control);
    ctl.post('/_sim/outbound', async (req) => {
      outboundUrl = (req.body as { url?: string } | undefined)?.url;
      return { ok: true };
    });
    registerRecordPage(ctl, (object, id) => renderRecordPage(org, object, id));
    ctl.post('/_sim/revoke-grants', async () => {
      oauth.revokeGrants();
      return { ok: true };
    });
    registerChangeEventControl(ctl, {
      bus: changeEvents,
      update: (object, id, fields, userId) =>
        org.update(object, id, fields, userId ?? (truth.repUserIds[0] as string), 'rep'),
    });
  });
  const authenticate = (token: string | undefined) => oauth.authenticate(token);
  const cometd = registerCometd(app, {
    bus: changeEvents,
    authenticate,
    versions: VERSIONS,
    ...(typeof opts.cometdHoldMs === 'number' ? { holdMs: opts.cometdHoldMs } : {}),
  });

  registerRoutes(app, {
    org,
    baseUrl: () => baseUrl,
    authenticate,
    admit: (req, template) => limits.admit(req, template),
    serve: (req, reply) => limits.serve(req, reply),
    limitInfo: () => ({ used: limits.used(), max: limits.maxCalls }),
    bulk: opts.bulk as BulkOptions | undefined,
  });
  registerOAuthRoutes(app, oauth);

  const address = await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const port = new URL(address).port;
  baseUrl = `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1'}:${port}`;

  return {
    crm: 'salesforce',
    url: baseUrl,
    apiBase: baseUrl,
    token: staticToken,
    org,
    orgId: org.orgId,
    integrationUserId,
    oauth: { clientId, clientSecret },
    ...control,
    groundTruth: () => truth,
    issueAuthCode: () => oauth.issueAuthCode(),
    revokeGrants: () => oauth.revokeGrants(),
    setOutboundUrl: (url) => {
      outboundUrl = url;
    },
    setSlowRequests: (s) => {
      limits.slow = s;
    },
    outboundIdle: () => messenger.idle(),
    changeEvents,
    close: async () => {
      messenger.close();
      cometd.close();
      await app.close();
    },
  };
}
