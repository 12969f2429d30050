/**
 * The Salesforce API session on jsforce v3 (reference: docs/reference/salesforce.md): the instance,
 * an access token or the OAuth refresh-token grant, and every call through the shared runtime: rate
 * limiter, one retry policy, the daily-quota guard fed from `Sforce-Limit-Info` (§9.3), and one
 * token refresh at a time on a 401. SOQL paging and Bulk API 2.0 jobs go through it too.
 */
import jsforce from 'jsforce';
import { type CrmConnection, durationMs } from '../../config/index.js';
import { InrecordError } from '../../errors/index.js';
import type { ConnectorDeps } from '../registry.js';
import {
  type CallFailure,
  GrantRevoked,
  type Limiter,
  type QuotaGuard,
  RateBudget,
  type TokenSource,
  authorizeUrl,
  budgetConnection,
  callWithRetry,
  emptyStats,
  oauthToken,
  reauthorise,
  staticToken,
  tokenHash,
} from '../runtime/index.js';
import type { BatchLimits, CallStats, ConnectorOAuth, RateLimitPolicy } from '../types.js';
import { SalesforceBulk } from './bulk.js';
import { salesforceCard } from './card.js';
import { classifySfError, isTotalRequests } from './codec.js';

export type Conn = InstanceType<typeof jsforce.Connection>;
export type Rec = Record<string, unknown>;
export interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Rec[];
}
export interface SaveResult {
  id?: string;
  success: boolean;
  errors: ({ statusCode?: string; errorCode?: string; message: string; fields?: string[] } | string)[];
}

/** Keeps SOQL IN lists well under the 16,384-byte URI limit (§1.4). */
export const IN_BATCH = 200;
export const NAME_BATCH = 50;

/**
 * jsforce retries refused connections, 429 and 5xx itself (five times, 0.5–8 s apart) beneath the
 * runtime's retry, so an unreachable org took over a minute to report and every fault was retried
 * 5 × 5 times. One retry policy: the runtime's. (jsforce takes per-request `retry` options only
 * through its transport.)
 */
function withoutClientRetries(conn: Conn): void {
  const transport = (conn as unknown as { _transport: { httpRequest(req: unknown, opts?: Record<string, unknown>): unknown } })._transport;
  const send = transport.httpRequest.bind(transport);
  transport.httpRequest = (req, opts = {}) => send(req, { ...opts, retry: { ...((opts.retry as object | undefined) ?? {}), maxRetries: 0 } });
}

/** 403 REQUEST_LIMIT_EXCEEDED `TotalRequests Limit exceeded.`: the rolling allocation is spent (§6.3). */
function isAllocationSpent(err: unknown): boolean {
  const e = err as { errorCode?: string; name?: string; message?: string };
  return (e?.errorCode ?? e?.name) === 'REQUEST_LIMIT_EXCEEDED' && isTotalRequests(String(e.message));
}

/** What to do about a spent allocation: nothing is lost, calls resume by themselves (§9.1, §9.2). */
const ALLOCATION_FIX =
  'Salesforce counts API requests over a rolling 24 h: calls resume by themselves once the oldest requests roll out of the window (GET /limits is read again until then), and the paused jobs are retried, nothing is lost. To resume sooner, find what spends the allocation in Setup → System Overview (API usage) or buy more API requests; a lower rateLimit.dailyQuotaGuard keeps headroom for the org’s other integrations.';

export class SalesforceClient {
  readonly limits: BatchLimits;
  readonly rateLimit: RateLimitPolicy;
  readonly calls: CallStats = emptyStats();
  private readonly limiter: Limiter;
  private readonly quota: QuotaGuard;
  readonly tokens: TokenSource;
  readonly authorisation?: ConnectorOAuth;
  private readonly conn: Conn;
  /** The org's instance URL, without a trailing slash. */
  readonly instanceUrl: string;
  /** The user inrecord calls as: its own changes are not a person's (learnt from the identity URL when not set). */
  integrationUserId: string | null;
  /** A GET /limits in flight while the daily-quota guard is paused. */
  private probing: Promise<void> | null = null;
  /** Bulk API 2.0 for reads and writes of `crm.bulk.threshold` records or more. */
  readonly bulk: SalesforceBulk;

