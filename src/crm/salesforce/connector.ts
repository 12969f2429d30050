/**
 * The Salesforce CrmConnector on jsforce v3 (reference: docs/reference/salesforce.md).
 * Every call goes through the shared runtime: rate limiter, one retry policy, the daily-quota guard
 * fed from `Sforce-Limit-Info` (§9.3), and one token refresh at a time on a 401.
 */
import { timingSafeEqual } from 'node:crypto';
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
import type {
  ActionResult,
  ActivityInput,
  BatchLimits,
  CallStats,
  ConnectorOAuth,
  ChangeEvent,
  ChangeStream,
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
  HISTORY,
  SF_OBJECT,
  type SfDescribeField,
  chunk,
  classifySfError,
  customFieldMetadata,
  customFieldName,
  decodeValue,
  encodeValue,
  fixFor,
  isTotalRequests,
  isoFromSf,
  MAX_OUTBOUND_BYTES,
  outboundToEvents,
  parseOutboundMessage,
  sameId,
  soqlDateTime,
  soqlLikeContains,
  soqlString,
  toFieldSchema,
  websiteDomain,
  writeFailure,
  OUTBOUND_ACK,
} from './codec.js';
import { salesforceChangeStream } from './streaming.js';
import { SalesforceBulk, fromCsv, inStatements, updateRows, writeResults } from './bulk.js';

type Conn = InstanceType<typeof jsforce.Connection>;
type Rec = Record<string, unknown>;
interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Rec[];
}
interface SaveResult {
  id?: string;
  success: boolean;
  errors: ({ statusCode?: string; errorCode?: string; message: string; fields?: string[] } | string)[];
}

// No short window is documented (only the rolling daily allocation, §9.1): a polite default.
const DEFAULT_POLICY: RateLimitPolicy = { callsPerWindow: 50, windowMs: 1_000, dailyQuota: 100_000 };
const LIMITS: BatchLimits = { read: 2000, write: 200, search: 200 };
const SCHEMA_TTL_MS = 5 * 60_000;
/** Keeps SOQL IN lists well under the 16,384-byte URI limit (§1.4). */
const IN_BATCH = 200;
const NAME_BATCH = 50;


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

export class SalesforceConnector implements CrmConnector {
  readonly crm = 'salesforce' as const;
  readonly limits: BatchLimits;
  readonly rateLimit: RateLimitPolicy;
  private readonly calls: CallStats = emptyStats();
  private readonly limiter: Limiter;
  private readonly quota: QuotaGuard;
  private readonly tokens: TokenSource;
  readonly authorisation?: ConnectorOAuth;
  private readonly conn: Conn;
  private readonly schemaCache = new Map<ObjectKind, { at: number; schema: ObjectSchema }>();
  private integrationUserId: string | null;
  /** Change Data Capture over the Streaming API (streaming.ts). */
  readonly changeStream: ChangeStream;
  /** A GET /limits in flight while the daily-quota guard is paused. */
  private probing: Promise<void> | null = null;
  /** Bulk API 2.0 for reads and writes of `crm.bulk.threshold` records or more. */
  private readonly bulk: SalesforceBulk;
  /** Per object, the last bulk write: when its first job started (the org's clock) and the ids it wrote. */
  private readonly bulkWritten = new Map<string, { since: string; ids: Set<string> }>();

