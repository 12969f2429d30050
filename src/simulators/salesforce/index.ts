/**
 * The Salesforce simulator: a local HTTP server that answers like the Salesforce REST API closely
 * enough for jsforce v3 to work unchanged (reference: docs/reference/salesforce.md). Owns
 * this folder only: ids.ts (15/18-char ids), schema.ts (describe metadata), soql.ts (the SOQL
 * engine), state.ts (the org and its write path), seed.ts, outbound.ts (Outbound Messages),
 * routes.ts (HTTP). It must not import engine modules; the engine reaches Salesforce only through
 * src/crm/salesforce.
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
 * calls are answered 403 REQUEST_LIMIT_EXCEEDED `ConcurrentPerOrgLongTxn Limit exceeded.`),
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
 * here with Salesforce's own short-lived refusal, the concurrent-limit 403 above.
 *
 * Control API (outside Salesforce's paths): POST /_sim/rep-edit {object,id,fields,userId?},
 * POST /_sim/faults, GET /_sim/stats, POST /_sim/stats/reset, GET /_sim/ground-truth,
 * POST /_sim/outbound {url}, POST /_sim/revoke-grants, POST /_sim/change-events/{expire,gap,overflow}; GET /ui/<Object>/<id> renders the record page
 * (fields, the integration's last writes marked, the activity timeline).
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { observeAnswers } from '../conformance.js';
import { registerControl } from '../control.js';
import { WindowCount, countDelivery, emptyStats } from '../stats.js';
import type { RepEdit, RunningSimulator, SimFaults, SimStats, SimulatorOptions } from '../types.js';
import { ChangeEventBus } from './changeevents.js';
import { registerChangeEventControl, registerCometd } from './cometd.js';
import { OutboundMessenger } from './outbound.js';
import type { BulkOptions } from './bulk.js';
import { type RouteContext, type Session, VERSIONS, registerRoutes } from './routes.js';
import { type SalesforceGroundTruth, seedOrg } from './seed.js';
import { CHANGE_OBJECTS, SalesforceOrg, SfApiError } from './state.js';
import { renderRecordPage } from './ui.js';
import { injectedApiError } from '../faults.js';

export { SalesforceOrg, SfApiError } from './state.js';
export { normalizeId, to18 } from './ids.js';
export { buildNotificationsXml, isAck } from './outbound.js';
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

const WINDOW_MS = 86_400_000;

/** Calls that take `ms` to answer: all of them, or those whose method is in `methods`. */
export interface SlowRequests {
  ms: number;
  methods?: string[];
}

/**
 * The two request limits of §9.1, both refused with 403 REQUEST_LIMIT_EXCEEDED (§6.3): the
 * rolling 24 h allocation, and the concurrent long-running limit (requests in service 20 s or
 * more; 25 per production org). Salesforce publishes no other request limit, and no 429.
 */
const TOTAL_REQUESTS = 'TotalRequests Limit exceeded.';
const LONG_RUNNING = 'ConcurrentPerOrgLongTxn Limit exceeded.';

