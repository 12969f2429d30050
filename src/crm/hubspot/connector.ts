/**
 * The HubSpot CrmConnector: the API session (client.ts) and one part per role, composed.
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
import { HubspotActivities } from './activities.js';
import { hubspotCard } from './card.js';
import { HubspotClient, type HubspotConnectorOptions } from './client.js';
import { HubspotHistory } from './history.js';
import { HubspotRecords } from './records.js';
import { HubspotSchema } from './schema.js';
import { HubspotSearch } from './search.js';
import { hubspotWebhooks } from './webhooks.js';

export type { HubspotConnectorOptions } from './client.js';

export class HubspotConnector implements CrmConnector {
  readonly crm = 'hubspot' as const;
  readonly limits: BatchLimits = hubspotCard.batch;
  readonly rateLimit: RateLimitPolicy;
  readonly authorisation?: ConnectorOAuth;
  readonly webhooks: CrmConnector['webhooks'];
  private readonly api: HubspotClient;
  private readonly schema: HubspotSchema;
  private readonly records: HubspotRecords;
  private readonly search: HubspotSearch;
  private readonly changes: HubspotHistory;
  private readonly activities: HubspotActivities;

  constructor(conn: CrmConnection, deps: ConnectorDeps, opts: HubspotConnectorOptions = {}) {
    this.api = new HubspotClient(conn, deps, opts);
    this.rateLimit = this.api.rateLimit;
    this.authorisation = this.api.authorisation;
    this.schema = new HubspotSchema(this.api);
    this.records = new HubspotRecords(this.api, this.schema);
    this.search = new HubspotSearch(this.api);
    this.changes = new HubspotHistory(this.api, this.schema);
    this.activities = new HubspotActivities(this.api, this.schema);
    this.webhooks = hubspotWebhooks(this.api, this.schema);
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
