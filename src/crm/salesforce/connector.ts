/**
 * The Salesforce CrmConnector: the API session (client.ts) and one part per role, composed.
 */
import type { CrmConnection } from '../../config/index.js';
import type { ConnectorDeps } from '../registry.js';
import type {
  ActionResult,
  ActivityInput,
  BatchLimits,
  CallStats,
  ChangeStream,
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
import { SalesforceActivities } from './activities.js';
import { SalesforceClient } from './client.js';
import { SalesforceHistory } from './history.js';
import { SalesforceRecords } from './records.js';
import { SalesforceSchema } from './schema.js';
import { SalesforceSearch } from './search.js';
import { salesforceChanges, salesforceWebhooks } from './webhooks.js';

export class SalesforceConnector implements CrmConnector {
  readonly crm = 'salesforce' as const;
  readonly limits: BatchLimits;
  readonly rateLimit: RateLimitPolicy;
  readonly authorisation?: ConnectorOAuth;
  readonly webhooks: CrmConnector['webhooks'];
  /** Change Data Capture over the Streaming API (streaming.ts). */
  readonly changeStream: ChangeStream;
  private readonly api: SalesforceClient;
  private readonly schema: SalesforceSchema;
  private readonly records: SalesforceRecords;
  private readonly search: SalesforceSearch;
  private readonly changes: SalesforceHistory;
  private readonly activities: SalesforceActivities;

  constructor(cfg: CrmConnection, deps: ConnectorDeps) {
    this.api = new SalesforceClient(cfg, deps);
    this.limits = this.api.limits;
    this.rateLimit = this.api.rateLimit;
    this.authorisation = this.api.authorisation;
    this.schema = new SalesforceSchema(this.api);
    this.records = new SalesforceRecords(this.api, this.schema);
    this.search = new SalesforceSearch(this.api, this.schema);
    this.changes = new SalesforceHistory(this.api, this.schema);
    this.activities = new SalesforceActivities(this.api, this.records);
    this.webhooks = salesforceWebhooks(this.api);
    this.changeStream = salesforceChanges(this.api);
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
}