export async function startSalesforceSimulator(opts: SimulatorOptions = {}): Promise<RunningSalesforceSimulator> {
  const staticToken = opts.token ?? '00DRO0000008aXd!AQ8AQSimulatorStaticAccessToken';
  const clientId = typeof opts.oauthClientId === 'string' ? opts.oauthClientId : 'sim-client-id';
  const clientSecret = typeof opts.oauthClientSecret === 'string' ? opts.oauthClientSecret : 'sim-client-secret';
  const ttlMs = (opts.tokenTtlSeconds ?? 7200) * 1000;
  const org = new SalesforceOrg();
  const truth: SalesforceGroundTruth = seedOrg(org, { seed: opts.seed ?? 1, contacts: opts.records ?? 1200, now: Date.now() });
  const integrationUserId = truth.integrationUserId;
  let faults: SimFaults = {};
  let stats = emptyStats();
  let outboundUrl = opts.webhookUrl;
  let baseUrl = '';

  // Rolling request allocation (§9.1); `rateLimit` overrides the window for tests.
  const windowMs = opts.rateLimit?.windowMs ?? WINDOW_MS;
  const maxCalls = opts.rateLimit?.callsPerWindow ?? (typeof opts.dailyApiRequests === 'number' ? opts.dailyApiRequests : 100_000);
  const callTimes: number[] = [];
  let callHead = 0;
  // Concurrent long-running limit (§9.1): calls in service, by when they were admitted.
  const longRunning = { limit: 25, afterMs: 20_000, ...(opts.longRunning as { limit?: number; afterMs?: number } | undefined) };
  let slow = opts.slowRequests as SlowRequests | undefined;
  const inService = new Map<number, number>();
  let served = 0;
  const longRunningNow = () => {
    const cutoff = Date.now() - longRunning.afterMs;
    let n = 0;
    for (const since of inService.values()) if (since <= cutoff) n++;
    return n;
  };
  const used = () => {
    const cutoff = Date.now() - windowMs;
    while (callHead < callTimes.length && (callTimes[callHead] as number) <= cutoff) callHead++;
    if (callHead > 10_000) {
      callTimes.splice(0, callHead);
      callHead = 0;
    }
    return callTimes.length - callHead;
  };

  // OAuth state (§1.2).
  const accessTokens = new Map<string, { userId: string; expires: number; refresh?: string }>();
  const refreshTokens = new Map<string, { userId: string; revoked: boolean }>();
  const authCodes = new Set<string>();
  const newToken = () => `${org.orgId.slice(0, 15)}!${randomBytes(24).toString('base64url')}`;

  const messenger = new OutboundMessenger({
    url: () => outboundUrl,
    orgId: org.orgId,
    actionId: org.ids.next('04k'),
    get baseUrl() {
      return baseUrl;
    },
    version: '62.0',
    ids: org.ids,
    faults: () => faults,
    retryBaseMs: typeof opts.outboundRetryMs === 'number' ? opts.outboundRetryMs : 1000,
    onDelivered: (ms) => countDelivery(stats, ms),
    onFailed: () => stats.webhooksFailed++,
  });

  const changeEvents = new ChangeEventBus({
    org,
    version: '62.0',
    ...(typeof opts.changeEventRetentionMs === 'number' ? { retentionMs: opts.changeEventRetentionMs } : {}),
    ...(typeof opts.changeEventOverflowAt === 'number' ? { overflowAt: opts.changeEventOverflowAt } : {}),
  });
  org.listeners.push((c) => changeEvents.record(c));

  org.listeners.push((c) => {
    if (c.source === 'api') stats.integrationWrites += c.fields.length;
    else stats.humanWrites += c.fields.length;
    if (!CHANGE_OBJECTS.includes(c.object)) return;
    if (c.kind === 'deleted') {
      messenger.enqueue({ object: c.object, fields: { Id: c.id } });
      return;
    }
    const obj = org.requireObject(c.object);
    const row = org.rows(c.object).get(c.id);
    if (!row) return;
    // The configured field list: the tracked fields plus who/when, latest values only (§8.1).
    const fields: Record<string, unknown> = { Id: c.id };
    for (const f of obj.fields) if (f.tracked || ['LastModifiedById', 'LastModifiedDate', 'SystemModstamp', 'CreatedDate'].includes(f.name)) fields[f.name] = row[f.name];
    messenger.enqueue({ object: c.object, fields });
  });

  const authenticate = (token: string | undefined): Session | null => {
    if (!token) return null;
    if (token === staticToken) return { userId: integrationUserId };
    const t = accessTokens.get(token);
    if (!t || t.expires < Date.now()) return null;
    if (t.refresh && refreshTokens.get(t.refresh)?.revoked) return null;
    return { userId: t.userId };
  };

  const arrivals = new WindowCount(windowMs);
  const admit = (req: FastifyRequest, template: string): SfApiError | null => {
    stats.totalCalls++;
    arrivals.add(stats);
    stats.calls[template] = (stats.calls[template] ?? 0) + 1;
    // No new call is taken while `limit` calls have been in service `afterMs` or longer.
    if (longRunningNow() >= longRunning.limit) {
      stats.rateLimited++;
      return SfApiError.one(403, 'REQUEST_LIMIT_EXCEEDED', LONG_RUNNING);
    }
    if (used() >= maxCalls) {
      stats.rateLimited++;
      return SfApiError.one(403, 'REQUEST_LIMIT_EXCEEDED', TOTAL_REQUESTS);
    }
    callTimes.push(Date.now());
    const injected = injectedApiError(faults, req.method);
    if (injected === 429) {
      stats.rateLimited++;
      return SfApiError.one(403, 'REQUEST_LIMIT_EXCEEDED', LONG_RUNNING);
    }
    if (injected === 500) return SfApiError.one(500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)');
    return null;
  };

  const serve = async (req: FastifyRequest, reply: FastifyReply) => {
    const id = served++;
    inService.set(id, Date.now());
    reply.raw.once('close', () => inService.delete(id));
    if (slow && slow.ms > 0 && (!slow.methods || slow.methods.includes(req.method))) await new Promise((r) => setTimeout(r, slow?.ms));
  };

  const issue = (userId: string, refresh?: string) => {
    const access = newToken();
    accessTokens.set(access, { userId, expires: Date.now() + ttlMs, ...(refresh ? { refresh } : {}) });
    return {
      access_token: access,
      ...(refresh ? {} : {}),
      signature: randomBytes(32).toString('base64'),
      scope: 'api refresh_token',
      instance_url: baseUrl,
      id: `${baseUrl}/id/${org.orgId}/${userId}`,
      token_type: 'Bearer',
      issued_at: String(Date.now()),
    };
  };
  const oauthError = (reply: FastifyReply, error: string, description: string, status = 400) => reply.code(status).type('application/json;charset=UTF-8').send({ error, error_description: description });

  const oauth: RouteContext['oauth'] = async (req, reply) => {
    const path = req.url.split('?')[0] as string;
    if (path.endsWith('/authorize')) {
      const q = req.query as { client_id?: string; redirect_uri?: string; state?: string };
      if (q.client_id !== clientId) return oauthError(reply, 'invalid_client_id', 'client identifier invalid');
      const code = issueAuthCode();
      const target = new URL(q.redirect_uri ?? `${baseUrl}/callback`);
      target.searchParams.set('code', code);
      if (q.state) target.searchParams.set('state', q.state);
      return reply.redirect(target.toString(), 302);
    }
    const body = (req.body ?? {}) as Record<string, string>;
    if (path.endsWith('/revoke')) {
      const token = body.token ?? (req.query as { token?: string }).token;
      if (token && refreshTokens.has(token)) (refreshTokens.get(token) as { revoked: boolean }).revoked = true;
      else if (token) accessTokens.delete(token);
      return reply.code(200).send();
    }
    if (body.client_id !== clientId) return oauthError(reply, 'invalid_client_id', 'client identifier invalid');
    if (body.client_secret !== undefined && body.client_secret !== clientSecret) return oauthError(reply, 'invalid_client', 'invalid client credentials');
    if (body.grant_type === 'authorization_code') {
      if (!body.code || !authCodes.delete(body.code)) return oauthError(reply, 'invalid_grant', 'invalid authorization code');
      const refresh = newToken();
      refreshTokens.set(refresh, { userId: integrationUserId, revoked: false });
      return reply.type('application/json;charset=UTF-8').send({ ...issue(integrationUserId, refresh), refresh_token: refresh });
    }
    if (body.grant_type === 'refresh_token') {
      const r = body.refresh_token ? refreshTokens.get(body.refresh_token) : undefined;
      if (!r || r.revoked) return oauthError(reply, 'invalid_grant', 'expired access/refresh token');
      stats.tokenRefreshes++;
      // Salesforce does not rotate refresh tokens by default: only an access token comes back.
      return reply.type('application/json;charset=UTF-8').send(issue(r.userId, body.refresh_token));
    }
    return oauthError(reply, 'unsupported_grant_type', 'grant type not supported');
  };

  const issueAuthCode = () => {
    const code = `aPrx${randomBytes(18).toString('base64url')}`;
    authCodes.add(code);
    return code;
  };

  const app = Fastify({
    logger: false,
    bodyLimit: 50 * 1024 * 1024,
    routerOptions: {
      ignoreTrailingSlash: true,
      // §3.1: `q` is decoded with form semantics ('+' is a space).
      querystringParser: (s: string) => Object.fromEntries(new URLSearchParams(s)),
    },
  });
  observeAnswers(app, opts.onAnswer);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
  app.addContentTypeParser(['text/xml', 'application/xml'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const repEdit = async (edit: RepEdit) => {
    const userId = edit.userId ?? (truth.repUserIds[0] as string);
    org.update(edit.object, edit.id, edit.fields, userId, 'rep');
  };

  app.register(async (ctl) => {
    registerControl(ctl, {
      stats: () => stats,
      resetStats: () => {
        stats = emptyStats();
      },
      setFaults: (f) => {
        faults = f;
      },
      repEdit,
      groundTruth: () => truth,
    });
    ctl.post('/_sim/outbound', async (req) => {
      outboundUrl = (req.body as { url?: string } | undefined)?.url;
      return { ok: true };
    });
    ctl.get('/ui/:object/:id', async (req, reply) => {
      const p = req.params as { object: string; id: string };
      const html = renderRecordPage(org, p.object, p.id);
      if (!html) return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><p>No such record.</p>');
      return reply.type('text/html; charset=utf-8').send(html);
    });
    ctl.post('/_sim/revoke-grants', async () => {
      for (const r of refreshTokens.values()) r.revoked = true;
      return { ok: true };
    });
    registerChangeEventControl(ctl, { bus: changeEvents, update: (object, id, fields, userId) => org.update(object, id, fields, userId ?? (truth.repUserIds[0] as string), 'rep') });
  });
  const cometd = registerCometd(app, { bus: changeEvents, authenticate, versions: VERSIONS, ...(typeof opts.cometdHoldMs === 'number' ? { holdMs: opts.cometdHoldMs } : {}) });

  registerRoutes(app, { org, baseUrl: () => baseUrl, authenticate, admit, serve, limitInfo: () => ({ used: used(), max: maxCalls }), oauth, bulk: opts.bulk as BulkOptions | undefined });

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
    repEdit,
    setFaults: (f) => {
      faults = f;
    },
    stats: () => stats,
    resetStats: () => {
      stats = emptyStats();
    },
    groundTruth: () => truth,
    issueAuthCode,
    revokeGrants: () => {
      for (const r of refreshTokens.values()) r.revoked = true;
    },
    setOutboundUrl: (url) => {
      outboundUrl = url;
    },
    setSlowRequests: (s) => {
      slow = s;
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
