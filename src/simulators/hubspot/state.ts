/**
 * The simulated HubSpot account: records of each object type with their property history
 * (reference §2.4), the property registry (§5), contact e-mail uniqueness (§6), associations v4
 * (§7) and owners. No HTTP here: routes.ts turns requests into calls on this state.
 */
import { randomUUID } from 'node:crypto';
import {
  CLOSED_STAGE_IDS,
  CREATED_PROP,
  DEAL_STAGE_IDS,
  MODIFIED_PROP,
  OBJECT_TYPES,
  type ObjectType,
  type PropertyDef,
  defaultProperties,
} from './schema.js';
import { type CheckContext, type ValueError, checkValue, searchablePhones } from './values.js';
import { isoTime } from '../seed/index.js';
import { RecordIndex } from './indexes.js';
import { ENGAGEMENT_FIRST_IDS } from './engagements.js';
import { AssociationStore } from './associations.js';

export { type AssociationLabel, type AssociationTypeSpec, associationLabel, defaultAssociation, legacyAssociationName } from './associations.js';

export type SourceType = 'INTEGRATION' | 'CRM_UI' | 'IMPORT' | 'CALCULATED';

export interface HistoryEntry {
  value: string;
  timestamp: string;
  sourceType: SourceType;
  sourceId?: string;
  updatedByUserId?: number;
}

export interface HsRecord {
  id: number;
  type: ObjectType;
  props: Record<string, string>;
  /** Changes after creation, newest first (§2.4); `historyOf` adds the values set at creation. */
  history: Record<string, HistoryEntry[]>;
  /** Values set at creation and who set them (kept apart: seeding 20,000 records stays fast). */
  initial: Record<string, string>;
  origin: WriteSource;
  createdAt: number;
  updatedAt: number;
  archivedAt: number | null;
}

export interface Owner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface WriteSource {
  sourceType: SourceType;
  sourceId?: string;
  userId?: number;
}

/** One change, for the stats and the webhook dispatcher. */
export interface ChangeNotice {
  type: ObjectType;
  id: number;
  action: 'creation' | 'propertyChange' | 'deletion' | 'merge';
  changes: { name: string; value: string }[];
  source: WriteSource;
  at: number;
  /** A merge: the record kept (`id`), the ones merged into it, how many values moved (§8.2). */
  merge?: { mergedObjectIds: number[]; numberOfPropertiesMoved: number };
}

export class ConflictError extends Error {
  constructor(readonly existingId: number) {
    super(`Contact already exists. Existing ID: ${existingId}`);
  }
}

