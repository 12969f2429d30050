/**
 * The HubSpot CrmConnector on `@hubspot/api-client` v14 (reference: docs/reference/hubspot.md).
 * Every call goes through the shared runtime (rate limiter fed by the X-HubSpot-RateLimit-*
 * headers, one retry policy, one token refresh at a time). The SDK's own retry decorator is left
 * off (§11.2): it would wait 10 s × attempt on a 429 and hide the attempts from our counters.
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
import type {
  ActionResult,
  ActivityInput,
  BatchLimits,
  CallStats,
  ChangeEvent,
  ConnectorOAuth,
  CompanyCandidate,
  ContactCandidate,
  CrmAction,
  CrmConnector,
  CrmRecord,
  CrmUser,
  DeletedRecord,
  FieldChange,
  FieldSchema,
  FieldSpec,
  ObjectKind,
  ObjectSchema,
  OpenDeal,
  RateLimitPolicy,
  RecordUpdate,
  VerifyResult,
  WebhookBatch,
  WebhookRequest,
  WriteResult,
} from '../types.js';
import {
  ACTIVITY_ASSOC,
  type HistoryEntry,
  type HsObject,
  type HsProperty,
  MODIFIED,
  actorOf,
  bareDomain,
  chunk,
  decodeValue,
  encodeValue,
  hsObject,
  lowerAll,
  parseWebhookBody,
  propertyCreate,
  propertyErrors,
  toFieldSchema,
  verifyV3,
} from './codec.js';

type Rec = Record<string, unknown>;

interface HsObjectJson {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<string, HistoryEntry[]>;
  updatedAt?: Date | string;
  archivedAt?: Date | string;
  associations?: Record<string, { results?: { id: string; type?: string }[] }>;
}
interface PageJson {
  results: HsObjectJson[];
  total?: number;
  paging?: { next?: { after?: string } };
}
interface BatchJson {
  results: HsObjectJson[];
  errors?: { category?: string; message?: string; context?: Record<string, string[]>; errors?: unknown[] }[];
}
interface ApiError {
  code?: number;
  body?: unknown;
  headers?: Record<string, string>;
  message?: string;
}

const BATCH = 100;
/** propertiesWithHistory caps batch reads at 50 inputs (§2.4). */
const HISTORY_BATCH = 50;
const SEARCH_PAGE = 200;
/** Search refuses to page past 10,000 results (§4.1). */
const SEARCH_CAP = 10_000;
// Private app, Free/Starter: 100 calls per 10 s (§9.1); corrected from X-HubSpot-RateLimit-Max.
const DEFAULT_POLICY: RateLimitPolicy = { callsPerWindow: 100, windowMs: 10_000, dailyQuota: 250_000 };

function iso(d: Date | string | undefined): string {
  if (!d) return new Date(0).toISOString();
  return (d instanceof Date ? d : new Date(d)).toISOString();
}


/** The scopes the connector's calls need (hubspot.md §1.4): records, properties, notes and tasks. */
const OAUTH_SCOPES = ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.companies.read', 'crm.objects.companies.write', 'crm.objects.deals.read', 'crm.objects.deals.write', 'crm.schemas.contacts.write'];

export interface HubspotConnectorOptions {
  /** Search calls per second (HubSpot allows 5, §4.4); tests against a simulator raise it. */
  searchPerSecond?: number;
}

export class HubspotConnector implements CrmConnector {
  readonly crm = 'hubspot' as const;
  readonly limits: BatchLimits = { read: BATCH, write: BATCH, search: 100, history: HISTORY_BATCH };
  readonly rateLimit: RateLimitPolicy;
  private readonly calls: CallStats = emptyStats();
  private readonly limiter: Limiter;
  /** Search: 5 requests / second, no rate-limit headers (§4.4); we keep one in reserve. */
  private readonly searchLimiter: Limiter;
  private readonly tokens: TokenSource;
  private readonly oauth: boolean;
  readonly authorisation?: ConnectorOAuth;
  private readonly base: string;
  private readonly client: Client;
  private currentToken = '';
  private readonly schemas = new Map<HsObject, { at: number; fields: Map<string, FieldSchema> }>();
  private readonly appId: string | null;
  /** The account's daily call allowance (private apps: X-HubSpot-RateLimit-Daily*, §9.1). */
  private readonly quota: QuotaGuard;

