/**
 * The Pipedrive CrmConnector on the `pipedrive` npm client v33: v2 PersonsApi / OrganizationsApi /
 * DealsApi / ActivitiesApi / field APIs / StagesApi, and v1 only where no v2 exists (notes,
 * webhooks, changelog, users, recents) — SDK 32 removed v1 entity CRUD (§1.4). Every call goes
 * through the shared runtime (rate limiter, retries, one token refresh at a time).
 */
import { timingSafeEqual } from 'node:crypto';
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
import type {
  ActionResult,
  ActivityInput,
  BatchLimits,
  CallStats,
  ConnectorOAuth,
  ChangeEvent,
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
  FieldValue,
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
  type ChangelogRow,
  type PdField,
  type PdKind,
  companyCandidate,
  contactCandidate,
  encodeValue,
  fieldFromError,
  isoFromPd,
  isoFromV1,
  lastChanges,
  normaliseEmail,
  parseWebhookPayload,
  pdKind,
  pdSince,
  recordFields,
  toFieldSchema,
  websiteDomain,
} from './codec.js';

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

const PAGE = 500;
/** From this many e-mails in one findContacts call, an e-mail index beats one search per address. */
const EMAIL_INDEX_THRESHOLD = 10;
const ACTIVITY_TYPE: Record<string, string> = { task: 'task', email: 'email', meeting: 'meeting', call: 'call' };
// Premium plan defaults (§6.3); refined from x-ratelimit-* headers on every answer.
const DEFAULT_POLICY: RateLimitPolicy = { callsPerWindow: 100, windowMs: 2_000, dailyQuota: 1_500_000 };

type Rec = Record<string, unknown>;
/** Up to this many contacts, openDeals asks per person; beyond, it lists the open deals once. */
const OPEN_DEALS_PER_PERSON_MAX = 10;
type Page<T> = { data?: T[] | null; additional_data?: { next_cursor?: string | null; pagination?: { more_items_in_collection?: boolean; next_start?: number } } | null };

export interface PipedriveConnectorOptions {
  conn: CrmConnection;
  deps: ConnectorDeps;
}

/** Turns `https://x.pipedrive.com`, `…/api/v2`, `…/v1` into the company root URL. */
export function companyRoot(baseUrl: string | undefined): string {
  const u = (baseUrl ?? 'https://api.pipedrive.com').replace(/\/+$/, '');
  return u.replace(/\/(api\/v[12]|v1)$/, '');
}

export class PipedriveConnector implements CrmConnector {
  readonly crm = 'pipedrive' as const;
  // Pipedrive has no batch update: one call per record. writeBatch runs several of them at
  // once (paced by the limiter), so callers hand it 50 records at a time.
  readonly limits: BatchLimits = { read: 100, write: 1, search: 1, writeChunk: 50, history: 1 };
  readonly rateLimit: RateLimitPolicy;
  /** One call per record: this many in flight at once (the rate limiter still paces them). */
  private readonly writeConcurrency: number;
  private readonly calls: CallStats = emptyStats();
  private readonly limiter: Limiter;
  /** Search has its own 10 requests / 2 s on every plan (§6.3). */
  private readonly searchLimiter: Limiter;
  private readonly quota: QuotaGuard;
  private readonly tokens: TokenSource;
  readonly authorisation?: ConnectorOAuth;
  private readonly oauth: boolean;
  private readonly root: string;
  private readonly cfg2: v2.Configuration;
  private readonly cfg1: v1.Configuration;
  private readonly schemaCache = new Map<PdKind, { at: number; schema: ObjectSchema }>();
  private integrationUserId: string | null;
  private stagesCache: { id: number; name: string; pipeline_id: number }[] | null = null;
  private orgIndex: { at: number; since: string | null; byDomain: Map<string, Set<string>> } | null = null;
  private personIndex: { at: number; since: string | null; byEmail: Map<string, Set<string>>; emailsOf: Map<string, string[]> } | null = null;

