/**
 * A CrmConnector composed of the parts every CRM folder holds, one per role (ARCHITECTURE.md, "The
 * shape of a CRM folder"): each method is answered by the part of its role. A CRM's connector.ts
 * builds its parts on its client and hands them here.
 */
import type { CrmName } from './names.js';
import type {
  ActionResult,
  ActivityInput,
  BatchLimits,
  CallStats,
  ChangeStream,
  CompanyCandidate,
  ConnectorOAuth,
  ContactCandidate,
  ContactQuery,
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
  ReadChangedOptions,
  RecordUpdate,
  WriteResult,
} from './types.js';

export interface ConnectorParts {
  limits: BatchLimits;
  rateLimit: RateLimitPolicy;
  authorisation?: ConnectorOAuth;
  /** schema.ts */
  schema: Pick<CrmConnector, 'objectName' | 'describe' | 'createField' | 'listUsers'>;
  /** records.ts */
  records: Pick<CrmConnector, 'read' | 'readChanged' | 'readDeleted' | 'writeBatch'>;
  /** search.ts */
  search: Pick<CrmConnector, 'findContacts' | 'findCompanies' | 'listContacts' | 'listCompanies'>;
  /** history.ts */
  history: Pick<CrmConnector, 'history'>;
  /** activities.ts */
  activities: Pick<CrmConnector, 'createActivity' | 'openDeals' | 'performAction'>;
  /** webhooks.ts */
  webhooks: CrmConnector['webhooks'];
  changeStream?: ChangeStream;
  /** client.ts */
  stats(): CallStats;
}

export abstract class ComposedConnector implements CrmConnector {
  abstract readonly crm: CrmName;
  readonly limits: BatchLimits;
  readonly rateLimit: RateLimitPolicy;
  readonly authorisation?: ConnectorOAuth;
  readonly webhooks: CrmConnector['webhooks'];
  readonly changeStream?: ChangeStream;

  constructor(private readonly parts: ConnectorParts) {
    this.limits = parts.limits;
    this.rateLimit = parts.rateLimit;
    this.authorisation = parts.authorisation;
    this.webhooks = parts.webhooks;
    this.changeStream = parts.changeStream;
  }

  objectName(kind: ObjectKind): string {
    return this.parts.schema.objectName(kind);
  }
  describe(kind: ObjectKind, opts: { fresh?: boolean } = {}): Promise<ObjectSchema> {
    return this.parts.schema.describe(kind, opts);
  }
  createField(kind: ObjectKind, spec: FieldSpec): Promise<FieldSchema> {
    return this.parts.schema.createField(kind, spec);
  }
  listUsers(): Promise<CrmUser[]> {
    return this.parts.schema.listUsers();
  }

  read(kind: ObjectKind, ids: string[], fields: string[]): Promise<CrmRecord[]> {
    return this.parts.records.read(kind, ids, fields);
  }
  readChanged(kind: ObjectKind, since: string | null, fields: string[], opts?: ReadChangedOptions): AsyncIterable<CrmRecord[]> {
    return this.parts.records.readChanged(kind, since, fields, opts);
  }
  readDeleted(kind: ObjectKind, since: string): Promise<DeletedRecord[]> {
    return this.parts.records.readDeleted(kind, since);
  }
  writeBatch(kind: ObjectKind, updates: RecordUpdate[]): Promise<WriteResult[]> {
    return this.parts.records.writeBatch(kind, updates);
  }

  findContacts(q: ContactQuery): Promise<ContactCandidate[]> {
    return this.parts.search.findContacts(q);
  }
  findCompanies(q: { domains?: string[]; names?: string[] }): Promise<CompanyCandidate[]> {
    return this.parts.search.findCompanies(q);
  }
  listContacts(): AsyncIterable<ContactCandidate[]> {
    return this.parts.search.listContacts();
  }
  listCompanies(): AsyncIterable<CompanyCandidate[]> {
    return this.parts.search.listCompanies();
  }

  history(kind: ObjectKind, ids: string[], fields: string[]): Promise<FieldChange[]> {
    return this.parts.history.history(kind, ids, fields);
  }

  createActivity(activity: ActivityInput): Promise<{ id: string }> {
    return this.parts.activities.createActivity(activity);
  }
  openDeals(contactIds: string[]): Promise<Map<string, OpenDeal[]>> {
    return this.parts.activities.openDeals(contactIds);
  }
  performAction(action: CrmAction): Promise<ActionResult> {
    return this.parts.activities.performAction(action);
  }

  stats(): CallStats {
    return this.parts.stats();
  }

  async close(): Promise<void> {}
}