export class ValuesError extends Error {
  constructor(readonly errors: ValueError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

/** HubSpot's default lifecycle stages, earliest first. */
const LIFECYCLE = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'];

/** True when `next` is a default stage earlier than `current` (custom stages have no known order). */
export function lifecycleBackward(current: string | undefined, next: string | undefined): boolean {
  if (!current || !next) return false;
  const from = LIFECYCLE.indexOf(current);
  const to = LIFECYCLE.indexOf(next);
  return from >= 0 && to >= 0 && to < from;
}

/** A property group (`/crm/v3/properties/{type}/groups`): every property names one. */
export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

/** Labels of the groups HubSpot's own properties sit in. */
const GROUP_LABELS: Record<string, string> = {
  contactinformation: 'Contact information',
  companyinformation: 'Company information',
  dealinformation: 'Deal information',
  engagement: 'Engagement',
  task: 'Task',
};

export class HubspotState {
  readonly portalId: number;
  readonly appId: number;
  readonly records: Record<ObjectType, Map<number, HsRecord>>;
  readonly properties: Record<ObjectType, Map<string, PropertyDef>>;
  readonly owners: Owner[] = [];
  /** Lower-cased e-mail (primary or additional) → contact id; a seeded duplicate keeps the first. */
  private readonly emailIndex = new Map<string, number>();
  private readonly nextId: Record<ObjectType, number>;
  /** Search indexes per object type (indexes.ts), made on the first search of that type. */
  private readonly searchIndexes = new Map<ObjectType, RecordIndex>();
  readonly listeners: ((n: ChangeNotice) => void)[] = [];
  /** The pipeline stages (externalOptions of dealstage). */
  readonly dealStages = [...DEAL_STAGE_IDS];

  constructor(seed = 1) {
    this.portalId = 20_000_000 + (seed % 1_000_000);
    this.appId = 3_000_000 + (seed % 100_000);
    this.records = {
      contacts: new Map(),
      companies: new Map(),
      deals: new Map(),
      notes: new Map(),
      tasks: new Map(),
      emails: new Map(),
      meetings: new Map(),
      calls: new Map(),
    };
    this.properties = {
      contacts: new Map(),
      companies: new Map(),
      deals: new Map(),
      notes: new Map(),
      tasks: new Map(),
      emails: new Map(),
      meetings: new Map(),
      calls: new Map(),
    };
    // Realistic id ranges: contact and company ids are unrelated numbers (§2.1: unique per type only).
    this.nextId = {
      contacts: 51,
      companies: 18_000_000_001,
      deals: 9_000_000_001,
      notes: 40_000_000_001,
      tasks: 60_000_000_001,
      ...ENGAGEMENT_FIRST_IDS,
    };
    for (const t of OBJECT_TYPES) for (const d of defaultProperties(t)) this.properties[t].set(d.name, d);
  }

  now(): number {
    return Date.now();
  }

  /** Allowed values of externalOptions enumerations. */
  external(type: ObjectType): (name: string) => string[] | undefined {
    return (name) => {
      if (name === 'hubspot_owner_id') return this.owners.filter((o) => !o.archived).map((o) => o.id);
      if (name === 'dealstage' && type === 'deals') return this.dealStages;
      if (name === 'pipeline' && type === 'deals') return ['default'];
      return undefined;
    };
  }

  get(type: ObjectType, id: number): HsRecord | undefined {
    return this.records[type].get(id);
  }

  live(type: ObjectType, id: number): HsRecord | undefined {
    const r = this.records[type].get(id);
    return r && r.archivedAt === null ? r : undefined;
  }

  /** The search indexes of `type`; they follow every create, update and archive from then on. */
  searchIndex(type: ObjectType): RecordIndex {
    let idx = this.searchIndexes.get(type);
    if (!idx) {
      idx = new RecordIndex(this.records[type]);
      this.searchIndexes.set(type, idx);
    }
    return idx;
  }

  contactByEmail(email: string): HsRecord | undefined {
    const id = this.emailIndex.get(email.trim().toLowerCase());
    return id === undefined ? undefined : this.live('contacts', id);
  }

  /** Validates `input` for `type`; returns stored strings or throws ValuesError (§5.5). */
  check(
    type: ObjectType,
    input: Record<string, unknown>,
    current: HsRecord | undefined,
    opts: { allowReadOnly?: boolean } = {},
  ): Record<string, string> {
    const defs = this.properties[type];
    const errors: ValueError[] = [];
    const out: Record<string, string> = {};
    const ctx: CheckContext = { external: this.external(type), allowReadOnly: opts.allowReadOnly };
    for (const [name, raw] of Object.entries(input)) {
      const c = checkValue(defs.get(name), name, raw, { ...ctx, current: current?.props[name] ?? null });
      if (c.ok) out[name] = c.value;
      else errors.push(c.err);
    }
    if (errors.length > 0) throw new ValuesError(errors);
    return out;
  }

  /** Contacts only: the first contact other than `self` already holding one of `emails` (§6). */
  emailConflict(values: Record<string, string>, self?: number): number | undefined {
    const emails = [values.email, ...(values.hs_additional_emails ?? '').split(';')].filter(
      (e): e is string => !!e,
    );
    for (const e of emails) {
      const hit = this.contactByEmail(e);
      if (hit && hit.id !== self) return hit.id;
    }
    return undefined;
  }

  private index(r: HsRecord, remove = false): void {
    if (r.type !== 'contacts') return;
    const one = (raw: string | undefined) => {
      if (!raw) return;
      const e = raw.trim().toLowerCase();
      if (remove) {
        if (this.emailIndex.get(e) === r.id) this.emailIndex.delete(e);
      } else if (!this.emailIndex.has(e)) this.emailIndex.set(e, r.id);
    };
    one(r.props.email);
    const extra = r.props.hs_additional_emails;
    if (extra) for (const e of extra.split(';')) one(e);
  }

  private derive(r: HsRecord, values: Record<string, string>): Record<string, string> {
    const extra: Record<string, string> = {};
    if (r.type === 'contacts' && 'email' in values)
      extra.hs_email_domain = values.email.includes('@') ? values.email.split('@')[1].toLowerCase() : '';
    if (r.type === 'deals' && 'dealstage' in values) extra.hs_is_closed = String(CLOSED_STAGE_IDS.includes(values.dealstage));
    return extra;
  }

  /**
   * Creates a record. `unique: false` is the import path: the seeded duplicates HubSpot lets in
   * through imports (same person twice, e-mail in another case, §6) bypass the 409.
   */
  create(
    type: ObjectType,
    values: Record<string, string>,
    source: WriteSource,
    opts: { at?: number; unique?: boolean; id?: number } = {},
  ): HsRecord {
    if (type === 'contacts' && opts.unique !== false) {
      const existing = this.emailConflict(values);
      if (existing !== undefined) throw new ConflictError(existing);
    }
    const at = opts.at ?? this.now();
    const id = opts.id ?? this.nextId[type]++;
    if (opts.id !== undefined && opts.id >= this.nextId[type]) this.nextId[type] = opts.id + 1;
    const iso = isoTime(at);
    if (type === 'deals' && !values.pipeline) values = { ...values, pipeline: 'default' };
    const r: HsRecord = {
      id,
      type,
      props: {},
      history: {},
      initial: {},
      origin: source,
      createdAt: at,
      updatedAt: at,
      archivedAt: null,
    };
    // One pass: empty strings are not stored (§2.3).
    const all: Record<string, string> = {};
    for (const k in values) if (values[k] !== '') all[k] = values[k];
    if (type === 'contacts' && all.email)
      all.hs_email_domain = all.email.includes('@') ? all.email.split('@')[1].toLowerCase() : '';
    if (type === 'deals' && all.dealstage) all.hs_is_closed = String(CLOSED_STAGE_IDS.includes(all.dealstage));
    r.initial = all;
    const props: Record<string, string> = Object.assign({}, all);
    if (type === 'contacts') for (const [k, v] of Object.entries(searchablePhones(all))) if (v) props[k] = v;
    props.hs_object_id = String(id);
    props[CREATED_PROP[type]] = iso;
    props[MODIFIED_PROP[type]] = iso;
    if (type === 'contacts') {
      props.hs_lastmodifieddate = iso;
      props.hs_object_source =
        source.sourceType === 'IMPORT' ? 'IMPORT' : source.sourceType === 'CRM_UI' ? 'CRM_UI' : 'INTEGRATION';
    }
    r.props = props;
    this.records[type].set(id, r);
    this.index(r);
    this.searchIndexes.get(type)?.created(r);
    if (this.listeners.length > 0)
      this.notify({
        type,
        id,
        action: 'creation',
        changes: Object.entries(all).map(([name, value]) => ({ name, value })),
        source,
        at,
      });
    return r;
  }

  /** Import: the record was last modified at `at`, after its creation (seeded worlds). */
  setModifiedAt(r: HsRecord, at: number): void {
    const searchIndex = this.searchIndexes.get(r.type);
    searchIndex?.remove(r);
    r.updatedAt = at;
    const iso = isoTime(at);
    r.props[MODIFIED_PROP[r.type]] = iso;
    if (r.type === 'contacts') r.props.hs_lastmodifieddate = iso;
    searchIndex?.add(r);
  }

  /** The full history of one property, newest first, the creation value last (§2.4). */
  historyOf(r: HsRecord, name: string): HistoryEntry[] {
    const later = r.history[name] ?? [];
    const created = new Date(r.createdAt).toISOString();
    let first: HistoryEntry | undefined;
    if (name in r.initial) {
      first = { value: r.initial[name], timestamp: created, sourceType: r.origin.sourceType };
      if (r.origin.sourceId !== undefined) first.sourceId = r.origin.sourceId;
      if (r.origin.userId !== undefined) first.updatedByUserId = r.origin.userId;
    } else if (name === 'hs_object_id' || name === CREATED_PROP[r.type]) {
      first = { value: r.props[name] ?? '', timestamp: created, sourceType: 'CALCULATED' };
    }
    return first ? [...later, first] : [...later];
  }

  private setProp(r: HsRecord, name: string, value: string, source: WriteSource, at: number): void {
    if (value === '') delete r.props[name];
    else r.props[name] = value;
    const entry: HistoryEntry = {
      value,
      timestamp: new Date(at).toISOString(),
      sourceType: source.sourceType,
    };
    if (source.sourceId !== undefined) entry.sourceId = source.sourceId;
    if (source.userId !== undefined) entry.updatedByUserId = source.userId;
    const h = r.history[name];
    if (h) h.unshift(entry);
    else r.history[name] = [entry];
  }

  /** Applies checked values; unchanged values are not recorded (HubSpot keeps no no-op history). */
  update(r: HsRecord, values: Record<string, string>, source: WriteSource, at = this.now()): string[] {
    if (r.type === 'contacts') {
      const existing = this.emailConflict(values, r.id);
      if (existing !== undefined) throw new ConflictError(existing);
    }
    // A record's timestamps only move forward even when two writes share a millisecond.
    const t = Math.max(at, r.updatedAt + 1);
    if (source.sourceType === 'INTEGRATION' && lifecycleBackward(r.props.lifecyclestage, values.lifecyclestage)) {
      // Through the API the lifecycle stage only moves forward: an earlier stage is ignored unless
      // the value is cleared first (reference §5.5, [S9]).
      values = { ...values };
      delete values.lifecyclestage;
    }
    const all = { ...values, ...this.derive(r, values) };
    const changed: string[] = [];
    const searchIndex = this.searchIndexes.get(r.type);
    searchIndex?.remove(r);
    this.index(r, true);
    for (const [k, v] of Object.entries(all)) {
      if ((r.props[k] ?? '') === v) continue;
      this.setProp(r, k, v, source, t);
      changed.push(k);
    }
    // calculated, never reported as a change of their own
    if (r.type === 'contacts')
      for (const [k, v] of Object.entries(searchablePhones(all))) {
        if (v) r.props[k] = v;
        else delete r.props[k];
      }
    this.index(r);
    // Every write bumps the last-modified date, even a no-op one (§2.2).
    r.updatedAt = t;
    const iso = new Date(t).toISOString();
    r.props[MODIFIED_PROP[r.type]] = iso;
    if (r.type === 'contacts') r.props.hs_lastmodifieddate = iso;
    searchIndex?.add(r);
    if (changed.length > 0)
      this.notify({
        type: r.type,
        id: r.id,
        action: 'propertyChange',
        changes: changed
          .filter((k) => !(k in this.derive(r, {})))
          .map((name) => ({ name, value: all[name] })),
        source,
        at: t,
      });
    return changed;
  }

  /** Archives a record; `silent`: no deletion event (a merged-away record, told by the merge event). */
  archive(r: HsRecord, source: WriteSource, at = this.now(), silent = false): void {
    if (r.archivedAt !== null) return;
    this.searchIndexes.get(r.type)?.remove(r);
    r.archivedAt = at;
    this.index(r, true);
    if (!silent) this.notify({ type: r.type, id: r.id, action: 'deletion', changes: [], source, at });
  }

  /**
   * Merges `other` into `primary` (reference §3.8): the primary keeps its id and its values, takes
   * the other's value for each property it has none of, lists the other in `hs_merged_object_ids`;
   * a contact keeps the other's e-mail addresses as additional ones. The other's associations move
   * to the primary, and the other is archived; one merge event tells it (no deletion event).
   */
  merge(primary: HsRecord, other: HsRecord, source: WriteSource, at = this.now()): void {
    const type = primary.type;
    const own = new Set(['hs_object_id', CREATED_PROP[type], MODIFIED_PROP[type], 'hs_lastmodifieddate', 'hs_object_source', 'hs_email_domain', 'email', 'hs_additional_emails', 'hs_merged_object_ids']);
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(other.props)) if (!own.has(k) && v !== '' && (primary.props[k] ?? '') === '') values[k] = v;
    const merged = [...(primary.props.hs_merged_object_ids ?? '').split(';'), String(other.id), ...(other.props.hs_merged_object_ids ?? '').split(';')];
    values.hs_merged_object_ids = [...new Set(merged.filter((x) => x !== ''))].join(';');
    if (type === 'contacts') {
      const mine = (primary.props.email ?? '').toLowerCase();
      const emails = [...(primary.props.hs_additional_emails ?? '').split(';'), other.props.email ?? '', ...(other.props.hs_additional_emails ?? '').split(';')];
      const extra = [...new Set(emails.map((e) => e.trim()).filter((e) => e !== '' && e.toLowerCase() !== mine))];
      if (extra.length > 0) values.hs_additional_emails = extra.join(';');
    }
    const moved = OBJECT_TYPES.map((to) => [to, this.associations(type, other.id, to)] as const);
    this.archive(other, source, at, true);
    for (const [to, found] of moved) for (const a of found) if (!(to === type && a.id === primary.id)) this.associate(type, primary.id, to, a.id, a.types);
    const filled = this.update(primary, values, source, at).filter((k) => k !== 'hs_merged_object_ids' && k !== 'hs_additional_emails').length;
    this.notify({ type, id: primary.id, action: 'merge', changes: [], source, at: primary.updatedAt, merge: { mergedObjectIds: [other.id], numberOfPropertiesMoved: filled } });
  }

  /** Associations v4 and the user's association labels (associations.ts). */
  readonly assoc = new AssociationStore((type, id) => this.live(type, id) !== undefined);

  /** Creates the association from → to with `typeIds` and the inverse types (§7.1: bidirectional). */
  associate(from: ObjectType, fromId: number, to: ObjectType, toId: number, typeIds?: number[]): number[] {
    return this.assoc.associate(from, fromId, to, toId, typeIds);
  }

  dissociate(from: ObjectType, fromId: number, to: ObjectType, toId: number): void {
    this.assoc.dissociate(from, fromId, to, toId);
  }

  /** Associated live records of `to`, in id order, with their type ids. */
  associations(from: ObjectType, fromId: number, to: ObjectType): { id: number; types: number[] }[] {
    return this.assoc.associations(from, fromId, to);
  }

  isKnownType(from: ObjectType, to: ObjectType, typeId: number): boolean {
    return this.assoc.isKnownType(from, to, typeId);
  }

  addOwner(o: Omit<Owner, 'archived' | 'createdAt' | 'updatedAt'> & { archived?: boolean }): Owner {
    const at = '2024-01-15T09:00:00.000Z';
    const owner: Owner = { archived: false, createdAt: at, updatedAt: at, ...o };
    this.owners.push(owner);
    return owner;
  }

  addProperty(type: ObjectType, def: PropertyDef): void {
    this.properties[type].set(def.name, def);
  }

  private readonly groups = new Map<ObjectType, Map<string, PropertyGroup>>();

  /** The property groups of a type: on first use, the groups its seeded properties sit in. */
  propertyGroups(type: ObjectType): Map<string, PropertyGroup> {
    let groups = this.groups.get(type);
    if (!groups) {
      groups = new Map();
      for (const d of this.properties[type].values()) {
        if (!groups.has(d.groupName)) groups.set(d.groupName, { name: d.groupName, label: GROUP_LABELS[d.groupName] ?? d.groupName, displayOrder: groups.size, archived: false });
      }
      this.groups.set(type, groups);
    }
    return groups;
  }

  private notify(n: ChangeNotice): void {
    for (const l of this.listeners) l(n);
  }

  correlationId(): string {
    return randomUUID();
  }
}