  constructor(
    private readonly conn: CrmConnection,
    private readonly deps: ConnectorDeps,
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
      callsPerWindow: conn.rateLimit.callsPerWindow ?? DEFAULT_POLICY.callsPerWindow,
      windowMs: conn.rateLimit.windowMs ?? DEFAULT_POLICY.windowMs,
      dailyQuota: DEFAULT_POLICY.dailyQuota,
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
    this.client = new Client({
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

  // ---------- plumbing ----------

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
  private async call<T>(what: string, fn: (c: Client) => Promise<T>, search = false): Promise<T> {
    this.quota.check();
    return callWithRetry(
      async () => {
        const t = await this.tokens.token();
        if (t !== this.currentToken) {
          this.client.setAccessToken(t);
          this.currentToken = t;
        }
        try {
          return await fn(this.client);
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
  private async attempt<T>(what: string, fn: (c: Client) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; err: InrecordError; body: unknown; status?: number }> {
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

  private obj(kind: ObjectKind): HsObject {
    const o = hsObject(kind);
    if (!o) {
      throw new InrecordError('IR_CRM_UNSUPPORTED', `HubSpot: the ${kind} object is not supported by this connector (HubSpot leads are contacts with a lifecycle stage)`, {
        context: { crm: 'hubspot', object: kind },
      });
    }
    return o;
  }

  private async fields(kind: ObjectKind, fresh = false): Promise<Map<string, FieldSchema>> {
    const o = this.obj(kind);
    const c = this.schemas.get(o);
    if (!fresh && c && Date.now() - c.at < 60_000) return c.fields;
    const res = (await this.call(`list ${o} properties`, (cl) => cl.crm.properties.coreApi.getAll(o))) as unknown as { results: HsProperty[] };
    const map = new Map(res.results.map((p) => [p.name, toFieldSchema(p)]));
    this.schemas.set(o, { at: Date.now(), fields: map });
    return map;
  }

  private toRecord(o: HsObject, r: HsObjectJson, schema: Map<string, FieldSchema>, fields: string[]): CrmRecord {
    const out: Record<string, ReturnType<typeof decodeValue>> = {};
    for (const f of fields) out[f] = decodeValue(schema.get(f), r.properties[f]);
    return { id: String(r.id), object: o, fields: out, modifiedAt: iso(r.updatedAt) };
  }

  private searchApi(o: HsObject, c: Client) {
    return o === 'contacts' ? c.crm.contacts.searchApi : o === 'companies' ? c.crm.companies.searchApi : c.crm.deals.searchApi;
  }
  private batchApi(o: HsObject, c: Client) {
    return o === 'contacts' ? c.crm.contacts.batchApi : o === 'companies' ? c.crm.companies.batchApi : c.crm.deals.batchApi;
  }

  private async search(o: HsObject, body: Rec): Promise<PageJson> {
    return (await this.call(`search ${o}`, (c) => this.searchApi(o, c).doSearch(body as never), true)) as unknown as PageJson;
  }

  // ---------- CrmConnector ----------

  objectName(kind: ObjectKind): string {
    return kind === 'contact' ? 'contacts' : kind === 'company' ? 'companies' : kind === 'deal' ? 'deals' : 'leads';
  }

  async describe(kind: ObjectKind, opts: { fresh?: boolean } = {}): Promise<ObjectSchema> {
    const map = await this.fields(kind, opts.fresh);
    return { object: this.obj(kind), fields: [...map.values()] };
  }

  async createField(kind: ObjectKind, spec: FieldSpec): Promise<FieldSchema> {
    const o = this.obj(kind);
    const created = (await this.call(`create ${o} property ${spec.name}`, (c) => c.crm.properties.coreApi.create(o, propertyCreate(o, spec) as never))) as unknown as HsProperty;
    this.schemas.delete(o);
    return toFieldSchema(created);
  }

  async read(kind: ObjectKind, ids: string[], fields: string[]): Promise<CrmRecord[]> {
    const o = this.obj(kind);
    const schema = await this.fields(kind);
    const out: CrmRecord[] = [];
    for (const part of chunk([...new Set(ids)], BATCH)) {
      // Missing ids come back in a 207 `errors` entry and are simply absent here.
      const res = (await this.call(`batch read ${o}`, (c) =>
        this.batchApi(o, c).read({ inputs: part.map((id) => ({ id })), properties: fields, propertiesWithHistory: [] } as never),
      )) as unknown as BatchJson;
      for (const r of res.results) out.push(this.toRecord(o, r, schema, fields));
    }
    return out;
  }

  /**
   * Search on hs_lastmodifieddate ascending, 200 a page, by key, never by offset: each page is a new
   * search from the last modified timestamp seen (GTE, the ids already returned at that timestamp
   * skipped). A record written while we page (by us or anyone) moves to the end of the order and
   * would shift every later record back one place, so an offset would skip one; and no window ever
   * nears the 10,000-result cap (§4.1). When more records share one timestamp than a page holds,
   * that timestamp is read by record id instead (keyset again), then paging goes on after it.
   */
  async *readChanged(kind: ObjectKind, since: string | null, fields: string[]): AsyncIterable<CrmRecord[]> {
    const o = this.obj(kind);
    const schema = await this.fields(kind);
    const props = [...new Set([...fields, MODIFIED])];
    const tsOf = (r: HsObjectJson) => Date.parse(r.properties[MODIFIED] ?? '') || Date.parse(iso(r.updatedAt));
    let from = since ? Date.parse(since) : 0;
    let op: 'GTE' | 'GT' = 'GTE';
    let seenAtFrom = new Set<string>();
    for (;;) {
      const page = await this.search(o, {
        filterGroups: [{ filters: [{ propertyName: MODIFIED, operator: op, value: String(from) }] }],
        sorts: [{ propertyName: MODIFIED, direction: 'ASCENDING' }],
        properties: props,
        limit: SEARCH_PAGE,
        after: '0',
      });
      const batch: CrmRecord[] = [];
      let lastTs = from;
      let atLast = new Set<string>(seenAtFrom);
      for (const r of page.results) {
        const ts = tsOf(r);
        if (ts === from && seenAtFrom.has(r.id)) continue;
        if (ts > lastTs) {
          lastTs = ts;
          atLast = new Set();
        }
        if (ts === lastTs) atLast.add(r.id);
        batch.push(this.toRecord(o, r, schema, fields));
      }
      if (batch.length > 0) yield batch;
      const more = page.paging?.next?.after !== undefined || (page.total ?? 0) > page.results.length;
      if (!more) return;
      if (lastTs > from) {
        from = lastTs;
        op = 'GTE';
        seenAtFrom = atLast;
        continue;
      }
      // A whole page at the one timestamp `from`: read the rest of it by id, then go on after it.
      yield* this.readAtTimestamp(o, from, atLast, props, schema, fields);
      op = 'GT';
      seenAtFrom = new Set();
    }
  }

  /** Every record modified exactly at `ts` not in `seen`, paged by hs_object_id (keyset). */
  private async *readAtTimestamp(o: HsObject, ts: number, seen: Set<string>, props: string[], schema: Map<string, FieldSchema>, fields: string[]): AsyncIterable<CrmRecord[]> {
    let lastId = '0';
    for (;;) {
      const page = await this.search(o, {
        filterGroups: [
          {
            filters: [
              { propertyName: MODIFIED, operator: 'GTE', value: String(ts) },
              { propertyName: MODIFIED, operator: 'LTE', value: String(ts) },
              { propertyName: 'hs_object_id', operator: 'GT', value: lastId },
            ],
          },
        ],
        sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
        properties: props,
        limit: SEARCH_PAGE,
        after: '0',
      });
      const batch = page.results.filter((r) => !seen.has(r.id)).map((r) => this.toRecord(o, r, schema, fields));
      if (batch.length > 0) yield batch;
      const last = page.results.at(-1);
      if (!last || page.results.length < SEARCH_PAGE) return;
      lastId = last.id;
    }
  }

  async readDeleted(kind: ObjectKind, since: string): Promise<DeletedRecord[]> {
    const o = this.obj(kind);
    const t0 = Date.parse(since);
    const out: DeletedRecord[] = [];
    let after: string | undefined;
    do {
      const page = (await this.call(`list archived ${o}`, (c) => c.crm.objects.basicApi.getPage(o, 100, after, ['hs_object_id'], undefined, undefined, true))) as unknown as PageJson;
      for (const r of page.results) {
        const at = r.archivedAt ? iso(r.archivedAt) : iso(r.updatedAt);
        if (Date.parse(at) >= t0) out.push({ id: String(r.id), deletedAt: at });
      }
      after = page.paging?.next?.after;
    } while (after);
    // A merged-away record is listed in the winner's hs_merged_object_ids (§6).
    const schema = await this.fields(kind);
    if (out.length > 0 && schema.has('hs_merged_object_ids')) {
      const byId = new Map(out.map((d) => [d.id, d]));
      for (const part of chunk([...byId.keys()], 100)) {
        const page = await this.search(o, {
          filterGroups: [{ filters: [{ propertyName: 'hs_merged_object_ids', operator: 'IN', values: part }] }],
          properties: ['hs_merged_object_ids'],
          limit: SEARCH_PAGE,
        });
        for (const r of page.results) {
          for (const id of (r.properties.hs_merged_object_ids ?? '').split(';')) {
            const d = byId.get(id);
            if (d) d.mergedInto = String(r.id);
          }
        }
      }
    }
    return out;
  }

  private static CONTACT_PROPS = ['email', 'hs_additional_emails', 'firstname', 'lastname', 'phone', 'company'];

  /** Contacts → candidates; the company comes from the primary association (§7). */
  private async contactCandidates(rows: HsObjectJson[]): Promise<ContactCandidate[]> {
    const companyOf = new Map<string, string>();
    const needAssoc = rows.filter((r) => !r.associations).map((r) => r.id);
    for (const r of rows) {
      const first = r.associations?.companies?.results?.find((a) => a.type === 'contact_to_company') ?? r.associations?.companies?.results?.[0];
      if (first) companyOf.set(r.id, String(first.id));
    }
    for (const part of chunk(needAssoc, 1000)) {
      const res = (await this.call('batch read contact→company associations', (c) =>
        c.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: part.map((id) => ({ id })) } as never),
      )) as unknown as { results: { _from?: { id: string }; from?: { id: string }; to: { toObjectId: number | string; associationTypes?: { typeId: number }[] }[] }[] };
      for (const r of res.results) {
        const from = String((r._from ?? r.from)?.id);
        const primary = r.to.find((t) => t.associationTypes?.some((a) => a.typeId === 1)) ?? r.to[0];
        if (primary) companyOf.set(from, String(primary.toObjectId));
      }
    }
    const names = new Map<string, string | null>();
    const companyIds = [...new Set(companyOf.values())];
    for (const part of chunk(companyIds, BATCH)) {
      const res = (await this.call('batch read companies', (c) => c.crm.companies.batchApi.read({ inputs: part.map((id) => ({ id })), properties: ['name'], propertiesWithHistory: [] } as never))) as unknown as BatchJson;
      for (const r of res.results) names.set(String(r.id), r.properties.name ?? null);
    }
    return rows.map((r) => {
      const p = r.properties;
      const companyId = companyOf.get(r.id) ?? null;
      return {
        id: String(r.id),
        email: p.email ? p.email.trim().toLowerCase() : null,
        additional_emails: (p.hs_additional_emails ?? '').split(';').map((e) => e.trim().toLowerCase()).filter(Boolean),
        first_name: p.firstname ?? null,
        last_name: p.lastname ?? null,
        company_id: companyId,
        company_name: (companyId ? names.get(companyId) : null) ?? p.company ?? null,
        phone: p.phone ?? null,
      };
    });
  }

  private companyCandidate(r: HsObjectJson): CompanyCandidate {
    const p = r.properties;
    return {
      id: String(r.id),
      name: p.name ?? null,
      domain: bareDomain(p.domain) ?? bareDomain(p.website),
      additional_domains: (p.hs_additional_domains ?? '').split(';').map((d) => bareDomain(d)).filter((d): d is string => d !== null),
    };
  }

  /** Every page of one search (≤ 10,000 results, which a batch of 100 values never reaches). */
  private async searchAll(o: HsObject, filterGroups: Rec[], properties: string[]): Promise<HsObjectJson[]> {
    const out: HsObjectJson[] = [];
    let after = 0;
    for (;;) {
      const page = await this.search(o, { filterGroups, properties, limit: SEARCH_PAGE, after: String(after) });
      out.push(...page.results);
      const next = page.paging?.next?.after;
      if (!next || Number(next) + SEARCH_PAGE > SEARCH_CAP) return out;
      after = Number(next);
    }
  }

  async findContacts(q: { emails?: string[]; names?: { firstName?: string; lastName: string }[] }): Promise<ContactCandidate[]> {
    const rows = new Map<string, HsObjectJson>();
    // IN takes lower-case values for strings; secondary addresses are searchable via
    // hs_additional_emails (§4.2, §6). One group per property: groups are OR-ed.
    for (const part of chunk(lowerAll(q.emails ?? []), 100)) {
      const found = await this.searchAll(
        'contacts',
        [{ filters: [{ propertyName: 'email', operator: 'IN', values: part }] }, { filters: [{ propertyName: 'hs_additional_emails', operator: 'IN', values: part }] }],
        HubspotConnector.CONTACT_PROPS,
      );
      for (const r of found) rows.set(r.id, r);
    }
    // At most 5 filter groups per search (§4.1): five names a call.
    for (const part of chunk(q.names ?? [], 5)) {
      const groups = part.map((n) => ({
        filters: [
          { propertyName: 'lastname', operator: 'EQ', value: n.lastName },
          ...(n.firstName ? [{ propertyName: 'firstname', operator: 'EQ', value: n.firstName }] : []),
        ],
      }));
      for (const r of await this.searchAll('contacts', groups, HubspotConnector.CONTACT_PROPS)) rows.set(r.id, r);
    }
    return this.contactCandidates([...rows.values()]);
  }

  async findCompanies(q: { domains?: string[]; names?: string[] }): Promise<CompanyCandidate[]> {
    const rows = new Map<string, HsObjectJson>();
    const props = ['name', 'domain', 'website', 'hs_additional_domains'];
    for (const part of chunk(lowerAll(q.domains ?? []), 100)) {
      const found = await this.searchAll(
        'companies',
        [{ filters: [{ propertyName: 'domain', operator: 'IN', values: part }] }, { filters: [{ propertyName: 'hs_additional_domains', operator: 'IN', values: part }] }],
        props,
      );
      for (const r of found) rows.set(r.id, r);
    }
    for (const part of chunk(lowerAll(q.names ?? []), 100)) {
      for (const r of await this.searchAll('companies', [{ filters: [{ propertyName: 'name', operator: 'IN', values: part }] }], props)) rows.set(r.id, r);
    }
    return [...rows.values()].map((r) => this.companyCandidate(r));
  }

  async *listContacts(): AsyncIterable<ContactCandidate[]> {
    let after: string | undefined;
    do {
      const page = (await this.call('list contacts', (c) => c.crm.objects.basicApi.getPage('contacts', 100, after, HubspotConnector.CONTACT_PROPS, undefined, ['companies']))) as unknown as PageJson;
      const rows = page.results.map((r) => ({ ...r, associations: r.associations ?? {} }));
      if (rows.length > 0) yield await this.contactCandidates(rows);
      after = page.paging?.next?.after;
    } while (after);
  }

  async *listCompanies(): AsyncIterable<CompanyCandidate[]> {
    let after: string | undefined;
    do {
      const page = (await this.call('list companies', (c) => c.crm.objects.basicApi.getPage('companies', 100, after, ['name', 'domain', 'website', 'hs_additional_domains']))) as unknown as PageJson;
      if (page.results.length > 0) yield page.results.map((r) => this.companyCandidate(r));
      after = page.paging?.next?.after;
    } while (after);
  }

  async history(kind: ObjectKind, ids: string[], fields: string[]): Promise<FieldChange[]> {
    const o = this.obj(kind);
    const schema = await this.fields(kind);
    const out: FieldChange[] = [];
    for (const part of chunk([...new Set(ids)], HISTORY_BATCH)) {
      const res = (await this.call(`batch read ${o} history`, (c) =>
        this.batchApi(o, c).read({ inputs: part.map((id) => ({ id })), properties: [], propertiesWithHistory: fields } as never),
      )) as unknown as BatchJson;
      for (const r of res.results) {
        for (const f of fields) {
          const entries = r.propertiesWithHistory?.[f] ?? [];
          // newest first (§2.4)
          const latest = [...entries].sort((a, b) => Date.parse(iso(b.timestamp)) - Date.parse(iso(a.timestamp)))[0];
          if (!latest) continue;
          const who = actorOf(latest);
          out.push({ id: String(r.id), field: f, value: decodeValue(schema.get(f), latest.value), at: iso(latest.timestamp), actor: who.actor, userId: who.userId });
        }
      }
    }
    return out;
  }

  async writeBatch(kind: ObjectKind, updates: RecordUpdate[]): Promise<WriteResult[]> {
    const o = this.obj(kind);
    const schema = await this.fields(kind);
    const results: WriteResult[] = [];
    for (const part of chunk(updates, BATCH)) results.push(...(await this.writePart(o, schema, part)));
    return results;
  }

  private encode(schema: Map<string, FieldSchema>, u: RecordUpdate): Record<string, string> {
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(u.fields)) props[k] = encodeValue(schema.get(k), v);
    return props;
  }

  /**
   * One batch update. With an objectWriteTraceId per input, HubSpot answers per input (207) instead
   * of failing the whole batch on one bad value (§3.7); ids it does not find come back as
   * OBJECT_NOT_FOUND, and an id absent from both lists (a merged record, §3.7) is reported, not lost.
   */
  private async writePart(o: HsObject, schema: Map<string, FieldSchema>, part: RecordUpdate[]): Promise<WriteResult[]> {
    const inputs = part.map((u) => ({ id: u.id, properties: this.encode(schema, u), objectWriteTraceId: u.id }));
    const r = await this.attempt(`batch update ${o}`, (c) => this.batchApi(o, c).update({ inputs } as never));
    if (!r.ok) {
      // A whole-batch 4xx (one bad value, a 409): write one by one so each record gets its own answer.
      if (r.status !== undefined && r.status >= 400 && r.status < 500 && part.length > 1) {
        const out: WriteResult[] = [];
        for (const u of part) out.push(...(await this.writePart(o, schema, [u])));
        return out;
      }
      if (r.status !== undefined && r.status >= 400 && r.status < 500) return [this.failure(part[0].id, r.body, r.status)];
      throw r.err;
    }
    const res = r.value as unknown as BatchJson;
    const byId = new Map<string, WriteResult>();
    for (const x of res.results) byId.set(String(x.id), { id: String(x.id), ok: true });
    for (const e of res.errors ?? []) {
      const traced = e.context?.objectWriteTraceId ?? [];
      const missing = e.category === 'OBJECT_NOT_FOUND' ? (e.context?.ids ?? []) : [];
      for (const id of traced) byId.set(id, this.failure(id, e, e.category === 'CONFLICT' ? 409 : 400));
      for (const id of missing) {
        byId.set(id, { id, ok: false, code: 'IR_CRM_NOT_FOUND', message: `HubSpot ${o} ${id} was not found (deleted or merged)`, retryable: false });
      }
    }
    return part.map(
      (u) =>
        byId.get(u.id) ?? {
          id: u.id,
          ok: false,
          code: 'IR_CRM_NOT_FOUND',
          message: `HubSpot ${o} ${u.id}: the batch update returned no result for it (merged or deleted records are silently skipped)`,
          retryable: false,
        },
    );
  }

  private failure(id: string, body: unknown, status: number): WriteResult {
    if (status === 404) return { id, ok: false, code: 'IR_CRM_NOT_FOUND', message: `HubSpot record ${id} was not found (deleted or merged)`, retryable: false };
    const problems = propertyErrors(body);
    const first = problems[0];
    const message = problems.map((p) => (p.field ? `${p.field}: ${p.message} (${p.code})` : `${p.message} (${p.code})`)).join('; ');
    return { id, ok: false, code: 'IR_CRM_VALIDATION', message: `HubSpot rejected record ${id}: ${message}`, retryable: false, ...(first?.field ? { field: first.field } : {}) };
  }

  async createActivity(a: ActivityInput): Promise<{ id: string }> {
    const when = a.occurredAt ?? new Date().toISOString();
    let type: string;
    let properties: Record<string, string>;
    switch (a.kind) {
      case 'note':
        type = 'notes';
        properties = { hs_timestamp: when, hs_note_body: a.body ?? a.subject ?? '' };
        break;
      case 'task':
        type = 'tasks';
        // hs_timestamp is the due date on tasks (§7.4).
        properties = { hs_timestamp: a.dueAt ?? when, hs_task_subject: a.subject ?? '', hs_task_body: a.body ?? '', hs_task_status: 'NOT_STARTED' };
        break;
      case 'email':
        type = 'emails';
        properties = {
          hs_timestamp: when,
          hs_email_subject: a.subject ?? '',
          hs_email_text: a.body ?? '',
          hs_email_direction: a.direction === 'inbound' ? 'INCOMING_EMAIL' : 'EMAIL',
          hs_email_status: 'SENT',
          // HubSpot fills hs_email_from_email / hs_email_to_email from these headers (JSON, "Activities | Email").
          ...(a.from || a.to?.length ? { hs_email_headers: JSON.stringify({ ...(a.from ? { from: { email: a.from } } : {}), to: (a.to ?? []).map((email) => ({ email })), cc: [], bcc: [] }) } : {}),
        };
        break;
      case 'meeting':
        type = 'meetings';
        properties = {
          hs_timestamp: when,
          hs_meeting_title: a.subject ?? '',
          hs_meeting_body: a.body ?? '',
          hs_meeting_start_time: when,
          ...(a.endsAt ? { hs_meeting_end_time: a.endsAt } : {}),
          hs_meeting_outcome: Date.parse(when) <= Date.now() ? 'COMPLETED' : 'SCHEDULED',
        };
        break;
      default:
        type = 'calls';
        properties = { hs_timestamp: when, hs_call_title: a.subject ?? '', hs_call_body: a.body ?? '', ...(a.direction ? { hs_call_direction: a.direction === 'inbound' ? 'INBOUND' : 'OUTBOUND' } : {}) };
    }
    if (a.ownerId) properties.hubspot_owner_id = a.ownerId;
    const associations = a.associations.map((x) => {
      const to = this.obj(x.object);
      return { to: { id: x.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: ACTIVITY_ASSOC[type][to] }] };
    });
    const created = (await this.call(`create ${type.slice(0, -1)}`, (c) => c.crm.objects.basicApi.create(type, { properties, associations } as never))) as unknown as { id: string };
    return { id: String(created.id) };
  }

  /**
   * contact → deal associations (v4 batch read, 1,000 a call), then the deals (batch read, 100 a
   * call) whose calculated hs_is_closed is not "true" — won and lost stages of any pipeline.
   */
  async openDeals(contactIds: string[]): Promise<Map<string, OpenDeal[]>> {
    const dealsOf = new Map<string, string[]>();
    for (const part of chunk([...new Set(contactIds)], 1000)) {
      const res = (await this.call('batch read contact→deal associations', (c) =>
        c.crm.associations.v4.batchApi.getPage('contacts', 'deals', { inputs: part.map((id) => ({ id })) } as never),
      )) as unknown as { results: { _from?: { id: string }; from?: { id: string }; to: { toObjectId: number | string }[] }[] };
      for (const r of res.results) dealsOf.set(String((r._from ?? r.from)?.id), [...new Set(r.to.map((t) => String(t.toObjectId)))]);
    }
    const open = new Map<string, OpenDeal>();
    for (const part of chunk([...new Set([...dealsOf.values()].flat())], BATCH)) {
      const res = (await this.call('batch read deals', (c) =>
        c.crm.deals.batchApi.read({ inputs: part.map((id) => ({ id })), properties: ['hs_is_closed', 'hs_lastmodifieddate'], propertiesWithHistory: [] } as never),
      )) as unknown as BatchJson;
      for (const d of res.results)
        if (d.properties.hs_is_closed !== 'true') open.set(String(d.id), { id: String(d.id), modifiedAt: new Date(d.properties.hs_lastmodifieddate ?? d.updatedAt ?? 0).toISOString() });
    }
    const out = new Map<string, OpenDeal[]>();
    for (const [contact, ids] of dealsOf) {
      const deals = ids.map((id) => open.get(id)).filter((d): d is OpenDeal => d !== undefined);
      if (deals.length > 0) out.set(contact, deals.sort((a, b) => (a.modifiedAt < b.modifiedAt ? 1 : a.modifiedAt > b.modifiedAt ? -1 : 0)));
    }
    return out;
  }

  async performAction(action: CrmAction): Promise<ActionResult> {
    switch (action.type) {
      case 'assign_owner':
        await this.updateOne(action.object, action.id, { hubspot_owner_id: action.ownerId });
        return { ok: true };
      case 'change_stage':
        // deals move through pipeline stages; contacts and companies through the lifecycle (§13).
        await this.updateOne(action.object, action.id, action.object === 'deal' ? { dealstage: action.stage } : { lifecyclestage: action.stage });
        return { ok: true };
      case 'create_task': {
        const t = await this.createActivity({ kind: 'task', subject: action.subject, body: action.body, dueAt: action.dueAt, ownerId: action.ownerId, associations: [{ object: action.object, id: action.id }] });
        return { ok: true, createdId: t.id };
      }
      case 'add_note': {
        const n = await this.createActivity({ kind: 'note', body: action.body, associations: [{ object: action.object, id: action.id }] });
        return { ok: true, createdId: n.id };
      }
      case 'enroll':
        throw new InrecordError('IR_CRM_UNSUPPORTED', `HubSpot ${action.object} ${action.id}: enrolling in sequence ${action.sequenceId} is not supported by this connector`, {
          context: { crm: 'hubspot', action: 'enroll', id: action.id },
        });
    }
  }

  private async updateOne(kind: ObjectKind, id: string, properties: Record<string, string>): Promise<void> {
    const o = this.obj(kind);
    const r = await this.attempt(`update ${o} ${id}`, (c) => c.crm.objects.basicApi.update(o, id, { properties } as never));
    if (!r.ok) {
      if (r.status === 400) {
        const f = this.failure(id, r.body, 400);
        throw new InrecordError('IR_CRM_VALIDATION', f.ok ? '' : f.message, { context: { object: o, id, fields: Object.keys(properties) } });
      }
      if (r.status === 404) throw new InrecordError('IR_CRM_NOT_FOUND', `HubSpot ${o} ${id} was not found (deleted or merged)`, { context: { object: o, id } });
      throw r.err;
    }
  }

  async listUsers(): Promise<CrmUser[]> {
    const out: CrmUser[] = [];
    for (const archived of [false, true]) {
      let after: string | undefined;
      do {
        const page = (await this.call('list owners', (c) => c.crm.owners.ownersApi.getPage(undefined, after, 100, archived))) as unknown as {
          results: { id: string; email?: string; firstName?: string; lastName?: string; archived?: boolean }[];
          paging?: { next?: { after?: string } };
        };
        for (const u of page.results) {
          out.push({ id: String(u.id), name: [u.firstName, u.lastName].filter(Boolean).join(' ') || (u.email ?? String(u.id)), email: u.email ?? '', active: !(u.archived ?? archived) });
        }
        after = page.paging?.next?.after;
      } while (after);
    }
    return out;
  }

  webhooks = {
    unverifiable: () =>
      this.conn.webhooks.secret
        ? null
        : {
            reason: 'no webhooks.secret (the app client secret) configured for this HubSpot connection',
            fix: "Set crm.webhooks.secret to the app's client secret: HubSpot signs each delivery with it (`inrecord sim hubspot` prints the simulator's).",
          },
    verify: (req: WebhookRequest): VerifyResult => {
      const missing = this.webhooks.unverifiable();
      if (missing) return { ok: false, reason: missing.reason };
      return verifyV3(this.conn.webhooks.secret as string, req, durationMs(this.conn.webhooks.maxAge));
    },
    parse: (req: WebhookRequest): WebhookBatch => parseWebhookBody(req.rawBody, this.appId),
    subscribe: async (targetUrl: string, kinds: ObjectKind[]): Promise<void> => {
      const appId = Number(this.appId);
      if (!this.appId || !Number.isFinite(appId) || !this.conn.webhooks.developerApiKey) {
        // Private apps configure webhooks in the app settings only (§8.1).
        throw new InrecordError('IR_CRM_UNSUPPORTED', `HubSpot webhooks to ${targetUrl}: set webhooks.appId and webhooks.developerApiKey (public apps), or configure the subscription in the private app's settings`, {
          context: { crm: 'hubspot', targetUrl },
        });
      }
      await this.call('configure webhook settings', (c) => c.webhooks.settingsApi.configure(appId, { targetUrl, throttling: { period: 'SECONDLY', maxConcurrentRequests: 10 } } as never));
      const existing = (await this.call('list webhook subscriptions', (c) => c.webhooks.subscriptionsApi.getAll(appId))) as unknown as { results: { eventType: string; propertyName?: string }[] };
      const have = new Set(existing.results.map((s) => `${s.eventType}:${s.propertyName ?? ''}`));
      for (const kind of kinds) {
        const prefix = kind === 'contact' ? 'contact' : kind === 'company' ? 'company' : kind === 'deal' ? 'deal' : null;
        if (!prefix) continue;
        const wanted: { eventType: string; propertyName?: string }[] = ['creation', 'deletion', 'merge'].map((ev) => ({ eventType: `${prefix}.${ev}` }));
        // A propertyChange subscription names one property; hs_lastmodifieddate is refused (§8.1).
        for (const f of (await this.describe(kind)).fields) {
          if (f.writable && f.name !== MODIFIED) wanted.push({ eventType: `${prefix}.propertyChange`, propertyName: f.name });
        }
        for (const w of wanted) {
          if (have.has(`${w.eventType}:${w.propertyName ?? ''}`)) continue;
          if (have.size >= 1000) {
            throw new InrecordError('IR_CRM_VALIDATION', `HubSpot app ${appId} has reached 1,000 webhook subscriptions; ${w.eventType} ${w.propertyName ?? ''} was not added`, {
              context: { crm: 'hubspot', eventType: w.eventType, propertyName: w.propertyName },
            });
          }
          await this.call(`subscribe ${w.eventType} ${w.propertyName ?? ''}`, (c) => c.webhooks.subscriptionsApi.create(appId, { ...w, active: true } as never));
          have.add(`${w.eventType}:${w.propertyName ?? ''}`);
        }
      }
    },
  };

  stats(): CallStats {
    return { ...this.calls, tokenRefreshes: this.calls.tokenRefreshes };
  }

  async close(): Promise<void> {}
}

/** When HubSpot's daily allowance resets: midnight in the account's time zone, which the API does not name; the next UTC midnight stands for it. */
function nextMidnight(now = Date.now()): number {
  const d = new Date(now);
  d.setUTCHours(24, 0, 0, 0);
  return d.getTime();
}
