/**
 * The HubSpot API session on `@hubspot/api-client` v14 (reference: docs/reference/hubspot.md):
 * authentication (a private app token or OAuth refresh), and every call through the shared runtime
 * (rate limiter fed by the X-HubSpot-RateLimit-* headers, one retry policy, one token refresh at a
 * time, the daily allowance). The SDK's own retry decorator is left off (§11.2): it would wait
 * 10 s × attempt on a 429 and hide the attempts from our counters.
 */
import { Client } from '@hubspot/api-client';
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
import type { CallStats, ConnectorOAuth, RateLimitPolicy } from '../types.js';
import { hubspotCard } from './card.js';
import type { HistoryEntry, HsObject } from './codec.js';

export type Rec = Record<string, unknown>;

export interface HsObjectJson {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<string, HistoryEntry[]>;
  updatedAt?: Date | string;
  archivedAt?: Date | string;
  associations?: Record<string, { results?: { id: string; type?: string }[] }>;
}
export interface PageJson {
  results: HsObjectJson[];
  total?: number;
  paging?: { next?: { after?: string } };
}
export interface BatchJson {
  results: HsObjectJson[];
  errors?: { category?: string; message?: string; context?: Record<string, string[]>; errors?: unknown[] }[];
}
export interface ApiError {
  code?: number;
  body?: unknown;
  headers?: Record<string, string>;
  message?: string;
}

export const BATCH = hubspotCard.batch.write;
/** propertiesWithHistory caps batch reads at 50 inputs (§2.4). */
export const HISTORY_BATCH = hubspotCard.batch.history as number;
export const SEARCH_PAGE = 200;
/** Search refuses to page past 10,000 results (§4.1). */
export const SEARCH_CAP = 10_000;