  constructor(private readonly conn: CrmConnection, private readonly deps: ConnectorDeps) {
    this.root = companyRoot(conn.baseUrl);
    this.integrationUserId = conn.integrationUserId ?? null;
    this.rateLimit = {
      callsPerWindow: conn.rateLimit.callsPerWindow ?? DEFAULT_POLICY.callsPerWindow,
      windowMs: conn.rateLimit.windowMs ?? DEFAULT_POLICY.windowMs,
      dailyQuota: DEFAULT_POLICY.dailyQuota,
    };
    // the burst limit is per token and the daily budget the company's: one budget for every process
    const account = 'token' in conn.auth ? tokenHash(conn.auth.token).slice(0, 16) : conn.auth.oauth.clientId;
    const budget = new RateBudget({ connection: budgetConnection('pipedrive', this.root, account), ...(deps.store ? { store: deps.store } : {}), ...(deps.logger ? { logger: deps.logger } : {}) });
    this.limiter = budget.limiter('api', { callsPerWindow: this.rateLimit.callsPerWindow, windowMs: this.rateLimit.windowMs });
    this.searchLimiter = budget.limiter('search', { callsPerWindow: 10, windowMs: 2_000 });
    this.writeConcurrency = conn.rateLimit.writeConcurrency ?? 4;
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

  // ---------- plumbing ----------

  /** Replaces the SDK's interceptors so failures keep their HTTP status and headers (§1.3). */
  private api<T>(instance: T): T {
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

  private async call<T>(what: string, fn: () => Promise<T>, search = false): Promise<T> {
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
      a = this.api(make());
      this.apis.set(name, a);
    }
    return a;
  }
  private persons = () => this.cached('v2.persons', () => new v2.PersonsApi(this.cfg2));
  private orgs = () => this.cached('v2.organizations', () => new v2.OrganizationsApi(this.cfg2));
  private deals = () => this.cached('v2.deals', () => new v2.DealsApi(this.cfg2));

  private kindOf(kind: ObjectKind): PdKind {
    const k = pdKind(kind);
    if (!k) throw new InrecordError('IR_CRM_UNSUPPORTED', `Pipedrive: the ${kind} object is not supported by this connector (leads have no custom-field write API here)`, { context: { crm: 'pipedrive', object: kind } });
    return k;
  }

  /** The token owner's user id: its `api` changes are this integration's (§7.3). */
  private async me(): Promise<string | null> {
    if (this.integrationUserId !== null) return this.integrationUserId;
    const users = this.api(new v1.UsersApi(this.cfg1));
    const r = (await this.call('get current user', () => users.getCurrentUser())) as { data?: { id?: number } };
    this.integrationUserId = r.data?.id !== undefined ? String(r.data.id) : null;
    return this.integrationUserId;
  }

  /** Generic v2 list call by kind (one code path for persons, organizations, deals). */
  private list(kind: PdKind, params: Rec): Promise<Page<Rec>> {
    const what = `list ${kind}s`;
    if (kind === 'person') return this.call(what, () => this.persons().getPersons(params as never) as Promise<Page<Rec>>);
    if (kind === 'organization') return this.call(what, () => this.orgs().getOrganizations(params as never) as Promise<Page<Rec>>);
    return this.call(what, () => this.deals().getDeals(params as never) as Promise<Page<Rec>>);
  }

  private update(kind: PdKind, id: number, body: Rec): Promise<{ data?: Rec }> {
    const what = `update ${kind} ${id}`;
    if (kind === 'person') return this.call(what, () => this.persons().updatePerson({ id, UpdatePersonRequest: body as never }) as Promise<{ data?: Rec }>);
    if (kind === 'organization') return this.call(what, () => this.orgs().updateOrganization({ id, UpdateOrganizationRequest: body as never }) as Promise<{ data?: Rec }>);
    return this.call(what, () => this.deals().updateDeal({ id, UpdateDealRequest: body as never }) as Promise<{ data?: Rec }>);
  }

  // ---------- CrmConnector ----------

  objectName(kind: ObjectKind): string {
    return kind === 'contact' ? 'persons' : kind === 'company' ? 'organizations' : kind === 'deal' ? 'deals' : 'leads';
  }

  async describe(kind: ObjectKind, opts: { fresh?: boolean } = {}): Promise<ObjectSchema> {
    const k = this.kindOf(kind);
    const cached = this.schemaCache.get(k);
    if (!opts.fresh && cached && Date.now() - cached.at < 60_000) return cached.schema;
    const api =
      k === 'person' ? this.api(new v2.PersonFieldsApi(this.cfg2)) : k === 'organization' ? this.api(new v2.OrganizationFieldsApi(this.cfg2)) : this.api(new v2.DealFieldsApi(this.cfg2));
    const fields: PdField[] = [];
    let cursor: string | undefined;
    do {
      const p = (await this.call(`list ${k} fields`, () => {
        const a = api as unknown as { [m: string]: (p: Rec) => Promise<Page<PdField>> };
        const m = k === 'person' ? 'getPersonFields' : k === 'organization' ? 'getOrganizationFields' : 'getDealFields';
        return a[m]({ limit: PAGE, cursor });
      })) as Page<PdField>;
      fields.push(...(p.data ?? []));
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
    const schema: ObjectSchema = { object: this.objectName(kind), fields: fields.map((f) => toFieldSchema(k, f)) };
    this.schemaCache.set(k, { at: Date.now(), schema });
    return schema;
  }

  private async schemaMap(kind: ObjectKind, fresh = false): Promise<Map<string, FieldSchema>> {
    if (fresh) this.schemaCache.delete(this.kindOf(kind));
    const s = await this.describe(kind);
    return new Map(s.fields.map((f) => [f.name, f]));
  }

  async createField(kind: ObjectKind, spec: FieldSpec): Promise<FieldSchema> {
    const k = this.kindOf(kind);
    const map: Partial<Record<FieldSpec['type'], string>> = {
      string: 'varchar',
      email: 'varchar',
      url: 'varchar',
      text: 'text',
      number: 'double',
      integer: 'double',
      percent: 'double',
      currency: 'monetary',
      date: 'date',
      picklist: 'enum',
      multipicklist: 'set',
      phone: 'phone',
    };
    const ft = map[spec.type];
    if (!ft) {
      throw new InrecordError('IR_CRM_UNSUPPORTED', `Pipedrive has no custom field type for ${spec.type} (field ${spec.name} on ${this.objectName(kind)}); §4.2 lists the creatable types`, {
        context: { crm: 'pipedrive', object: kind, field: spec.name },
        fix: spec.type === 'boolean' ? 'Use a picklist with Yes/No options.' : spec.type === 'datetime' ? 'Use a date field or a text field holding the ISO timestamp.' : undefined,
      });
    }
    const body: Rec = { field_name: spec.label || spec.name, field_type: ft };
    if (ft === 'enum' || ft === 'set') body.options = (spec.options ?? []).map((o) => ({ label: o.label }));
    const api =
      k === 'person' ? this.api(new v2.PersonFieldsApi(this.cfg2)) : k === 'organization' ? this.api(new v2.OrganizationFieldsApi(this.cfg2)) : this.api(new v2.DealFieldsApi(this.cfg2));
    const method = k === 'person' ? 'addPersonField' : k === 'organization' ? 'addOrganizationField' : 'addDealField';
    const reqKey = k === 'person' ? 'AddPersonFieldRequest' : k === 'organization' ? 'AddOrganizationFieldRequest' : 'AddDealFieldRequest';
    const res = (await this.call(`create ${k} field ${spec.name}`, () => (api as unknown as { [m: string]: (p: Rec) => Promise<{ data: PdField }> })[method]({ [reqKey]: body }))) as { data: PdField };
    this.schemaCache.delete(k);
    return toFieldSchema(k, res.data);
  }

  async read(kind: ObjectKind, ids: string[], fields: string[]): Promise<CrmRecord[]> {
    const k = this.kindOf(kind);
    const schemas = await this.schemaMap(kind);
    const out: CrmRecord[] = [];
    const numeric = [...new Set(ids)].filter((id) => /^\d+$/.test(id));
    for (let i = 0; i < numeric.length; i += 100) {
      const chunk = numeric.slice(i, i + 100);
      const p = await this.list(k, { ids: chunk.join(','), limit: 100 });
      for (const r of p.data ?? []) if (r.is_deleted !== true) out.push(this.toRecord(kind, r, schemas, fields));
    }
    return out;
  }

  private toRecord(kind: ObjectKind, r: Rec, schemas: Map<string, FieldSchema>, fields: string[]): CrmRecord {
    return { id: String(r.id), object: this.objectName(kind), fields: recordFields(r, schemas, fields), modifiedAt: isoFromPd(String(r.update_time)) };
  }

  async *readChanged(kind: ObjectKind, since: string | null, fields: string[]): AsyncIterable<CrmRecord[]> {
    const k = this.kindOf(kind);
    const schemas = await this.schemaMap(kind);
    let cursor: string | undefined;
    do {
      // updated_since is inclusive and takes whole seconds only (§3.1): round down, never skip.
      const params: Rec = { sort_by: 'update_time', sort_direction: 'asc', limit: PAGE, cursor };
      if (since) params.updated_since = pdSince(since);
      const p = await this.list(k, params);
      const rows = (p.data ?? []).map((r) => this.toRecord(kind, r, schemas, fields));
      if (rows.length > 0) yield rows;
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
  }

  /**
   * Deals: `GET /api/v2/deals?status=deleted` lists deals deleted in the last 30 days (§3.4).
   * Persons and organizations have no deleted list in v2; v1 `/recents` (SDK v1.RecentsApi) returns
   * every item changed since a time, deleted ones with `active_flag: false` — used here. Merges are
   * not visible through either (only webhooks carry `merged_to_id`, §5.2).
   */
  async readDeleted(kind: ObjectKind, since: string): Promise<DeletedRecord[]> {
    const k = this.kindOf(kind);
    const out: DeletedRecord[] = [];
    if (k === 'deal') {
      let cursor: string | undefined;
      do {
        const p = await this.list('deal', { status: 'deleted', updated_since: pdSince(since), limit: PAGE, cursor });
        for (const r of p.data ?? []) if (r.is_deleted === true) out.push({ id: String(r.id), deletedAt: isoFromPd(String(r.update_time)) });
        cursor = p.additional_data?.next_cursor ?? undefined;
      } while (cursor);
      return out;
    }
    const recents = this.api(new v1.RecentsApi(this.cfg1));
    const ts = pdSince(since).slice(0, 19).replace('T', ' ');
    let start = 0;
    for (;;) {
      const p = (await this.call(`recent ${k} changes`, () => recents.getRecents({ since_timestamp: ts, items: k, start, limit: PAGE } as never))) as Page<{ item: string; id: number; data: Rec }>;
      for (const it of p.data ?? []) {
        if (it.item === k && it.data?.active_flag === false) out.push({ id: String(it.id), deletedAt: isoFromV1(String(it.data.update_time)) });
      }
      const pg = p.additional_data?.pagination;
      if (!pg?.more_items_in_collection) break;
      start = pg.next_start ?? start + PAGE;
    }
    return out;
  }

  private async orgNames(ids: (number | null | undefined)[]): Promise<Map<number, string>> {
    const want = [...new Set(ids.filter((x): x is number => typeof x === 'number'))];
    const names = new Map<number, string>();
    for (let i = 0; i < want.length; i += 100) {
      const p = await this.list('organization', { ids: want.slice(i, i + 100).join(','), limit: 100 });
      for (const o of p.data ?? []) names.set(Number(o.id), String(o.name));
    }
    return names;
  }

  private async personsByIds(ids: number[]): Promise<Rec[]> {
    const out: Rec[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const p = await this.list('person', { ids: ids.slice(i, i + 100).join(','), limit: 100 });
      out.push(...(p.data ?? []).filter((r) => r.is_deleted !== true));
    }
    return out;
  }

  async findContacts(q: { emails?: string[]; names?: { firstName?: string; lastName: string }[] }): Promise<ContactCandidate[]> {
    const ids = new Set<number>();
    const wantedEmails = new Set((q.emails ?? []).map(normaliseEmail));
    const persons = this.persons();
    // Search is one term per call at 10 calls / 2 s (§6.3): a large batch is answered from an
    // e-mail index of all persons instead, built by one paged scan and refreshed with updated_since.
    if (wantedEmails.size >= EMAIL_INDEX_THRESHOLD) {
      const index = await this.emailIndex();
      for (const email of wantedEmails) for (const id of index.get(email) ?? []) ids.add(Number(id));
      wantedEmails.clear();
    }
    for (const email of wantedEmails) {
      const r = (await this.call(
        `search persons by email ${email}`,
        () => persons.searchPersons({ term: email, fields: 'email', exact_match: true, limit: 100 } as never) as Promise<{ data?: { items?: { item: { id: number; emails?: string[] } }[] } }>,
        true,
      )) as { data?: { items?: { item: { id: number; emails?: string[] } }[] } };
      for (const it of r.data?.items ?? []) {
        // exact_match is a whole-value, case-insensitive match (§3.1); checked again here.
        if ((it.item.emails ?? []).some((m) => normaliseEmail(m) === email)) ids.add(it.item.id);
      }
    }
    for (const n of q.names ?? []) {
      const term = [n.firstName, n.lastName].filter(Boolean).join(' ').trim();
      if (term.length < 1) continue;
      const r = (await this.call(
        `search persons by name ${term}`,
        () => persons.searchPersons({ term, fields: 'name', exact_match: true, limit: 100 } as never) as Promise<{ data?: { items?: { item: { id: number } }[] } }>,
        true,
      )) as { data?: { items?: { item: { id: number } }[] } };
      for (const it of r.data?.items ?? []) ids.add(it.item.id);
    }
    const recs = await this.personsByIds([...ids].sort((a, b) => a - b));
    const names = await this.orgNames(recs.map((p) => p.org_id as number | null));
    return recs.map((p) => contactCandidate(p, typeof p.org_id === 'number' ? (names.get(p.org_id) ?? null) : null));
  }

  /**
   * Organizations by website domain. Pipedrive's organization search does not cover `website`
   * (§3.3, §3.7 search fields), so the connector keeps a domain index of organizations, built by
   * one paged scan and then refreshed with `updated_since`; candidates are re-read by id (deleted
   * ones drop out). By name: exact-match search.
   */
  async findCompanies(q: { domains?: string[]; names?: string[] }): Promise<CompanyCandidate[]> {
    const ids = new Set<string>();
    if (q.domains && q.domains.length > 0) {
      const index = await this.domainIndex();
      for (const d of q.domains) for (const id of index.get(d.trim().toLowerCase().replace(/^www\./, '')) ?? []) ids.add(id);
    }
    const orgs = this.orgs();
    for (const name of q.names ?? []) {
      const term = name.trim();
      if (!term) continue;
      const r = (await this.call(
        `search organizations by name ${term}`,
        () => orgs.searchOrganization({ term, fields: 'name', exact_match: true, limit: 100 } as never) as Promise<{ data?: { items?: { item: { id: number } }[] } }>,
        true,
      )) as { data?: { items?: { item: { id: number } }[] } };
      for (const it of r.data?.items ?? []) ids.add(String(it.item.id));
    }
    const list = [...ids].map(Number).sort((a, b) => a - b);
    const out: CompanyCandidate[] = [];
    for (let i = 0; i < list.length; i += 100) {
      const p = await this.list('organization', { ids: list.slice(i, i + 100).join(','), limit: 100 });
      for (const o of p.data ?? []) if (o.is_deleted !== true) out.push(companyCandidate(o));
    }
    return out;
  }

  private async emailIndex(): Promise<Map<string, Set<string>>> {
    const now = Date.now();
    if (!this.personIndex || now - this.personIndex.at > 6 * 3600_000) this.personIndex = { at: now, since: null, byEmail: new Map(), emailsOf: new Map() };
    const idx = this.personIndex;
    const started = new Date(now - 2000).toISOString();
    let cursor: string | undefined;
    do {
      const params: Rec = { sort_by: 'update_time', sort_direction: 'asc', limit: PAGE, cursor };
      if (idx.since) params.updated_since = pdSince(idx.since);
      const p = await this.list('person', params);
      for (const r of p.data ?? []) {
        const id = String(r.id);
        for (const m of idx.emailsOf.get(id) ?? []) idx.byEmail.get(m)?.delete(id);
        const emails = ((r.emails as { value?: string }[] | undefined) ?? []).map((m) => normaliseEmail(String(m.value ?? ''))).filter((m) => m.length > 0);
        idx.emailsOf.set(id, emails);
        for (const m of emails) {
          let set = idx.byEmail.get(m);
          if (!set) {
            set = new Set();
            idx.byEmail.set(m, set);
          }
          set.add(id);
        }
      }
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
    idx.since = started;
    return idx.byEmail;
  }

  private async domainIndex(): Promise<Map<string, Set<string>>> {
    const now = Date.now();
    if (!this.orgIndex || now - this.orgIndex.at > 6 * 3600_000) this.orgIndex = { at: now, since: null, byDomain: new Map() };
    const idx = this.orgIndex;
    const started = new Date(now - 2000).toISOString();
    let cursor: string | undefined;
    do {
      const params: Rec = { sort_by: 'update_time', sort_direction: 'asc', limit: PAGE, cursor };
      if (idx.since) params.updated_since = pdSince(idx.since);
      const p = await this.list('organization', params);
      for (const o of p.data ?? []) {
        const id = String(o.id);
        for (const set of idx.byDomain.values()) set.delete(id);
        const d = websiteDomain(o.website);
        if (!d) continue;
        let s = idx.byDomain.get(d);
        if (!s) {
          s = new Set();
          idx.byDomain.set(d, s);
        }
        s.add(id);
      }
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
    idx.since = started;
    return idx.byDomain;
  }

  async *listContacts(): AsyncIterable<ContactCandidate[]> {
    let cursor: string | undefined;
    do {
      const p = await this.list('person', { limit: PAGE, cursor });
      const rows = p.data ?? [];
      const names = await this.orgNames(rows.map((r) => r.org_id as number | null));
      if (rows.length > 0) yield rows.map((r) => contactCandidate(r, typeof r.org_id === 'number' ? (names.get(r.org_id) ?? null) : null));
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
  }

  async *listCompanies(): AsyncIterable<CompanyCandidate[]> {
    let cursor: string | undefined;
    do {
      const p = await this.list('organization', { limit: PAGE, cursor });
      if ((p.data ?? []).length > 0) yield (p.data ?? []).map(companyCandidate);
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
  }

  async history(kind: ObjectKind, ids: string[], fields: string[]): Promise<FieldChange[]> {
    const k = this.kindOf(kind);
    const schemas = await this.schemaMap(kind);
    const me = await this.me();
    const api = this.api(k === 'person' ? new v1.PersonsApi(this.cfg1) : k === 'organization' ? new v1.OrganizationsApi(this.cfg1) : new v1.DealsApi(this.cfg1));
    const method = k === 'person' ? 'getPersonChangelog' : k === 'organization' ? 'getOrganizationChangelog' : 'getDealChangelog';
    const wanted = fields.map((f) => (f === 'emails' ? 'email' : f));
    // One changelog per record (there is no batch form): several in flight, paced by the limiter.
    const perId: FieldChange[][] = new Array(ids.length);
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const i = next++;
        perId[i] = await this.changelogOf(api, method, k, ids[i], wanted, schemas, me);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.writeConcurrency, ids.length) }, worker));
    return perId.flat();
  }

  private async changelogOf(api: unknown, method: string, k: PdKind, id: string, wanted: string[], schemas: Map<string, FieldSchema>, me: string | null): Promise<FieldChange[]> {
    const rows: ChangelogRow[] = [];
    let cursor: string | undefined;
    do {
      let p: Page<ChangelogRow>;
      try {
        p = (await this.call(`changelog of ${k} ${id}`, () => (api as unknown as { [m: string]: (p: Rec) => Promise<Page<ChangelogRow>> })[method]({ id: Number(id), cursor, limit: PAGE }))) as Page<ChangelogRow>;
      } catch (e) {
        if (e instanceof InrecordError && e.code === 'IR_CRM_NOT_FOUND') break;
        throw e;
      }
      rows.push(...(p.data ?? []));
      // Rows come newest first: once every wanted field has a row, older pages cannot change the answer.
      if (wanted.every((f) => rows.some((r) => r.field_key === f))) break;
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
    return lastChanges(id, rows, wanted, schemas, me);
  }

  async writeBatch(kind: ObjectKind, updates: RecordUpdate[]): Promise<WriteResult[]> {
    const k = this.kindOf(kind);
    let schemas = await this.schemaMap(kind);
    // A field created since the schema was cached: look once more before calling it unknown.
    if (updates.some((u) => Object.keys(u.fields).some((f) => !schemas.has(f)))) schemas = await this.schemaMap(kind, true);
    const results: WriteResult[] = new Array(updates.length);
    let next = 0;
    const worker = async () => {
      while (next < updates.length) {
        const i = next++;
        results[i] = await this.writeOne(k, updates[i], schemas);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.writeConcurrency, updates.length) }, worker));
    return results;
  }

  private async writeOne(k: PdKind, u: RecordUpdate, schemas: Map<string, FieldSchema>): Promise<WriteResult> {
    const obj = k === 'person' ? 'person' : k === 'organization' ? 'organization' : 'deal';
    const fail = (code: string, field: string | undefined, message: string, retryable = false): WriteResult => ({ id: u.id, ok: false, code, message, retryable, field });
    if (!/^\d+$/.test(u.id)) return fail('IR_CRM_NOT_FOUND', undefined, `Pipedrive ${obj} ids are integers; "${u.id}" is not one`);
    const body: Rec = {};
    const custom: Rec = {};
    const expected: [string, FieldValue][] = [];
    for (const [name, value] of Object.entries(u.fields)) {
      const s = schemas.get(name);
      // Pipedrive ignores keys it does not know without an error (§4.4), so an unknown key would
      // look like a successful write: refuse it instead.
      if (!s) return fail('IR_FIELD_NOT_FOUND', name, `Pipedrive ${obj} ${u.id}: field ${name} does not exist on ${obj}s (it would be silently ignored)`);
      if (!s.writable) return fail('IR_FIELD_READ_ONLY', name, `Pipedrive ${obj} ${u.id}: field ${name} (${s.label}) is read-only through the API`);
      const enc = encodeValue(s, value);
      if (!enc.ok) return fail('IR_FIELD_VALUE_INVALID', name, `Pipedrive ${obj} ${u.id}: ${enc.message}`);
      if (s.custom) custom[name] = enc.value;
      else body[name] = enc.value;
      expected.push([name, Array.isArray(value) && value.length === 0 ? null : value]);
    }
    if (Object.keys(custom).length > 0) body.custom_fields = custom;
    if (Object.keys(body).length === 0) return { id: u.id, ok: true };
    let res: { data?: Rec };
    try {
      res = await this.update(k, Number(u.id), body);
    } catch (e) {
      if (e instanceof InrecordError) {
        const field = fieldFromError(e.message);
        return fail(e.code, field, `Pipedrive ${obj} ${u.id}${field ? ` field ${field}` : ''}: ${e.message}`, e.retryable);
      }
      throw e;
    }
    // The answer is the record after the write: a value that did not stick is not reported ok.
    const after = res.data ? recordFields(res.data, schemas, expected.map(([n]) => n)) : null;
    if (after) {
      for (const [name, want] of expected) {
        if (!sameNormalised(after[name], want)) {
          return fail('IR_WRITE_NOT_APPLIED', name, `Pipedrive ${obj} ${u.id}: field ${name} reads ${JSON.stringify(after[name])} after writing ${JSON.stringify(want)}`);
        }
      }
    }
    return { id: u.id, ok: true };
  }

  async createActivity(a: ActivityInput): Promise<{ id: string }> {
    const refs: Rec = {};
    for (const as of a.associations) {
      if (as.object === 'contact') refs.person_id ??= Number(as.id);
      else if (as.object === 'company') refs.org_id ??= Number(as.id);
      else if (as.object === 'deal') refs.deal_id ??= Number(as.id);
      else if (as.object === 'lead') refs.lead_id ??= as.id;
    }
    if (Object.keys(refs).length === 0) throw new InrecordError('IR_INPUT_INVALID', 'Pipedrive activity without a person, organization, deal or lead to attach it to');
    if (a.kind === 'note') {
      const notes = this.api(new v1.NotesApi(this.cfg1));
      const content = [a.subject ? `<b>${escapeHtml(a.subject)}</b>` : '', a.body ? escapeHtml(a.body).replace(/\n/g, '<br>') : ''].filter(Boolean).join('<br>');
      const res = (await this.call('add note', () => notes.addNote({ AddNoteRequest: { content: content || '(empty)', ...refs } as never }))) as { data?: { id?: number } };
      return { id: String(res.data?.id) };
    }
    const acts = this.api(new v2.ActivitiesApi(this.cfg2));
    const when = a.kind === 'task' ? (a.dueAt ?? a.occurredAt) : (a.occurredAt ?? a.dueAt);
    const body: Rec = {
      subject: a.subject ?? a.kind,
      type: ACTIVITY_TYPE[a.kind] ?? 'task',
      note: a.body ? escapeHtml(a.body).replace(/\n/g, '<br>') : undefined,
      done: a.kind !== 'task' && !!a.occurredAt && Date.parse(a.occurredAt) <= Date.now(),
    };
    if (when) {
      body.due_date = when.slice(0, 10);
      body.due_time = when.slice(11, 16);
    }
    if (a.occurredAt && a.endsAt) {
      const mins = Math.max(0, Math.round((Date.parse(a.endsAt) - Date.parse(a.occurredAt)) / 60_000));
      body.duration = `${String(Math.floor(mins / 60)).padStart(2, '0')}:${String(mins % 60).padStart(2, '0')}`;
    }
    if (a.ownerId) body.owner_id = Number(a.ownerId);
    // person_id is read-only in v2: it follows the primary participant (§3.5).
    if (refs.person_id !== undefined) body.participants = [{ person_id: refs.person_id, primary: true }];
    if (refs.org_id !== undefined) body.org_id = refs.org_id;
    if (refs.deal_id !== undefined) body.deal_id = refs.deal_id;
    if (refs.lead_id !== undefined) body.lead_id = refs.lead_id;
    for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
    const res = (await this.call('add activity', () => acts.addActivity({ AddActivityRequest: body as never }))) as { data?: { id?: number } };
    return { id: String(res.data?.id) };
  }

  /**
   * Open deals (status open) whose person is the contact, most recently updated first. Few contacts:
   * one `GET /api/v2/deals?person_id=…&status=open` each; more: the open deals listed page by page
   * (500 a page) and matched locally — whichever takes fewer calls.
   */
  async openDeals(contactIds: string[]): Promise<Map<string, OpenDeal[]>> {
    const wanted = new Set(contactIds.map((id) => Number(id)).filter((n) => Number.isInteger(n)));
    const found: Rec[] = [];
    if (wanted.size <= OPEN_DEALS_PER_PERSON_MAX) {
      for (const person of wanted) {
        let cursor: string | undefined;
        do {
          const p = await this.list('deal', { person_id: person, status: 'open', limit: PAGE, cursor });
          found.push(...(p.data ?? []));
          cursor = p.additional_data?.next_cursor ?? undefined;
        } while (cursor);
      }
    } else {
      let cursor: string | undefined;
      do {
        const p = await this.list('deal', { status: 'open', limit: PAGE, cursor });
        found.push(...(p.data ?? []).filter((d) => wanted.has(Number(d.person_id))));
        cursor = p.additional_data?.next_cursor ?? undefined;
      } while (cursor);
    }
    const out = new Map<string, OpenDeal[]>();
    for (const d of found) {
      if (d.status !== 'open' || d.person_id == null) continue;
      const key = String(d.person_id);
      const list = out.get(key) ?? [];
      if (!list.some((x) => x.id === String(d.id))) list.push({ id: String(d.id), modifiedAt: isoFromPd(String(d.update_time)) });
      out.set(key, list);
    }
    for (const list of out.values()) list.sort((a, b) => (a.modifiedAt < b.modifiedAt ? 1 : a.modifiedAt > b.modifiedAt ? -1 : 0));
    return out;
  }

  async performAction(action: CrmAction): Promise<ActionResult> {
    switch (action.type) {
      case 'assign_owner': {
        const k = this.kindOf(action.object);
        await this.update(k, Number(action.id), { owner_id: Number(action.ownerId) });
        return { ok: true };
      }
      case 'change_stage': {
        if (action.object !== 'deal') throw new InrecordError('IR_CRM_UNSUPPORTED', `Pipedrive: only deals have stages (got ${action.object} ${action.id})`, { context: { crm: 'pipedrive', object: action.object, recordId: action.id } });
        const stage = await this.resolveStage(action.stage);
        if (stage === 'won' || stage === 'lost' || stage === 'open') await this.update('deal', Number(action.id), { status: stage });
        else await this.update('deal', Number(action.id), { stage_id: stage });
        return { ok: true };
      }
      case 'create_task': {
        const r = await this.createActivity({ kind: 'task', subject: action.subject, body: action.body, dueAt: action.dueAt, ownerId: action.ownerId, associations: [{ object: action.object, id: action.id }] });
        return { ok: true, createdId: r.id };
      }
      case 'add_note': {
        const r = await this.createActivity({ kind: 'note', body: action.body, associations: [{ object: action.object, id: action.id }] });
        return { ok: true, createdId: r.id };
      }
      case 'enroll':
        throw new InrecordError('IR_CRM_UNSUPPORTED', `Pipedrive has no API to enroll a ${action.object} in a sequence (${action.sequenceId})`, {
          context: { crm: 'pipedrive', object: action.object, recordId: action.id },
        });
    }
  }

  /** A stage id, or a stage name (case-insensitive), or the deal status open/won/lost. */
  private async resolveStage(stage: string): Promise<number | 'open' | 'won' | 'lost'> {
    if (/^\d+$/.test(stage)) return Number(stage);
    if (!this.stagesCache) {
      const api = this.api(new v2.StagesApi(this.cfg2));
      const p = (await this.call('list stages', () => api.getStages({ limit: PAGE } as never))) as Page<{ id: number; name: string; pipeline_id: number }>;
      this.stagesCache = p.data ?? [];
    }
    const s = this.stagesCache.filter((x) => x.name.toLowerCase() === stage.trim().toLowerCase());
    if (s.length === 1) return s[0].id;
    const lower = stage.trim().toLowerCase();
    if (lower === 'won' || lower === 'lost' || lower === 'open') return lower;
    throw new InrecordError('IR_CRM_VALIDATION', s.length > 1 ? `Pipedrive stage "${stage}" exists in several pipelines; use its id (${s.map((x) => x.id).join(', ')})` : `Pipedrive has no stage named "${stage}"`, {
      context: { crm: 'pipedrive', field: 'stage_id', value: stage },
      fix: 'Use a stage id or an existing stage name (GET /api/v2/stages).',
    });
  }

  async listUsers(): Promise<CrmUser[]> {
    const api = this.api(new v1.UsersApi(this.cfg1));
    const r = (await this.call('list users', () => api.getUsers())) as { data?: { id: number; name: string; email: string; active_flag: boolean }[] | null };
    return (r.data ?? []).map((u) => ({ id: String(u.id), name: u.name, email: u.email, active: u.active_flag }));
  }

  webhooks = {
    /** Pipedrive signs nothing; HTTP Basic auth set on the subscription is the only check (§5.4). */
    unverifiable: () =>
      this.conn.webhooks.basicUser && this.conn.webhooks.basicPassword
        ? null
        : {
            reason: 'Pipedrive webhooks carry no signature: configure crm.webhooks.basicUser and basicPassword (used when subscribing)',
            fix: 'Set crm.webhooks.basicUser and basicPassword; inrecord gives them to the subscription it creates, and Pipedrive sends them with every delivery (`inrecord sim pipedrive --webhook-user u --webhook-password p` for the simulator).',
          },
    verify: (req: WebhookRequest): VerifyResult => {
      const missing = this.webhooks.unverifiable();
      if (missing) return { ok: false, reason: missing.reason };
      const user = this.conn.webhooks.basicUser as string;
      const pass = this.conn.webhooks.basicPassword as string;
      const h = req.headers.authorization ?? req.headers.Authorization;
      if (!h || !h.startsWith('Basic ')) return { ok: false, reason: 'missing HTTP Basic credentials' };
      const got = Buffer.from(h.slice(6).trim(), 'base64');
      const want = Buffer.from(`${user}:${pass}`);
      return got.length === want.length && timingSafeEqual(got, want) ? { ok: true } : { ok: false, reason: 'wrong HTTP Basic credentials' };
    },
    parse: (req: WebhookRequest): WebhookBatch => {
      let body: unknown;
      try {
        body = JSON.parse(req.rawBody.toString('utf8'));
      } catch (e) {
        throw new InrecordError('IR_WEBHOOK_PAYLOAD', `Pipedrive webhook body is not JSON: ${(e as Error).message}`);
      }
      return parseWebhookPayload(body, this.integrationUserId);
    },
    subscribe: async (targetUrl: string, kinds: ObjectKind[]): Promise<void> => {
      await this.me().catch(() => null);
      const api = this.api(new v1.WebhooksApi(this.cfg1));
      const existing = (await this.call('list webhooks', () => api.getWebhooks())) as { data?: { subscription_url: string; event_object: string; event_action: string }[] };
      for (const kind of kinds) {
        const object = this.kindOf(kind);
        if ((existing.data ?? []).some((w) => w.subscription_url === targetUrl && (w.event_object === object || w.event_object === '*') && w.event_action === '*')) continue;
        const body: Rec = { subscription_url: targetUrl, event_action: '*', event_object: object, name: `inrecord ${object}`, version: '2.0' };
        if (this.conn.webhooks.basicUser) {
          body.http_auth_user = this.conn.webhooks.basicUser;
          body.http_auth_password = this.conn.webhooks.basicPassword;
        }
        await this.call(`subscribe webhook ${object}`, () => api.addWebhook({ AddWebhookRequest: body as never }));
      }
    },
  };

  stats(): CallStats {
    // exchange() counts every refresh_token grant this connector made; the token source's own count is the same grants.
    return { ...this.calls };
  }

  async close(): Promise<void> {}

  /** Prepares the integration user id (for webhook actor attribution), best effort. */
  async init(): Promise<void> {
    await this.me().catch(() => null);
  }
}

function sameNormalised(a: FieldValue | undefined, b: FieldValue): boolean {
  if (a === undefined) return b === null;
  if (Array.isArray(a) || Array.isArray(b)) {
    const x = (Array.isArray(a) ? a : a === null ? [] : [a]).map(String).sort();
    const y = (Array.isArray(b) ? b : b === null ? [] : [b]).map(String).sort();
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return String(a ?? '') === String(b ?? '');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}


