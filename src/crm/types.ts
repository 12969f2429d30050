/**
 * The one boundary between the engine and a CRM. identity/, flows/, writeback/, triggers/ and
 * actions/ import only this file (and the registry); everything CRM-specific lives behind it in
 * src/crm/<crm>/.
 *
 * Values crossing this boundary are *normalised*, whatever the CRM's wire format:
 *   string/text/email/phone/url/reference → string
 *   number/integer/currency/percent       → number
 *   boolean                               → boolean
 *   date                                  → 'YYYY-MM-DD'
 *   datetime                              → ISO 8601 UTC string ('2026-11-28T09:00:00.000Z')
 *   picklist                              → the option's `value` (string; a Pipedrive option id as a string)
 *   multipicklist                         → string[] of option values
 *   empty                                 → null
 * The connector encodes them for the wire (HubSpot midnight-UTC dates, Salesforce ';' multi-selects,
 * Pipedrive option ids) and decodes what it reads.
 */

import type { CrmName } from './names.js';

export type { CrmName } from './names.js';

/** The engine's object kinds; each connector maps them to its own object names. */
export type ObjectKind = 'contact' | 'company' | 'deal' | 'lead';

export type FieldType =
  | 'string'
  | 'text'
  | 'number'
  | 'integer'
  | 'currency'
  | 'percent'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'picklist'
  | 'multipicklist'
  | 'email'
  | 'phone'
  | 'url'
  | 'reference';

export type FieldValue = string | number | boolean | string[] | null;

export interface FieldOption {
  /** What is written: the API value (Pipedrive: the option id as a string). */
  value: string;
  label: string;
}

export interface FieldSchema {
  name: string;
  label: string;
  type: FieldType;
  /** The CRM's own type name (HubSpot `type/fieldType`, Salesforce `type`, Pipedrive `field_type`). */
  crmType: string;
  options?: FieldOption[];
  /**
   * Whether the CRM rejects values outside `options`. HubSpot enumerations and Pipedrive enum/set:
   * always. Salesforce: only restricted picklists — an unrestricted one silently stores any value.
   */
  restricted?: boolean;
  required: boolean;
  writable: boolean;
  maxLength?: number;
  /** Decimal places for number/currency/percent, when the CRM declares them. */
  scale?: number;
  custom: boolean;
}

export interface ObjectSchema {
  object: string;
  fields: FieldSchema[];
}

export interface CrmRecord {
  id: string;
  object: string;
  fields: Record<string, FieldValue>;
  /** Last modification, ISO 8601 UTC. */
  modifiedAt: string;
}

/** A CRM contact as identity sees it (the same shape `inrecord reconcile --crm-contacts` reads). */
export interface ContactCandidate {
  id: string;
  email: string | null;
  additional_emails: string[];
  first_name: string | null;
  last_name: string | null;
  company_id: string | null;
  company_name: string | null;
  phone: string | null;
  /** Identifying attributes some CRMs hold; absent or null where the record has none. */
  birth_date?: string | null;
  postcode?: string | null;
  /** Street address: number and street. */
  address?: string | null;
  city?: string | null;
  linkedin_url?: string | null;
  /** The record's id in another system (an ERP, a billing tool). */
  external_id?: string | null;
}

/** A CRM company as identity sees it (the same shape `inrecord reconcile --crm-companies` reads). */
export interface CompanyCandidate {
  id: string;
  name: string | null;
  domain: string | null;
  additional_domains: string[];
}

export type ActorKind = 'human' | 'integration' | 'system' | 'import';

/** The last change of one field of one record. */
export interface FieldChange {
  id: string;
  field: string;
  value: FieldValue;
  /** ISO 8601 UTC. */
  at: string;
  actor: ActorKind;
  userId?: string | null;
}

export interface RecordUpdate {
  id: string;
  fields: Record<string, FieldValue>;
}

export type WriteResult =
  | { id: string; ok: true }
  | { id: string; ok: false; code: string; message: string; retryable: boolean; field?: string };

export type ActivityKind = 'note' | 'task' | 'email' | 'meeting' | 'call';

export interface ActivityInput {
  kind: ActivityKind;
  subject?: string;
  body?: string;
  /** When it happened (email sent, meeting start), ISO 8601. */
  occurredAt?: string;
  endsAt?: string;
  /** Tasks: when it is due, ISO 8601. */
  dueAt?: string;
  ownerId?: string;
  /** Records it belongs on: the first is the primary one. */
  associations: { object: ObjectKind; id: string }[];
  /** Email/meeting metadata. */
  from?: string;
  to?: string[];
  direction?: 'inbound' | 'outbound';
}