  constructor(
    readonly cfg: CrmConnection,
    readonly deps: ConnectorDeps,
  ) {
    if (!cfg.baseUrl) {
      throw new InrecordError('IR_CONFIG_INVALID', 'crm.baseUrl is required for Salesforce: set it to the org’s instance URL (https://<MyDomain>.my.salesforce.com)');
    }
    this.rateLimit = { ...salesforceCard.rateLimit, ...(cfg.rateLimit.callsPerWindow ? { callsPerWindow: cfg.rateLimit.callsPerWindow } : {}), ...(cfg.rateLimit.windowMs ? { windowMs: cfg.rateLimit.windowMs } : {}) };
    // the org's limits are the org's: one budget for every process that calls it
    const account = 'token' in cfg.auth ? tokenHash(cfg.auth.token).slice(0, 16) : cfg.auth.oauth.clientId;
    const budget = new RateBudget({ connection: budgetConnection('salesforce', cfg.baseUrl, account), ...(deps.store ? { store: deps.store } : {}), ...(deps.logger ? { logger: deps.logger } : {}) });
    this.limiter = budget.limiter('api', { callsPerWindow: this.rateLimit.callsPerWindow, windowMs: this.rateLimit.windowMs });
    // The rolling 24 h allocation (§9.1) has no reset time: a paused guard re-reads /limits.
    this.quota = budget.quota(cfg.rateLimit.dailyQuotaGuard, 'Salesforce daily API requests', { fix: ALLOCATION_FIX, ...(deps.quotaRecheckMs ? { recheckMs: deps.quotaRecheckMs } : {}) });
    this.integrationUserId = cfg.integrationUserId ?? null;
    this.instanceUrl = cfg.baseUrl.replace(/\/+$/, '');
    if ('token' in cfg.auth) {
      this.tokens = staticToken(cfg.auth.token);
    } else {
      const o = cfg.auth.oauth;
      const tokenUrl = o.tokenUrl ?? 'https://login.salesforce.com/services/oauth2/token';
      const exchange = (form: Record<string, string>) => this.exchange(tokenUrl, o.clientId, o.clientSecret, form);
      const tokens = oauthToken({
        connection: `salesforce:${o.clientId}`,
        refreshToken: o.refreshToken,
        ...(deps.store ? { store: deps.store } : {}),
        refreshBeforeMs: durationMs(o.refreshBefore),
        exchange: (rt) => exchange({ grant_type: 'refresh_token', refresh_token: rt }),
      });
      this.tokens = tokens;
      this.authorisation = {
        // The web-server flow's authorise page sits beside the token endpoint: {loginUrl}/services/oauth2/authorize.
        authorizeUrl: (redirectUri) =>
          authorizeUrl(o.authorizeUrl ?? tokenUrl.replace(/\/token$/, '/authorize'), { response_type: 'code', client_id: o.clientId, redirect_uri: redirectUri }),
        reauthorise: (how) => reauthorise(tokens, how, exchange, `Salesforce connected app ${o.clientId}`),
      };
    }
    // The token is set before each call from the token source; jsforce's own refresh is not used
    // so that one refresh happens across workers (crm/runtime).
    this.conn = new jsforce.Connection({ instanceUrl: this.instanceUrl, accessToken: 'pending', version: cfg.apiVersion });
    withoutClientRetries(this.conn);
    const b = cfg.bulk;
    this.bulk = new SalesforceBulk(this.conn, (what, fn) => this.call(what, fn), {
      enabled: b.enabled, threshold: b.threshold, jobSize: b.jobSize, pollIntervalMs: durationMs(b.pollInterval), pollTimeoutMs: durationMs(b.pollTimeout),
    });
    // A write-back gathers a whole ingest job's records before writing.
    // REST collections: several in flight; bulk ingest jobs one at a time (each is verified by a
    // query job over what changed since it began)
    this.limits = b.enabled
      ? { ...salesforceCard.batch, writeChunk: Math.max(salesforceCard.batch.write, b.jobSize) }
      : { ...salesforceCard.batch, inFlight: cfg.rateLimit?.writeConcurrency ?? 4 };
  }

