/**
 * The Pipedrive API session on the `pipedrive` npm client v33 (reference: docs/reference/pipedrive.md):
 * v2 PersonsApi / OrganizationsApi / DealsApi / ActivitiesApi / field APIs / StagesApi, and v1 only
 * where no v2 exists (notes, webhooks, changelog, users, recents) — SDK 32 removed v1 entity CRUD
 * (§1.4). An API token or the OAuth refresh-token grant; every call goes through the shared runtime
 * (rate limiter, retries, one token refresh at a time, the daily token budget).
 */
import { v1, v2 } from 'pipedrive';
import { type CrmConnection, durationMs } from '../../config/index.js';
import { InrecordError } from '../../errors/index.js';
import type { ConnectorDeps } from '../registry.js';
import {
  type CallFailure,
  type Limiter,
  type QuotaGuard,
  RateBudget,
  type TokenSource,
  budgetConnection,
  callWithRetry,
  emptyStats,
  oauthToken,
  reauthorise,
  authorizeUrl,
  staticToken,
  tokenHash,
  GrantRevoked,
} from '../runtime/index.js';
import type { CallStats, ConnectorOAuth, ObjectKind, RateLimitPolicy } from '../types.js';
import { pipedriveCard } from './card.js';
import { type PdKind, pdKind } from './codec.js';

/** What the SDK's API classes have in common: their own axios instance (§1.3). */
interface HasAxios {
  axios: {
    interceptors: {
      response: { clear(): void; use(ok: (r: AxiosLike) => unknown, fail: (e: unknown) => unknown): number };
    };
  };
}

interface AxiosLike {
  config?: { url?: string };
  status: number;
  data: unknown;
  headers: Record<string, unknown>;
}

/** A failed call with what the SDK normally hides: the HTTP status and headers (§1.3, [OBS S30]). */
export class PipedriveCallError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly body: unknown,
    readonly headers: Record<string, unknown>,
    /** The OAuth access token the failed request carried (a 401 refreshes exactly that one). */
    readonly sentToken?: string,
  ) {
    const b = body as { error?: unknown; message?: unknown; errors?: unknown } | undefined;
    const msg = typeof body === 'string' ? body.slice(0, 200) : String(b?.error ?? b?.message ?? (b?.errors ? JSON.stringify(b.errors) : 'no answer'));
    super(msg);
  }

  get crmCode(): string | undefined {
    const b = this.body as { code?: unknown; errorCode?: unknown } | undefined;
    return typeof b?.code === 'string' ? b.code : b?.errorCode !== undefined ? String(b.errorCode) : undefined;
  }
}

export const PAGE = 500;

export type Rec = Record<string, unknown>;
export type Page<T> = { data?: T[] | null; additional_data?: { next_cursor?: string | null; pagination?: { more_items_in_collection?: boolean; next_start?: number } } | null };

export interface PipedriveConnectorOptions {
  conn: CrmConnection;
  deps: ConnectorDeps;
}

/** Turns `https://x.pipedrive.com`, `…/api/v2`, `…/v1` into the company root URL. */
export function companyRoot(baseUrl: string | undefined): string {
  const u = (baseUrl ?? 'https://api.pipedrive.com').replace(/\/+$/, '');
  return u.replace(/\/(api\/v[12]|v1)$/, '');
}

export class PipedriveClient {
  readonly rateLimit: RateLimitPolicy;
  /** One call per record: this many in flight at once (the rate limiter still paces them). */
  readonly writeConcurrency: number;
  readonly calls: CallStats = emptyStats();
  private readonly limiter: Limiter;
  /** Search has its own 10 requests / 2 s on every plan (§6.3). */
  private readonly searchLimiter: Limiter;
  private readonly quota: QuotaGuard;
  private readonly tokens: TokenSource;
  readonly authorisation?: ConnectorOAuth;
  private readonly oauth: boolean;
  private readonly root: string;
  readonly cfg2: v2.Configuration;
  readonly cfg1: v1.Configuration;
  /** The token owner's user id, once known: its changes are this integration's. */
  integrationUserId: string | null;