/** An open deal (neither won nor lost) a contact takes part in, for associating activities with it. */
export interface OpenDeal {
  id: string;
  /** Last modification, ISO 8601 UTC: of several open deals, the most recently updated is the current one. */
  modifiedAt: string;
}

export type CrmAction =
  | { type: 'assign_owner'; object: ObjectKind; id: string; ownerId: string }
  | { type: 'change_stage'; object: ObjectKind; id: string; stage: string }
  | { type: 'create_task'; object: ObjectKind; id: string; subject: string; body?: string; dueAt: string; ownerId?: string }
  | { type: 'add_note'; object: ObjectKind; id: string; body: string }
  | { type: 'enroll'; object: ObjectKind; id: string; sequenceId: string };

export interface ActionResult {
  ok: true;
  /** The id of what the action created (task, note, enrollment), if anything. */
  createdId?: string;
}

export interface CrmUser {
  id: string;
  name: string;
  email: string;
  active: boolean;
}

export interface DeletedRecord {
  id: string;
  deletedAt: string;
  /** When the record was merged into another one. */
  mergedInto?: string;
}

export type ChangeKind = 'created' | 'updated' | 'deleted' | 'merged';

/** One change, normalised from any CRM's webhook or poll. */
export interface ChangeEvent {
  crm: CrmName;
  object: ObjectKind;
  id: string;
  kind: ChangeKind;
  /** Fields that changed (empty when the CRM does not say). */
  fields: string[];
  occurredAt: string;
  actor: ActorKind;
  /** The CRM's event id when it has one (not always unique: HubSpot). */
  eventId?: string;
  mergedInto?: string;
}