  /**
   * §1.2 refresh_token and authorization_code grants. Salesforce returns no expires_in (assume the
   * default 2 h session) and a refresh token only for a code.
   */
  private async exchange(url: string, clientId: string, clientSecret: string, form: Record<string, string>) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form, client_id: clientId, client_secret: clientSecret }).toString(),
    });
    const body = (await res.json().catch(() => ({}))) as Rec;
    if (res.status === 400 && body.error === 'invalid_grant') throw new GrantRevoked(String(body.error_description ?? 'invalid_grant'));
    if (!res.ok) throw new InrecordError(res.status >= 500 ? 'IR_CRM_UNAVAILABLE' : 'IR_CRM_AUTH', `Salesforce token endpoint answered HTTP ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
    this.calls.tokenRefreshes++;
    return { accessToken: String(body.access_token), expiresIn: Number(body.expires_in ?? 7200), ...(typeof body.refresh_token === 'string' ? { refreshToken: body.refresh_token } : {}) };
  }

  private describeFailure(err: unknown): CallFailure {
    const e = err as { errorCode?: string; name?: string; message?: string; code?: string };
    const code = e.errorCode ?? (e.name && /^[A-Z_]+$/.test(e.name) ? e.name : undefined);
    // Network faults from fetch carry a system code and no Salesforce errorCode.
    if (!code && (e.code || /fetch failed|ECONNRE|ETIMEDOUT|socket/i.test(String(e.message)))) return { message: String(e.message) };
    const c = classifySfError(code, String(e.message ?? ''));
    const f: CallFailure = { message: String(e.message ?? err), ...(code ? { crmCode: code } : {}) };
    if (c.status !== undefined) f.status = c.status;
    if (c.limited) f.limited = true;
    return f;
  }

  /**
   * One API call through the runtime: daily-quota guard, limiter, retries, refresh on 401.
   * Salesforce's two request limits both answer 403 REQUEST_LIMIT_EXCEEDED (§6.3, §9.1):
   * `TotalRequests` is the rolling 24 h allocation — the guard pauses, no call is made until a
   * fresh reading shows room — while the concurrent long-running limit frees as slow requests
   * finish, so it is waited out with a jittered backoff and retried.
   */
  async call<T>(what: string, fn: (c: Conn) => Promise<T>): Promise<T> {
    if (this.quota.needsProbe()) await this.probeDailyUsage();
    this.quota.check();
    try {
      return await this.attempt(what, fn);
    } finally {
      this.observeUsage();
    }
  }

  private attempt<T>(what: string, fn: (c: Conn) => Promise<T>): Promise<T> {
    return callWithRetry(
      async () => {
        this.conn.accessToken = await this.tokens.token();
        try {
          return await fn(this.conn);
        } catch (err) {
          if (!isAllocationSpent(err)) throw err;
          // The refusal carries Sforce-Limit-Info too: the guard records the org's own figures.
          this.observeUsage();
          this.quota.spent();
          const paused = this.quota.error();
          throw new InrecordError('IR_CRM_QUOTA_EXHAUSTED', `Salesforce ${what}: the org's rolling 24 h API allocation is spent (REQUEST_LIMIT_EXCEEDED TotalRequests); ${paused.message}`, {
            context: paused.context,
            cause: err,
            fix: paused.fix,
          });
        }
      },
      {
        what: `Salesforce ${what}`,
        describe: (e) => this.describeFailure(e),
        limiter: this.limiter,
        stats: this.calls,
        onUnauthorized: async () => {
          this.conn.accessToken = await this.tokens.refresh(this.conn.accessToken ?? '');
        },
      },
    );
  }

  /** `Sforce-Limit-Info: api-usage=used/max` on the last answer is the daily allocation (§9.3). */
  private observeUsage(): void {
    const usage = (this.conn.limitInfo as { apiUsage?: { used: number; limit: number } } | undefined)?.apiUsage;
    if (usage) this.quota.observe(usage.used, usage.limit);
  }

  /** A paused guard looks again: GET /limits DailyApiRequests (§9.2), one look for all callers. */
  private probeDailyUsage(): Promise<void> {
    this.probing ??= (async () => {
      try {
        const l = (await this.attempt('GET /limits', (c) => c.limits())) as unknown as { DailyApiRequests?: { Max: number; Remaining: number } };
        const d = l.DailyApiRequests;
        if (d) this.quota.observe(d.Max - d.Remaining, d.Max);
        else this.observeUsage();
      } catch (err) {
        // Still spent: the guard was re-armed by attempt(); the caller's check() reports the pause.
        if (!(err instanceof InrecordError && err.code === 'IR_CRM_QUOTA_EXHAUSTED')) throw err;
      }
    })().finally(() => {
      this.probing = null;
    });
    return this.probing;
  }

  async *queryPages(what: string, soql: string, scanAll = false): AsyncIterable<Rec[]> {
    let page = (await this.call(what, (c) => c.query(soql, { scanAll, autoFetch: false } as never) as unknown as Promise<QueryPage>)) as QueryPage;
    for (;;) {
      if (page.records.length > 0) yield page.records;
      if (page.done || !page.nextRecordsUrl) return;
      const next = page.nextRecordsUrl;
      page = (await this.call(`${what} (queryMore)`, (c) => c.queryMore(next) as unknown as Promise<QueryPage>)) as QueryPage;
    }
  }

  async queryAllRecords(what: string, soql: string): Promise<Rec[]> {
    const out: Rec[] = [];
    for await (const page of this.queryPages(what, soql)) out.push(...page);
    return out;
  }

  async me(): Promise<string | null> {
    if (this.integrationUserId) return this.integrationUserId;
    const id = await this.call('identity', (c) => c.identity());
    this.integrationUserId = id.user_id;
    return this.integrationUserId;
  }

  stats(): CallStats {
    return { ...this.calls };
  }
}