  constructor(readonly conn: CrmConnection, deps: ConnectorDeps) {
    this.root = companyRoot(conn.baseUrl);
    this.integrationUserId = conn.integrationUserId ?? null;
    this.rateLimit = {
      callsPerWindow: conn.rateLimit.callsPerWindow ?? pipedriveCard.rateLimit.callsPerWindow,
      windowMs: conn.rateLimit.windowMs ?? pipedriveCard.rateLimit.windowMs,
      dailyQuota: pipedriveCard.rateLimit.dailyQuota,
    };
    // the burst limit is per token and the daily budget the company's: one budget for every process
    const account = 'token' in conn.auth ? tokenHash(conn.auth.token).slice(0, 16) : conn.auth.oauth.clientId;
    const budget = new RateBudget({ connection: budgetConnection('pipedrive', this.root, account), ...(deps.store ? { store: deps.store } : {}), ...(deps.logger ? { logger: deps.logger } : {}) });
    this.limiter = budget.limiter('api', { callsPerWindow: this.rateLimit.callsPerWindow, windowMs: this.rateLimit.windowMs });
    this.searchLimiter = budget.limiter('search', { callsPerWindow: 10, windowMs: 2_000 });
    this.writeConcurrency = conn.rateLimit.writeConcurrency ?? 10;
    this.quota = budget.quota(conn.rateLimit.dailyQuotaGuard, 'Pipedrive daily API tokens');
    if ('token' in conn.auth) {
      this.oauth = false;
      this.tokens = staticToken(conn.auth.token);
    } else {
      const o = conn.auth.oauth;
      this.oauth = true;
      const exchange = (form: Record<string, string>) => this.exchange(o.tokenUrl ?? 'https://oauth.pipedrive.com/oauth/token', o.clientId, o.clientSecret, form);
      const tokens = oauthToken({
        connection: `pipedrive:${o.clientId}`,
        refreshToken: o.refreshToken,
        store: deps.store,
        refreshBeforeMs: durationMs(o.refreshBefore),
        exchange: (rt) => exchange({ grant_type: 'refresh_token', refresh_token: rt }),
      });
      this.tokens = tokens;
      this.authorisation = {
        // The OAuth server's authorise page beside its token endpoint: oauth.pipedrive.com/oauth/{authorize,token} (§1.2).
        authorizeUrl: (redirectUri) =>
          authorizeUrl(o.authorizeUrl ?? (o.tokenUrl ?? 'https://oauth.pipedrive.com/oauth/token').replace(/\/token$/, '/authorize'), { client_id: o.clientId, redirect_uri: redirectUri }),
        reauthorise: (how) => reauthorise(tokens, how, exchange, `Pipedrive app ${o.clientId}`),
      };
    }
    const key = this.oauth ? undefined : () => this.tokens.token();
    const access = this.oauth ? () => this.tokens.token() : undefined;
    // basePath must carry the version prefix and no trailing slash (§1.2, §1.3).
    this.cfg2 = new v2.Configuration({ apiKey: key, accessToken: access, basePath: `${this.root}/api/v2` });
    this.cfg1 = new v1.Configuration({ apiKey: key, accessToken: access, basePath: `${this.root}/api/v1` });
  }

  /** Replaces the SDK's interceptors so failures keep their HTTP status and headers (§1.3). */
  instrument<T>(instance: T): T {
    const ax = (instance as unknown as HasAxios).axios;
    ax.interceptors.response.clear();
    ax.interceptors.response.use(
      (res) => {
        this.observe(res.headers, res.config?.url);
        return res.data ? res.data : res;
      },
      (err) => {
        const e = err as { response?: AxiosLike; message?: string; config?: { headers?: Record<string, unknown> } };
        if (e.response) this.observe(e.response.headers, e.response.config?.url);
        const auth = e.config?.headers?.Authorization ?? e.config?.headers?.authorization;
        const sent = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
        return Promise.reject(new PipedriveCallError(e.response?.status, e.response?.data ?? e.message, e.response?.headers ?? {}, sent));
      },
    );
    return instance;
  }

  /** Search answers describe the search window (10 / 2 s), not the general one (§6.3). */
  private observe(h: Record<string, unknown>, url?: string): void {
    const limiter = url && /\/(search|itemSearch)(\?|$|\/)/.test(url) ? this.searchLimiter : this.limiter;
    const num = (k: string) => (h[k] === undefined ? undefined : Number(h[k]));
    const remaining = num('x-ratelimit-remaining');
    const limit = num('x-ratelimit-limit');
    const reset = num('x-ratelimit-reset');
    if (remaining !== undefined || limit !== undefined) {
      limiter.observe({ remaining, limit, resetAt: reset !== undefined ? Date.now() + reset * 1000 : undefined, windowMs: this.rateLimit.windowMs });
    }
    const dl = num('x-daily-ratelimit-token-limit');
    const dr = num('x-daily-ratelimit-token-remaining');
    if (dl !== undefined && dr !== undefined && dl > 0) {
      const midnight = new Date();
      midnight.setUTCHours(24, 0, 0, 0);
      this.quota.observe(dl - dr, dl, midnight.getTime());
    }
  }