export interface WebhookRequest {
  method: string;
  /** Full URL as received, including the query string. */
  url: string;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/** One event of a delivery that cannot be acted on (no record id, a time that is not one), with why. */
export interface RejectedEvent {
  /** Its position in the delivery. */
  index: number;
  reason: string;
  /** The event as the CRM sent it. */
  event: unknown;
}

/** A delivery read: the events to act on, and those refused one by one (the rest still count). */
export interface WebhookBatch {
  events: ChangeEvent[];
  rejected: RejectedEvent[];
}

export interface RateLimitPolicy {
  /** Calls allowed per window (from documentation; refined from live headers). */
  callsPerWindow: number;
  windowMs: number;
  /** Daily quota, when the CRM has one (Salesforce API requests, Pipedrive tokens). */
  dailyQuota?: number;
}

/** What the CRM's API takes per call (docs/reference/<crm>.md), not what the connector chooses. */
export interface BatchLimits {
  /** Records per read-by-ids call. */
  read: number;
  /** Records per update call: HubSpot batch update 100, Salesforce sObject Collections 200, Pipedrive 1 (no batch update). */
  write: number;
  /** Search terms per call. */
  search: number;
  /**
   * Records worth handing to one writeBatch when it is more than `write`: where every record is
   * its own call (Pipedrive), writeBatch runs several at once, so callers gather this many.
   * Absent: `write`.
   */
  writeChunk?: number;
  /**
   * Records per field-history call, where a batch's history costs more calls than reading it again
   * (HubSpot 50, `propertiesWithHistory`; Pipedrive 1, a changelog per record). Absent: it does not
   * (Salesforce: one SOQL per 200-record collection, one query job per ingest job).
   */
  history?: number;
  /**
   * Write batches a run keeps in flight at once (`crm.rateLimit.writeConcurrency`), each re-checked,
   * written and verified in its own round trips, so the rate limit and not the CRM's answer time
   * sets the pace. Absent: 1 (Pipedrive, whose writeBatch runs that many record calls itself).
   */
  inFlight?: number;
}

export interface FieldSpec {
  name: string;
  label: string;
  type: FieldType;
  options?: FieldOption[];
  maxLength?: number;
}

/**
 * A CRM's part of the commented inrecord.yaml `inrecord init` writes (`src/crm/<crm>/example.ts`),
 * and the local simulator it points at. The rest of the file is the same for every CRM
 * (`config/example.ts`).
 */
export interface ConfigExample {
  /**
   * `inrecord sim <crm>` with these flags, then the variables set: `simArgs` make the simulator
   * deliver its change events to `inrecord run` (server.port 4600) with the credentials the
   * config's `crm.webhooks` reads from `webhookVars` (key → variable); the simulator prints those
   * variables with their values.
   */
  trial: {
    port: number;
    token: string;
    urlVar: string;
    tokenVar: string;
    simArgs: string[];
    webhookVars: Record<string, string>;
  };
  /** The `crm:` section: the connection, its variables and webhook credentials. */
  connection: string;
  /** Field rules of other objects, under `objects:` after the scored object's (empty, or lines each starting with a newline). */
  otherObjects: string;
  /**
   * The object scored, the fields the flows write (created by `check --fix` where missing), the
   * field a rep may also edit, the rep-owned field, and the scoring features: standard fields of
   * the CRM, or the simulator's, each named where a real account differs.
   */
  object: string;
  score: string;
  reason: string;
  stamp: string;
  title: string;
  rep: string;
  features: string;
  /** The intent flow, or a commented-out one where the CRM has no standard field for the message. */
  intent: string;
}

/**
 * A CRM as data (`src/crm/<crm>/card.ts`): its documented limits, how its record ids compare, and
 * what its API can do. Engine modules read CRM facts from here, never from a CRM's folder.
 */
export interface ProviderCard {
  crm: CrmName;
  /** The name people use ("HubSpot"). */
  displayName: string;
  rateLimit: RateLimitPolicy;
  batch: BatchLimits;
  ids: {
    /** The one form of a record id the engine stores and compares (Salesforce: 18 characters). */
    canonical(id: string): string;
    /** Every form the CRM may hand back for the same record (Salesforce: the 15- and 18-character ids). */
    aliases(id: string): string[];
  };
  capabilities: {
    /** Field history says who changed a field and when. */
    fieldHistory: boolean;
    /** How change notifications reach inrecord. */
    changeNotifications: ('webhook' | 'outbound-message' | 'change-data-capture')[];
    /** The API reports merges of records. */
    merges: boolean;
    /** A deleted record can come back (HubSpot restore, Salesforce undelete). */
    restores: boolean;
    /** A bulk API for large reads and writes. */
    bulk: boolean;
  };
}

/**
 * One message of a CRM's change stream: the changes it reports and where to resume after it. The
 * triggers module stores `resumeToken` in the transaction that stores the message's jobs.
 */
export interface StreamMessage {
  kind: ObjectKind;
  resumeToken: string;
  /**
   * The changes it reports, one per record. A change the CRM reports without its details (a gap)
   * has no fields: the record is read, as it is for every job.
   */
  events: ChangeEvent[];
  /** The CRM cannot say which records changed (too many in one transaction): poll to find them. */
  overflow: boolean;
}

export interface ChangeStreamHandlers {
  /**
   * Messages in order: those that arrived while the previous call ran come together (at least one),
   * and the next call waits until this promise settles; a rejection stops the subscription (onError).
   */
  onMessages(messages: StreamMessage[]): Promise<void>;
  /** The subscription stopped after it was open (lost authentication, the CRM refused a resubscription, onMessages failed). */
  onError(err: unknown): void;
}

export interface ChangeSubscription {
  close(): Promise<void>;
}

/**
 * A CRM's ordered, replayable feed of record changes, beside webhooks and polling (Salesforce:
 * Change Data Capture over the Streaming API). Connectors without one leave `changeStream` absent.
 */
export interface ChangeStream {
  /** How long the CRM keeps messages: a resume token older than this is refused. */
  readonly retentionMs: number;
  /**
   * Subscribes to the changes of `kind` after `resumeFrom` (a stored `resumeToken`; null: from now
   * on). Resolves once subscribed; rejects `IR_STREAM_RESUME_EXPIRED` when the CRM no longer holds
   * `resumeFrom` (the caller polls to catch up), `IR_CRM_AUTH` on refused credentials.
   */
  open(kind: ObjectKind, resumeFrom: string | null, handlers: ChangeStreamHandlers): Promise<ChangeSubscription>;
}

/** Counters a connector keeps, for benchmarks and the report. */
export interface CallStats {
  calls: number;
  rateLimited: number;
  retries: number;
  tokenRefreshes: number;
}

/** Re-authorising an OAuth connection (`inrecord auth`). */
export interface ConnectorOAuth {
  /** The CRM's page where a user approves the app; it redirects to `redirectUri` with `?code=…`. */
  authorizeUrl(redirectUri: string): string;
  /** Turns a code (or checks a refresh token) into a grant that replaces the stored one and clears a revoked state. */
  reauthorise(how: { code: string; redirectUri: string } | { refreshToken: string }): Promise<void>;
}

/** What identity looks contacts up by (CrmConnector.findContacts). */
export interface ContactQuery {
  emails?: string[];
  names?: { firstName?: string; lastName: string }[];
  phones?: string[];
  externalIds?: string[];
}

export interface ReadChangedOptions {
  /** 'modified' (default): oldest change first; 'key': by record id. */
  order?: 'modified' | 'key';
  /** The number of records the read will yield, when the CRM tells it with the first page (no extra call). */
  onTotal?: (n: number) => void;
}

export interface CrmConnector {
  readonly crm: CrmName;
  /** Present when the connection authenticates with OAuth (not a static token). */
  readonly authorisation?: ConnectorOAuth;
  readonly limits: BatchLimits;
  readonly rateLimit: RateLimitPolicy;
  /** The CRM's object name for an engine kind ('contact' → 'contacts' | 'Contact' | 'persons'). */
  objectName(kind: ObjectKind): string;

