/**
 * The Pipedrive CrmConnector: the API session (client.ts) and one part per role, composed.
 */
import type { CrmConnection } from '../../config/index.js';
import type { ConnectorDeps } from '../registry.js';
import type {
  ActionResult,
  ActivityInput,
  BatchLimits,
  CallStats,
  CompanyCandidate,
  ConnectorOAuth,
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
  WriteResult,
} from '../types.js';
import { PipedriveActivities } from './activities.js';
import { pipedriveCard } from './card.js';
import { PipedriveClient } from './client.js';
import { PipedriveHistory } from './history.js';
import { PipedriveRecords } from './records.js';
import { PipedriveSchema } from './schema.js';
import { PipedriveSearch } from './search.js';
import { pipedriveWebhooks } from './webhooks.js';

export class PipedriveConnector implements CrmConnector {
  readonly crm = 'pipedrive' as const;
  // Pipedrive has no batch update: one call per record. writeBatch runs several of them at
  // once (paced by the limiter), so callers hand it 50 records at a time.
  readonly limits: BatchLimits = pipedriveCard.batch;
  readonly rateLimit: RateLimitPolicy;
  readonly authorisation?: ConnectorOAuth;
  readonly webhooks: CrmConnector['webhooks'];
  private readonly api: PipedriveClient;
  private readonly schema: PipedriveSchema;
  private readonly records: PipedriveRecords;
  private readonly search: PipedriveSearch;
  private readonly changes: PipedriveHistory;
  private readonly activities: PipedriveActivities;

  constructor(conn: CrmConnection, deps: ConnectorDeps) {
    this.api = new PipedriveClient(conn, deps);
    this.rateLimit = this.api.rateLimit;
    this.authorisation = this.api.authorisation;
    this.schema = new PipedriveSchema(this.api);
    this.records = new PipedriveRecords(this.api, this.schema);
    this.search = new PipedriveSearch(this.api);
    this.changes = new PipedriveHistory(this.api, this.schema);
    this.activities = new PipedriveActivities(this.api);
    this.webhooks = pipedriveWebhooks(this.api);
  }

  objectName(kind: ObjectKind): string {
    return this.schema.objectName(kind);
  }
  describe(kind: ObjectKind, opts: { fresh?: boolean } = {}): Promise<ObjectSchema> {
    return this.schema.describe(kind, opts);
  }
  createField(kind: ObjectKind, spec: FieldSpec): Promise<FieldSchema> {
    return this.schema.createField(kind, spec);
  }
  listUsers(): Promise<CrmUser[]> {
    return this.schema.listUsers();
  }

  read(kind: ObjectKind, ids: string[], fields: string[]): Promise<CrmRecord[]> {
    return this.records.read(kind, ids, fields);
  }
  readChanged(kind: ObjectKind, since: string | null, fields: string[]): AsyncIterable<CrmRecord[]> {
    return this.records.readChanged(kind, since, fields);
  }
  readDeleted(kind: ObjectKind, since: string): Promise<DeletedRecord[]> {
    return this.records.readDeleted(kind, since);
  }
  writeBatch(kind: ObjectKind, updates: RecordUpdate[]): Promise<WriteResult[]> {
    return this.records.writeBatch(kind, updates);
  }

  findContacts(q: { emails?: string[]; names?: { firstName?: string; lastName: string }[] }): Promise<ContactCandidate[]> {
    return this.search.findContacts(q);
  }
  findCompanies(q: { domains?: string[]; names?: string[] }): Promise<CompanyCandidate[]> {
    return this.search.findCompanies(q);
  }
  listContacts(): AsyncIterable<ContactCandidate[]> {
    return this.search.listContacts();
  }
  listCompanies(): AsyncIterable<CompanyCandidate[]> {
    return this.search.listCompanies();
  }

  history(kind: ObjectKind, ids: string[], fields: string[]): Promise<FieldChange[]> {
    return this.changes.history(kind, ids, fields);
  }

  createActivity(activity: ActivityInput): Promise<{ id: string }> {
    return this.activities.createActivity(activity);
  }
  openDeals(contactIds: string[]): Promise<Map<string, OpenDeal[]>> {
    return this.activities.openDeals(contactIds);
  }
  performAction(action: CrmAction): Promise<ActionResult> {
    return this.activities.performAction(action);
  }

  stats(): CallStats {
    return this.api.stats();
  }

  async close(): Promise<void> {}

  /** Prepares the integration user id (for webhook actor attribution), best effort. */
  async init(): Promise<void> {
    await this.api.me().catch(() => null);
  }
}