  private describeFailure(err: unknown): CallFailure {
    if (err instanceof PipedriveCallError) {
      const reset = Number(err.headers['retry-after'] ?? err.headers['x-ratelimit-reset']);
      return { status: err.status, message: err.message, crmCode: err.crmCode, retryAfterMs: Number.isFinite(reset) && err.status === 429 ? reset * 1000 : undefined };
    }
    return { message: err instanceof Error ? err.message : String(err) };
  }

  async call<T>(what: string, fn: () => Promise<T>, search = false): Promise<T> {
    this.quota.check();
    const searchSlot = search ? await this.searchLimiter.acquire() : null;
    try {
      return await this.callPaced(what, fn);
    } finally {
      searchSlot?.release();
    }
  }

  private callPaced<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return callWithRetry(fn as () => Promise<T>, {
      what: `Pipedrive ${what}`,
      describe: (e) => this.describeFailure(e),
      limiter: this.limiter,
      stats: this.calls,
      onUnauthorized: this.oauth
        ? async (err) => {
            // The token this request sent, not the one held now: another call of this worker may
            // have refreshed meanwhile, and refreshing that fresh token again would waste a grant.
            await this.tokens.refresh((err instanceof PipedriveCallError ? err.sentToken : undefined) ?? (await this.tokens.token()));
          }
        : undefined,
    });
  }

  /** The token endpoint, for a refresh_token or an authorization_code grant, with Basic client auth (§1.3 OAuth helper). */
  private async exchange(url: string, clientId: string, clientSecret: string, form: Record<string, string>) {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams(form).toString(),
    });
    const body = (await res.json().catch(() => ({}))) as Rec;
    if (res.status === 400 && body.error === 'invalid_grant') throw new GrantRevoked(String(body.message ?? 'invalid_grant'));
    if (!res.ok) throw new InrecordError(res.status >= 500 ? 'IR_CRM_UNAVAILABLE' : 'IR_CRM_AUTH', `Pipedrive token endpoint answered HTTP ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
    this.calls.tokenRefreshes++;
    return { accessToken: String(body.access_token), expiresIn: Number(body.expires_in ?? 3600), refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined };
  }

  private readonly apis = new Map<string, unknown>();
  /** One SDK API object per class, created (and instrumented) once. */
  private cached<T>(name: string, make: () => T): T {
    let a = this.apis.get(name) as T | undefined;
    if (!a) {
      a = this.instrument(make());
      this.apis.set(name, a);
    }
    return a;
  }
  persons = () => this.cached('v2.persons', () => new v2.PersonsApi(this.cfg2));
  orgs = () => this.cached('v2.organizations', () => new v2.OrganizationsApi(this.cfg2));
  deals = () => this.cached('v2.deals', () => new v2.DealsApi(this.cfg2));

  kindOf(kind: ObjectKind): PdKind {
    const k = pdKind(kind);
    if (!k) throw new InrecordError('IR_CRM_UNSUPPORTED', `Pipedrive: the ${kind} object is not supported by this connector (leads have no custom-field write API here)`, { context: { crm: 'pipedrive', object: kind } });
    return k;
  }

  /** The token owner's user id: its `api` changes are this integration's (§7.3). */
  async me(): Promise<string | null> {
    if (this.integrationUserId !== null) return this.integrationUserId;
    const users = this.instrument(new v1.UsersApi(this.cfg1));
    const r = (await this.call('get current user', () => users.getCurrentUser())) as { data?: { id?: number } };
    this.integrationUserId = r.data?.id !== undefined ? String(r.data.id) : null;
    return this.integrationUserId;
  }

  /** Generic v2 list call by kind (one code path for persons, organizations, deals). */
  list(kind: PdKind, params: Rec): Promise<Page<Rec>> {
    const what = `list ${kind}s`;
    if (kind === 'person') return this.call(what, () => this.persons().getPersons(params as never) as Promise<Page<Rec>>);
    if (kind === 'organization') return this.call(what, () => this.orgs().getOrganizations(params as never) as Promise<Page<Rec>>);
    return this.call(what, () => this.deals().getDeals(params as never) as Promise<Page<Rec>>);
  }

  update(kind: PdKind, id: number, body: Rec): Promise<{ data?: Rec }> {
    const what = `update ${kind} ${id}`;
    if (kind === 'person') return this.call(what, () => this.persons().updatePerson({ id, UpdatePersonRequest: body as never }) as Promise<{ data?: Rec }>);
    if (kind === 'organization') return this.call(what, () => this.orgs().updateOrganization({ id, UpdateOrganizationRequest: body as never }) as Promise<{ data?: Rec }>);
    return this.call(what, () => this.deals().updateDeal({ id, UpdateDealRequest: body as never }) as Promise<{ data?: Rec }>);
  }

  stats(): CallStats {
    // exchange() counts every refresh_token grant this connector made; the token source's own count is the same grants.
    return { ...this.calls };
  }
}