  constructor(
    private readonly cfg: CrmConnection,
    deps: ConnectorDeps,
  ) {
    if (!cfg.baseUrl) {
      throw new InrecordError('IR_CONFIG_INVALID', 'crm.baseUrl is required for Salesforce: set it to the org’s instance URL (https://<MyDomain>.my.salesforce.com)');
    }
    this.rateLimit = { ...DEFAULT_POLICY, ...(cfg.rateLimit.callsPerWindow ? { callsPerWindow: cfg.rateLimit.callsPerWindow } : {}), ...(cfg.rateLimit.windowMs ? { windowMs: cfg.rateLimit.windowMs } : {}) };
    // the org's limits are the org's: one budget for every process that calls it
    const account = 'token' in cfg.auth ? tokenHash(cfg.auth.token).slice(0, 16) : cfg.auth.oauth.clientId;
    const budget = new RateBudget({ connection: budgetConnection('salesforce', cfg.baseUrl, account), ...(deps.store ? { store: deps.store } : {}), ...(deps.logger ? { logger: deps.logger } : {}) });
    this.limiter = budget.limiter('api', { callsPerWindow: this.rateLimit.callsPerWindow, windowMs: this.rateLimit.windowMs });
    // The rolling 24 h allocation (§9.1) has no reset time: a paused guard re-reads /limits.
    this.quota = budget.quota(cfg.rateLimit.dailyQuotaGuard, 'Salesforce daily API requests', { fix: ALLOCATION_FIX, ...(deps.quotaRecheckMs ? { recheckMs: deps.quotaRecheckMs } : {}) });
    this.integrationUserId = cfg.integrationUserId ?? null;
    const instanceUrl = cfg.baseUrl.replace(/\/+$/, '');
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
    this.conn = new jsforce.Connection({ instanceUrl, accessToken: 'pending', version: cfg.apiVersion });
    withoutClientRetries(this.conn);
    this.changeStream = salesforceChangeStream({
      instanceUrl,
      version: cfg.apiVersion,
      token: () => this.tokens.token(),
      refresh: (stale) => this.tokens.refresh(stale),
      me: () => this.me(),
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
    const b = cfg.bulk;
    this.bulk = new SalesforceBulk(this.conn, (what, fn) => this.call(what, fn), {
      enabled: b.enabled, threshold: b.threshold, jobSize: b.jobSize, pollIntervalMs: durationMs(b.pollInterval), pollTimeoutMs: durationMs(b.pollTimeout),
    });
    // A write-back gathers a whole ingest job's records before writing.
    this.limits = b.enabled ? { ...LIMITS, writeChunk: Math.max(LIMITS.write, b.jobSize) } : LIMITS;
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
  private async call<T>(what: string, fn: (c: Conn) => Promise<T>): Promise<T> {
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

  objectName(kind: ObjectKind): string {
    return SF_OBJECT[kind];
  }

  async describe(kind: ObjectKind, opts: { fresh?: boolean } = {}): Promise<ObjectSchema> {
    const hit = this.schemaCache.get(kind);
    if (!opts.fresh && hit && Date.now() - hit.at < SCHEMA_TTL_MS) return hit.schema;
    const object = SF_OBJECT[kind];
    const d = await this.call(`describe ${object}`, (c) => c.sobject(object).describe());
    const schema: ObjectSchema = { object, fields: (d.fields as unknown as SfDescribeField[]).map(toFieldSchema) };
    this.schemaCache.set(kind, { at: Date.now(), schema });
    return schema;
  }

  private async fieldTypes(kind: ObjectKind): Promise<Map<string, FieldSchema>> {
    const s = await this.describe(kind);
    return new Map(s.fields.map((f) => [f.name.toLowerCase(), f]));
  }

  /** Tooling API `CustomField` create (the path the simulator implements too). */
  async createField(kind: ObjectKind, spec: FieldSpec): Promise<FieldSchema> {
    const object = SF_OBJECT[kind];
    const name = customFieldName(spec.name);
    const metadata = customFieldMetadata(spec);
    if (!metadata) {
      throw new InrecordError('IR_CRM_UNSUPPORTED', `Salesforce ${object}.${name}: a ${spec.type} custom field cannot be created through the API here; create it in Setup → Object Manager`, {
        context: { crm: 'salesforce', object, field: name },
      });
    }
    const res = (await this.call(`create field ${object}.${name}`, (c) => c.tooling.sobject('CustomField').create({ FullName: `${object}.${name}`, Metadata: metadata } as never))) as unknown as SaveResult;
    if (!res.success) {
      const e = res.errors[0];
      const msg = typeof e === 'string' ? e : (e?.message ?? 'unknown error');
      throw new InrecordError('IR_CRM_VALIDATION', `Salesforce ${object}.${name}: the field was not created: ${msg}`, { context: { object, field: name } });
    }
    this.schemaCache.delete(kind);
    const f = (await this.describe(kind)).fields.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!f) throw new InrecordError('IR_CRM_BAD_RESPONSE', `Salesforce ${object}.${name}: created but not in describe yet; run again in a minute`);
    return f;
  }

  private toRecord(kind: ObjectKind, r: Rec, types: Map<string, FieldSchema>, fields: string[]): CrmRecord {
    const out: Record<string, FieldValue> = {};
    for (const name of fields) {
      const key = Object.keys(r).find((k) => k.toLowerCase() === name.toLowerCase());
      const t = types.get(name.toLowerCase());
      out[t?.name ?? name] = decodeValue(t?.type, key ? r[key] : null);
    }
    const stamp = (r.SystemModstamp ?? r.LastModifiedDate) as string | undefined;
    return { id: String(r.Id), object: SF_OBJECT[kind], fields: out, modifiedAt: stamp ? isoFromSf(stamp) : new Date(0).toISOString() };
  }

  private selectList(fields: string[]): string[] {
    const set = new Map<string, string>();
    for (const f of ['Id', 'SystemModstamp', ...fields]) set.set(f.toLowerCase(), f);
    return [...set.values()];
  }

  /** Reads by id through sObject Collections retrieve (POST, ≤ 2000 ids, nulls for misses, §4.5). */
  async read(kind: ObjectKind, ids: string[], fields: string[]): Promise<CrmRecord[]> {
    const object = SF_OBJECT[kind];
    const types = await this.fieldTypes(kind);
    const wanted = [...new Set(ids.filter((id) => /^[0-9A-Za-z]{15}([0-9A-Za-z]{3})?$/.test(id)))];
    const out: CrmRecord[] = [];
    const written = this.bulkWritten.get(object);
    if (this.bulk.uses(wanted.length) && written && wanted.every((id) => written.ids.has(id))) {
      // Re-reading a bulk write: one query job for every record changed since the write began
      // (ordered by the org's own clock), instead of one retrieve per 2,000 ids.
      const want = new Set(wanted);
      const soql = `SELECT ${this.selectList(fields).join(', ')} FROM ${object} WHERE SystemModstamp >= ${soqlDateTime(written.since)}`;
      for await (const page of this.bulk.query(`verify ${object}`, soql)) {
        for (const r of page) if (want.has(String(r.Id))) out.push(this.toRecord(kind, fromCsv(r), types, fields));
      }
      return out;
    }
    for (const part of chunk(wanted, LIMITS.read)) {
      const rows = (await this.call(`read ${object}`, (c) => c.sobject(object).retrieve(part, { fields: this.selectList(fields) } as never))) as unknown as (Rec | null)[];
      for (const r of rows) if (r) out.push(this.toRecord(kind, r, types, fields));
    }
    return out;
  }

  private async *queryPages(what: string, soql: string, scanAll = false): AsyncIterable<Rec[]> {
    let page = (await this.call(what, (c) => c.query(soql, { scanAll, autoFetch: false } as never) as unknown as Promise<QueryPage>)) as QueryPage;
    for (;;) {
      if (page.records.length > 0) yield page.records;
      if (page.done || !page.nextRecordsUrl) return;
      const next = page.nextRecordsUrl;
      page = (await this.call(`${what} (queryMore)`, (c) => c.queryMore(next) as unknown as Promise<QueryPage>)) as QueryPage;
    }
  }

  private async queryAllRecords(what: string, soql: string): Promise<Rec[]> {
    const out: Rec[] = [];
    for await (const page of this.queryPages(what, soql)) out.push(...page);
    return out;
  }

  /**
   * SOQL on SystemModstamp (indexed, bumped by every change, §3.5, §8.4), oldest first, queryMore to
   * the end — or, when more than `crm.bulk.threshold` records remain after the first page, a bulk
   * query job for the rest.
   */
  async *readChanged(kind: ObjectKind, since: string | null, fields: string[]): AsyncIterable<CrmRecord[]> {
    const object = SF_OBJECT[kind];
    const types = await this.fieldTypes(kind);
    const where = since ? ` WHERE SystemModstamp >= ${soqlDateTime(since)}` : '';
    const select = `SELECT ${this.selectList(fields).join(', ')} FROM ${object}`;
    const order = 'ORDER BY SystemModstamp ASC, Id ASC';
    const soql = `${select}${where} ${order}`;
    let page = (await this.call(`read changed ${object}`, (c) => c.query(soql, { autoFetch: false } as never) as unknown as Promise<QueryPage>)) as QueryPage;
    let seen = 0;
    for (;;) {
      if (page.records.length > 0) yield page.records.map((r) => this.toRecord(kind, r, types, fields));
      seen += page.records.length;
      if (page.done || !page.nextRecordsUrl) return;
      const last = page.records.at(-1) as Rec;
      if (this.bulk.uses(page.totalSize - seen) && last) {
        // The first page's totalSize decides: the rest, when large, is one query job, read in
        // result sets, from the key after the last record read (the same order, nothing twice).
        const stamp = soqlDateTime(isoFromSf(String(last.SystemModstamp)));
        const after = `(SystemModstamp > ${stamp} OR (SystemModstamp = ${stamp} AND Id > ${soqlString(String(last.Id))}))`;
        const rest = `${select} WHERE ${since ? `SystemModstamp >= ${soqlDateTime(since)} AND ` : ''}${after} ${order}`;
        for await (const rows of this.bulk.query(`read changed ${object}`, rest)) yield rows.map((r) => this.toRecord(kind, fromCsv(r), types, fields));
        return;
      }
      const next = page.nextRecordsUrl;
      page = (await this.call(`read changed ${object} (queryMore)`, (c) => c.queryMore(next) as unknown as Promise<QueryPage>)) as QueryPage;
    }
  }

  /** getDeleted (§8.3): at most 15 days back; an older `since` is clamped to what Salesforce keeps. */
  async readDeleted(kind: ObjectKind, since: string): Promise<DeletedRecord[]> {
    const object = SF_OBJECT[kind];
    const floor = Date.now() - 15 * 86_400_000 + 120_000;
    const start = new Date(Math.max(Date.parse(since), floor));
    const end = new Date(Date.now() + 60_000);
    if (start >= end) return [];
    const res = (await this.call(`read deleted ${object}`, (c) => c.sobject(object).deleted(start.toISOString(), end.toISOString()))) as unknown as { deletedRecords: { id: string; deletedDate: string }[] };
    return res.deletedRecords.map((d) => ({ id: d.id, deletedAt: isoFromSf(d.deletedDate) }));
  }

  /**
   * Custom email fields on Contact (e.g. a secondary address): Salesforce has no standard one, so
   * every custom field of type email is searched too and returned as additional_emails.
   */
  private async extraEmailFields(): Promise<string[]> {
    const s = await this.describe('contact');
    return s.fields.filter((f) => f.custom && f.type === 'email').map((f) => f.name);
  }

  private contactCandidate(r: Rec, extra: string[]): ContactCandidate {
    const account = r.Account as Rec | null | undefined;
    const additional = extra.map((f) => r[f]).filter((v): v is string => typeof v === 'string' && v.length > 0).map((v) => v.toLowerCase());
    return {
      id: String(r.Id),
      email: typeof r.Email === 'string' ? r.Email.toLowerCase() : null,
      additional_emails: [...new Set(additional)],
      first_name: (r.FirstName as string | null) ?? null,
      last_name: (r.LastName as string | null) ?? null,
      company_id: (r.AccountId as string | null) ?? null,
      company_name: (account?.Name as string | undefined) ?? null,
      phone: ((r.Phone ?? r.MobilePhone) as string | null) ?? null,
    };
  }

  private static CONTACT_FIELDS = 'Id, Email, FirstName, LastName, AccountId, Account.Name, Phone, MobilePhone';
  private contactSelect(extra: string[]): string {
    return [SalesforceConnector.CONTACT_FIELDS, ...extra].join(', ');
  }

  /**
   * Candidates among Contacts only. A Lead is a different record kind in Salesforce (its own id
   * prefix, no account, converted into a Contact): returning leads here would make the same person
   * ambiguous with their converted contact and send contact writes to a Lead id. Leads are reached
   * as the `lead` kind (read/readChanged).
   */
  async findContacts(q: { emails?: string[]; names?: { firstName?: string; lastName: string }[] }): Promise<ContactCandidate[]> {
    const found = new Map<string, ContactCandidate>();
    const extra = await this.extraEmailFields();
    const emails = [...new Set((q.emails ?? []).filter(Boolean))];
    for (const part of chunk(emails, IN_BATCH)) {
      const list = part.map(soqlString).join(', ');
      const where = ['Email', ...extra].map((f) => `${f} IN (${list})`).join(' OR ');
      const soql = `SELECT ${this.contactSelect(extra)} FROM Contact WHERE ${where}`;
      for (const r of await this.queryAllRecords('find contacts by email', soql)) found.set(String(r.Id), this.contactCandidate(r, extra));
    }
    for (const part of chunk(q.names ?? [], NAME_BATCH)) {
      const conds = part.map((n) => (n.firstName ? `(FirstName = ${soqlString(n.firstName)} AND LastName = ${soqlString(n.lastName)})` : `LastName = ${soqlString(n.lastName)}`));
      const soql = `SELECT ${this.contactSelect(extra)} FROM Contact WHERE ${conds.join(' OR ')}`;
      for (const r of await this.queryAllRecords('find contacts by name', soql)) found.set(String(r.Id), this.contactCandidate(r, extra));
    }
    return [...found.values()];
  }

  private companyCandidate(r: Rec): CompanyCandidate {
    return { id: String(r.Id), name: (r.Name as string | null) ?? null, domain: websiteDomain(r.Website), additional_domains: [] };
  }

  /**
   * Website is free text (`acme.com`, `www.acme.com`, `https://www.acme.com/`): a LIKE narrows on
   * the server, then the normalised host must equal the domain (so `notacme.com` is not a match).
   */
  async findCompanies(q: { domains?: string[]; names?: string[] }): Promise<CompanyCandidate[]> {
    const found = new Map<string, CompanyCandidate>();
    const domains = [...new Set((q.domains ?? []).map((d) => d.toLowerCase()).filter(Boolean))];
    for (const part of chunk(domains, NAME_BATCH)) {
      const soql = `SELECT Id, Name, Website FROM Account WHERE ${part.map((d) => `Website LIKE ${soqlLikeContains(d)}`).join(' OR ')}`;
      const wanted = new Set(part);
      for (const r of await this.queryAllRecords('find companies by domain', soql)) {
        const c = this.companyCandidate(r);
        if (c.domain && wanted.has(c.domain)) found.set(c.id, c);
      }
    }
    const names = [...new Set((q.names ?? []).filter(Boolean))];
    for (const part of chunk(names, IN_BATCH)) {
      const soql = `SELECT Id, Name, Website FROM Account WHERE Name IN (${part.map(soqlString).join(', ')})`;
      for (const r of await this.queryAllRecords('find companies by name', soql)) found.set(String(r.Id), this.companyCandidate(r));
    }
    return [...found.values()];
  }

  async *listContacts(): AsyncIterable<ContactCandidate[]> {
    const extra = await this.extraEmailFields();
    for await (const page of this.queryPages('list contacts', `SELECT ${this.contactSelect(extra)} FROM Contact ORDER BY Id`)) yield page.map((r) => this.contactCandidate(r, extra));
  }

  async *listCompanies(): AsyncIterable<CompanyCandidate[]> {
    for await (const page of this.queryPages('list companies', 'SELECT Id, Name, Website FROM Account ORDER BY Id')) yield page.map((r) => this.companyCandidate(r));
  }

  private systemUsers: Set<string> | null = null;
  /** Platform users (Automated Process and the like): their changes are `system`, not a person's. */
  private async systemUserIds(): Promise<Set<string>> {
    if (this.systemUsers) return this.systemUsers;
    const rows = await this.queryAllRecords('list system users', "SELECT Id FROM User WHERE UserType IN ('AutomatedProcess', 'CloudIntegrationUser', 'AutomatedCase')");
    this.systemUsers = new Set(rows.map((r) => String(r.Id).slice(0, 15)));
    return this.systemUsers;
  }

  private async me(): Promise<string | null> {
    if (this.integrationUserId) return this.integrationUserId;
    const id = await this.call('identity', (c) => c.identity());
    this.integrationUserId = id.user_id;
    return this.integrationUserId;
  }

  /**
   * Field history objects (§7.2): the newest row per (record, field); CreatedById is who made it —
   * the integration user → integration, an Automated Process user → system, anyone else → human. Only tracked fields have history;
   * an untracked field gives no FieldChange.
   */
  async history(kind: ObjectKind, ids: string[], fields: string[]): Promise<FieldChange[]> {
    if (ids.length === 0 || fields.length === 0) return [];
    const h = HISTORY[kind];
    const me = await this.me();
    const system = await this.systemUserIds();
    const types = await this.fieldTypes(kind);
    const canonical = fields.map((f) => types.get(f.toLowerCase())?.name ?? f);
    const latest = new Map<string, FieldChange>();
    const unique = [...new Set(ids)];
    const select = `SELECT Id, ${h.parent}, Field, NewValue, CreatedById, CreatedDate FROM ${h.object} WHERE`;
    const tail = `AND Field IN (${canonical.map(soqlString).join(', ')}) ORDER BY CreatedDate DESC, Id DESC`;
    // Many records: query jobs of up to 100,000 characters each, not one SOQL call per 200 ids.
    const rows = this.bulk.uses(unique.length)
      ? (async function* (self: SalesforceConnector) {
          for (const soql of inStatements(select, h.parent, unique, tail)) for await (const page of self.bulk.query(`read ${h.object}`, soql)) yield page.map(fromCsv);
        })(this)
      : (async function* (self: SalesforceConnector) {
          for (const part of chunk(unique, IN_BATCH)) yield await self.queryAllRecords(`read ${h.object}`, `${select} ${h.parent} IN (${part.map(soqlString).join(', ')}) ${tail}`);
        })(this);
    for await (const page of rows) {
      for (const r of page) {
        const id = String(r[h.parent]);
        const field = String(r.Field);
        const key = `${id}\u0000${field.toLowerCase()}`;
        if (latest.has(key)) continue;
        const t = types.get(field.toLowerCase());
        const by = (r.CreatedById as string | null) ?? null;
        latest.set(key, {
          id,
          field: t?.name ?? field,
          value: decodeValue(t?.type, r.NewValue),
          at: isoFromSf(String(r.CreatedDate)),
          actor: by && me && sameId(by, me) ? 'integration' : by && system.has(by.slice(0, 15)) ? 'system' : 'human',
          userId: by,
        });
      }
    }
    return [...latest.values()];
  }

  /** sObject Collections update, 200 per call, allOrNone=false; every per-record error is kept (§4.3). */
  async writeBatch(kind: ObjectKind, updates: RecordUpdate[]): Promise<WriteResult[]> {
    const object = SF_OBJECT[kind];
    const types = await this.fieldTypes(kind);
    const out: WriteResult[] = [];
    if (this.bulk.uses(updates.length)) {
      // Bulk API 2.0: one CSV ingest job per jobSize records; per-row results as REST gives them.
      const encode = (k: string, v: FieldValue) => {
        const t = types.get(k.toLowerCase());
        return { name: t?.name ?? k, value: encodeValue(t?.type, v) };
      };
      let since: string | null = null;
      for (const part of chunk(updates, this.bulk.settings.jobSize)) {
        const outcome = await this.bulk.ingest(object, 'update', updateRows(part, encode));
        since ??= outcome.createdDate;
        out.push(...writeResults(object, part, outcome));
      }
      this.bulkWritten.set(object, { since: since as string, ids: new Set(out.filter((r) => r.ok).map((r) => r.id)) });
      return out;
    }
    for (const part of chunk(updates, LIMITS.write)) {
      const body = part.map((u) => {
        const rec: Rec = { Id: u.id };
        for (const [k, v] of Object.entries(u.fields)) {
          const t = types.get(k.toLowerCase());
          rec[t?.name ?? k] = encodeValue(t?.type, v);
        }
        return rec;
      });
      const res = (await this.call(`update ${object}`, (c) => c.sobject(object).update(body as never, { allOrNone: false } as never))) as unknown as SaveResult[];
      part.forEach((u, i) => {
        const r = res[i];
        if (r?.success) {
          out.push({ id: u.id, ok: true });
          return;
        }
        const e = r?.errors[0];
        const sfCode = typeof e === 'string' ? 'UNKNOWN' : (e?.statusCode ?? e?.errorCode ?? 'UNKNOWN');
        const msg = typeof e === 'string' ? e : (e?.message ?? 'no result for this record');
        out.push(writeFailure(object, u.id, sfCode, msg, typeof e === 'string' ? undefined : e?.fields?.[0]));
      });
    }
    return out;
  }

  /**
   * Task (note/task/email/call) or Event (meeting). Salesforce takes one WhoId (Contact/Lead) and one
   * WhatId (Account/Opportunity) per activity: the first contact or lead, the first deal or else the
   * first company; a Lead WhoId takes no WhatId (a platform rule).
   */
  async createActivity(a: ActivityInput): Promise<{ id: string }> {
    const who = a.associations.find((x) => x.object === 'contact' || x.object === 'lead');
    // One WhatId: the deal when there is one (Salesforce rolls an Opportunity's activities up to its Account).
    const what = who?.object === 'lead' ? undefined : (a.associations.find((x) => x.object === 'deal') ?? a.associations.find((x) => x.object === 'company'));
    if (!who && !what) throw new InrecordError('IR_CRM_VALIDATION', 'Salesforce activity: no contact, lead, company or deal to attach it to');
    const links: Rec = { ...(who ? { WhoId: who.id } : {}), ...(what ? { WhatId: what.id } : {}), ...(a.ownerId ? { OwnerId: a.ownerId } : {}) };
    let object = 'Task';
    let rec: Rec;
    if (a.kind === 'meeting') {
      object = 'Event';
      const start = a.occurredAt ?? new Date().toISOString();
      const end = a.endsAt ?? new Date(Date.parse(start) + 30 * 60_000).toISOString();
      rec = { Subject: (a.subject ?? 'Meeting').slice(0, 255), Description: a.body ?? null, StartDateTime: start, EndDateTime: end, ...links };
    } else {
      const subtype = a.kind === 'email' ? 'Email' : a.kind === 'call' ? 'Call' : 'Task';
      const done = a.kind !== 'task';
      const subject = a.subject ?? (a.kind === 'note' ? `Note: ${(a.body ?? '').slice(0, 60)}` : a.kind);
      let body = a.body ?? null;
      if (a.kind === 'email' && (a.from || a.to?.length)) body = `From: ${a.from ?? ''}\nTo: ${(a.to ?? []).join(', ')}\n\n${a.body ?? ''}`;
      const day = (done ? a.occurredAt : a.dueAt) ?? a.occurredAt ?? a.dueAt;
      rec = { Subject: subject.slice(0, 255), Description: body, Status: done ? 'Completed' : 'Not Started', TaskSubtype: subtype, Priority: 'Normal', ...(day ? { ActivityDate: day.slice(0, 10) } : {}), ...links };
    }
    const res = (await this.call(`create ${object}`, (c) => c.sobject(object).create(rec as never))) as unknown as SaveResult;
    if (!res.success || !res.id) throw this.saveError(object, (who ?? what)?.id ?? '', res);
    return { id: res.id };
  }

  /**
   * Per contact, the open Opportunities (IsClosed = false) it has a contact role on; a contact with
   * no role on an open one takes the open Opportunities of its Account (roles are optional in many
   * orgs, the Account link is always there). Three or four SOQL queries per 200 contacts.
   */
  async openDeals(contactIds: string[]): Promise<Map<string, OpenDeal[]>> {
    const out = new Map<string, OpenDeal[]>();
    for (const part of chunk([...new Set(contactIds)], IN_BATCH)) {
      const ids = part.map(soqlString).join(', ');
      const roles = await this.queryAllRecords('read contact roles', `SELECT ContactId, OpportunityId FROM OpportunityContactRole WHERE ContactId IN (${ids})`);
      const contacts = await this.queryAllRecords('read contact accounts', `SELECT Id, AccountId FROM Contact WHERE Id IN (${ids})`);
      const accountOf = new Map(contacts.filter((r) => typeof r.AccountId === 'string').map((r) => [String(r.Id), r.AccountId as string]));
      const open = new Map<string, Rec>();
      const roleOpps = [...new Set(roles.map((r) => String(r.OpportunityId)))];
      for (const opps of chunk(roleOpps, IN_BATCH)) {
        const soql = `SELECT Id, AccountId, LastModifiedDate FROM Opportunity WHERE IsClosed = false AND Id IN (${opps.map(soqlString).join(', ')})`;
        for (const o of await this.queryAllRecords('find open opportunities by role', soql)) open.set(String(o.Id), o);
      }
      const byContact = new Map<string, Set<string>>();
      for (const r of roles) if (open.has(String(r.OpportunityId))) byContact.set(String(r.ContactId), (byContact.get(String(r.ContactId)) ?? new Set()).add(String(r.OpportunityId)));
      const accounts = [...new Set(part.filter((c) => !byContact.has(c)).flatMap((c) => (accountOf.has(c) ? [accountOf.get(c) as string] : [])))];
      const byAccount = new Map<string, string[]>();
      for (const acc of chunk(accounts, IN_BATCH)) {
        const soql = `SELECT Id, AccountId, LastModifiedDate FROM Opportunity WHERE IsClosed = false AND AccountId IN (${acc.map(soqlString).join(', ')})`;
        for (const o of await this.queryAllRecords('find open opportunities by account', soql)) {
          open.set(String(o.Id), o);
          byAccount.set(o.AccountId as string, [...(byAccount.get(o.AccountId as string) ?? []), String(o.Id)]);
        }
      }
      for (const c of part) {
        const opps = byContact.get(c) ?? (accountOf.has(c) ? byAccount.get(accountOf.get(c) as string) : undefined);
        if (!opps || (opps instanceof Set ? opps.size : opps.length) === 0) continue;
        const deals = [...opps].map((id) => ({ id, modifiedAt: isoFromSf((open.get(id) as Rec).LastModifiedDate as string) }));
        out.set(c, deals.sort((a, b) => (a.modifiedAt < b.modifiedAt ? 1 : a.modifiedAt > b.modifiedAt ? -1 : a.id < b.id ? -1 : 1)));
      }
    }
    return out;
  }

  private saveError(object: string, id: string, res: SaveResult): InrecordError {
    const e = res.errors[0];
    const code = typeof e === 'string' ? 'UNKNOWN' : (e?.statusCode ?? e?.errorCode ?? 'UNKNOWN');
    const msg = typeof e === 'string' ? e : (e?.message ?? 'failed');
    const c = classifySfError(code, msg);
    return new InrecordError(c.code as 'IR_CRM_VALIDATION', `Salesforce ${object} ${id}: ${code}: ${msg} — ${fixFor(code)}`, { retryable: c.retryable, context: { object, id, crmCode: code } });
  }

  private async updateOne(kind: ObjectKind, id: string, fields: Rec, what: string): Promise<void> {
    const [r] = await this.writeBatch(kind, [{ id, fields: fields as Record<string, FieldValue> }]);
    if (r && !r.ok) throw new InrecordError(r.code as 'IR_CRM_VALIDATION', `${what}: ${r.message}`, { retryable: r.retryable, context: { object: SF_OBJECT[kind], id, field: r.field } });
  }

  async performAction(action: CrmAction): Promise<ActionResult> {
    switch (action.type) {
      case 'assign_owner':
        await this.updateOne(action.object, action.id, { OwnerId: action.ownerId }, 'assign owner');
        return { ok: true };
      case 'change_stage': {
        // Opportunities move through StageName, leads through Status; contacts/accounts have no stage.
        const field = action.object === 'deal' ? 'StageName' : action.object === 'lead' ? 'Status' : null;
        if (!field) throw new InrecordError('IR_CRM_UNSUPPORTED', `Salesforce ${SF_OBJECT[action.object]} has no stage; use change_stage on a deal (StageName) or a lead (Status)`);
        await this.updateOne(action.object, action.id, { [field]: action.stage }, 'change stage');
        return { ok: true };
      }
      case 'create_task': {
        const t = await this.createActivity({ kind: 'task', subject: action.subject, ...(action.body ? { body: action.body } : {}), dueAt: action.dueAt, ...(action.ownerId ? { ownerId: action.ownerId } : {}), associations: [{ object: action.object, id: action.id }] });
        return { ok: true, createdId: t.id };
      }
      case 'add_note': {
        const n = await this.createActivity({ kind: 'note', body: action.body, associations: [{ object: action.object, id: action.id }] });
        return { ok: true, createdId: n.id };
      }
      case 'enroll':
        throw new InrecordError('IR_CRM_UNSUPPORTED', `Salesforce: enrolling ${SF_OBJECT[action.object]} ${action.id} in a sequence is not available through the REST API (Sales Engagement cadences); use create_task or a Flow triggered by a field inrecord writes`, {
          context: { crm: 'salesforce', object: action.object, id: action.id },
        });
    }
  }

  async listUsers(): Promise<CrmUser[]> {
    const rows = await this.queryAllRecords('list users', 'SELECT Id, Name, Email, IsActive FROM User ORDER BY Name');
    return rows.map((r) => ({ id: String(r.Id), name: String(r.Name ?? ''), email: String(r.Email ?? ''), active: r.IsActive === true }));
  }

  webhooks = {
    /** Salesforce retries an Outbound Message for 24 hours until it is acknowledged with this body (§8.1). */
    acknowledgement: { contentType: 'text/xml; charset=utf-8', body: OUTBOUND_ACK },
    /**
     * Outbound Messages are not signed (§8.1): the endpoint URL carries a shared secret
     * (`?secret=…` or `?token=…`), compared in constant time, and the body's OrganizationId must be
     * this org's.
     */
    prepare: async (): Promise<void> => {
      await this.me();
    },
    unverifiable: () =>
      this.cfg.webhooks.urlSecret && this.cfg.webhooks.orgId
        ? null
        : {
            reason: 'Salesforce outbound messages carry no signature: set crm.webhooks.orgId and crm.webhooks.urlSecret, and put ?secret=<urlSecret> in the outbound message endpoint URL',
            fix: "Set crm.webhooks.orgId to the org's id (Setup → Company Information; `inrecord sim salesforce` prints the simulator's) and crm.webhooks.urlSecret to a long random string, and end the outbound message's endpoint URL with ?secret=<urlSecret>.",
          },
    verify: (req: WebhookRequest): VerifyResult => {
      const missing = this.webhooks.unverifiable();
      if (missing) return { ok: false, reason: missing.reason };
      const want = this.cfg.webhooks.urlSecret as string;
      const org = this.cfg.webhooks.orgId as string;
      const params = new URL(req.url, 'http://x').searchParams;
      const got = Buffer.from(params.get('secret') ?? params.get('token') ?? '');
      const exp = Buffer.from(want);
      if (got.length !== exp.length || !timingSafeEqual(got, exp)) return { ok: false, reason: 'wrong or missing secret in the outbound message URL' };
      let orgId: string | null;
      try {
        orgId = parseOutboundMessage(req.rawBody.toString('utf8')).organizationId;
      } catch (e) {
        return { ok: false, reason: (e as Error).message };
      }
      if (!orgId || !sameId(orgId, org)) return { ok: false, reason: `outbound message from org ${orgId ?? '(none)'}, expected ${org}` };
      return { ok: true };
    },
    maxBodyBytes: MAX_OUTBOUND_BYTES,
    parse: (req: WebhookRequest): WebhookBatch => {
      let msg: ReturnType<typeof parseOutboundMessage>;
      try {
        msg = parseOutboundMessage(req.rawBody.toString('utf8'));
      } catch (e) {
        throw new InrecordError('IR_WEBHOOK_PAYLOAD', `Salesforce outbound message: ${(e as Error).message}`);
      }
      return outboundToEvents(msg, this.integrationUserId, new Date().toISOString());
    },
    subscribe: async (targetUrl: string, kinds: ObjectKind[]): Promise<void> => {
      throw new InrecordError(
        'IR_CRM_UNSUPPORTED',
        `Salesforce outbound messages cannot be created through the REST API. In Setup, create a record-triggered Flow on ${kinds.map((k) => SF_OBJECT[k]).join(', ')} with an Outbound Message action to ${targetUrl}?secret=<crm.webhooks.urlSecret>, including LastModifiedById, CreatedDate, LastModifiedDate and SystemModstamp; the poller covers changes meanwhile`,
        { context: { crm: 'salesforce', targetUrl } },
      );
    },
  };

  stats(): CallStats {
    return { ...this.calls };
  }

  async close(): Promise<void> {}
}