  /**
   * The object's fields. Kept for a minute or so; `fresh` asks the CRM now (a field created
   * elsewhere, by `inrecord check --fix` in another process, is then seen at once).
   */
  describe(kind: ObjectKind, opts?: { fresh?: boolean }): Promise<ObjectSchema>;
  /** Creates a custom field (for `check --fix`); `IR_CRM_UNSUPPORTED` where the API does not allow it. */
  createField(kind: ObjectKind, spec: FieldSpec): Promise<FieldSchema>;

  /** Reads records by id, batched at the CRM's limit. Missing ids are absent from the result. */
  read(kind: ObjectKind, ids: string[], fields: string[]): Promise<CrmRecord[]>;
  /**
   * Every record modified at or after `since` (all when null), page by page, to the end: oldest
   * first, or with `order: 'key'` by record id, an order the run's own writes do not move (a
   * backfill then writes while it reads, in constant memory, and meets no record twice).
   */
  readChanged(kind: ObjectKind, since: string | null, fields: string[], opts?: ReadChangedOptions): AsyncIterable<CrmRecord[]>;
  /** Records deleted or merged since `since`, as the CRM confirms them. */
  readDeleted(kind: ObjectKind, since: string): Promise<DeletedRecord[]>;

  /**
   * Identity candidates, batched; emails/domains are already normalised by the caller, phones are
   * as written (each CRM searches them in the form its search matches), external ids as written
   * (found in the field they are read from; none where the CRM has no such field). A candidate
   * found may not agree on the value it was found by: the identity decision compares again.
   */
  findContacts(q: ContactQuery): Promise<ContactCandidate[]>;
  findCompanies(q: { domains?: string[]; names?: string[] }): Promise<CompanyCandidate[]>;
  /** Every contact / company as an identity candidate, page by page (validation, offline snapshots). */
  listContacts(): AsyncIterable<ContactCandidate[]>;
  listCompanies(): AsyncIterable<CompanyCandidate[]>;

  /** Per (id, field) the last change, with who made it. */
  history(kind: ObjectKind, ids: string[], fields: string[]): Promise<FieldChange[]>;

  /** Updates at the CRM's batch limit; one result per update, a per-record error is never lost. */
  writeBatch(kind: ObjectKind, updates: RecordUpdate[]): Promise<WriteResult[]>;
  createActivity(activity: ActivityInput): Promise<{ id: string }>;
  /**
   * Per contact id, the open deals it takes part in, most recently modified first, batched at the
   * CRM's limits; a contact with none is absent from the map.
   */
  openDeals(contactIds: string[]): Promise<Map<string, OpenDeal[]>>;
  performAction(action: CrmAction): Promise<ActionResult>;
  listUsers(): Promise<CrmUser[]>;

  webhooks: {
    /**
     * What parsing needs learnt before the first delivery, where the CRM says it only through a call
     * (Salesforce: the integration user, to tell inrecord's own changes from a person's).
     */
    prepare?(): Promise<void>;
    /**
     * Why no delivery can be verified with the connection's settings as they are (a secret or the
     * credentials missing), with the fix; null when deliveries can be verified. `verify` refuses
     * every delivery for this reason, `check` and the daemon's start say so.
     */
    unverifiable(): { reason: string; fix: string } | null;
    verify(req: WebhookRequest): VerifyResult;
    /**
     * Throws `IR_WEBHOOK_PAYLOAD` for a body that is not a delivery, `IR_WEBHOOK_TOO_LARGE` for one
     * over the CRM's documented limits (events per delivery) or inrecord's size limit.
     */
    parse(req: WebhookRequest): WebhookBatch;
    /** Bodies longer than this are refused before they are read (413). Absent: the server's limit. */
    maxBodyBytes?: number;
    /** Registers delivery to `targetUrl` where the API allows it. */
    subscribe(targetUrl: string, kinds: ObjectKind[]): Promise<void>;
    /**
     * The body the CRM expects in answer to an accepted delivery, when it expects one (Salesforce
     * keeps retrying an Outbound Message until it gets its SOAP Ack). Absent: a JSON 200 will do.
     */
    acknowledgement?: { contentType: string; body: string };
  };
  /** The CRM's change stream, where it has one (the `triggers.changeStream` setting uses it). */
  readonly changeStream?: ChangeStream;

  stats(): CallStats;
  close(): Promise<void>;
}