export function iso(d: Date | string | undefined): string {
  if (!d) return new Date(0).toISOString();
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

/** The scopes the connector's calls need (hubspot.md §1.4): records, properties, notes and tasks. */
const OAUTH_SCOPES = ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.companies.read', 'crm.objects.companies.write', 'crm.objects.deals.read', 'crm.objects.deals.write', 'crm.schemas.contacts.write'];

export interface HubspotConnectorOptions {
  /** Search calls per second (HubSpot allows 5, §4.4); tests against a simulator raise it. */
  searchPerSecond?: number;
}

export class HubspotClient {
  readonly rateLimit: RateLimitPolicy;
  readonly calls: CallStats = emptyStats();
  readonly limiter: Limiter;
  /** Search: 5 requests / second, no rate-limit headers (§4.4); we keep one in reserve. */
  private readonly searchLimiter: Limiter;
  private readonly tokens: TokenSource;
  private readonly oauth: boolean;
  readonly authorisation?: ConnectorOAuth;
  private readonly base: string;
  private readonly sdk: Client;
  private currentToken = '';
  readonly appId: string | null;
  /** The account's daily call allowance (private apps: X-HubSpot-RateLimit-Daily*, §9.1). */
  private readonly quota: QuotaGuard;

  constructor(
    readonly conn: CrmConnection,
    deps: ConnectorDeps,
    opts: HubspotConnectorOptions = {},
  ) {
    // basePath must not end with '/' (§1.1).
    this.base = (conn.baseUrl ?? 'https://api.hubapi.com').replace(/\/+$/, '');
    // the limits are the account's (private app) or the app's per account (OAuth): one budget each, for every process
    const account = 'token' in conn.auth ? tokenHash(conn.auth.token).slice(0, 16) : conn.auth.oauth.clientId;
    const budget = new RateBudget({ connection: budgetConnection('hubspot', this.base, account), ...(deps.store ? { store: deps.store } : {}), ...(deps.logger ? { logger: deps.logger } : {}) });
    this.searchLimiter = budget.limiter('search', { callsPerWindow: opts.searchPerSecond ?? conn.rateLimit.searchPerSecond ?? 4, windowMs: 1_000 });
    this.appId = conn.webhooks.appId ?? null;
    this.rateLimit = {
      callsPerWindow: conn.rateLimit.callsPerWindow ?? hubspotCard.rateLimit.callsPerWindow,
      windowMs: conn.rateLimit.windowMs ?? hubspotCard.rateLimit.windowMs,
      dailyQuota: hubspotCard.rateLimit.dailyQuota,
    };
    this.limiter = budget.limiter('api', { callsPerWindow: this.rateLimit.callsPerWindow, windowMs: this.rateLimit.windowMs });
    this.quota = budget.quota(conn.rateLimit.dailyQuotaGuard, 'HubSpot daily API calls');
    if ('token' in conn.auth) {
      this.oauth = false;
      this.tokens = staticToken(conn.auth.token);
    } else {
      const o = conn.auth.oauth;
      this.oauth = true;
      const tokenUrl = o.tokenUrl ?? `${this.base}/oauth/v1/token`;
      const exchange = (form: Record<string, string>) => this.exchange(tokenUrl, o.clientId, o.clientSecret, form);
      const tokens = oauthToken({
        connection: `hubspot:${o.clientId}`,
        refreshToken: o.refreshToken,
        store: deps.store,
        refreshBeforeMs: durationMs(o.refreshBefore),
        exchange: (rt) => exchange({ grant_type: 'refresh_token', refresh_token: rt }),
      });
      this.tokens = tokens;
      this.authorisation = {
        // The install URL carries client_id, redirect_uri and the scopes the app asks for.
        authorizeUrl: (redirectUri) =>
          authorizeUrl(o.authorizeUrl ?? 'https://app.hubspot.com/oauth/authorize', { client_id: o.clientId, redirect_uri: redirectUri, scope: OAUTH_SCOPES.join(' ') }),
        reauthorise: (how) => reauthorise(tokens, how, exchange, `HubSpot app ${o.clientId}`),
      };
    }
    this.sdk = new Client({
      basePath: this.base,
      ...(conn.webhooks.developerApiKey ? { developerApiKey: conn.webhooks.developerApiKey } : {}),
      middleware: [
        {
          pre: (ctx) => ctx,
          post: (ctx) => {
            this.observe((ctx as { headers?: Record<string, string> }).headers ?? {});
            return ctx;
          },
        },
      ],
    });
  }

  /** X-HubSpot-RateLimit-* on every non-search answer (§9.2) keep the limiter honest. */
  private observe(h: Record<string, string>): void {
    const num = (k: string) => (h[k] === undefined ? undefined : Number(h[k]));
    const remaining = num('x-hubspot-ratelimit-remaining');
    const limit = num('x-hubspot-ratelimit-max');
    const windowMs = num('x-hubspot-ratelimit-interval-milliseconds');
    const daily = num('x-hubspot-ratelimit-daily');
    const dailyLeft = num('x-hubspot-ratelimit-daily-remaining');
    if (daily !== undefined && dailyLeft !== undefined && daily > 0) this.quota.observe(daily - dailyLeft, daily, nextMidnight());
    if (remaining !== undefined || limit !== undefined) this.limiter.observe({ remaining, limit, windowMs });
  }

  private describeFailure(err: unknown): CallFailure {
    const e = err as ApiError;
    if (typeof e?.code === 'number') {
      const b = (e.body ?? {}) as { message?: string; category?: string; policyName?: string; errorType?: string };
      let retryAfterMs: number | undefined;
      if (e.code === 429) {
        // Search's secondly limit resets within a second; the 10-second rolling window sooner or
        // later — the limiter holds calls until then (§9.3, §11.2).
        retryAfterMs = b.message === 'You have reached your secondly limit.' ? 1_000 : b.policyName === 'DAILY' ? undefined : 2_000;
        const ra = Number(e.headers?.['retry-after']);
        if (Number.isFinite(ra) && ra > 0) retryAfterMs = ra * 1000;
      }
      const message = typeof e.body === 'string' ? e.body.slice(0, 300) : (b.message ?? `HTTP ${e.code}`);
      return { status: e.code, message, crmCode: b.category ?? b.policyName ?? b.errorType, retryAfterMs };
    }
    return { message: err instanceof Error ? err.message : String(err) };
  }

  /**
   * One call through the runtime. The 10-second limit (429 TEN_SECONDLY_ROLLING) and search's
   * secondly limit are waits and retries; the daily limit (429 DAILY) pauses the flows until the
   * allowance resets at midnight, as the guard does before it is reached.
   */
  async call<T>(what: string, fn: (c: Client) => Promise<T>, search = false): Promise<T> {
    this.quota.check();
    return callWithRetry(
      async () => {
        const t = await this.tokens.token();
        if (t !== this.currentToken) {
          this.sdk.setAccessToken(t);
          this.currentToken = t;
        }
        try {
          return await fn(this.sdk);
        } catch (err) {
          const e = err as ApiError;
          if (e?.code !== 429 || (e.body as { policyName?: string } | undefined)?.policyName !== 'DAILY') throw err;
          this.quota.spent(nextMidnight());
          const paused = this.quota.error();
          throw new InrecordError('IR_CRM_QUOTA_EXHAUSTED', `HubSpot ${what}: the account's daily API limit is reached (429 DAILY); ${paused.message}`, { context: paused.context, cause: err });
        }
      },
      {
        what: `HubSpot ${what}`,
        describe: (e) => this.describeFailure(e),
        limiter: search ? this.searchLimiter : this.limiter,
        stats: this.calls,
        onUnauthorized: this.oauth
          ? async () => {
              await this.tokens.refresh(this.currentToken);
            }
          : undefined,
      },
    );
  }

  /** One call that may fail with a per-request error we want to inspect instead of throwing. */
  async attempt<T>(what: string, fn: (c: Client) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; err: InrecordError; body: unknown; status?: number }> {
    try {
      return { ok: true, value: await this.call(what, fn) };
    } catch (err) {
      if (err instanceof InrecordError) {
        const cause = (err as { cause?: ApiError }).cause;
        return { ok: false, err, body: cause?.body, status: cause?.code };
      }
      throw err;
    }
  }

  /** The token endpoint, for a refresh_token or an authorization_code grant. */
  private async exchange(url: string, clientId: string, clientSecret: string, form: Record<string, string>) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form, client_id: clientId, client_secret: clientSecret }).toString(),
    });
    const body = (await res.json().catch(() => ({}))) as Rec;
    // A revoked or unknown refresh token: 400 BAD_REFRESH_TOKEN; a used or unknown code: BAD_AUTH_CODE (HubSpot OAuth token endpoint).
    if (res.status === 400 && (body.status === 'BAD_REFRESH_TOKEN' || body.status === 'BAD_AUTH_CODE' || body.error === 'invalid_grant')) throw new GrantRevoked(String(body.message ?? body.status));
    if (!res.ok) {
      throw new InrecordError(res.status >= 500 || res.status === 429 ? 'IR_CRM_UNAVAILABLE' : 'IR_CRM_AUTH', `HubSpot token endpoint answered HTTP ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
    }
    this.calls.tokenRefreshes++;
    return { accessToken: String(body.access_token), expiresIn: Number(body.expires_in ?? 1800), refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined };
  }

  searchApi(o: HsObject, c: Client) {
    return o === 'contacts' ? c.crm.contacts.searchApi : o === 'companies' ? c.crm.companies.searchApi : c.crm.deals.searchApi;
  }
  batchApi(o: HsObject, c: Client) {
    return o === 'contacts' ? c.crm.contacts.batchApi : o === 'companies' ? c.crm.companies.batchApi : c.crm.deals.batchApi;
  }

  async search(o: HsObject, body: Rec): Promise<PageJson> {
    return (await this.call(`search ${o}`, (c) => this.searchApi(o, c).doSearch(body as never), true)) as unknown as PageJson;
  }

  stats(): CallStats {
    return { ...this.calls, tokenRefreshes: this.calls.tokenRefreshes };
  }
}

/** When HubSpot's daily allowance resets: midnight in the account's time zone, which the API does not name; the next UTC midnight stands for it. */
function nextMidnight(now = Date.now()): number {
  const d = new Date(now);
  d.setUTCHours(24, 0, 0, 0);
  return d.getTime();
}
