/**
 * The simulated Pipedrive company: users, field definitions, entities, changelog rows, webhooks,
 * pipelines and stages, and the catalogue (catalog.ts: products, followers, activity types); their
 * types are model.ts's. Every write goes through `applyChange`, which records one changelog row per
 * changed field (§7.3), bumps update_time and emits one change event (webhooks v2 send exactly one
 * `change` per edit, §5.2). No HTTP here.
 */
import {
  type EntityType,
  type FieldDef,
  type FieldOptionDef,
  buildFieldDefs,
  changelogString,
  type CustomFieldSpec,
  makeCustomField,
} from './schema.js';
import { type CatalogSnapshot, PipedriveCatalog } from './catalog.js';
import {
  type Actor,
  type ChangeEventRecord,
  type ChangelogRow,
  ENTITY_TYPES,
  type Entity,
  type FieldEntity,
  type Pipeline,
  type PipedriveSnapshot,
  type Stage,
  type User,
  type Webhook,
} from './model.js';

export class PipedriveState {
  readonly users: User[] = [];
  readonly fields: Record<FieldEntity, FieldDef[]>;
  readonly pipelines: Pipeline[] = [];
  readonly stages: Stage[] = [];
  readonly webhooks: Webhook[] = [];
  /** Products, deal products, followers and activity types. */
  catalog = new PipedriveCatalog();
  /** Entities of each type, ascending id. */
  private readonly lists: Record<EntityType, Entity[]> = { person: [], organization: [], deal: [], activity: [], note: [] };
  private readonly byId: Record<EntityType, Map<number, Entity>> = {
    person: new Map(),
    organization: new Map(),
    deal: new Map(),
    activity: new Map(),
    note: new Map(),
  };
  private readonly nextId: Record<EntityType, number> = { person: 1, organization: 1, deal: 1, activity: 1, note: 1 };
  /** Changelog rows per `${type}:${id}`, oldest first. */
  private readonly changelogs = new Map<string, ChangelogRow[]>();
  /** Lower-cased email → person ids (the persons search index). */
  private readonly emailIndex = new MultiIndex();
  /** `${type}:${lower-cased name or title}` → ids (exact-match search). */
  private readonly nameIndex = new MultiIndex();
  /** Entities of a type ordered by (sort key, id), rebuilt after a write (list sort_by ≠ id). */
  private readonly sortedCache = new Map<string, Entity[]>();
  private readonly derivedCache = new Map<string, unknown>();
  private seq = 1;
  private fieldId = 1;
  private optionId = 1;
  private webhookId = 1;
  listeners: ((e: ChangeEventRecord) => void)[] = [];
  /** The clock (tests move it forward to separate update times by whole seconds). */
  now: () => number = Date.now;

  constructor(
    readonly seed: number,
    readonly companyId = 7_000_000 + (seed % 1000),
    readonly companyDomain = `simco-${seed}`,
  ) {
    const at = Date.UTC(2024, 0, 2, 9, 0, 0);
    const nf = () => this.fieldId++;
    const no = () => this.optionId++;
    this.fields = {
      person: buildFieldDefs('person', seed, nf, no, at),
      organization: buildFieldDefs('organization', seed, nf, no, at),
      deal: buildFieldDefs('deal', seed, nf, no, at),
    };
  }

  // ---------- reads ----------

  get(type: EntityType, id: number): Entity | undefined {
    return this.byId[type].get(id);
  }

  /** Every entity of a type, ascending id, deleted ones included. */
  all(type: EntityType): readonly Entity[] {
    return this.lists[type];
  }

  count(type: EntityType): number {
    return this.lists[type].length;
  }

  personsByEmail(email: string): Entity[] {
    const ids = this.emailIndex.get(email.trim().toLowerCase());
    return ids.map((id) => this.byId.person.get(id)).filter((e): e is Entity => !!e && e.deletedAt === null);
  }

  personsOrOrgsByName(type: EntityType, name: string): Entity[] {
    const ids = this.nameIndex.get(`${type}:${name.trim().toLowerCase()}`);
    return ids.map((id) => this.byId[type].get(id)).filter((e): e is Entity => !!e && e.deletedAt === null);
  }

  /** Entities ordered ascending by (key, id); cached until the next write to this type. */
  sortedBy(type: EntityType, sortKey: string, keyOf: (e: Entity) => number | string): readonly Entity[] {
    const k = `${type}:${sortKey}`;
    let rows = this.sortedCache.get(k);
    if (!rows) {
      const keys = new Map<Entity, number | string>();
      for (const e of this.lists[type]) keys.set(e, keyOf(e));
      rows = [...this.lists[type]].sort((a, b) => {
        const ka = keys.get(a) as number | string;
        const kb = keys.get(b) as number | string;
        return ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
      });
      this.sortedCache.set(k, rows);
    }
    return rows;
  }

  /** A value derived from every entity of a type (e.g. search texts), dropped at the next write. */
  derived<T>(type: EntityType, name: string, build: (rows: readonly Entity[]) => T): T {
    const k = `${type}:#${name}`;
    let v = this.derivedCache.get(k) as T | undefined;
    if (v === undefined) {
      v = build(this.lists[type]);
      this.derivedCache.set(k, v);
    }
    return v;
  }

  private touched(type: EntityType): void {
    if (this.derivedCache.size > 0) for (const k of [...this.derivedCache.keys()]) if (k.startsWith(`${type}:`)) this.derivedCache.delete(k);
    if (this.sortedCache.size === 0) return;
    for (const k of [...this.sortedCache.keys()]) if (k.startsWith(`${type}:`)) this.sortedCache.delete(k);
  }

  private indexName(e: Entity, old: unknown): void {
    if (typeof old === 'string') this.nameIndex.remove(`${e.type}:${old.trim().toLowerCase()}`, e.id);
    const name = e.core.name ?? e.core.title;
    if (typeof name !== 'string' || e.deletedAt !== null) return;
    const key = `${e.type}:${name.trim().toLowerCase()}`;
    this.nameIndex.add(key, e.id);
  }

  changelog(type: EntityType, id: number): readonly ChangelogRow[] {
    return this.changelogs.get(`${type}:${id}`) ?? [];
  }

  fieldDef(type: FieldEntity, key: string): FieldDef | undefined {
    return this.fields[type].find((f) => f.key === key);
  }

  customDefs(type: EntityType): FieldDef[] {
    return type === 'person' || type === 'organization' || type === 'deal' ? this.fields[type].filter((f) => f.custom) : [];
  }

  user(id: number): User | undefined {
    return this.users.find((u) => u.id === id);
  }

  // ---------- snapshot ----------

  /** Everything needed to restart the company where it was (the `snapshotFile` option). */
  toSnapshot(): PipedriveSnapshot {
    return {
      version: 1,
      seed: this.seed,
      companyId: this.companyId,
      companyDomain: this.companyDomain,
      users: this.users,
      fields: this.fields,
      pipelines: this.pipelines,
      stages: this.stages,
      webhooks: this.webhooks,
      entities: this.lists,
      changelogs: [...this.changelogs],
      counters: { nextId: this.nextId, seq: this.seq, fieldId: this.fieldId, optionId: this.optionId, webhookId: this.webhookId },
      catalog: this.catalog.toSnapshot(),
    };
  }

  static fromSnapshot(snap: PipedriveSnapshot): PipedriveState {
    if (snap.version !== 1) throw new Error(`unsupported Pipedrive simulator snapshot version ${String(snap.version)}`);
    const st = new PipedriveState(snap.seed, snap.companyId, snap.companyDomain);
    st.users.push(...snap.users);
    Object.assign(st.fields, snap.fields);
    st.pipelines.push(...snap.pipelines);
    st.stages.push(...snap.stages);
    st.webhooks.push(...snap.webhooks);
    for (const t of ENTITY_TYPES) {
      for (const e of snap.entities[t] ?? []) {
        st.lists[t].push(e);
        st.byId[t].set(e.id, e);
        if (t === 'person' && e.deletedAt === null) st.indexEmails(e, []);
        st.indexName(e, null);
      }
    }
    for (const [k, rows] of snap.changelogs) st.changelogs.set(k, rows);
    Object.assign(st.nextId, snap.counters.nextId);
    st.seq = snap.counters.seq;
    st.fieldId = snap.counters.fieldId;
    st.optionId = snap.counters.optionId;
    st.webhookId = snap.counters.webhookId;
    if (snap.catalog) st.catalog = PipedriveCatalog.fromSnapshot(snap.catalog);
    return st;
  }

  // ---------- writes ----------

  addUser(u: Omit<User, 'id'> & { id?: number }): User {
    const user: User = { ...u, id: u.id ?? (this.users.at(-1)?.id ?? 0) + 1 };
    this.users.push(user);
    return user;
  }

  addPipeline(name: string, stageNames: string[]): Pipeline {
    const p: Pipeline = { id: Math.max(0, ...this.pipelines.map((x) => x.id)) + 1, name };
    this.pipelines.push(p);
    stageNames.forEach((s, i) => {
      this.stages.push({
        id: Math.max(0, ...this.stages.map((x) => x.id)) + 1,
        name: s,
        pipeline_id: p.id,
        order_nr: i + 1,
        deal_probability: Math.round(((i + 1) / stageNames.length) * 100),
      });
    });
    return p;
  }

  addCustomField(type: FieldEntity, spec: CustomFieldSpec): FieldDef {
    const def = makeCustomField(type, spec, this.seed + this.fieldId * 7919, () => this.fieldId++, () => this.optionId++, this.now());
    this.fields[type].push(def);
    this.touched(type);
    return def;
  }

  /** Removes options of a field by id; answers the removed ones. */
  removeFieldOptions(def: FieldDef, ids: number[]): FieldOptionDef[] {
    const removed = (def.options ?? []).filter((o) => ids.includes(o.id));
    def.options = (def.options ?? []).filter((o) => !ids.includes(o.id));
    return removed;
  }

  addFieldOptions(def: FieldDef, labels: string[]): FieldOptionDef[] {
    const added = labels.map((label) => ({ id: this.optionId++, label }));
    def.options = [...(def.options ?? []), ...added];
    return added;
  }

  deleteCustomField(type: FieldEntity, key: string): boolean {
    const i = this.fields[type].findIndex((f) => f.key === key && f.custom);
    if (i < 0) return false;
    this.fields[type].splice(i, 1);
    this.touched(type);
    return true;
  }

  /**
   * Inserts a seeded entity without changelog rows or events (the world as it was before the
   * simulator started). `addTime`/`updateTime` come from the seed.
   */
  insertSeeded(type: EntityType, core: Record<string, unknown>, custom: Record<string, unknown>, addTime: number, updateTime: number): Entity {
    const e: Entity = { id: this.nextId[type]++, type, core, custom, addTime, updateTime, deletedAt: null };
    this.lists[type].push(e);
    this.byId[type].set(e.id, e);
    if (type === 'person') this.indexEmails(e, []);
    this.indexName(e, null);
    this.touched(type);
    return e;
  }

  create(type: EntityType, core: Record<string, unknown>, custom: Record<string, unknown>, actor: Actor, addTime?: number): Entity {
    const at = this.now();
    const e: Entity = { id: this.nextId[type]++, type, core, custom, addTime: addTime ?? at, updateTime: at, deletedAt: null };
    this.lists[type].push(e);
    this.byId[type].set(e.id, e);
    if (type === 'person') this.indexEmails(e, []);
    this.indexName(e, null);
    this.touched(type);
    const keys = [...Object.keys(core).filter((k) => core[k] !== null && core[k] !== undefined), ...Object.keys(custom)];
    for (const k of keys) this.logChange(e, k, null, k in custom ? custom[k] : core[k], actor, at);
    this.emit({ action: 'create', entity: e, before: null, changedKeys: keys, userId: actor.userId, source: actor.source, at });
    return e;
  }

  /**
   * Applies a patch; only fields whose value really changes produce a changelog row. A patch that
   * changes nothing still bumps update_time (Pipedrive does) but emits no event.
   */
  update(e: Entity, core: Record<string, unknown>, custom: Record<string, unknown>, actor: Actor): string[] {
    const at = this.now();
    const before = snapshot(e);
    const changed: string[] = [];
    const oldEmails = type(e) === 'person' ? emailsOf(e) : [];
    const oldName = e.core.name ?? e.core.title;
    for (const [k, v] of Object.entries(core)) {
      if (sameValue(e.core[k], v)) continue;
      this.logChange(e, k, e.core[k], v, actor, at);
      e.core[k] = v;
      changed.push(k);
    }
    for (const [k, v] of Object.entries(custom)) {
      const old = e.custom[k] ?? null;
      if (sameValue(old, v)) continue;
      this.logChange(e, k, old, v, actor, at);
      if (v === null) delete e.custom[k];
      else e.custom[k] = v;
      changed.push(k);
    }
    e.updateTime = at;
    this.touched(e.type);
    if (type(e) === 'person' && changed.includes('emails')) this.indexEmails(e, oldEmails);
    if (changed.includes('name') || changed.includes('title')) this.indexName(e, oldName);
    if (changed.length > 0) this.emit({ action: 'change', entity: e, before, changedKeys: changed, userId: actor.userId, source: actor.source, at });
    return changed;
  }

  /** Soft delete (§3.1: "Marks a person as deleted. After 30 days … permanently deleted"). */
  remove(e: Entity, actor: Actor): void {
    if (e.deletedAt !== null) return;
    const at = this.now();
    const before = snapshot(e);
    e.deletedAt = at;
    e.updateTime = at;
    this.touched(e.type);
    this.indexName(e, e.core.name ?? e.core.title);
    if (type(e) === 'person') this.indexEmails({ ...e, core: { ...e.core, emails: [] } } as Entity, emailsOf(e));
    this.emit({ action: 'delete', entity: e, before, changedKeys: [], userId: actor.userId, source: actor.source, at });
  }

  addWebhook(w: Omit<Webhook, 'id' | 'banCounter' | 'bannedUntil' | 'lastSuccess' | 'add_time' | 'remove_time' | 'is_active' | 'last_delivery_time' | 'last_http_status'>): Webhook {
    const at = this.now();
    const hook: Webhook = {
      ...w,
      id: this.webhookId++,
      add_time: at,
      remove_time: null,
      is_active: 1,
      last_delivery_time: null,
      last_http_status: null,
      banCounter: 0,
      bannedUntil: 0,
      lastSuccess: at,
    };
    this.webhooks.push(hook);
    return hook;
  }

  removeWebhook(id: number): boolean {
    const i = this.webhooks.findIndex((w) => w.id === id);
    if (i < 0) return false;
    this.webhooks.splice(i, 1);
    return true;
  }

  private logChange(e: Entity, key: string, oldV: unknown, newV: unknown, actor: Actor, at: number): void {
    const k = `${e.type}:${e.id}`;
    let rows = this.changelogs.get(k);
    if (!rows) {
      rows = [];
      this.changelogs.set(k, rows);
    }
    // Emails are logged as the primary address, the way the changelog example shows `email` (§7.1).
    const fieldKey = key === 'emails' ? 'email' : key === 'phones' ? 'phone' : key;
    const str = (v: unknown) => (key === 'emails' || key === 'phones' ? primaryValue(v) : changelogString(v));
    rows.push({
      seq: this.seq++,
      field_key: fieldKey,
      old_value: str(oldV),
      new_value: str(newV),
      actor_user_id: actor.userId,
      time: at,
      change_source: actor.source,
      change_source_user_agent: actor.userAgent ?? null,
      is_bulk_update_flag: actor.bulk ?? false,
    });
  }

  private indexEmails(e: Entity, old: string[]): void {
    for (const m of old) this.emailIndex.remove(m, e.id);
    for (const m of emailsOf(e)) this.emailIndex.add(m, e.id);
  }

  private emit(ev: ChangeEventRecord): void {
    for (const l of this.listeners) l(ev);
  }
}

/** Key → ids, a plain number while a key has one id (most do): 100k Sets cost seconds of GC. */
class MultiIndex {
  private readonly map = new Map<string, number | number[]>();

  get(key: string): number[] {
    const v = this.map.get(key);
    return v === undefined ? [] : typeof v === 'number' ? [v] : v;
  }

  add(key: string, id: number): void {
    const v = this.map.get(key);
    if (v === undefined) this.map.set(key, id);
    else if (typeof v === 'number') {
      if (v !== id) this.map.set(key, [v, id]);
    } else if (!v.includes(id)) v.push(id);
  }

  remove(key: string, id: number): void {
    const v = this.map.get(key);
    if (v === undefined) return;
    if (typeof v === 'number') {
      if (v === id) this.map.delete(key);
      return;
    }
    const rest = v.filter((x) => x !== id);
    if (rest.length === 0) this.map.delete(key);
    else this.map.set(key, rest.length === 1 ? rest[0] : rest);
  }
}

function type(e: Entity): EntityType {
  return e.type;
}

export function emailsOf(e: Entity): string[] {
  const list = (e.core.emails as { value: string }[] | undefined) ?? [];
  return list.map((m) => m.value.trim().toLowerCase()).filter((m) => m.length > 0);
}

function primaryValue(v: unknown): string | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  const p = (v as { value: string; primary?: boolean }[]).find((x) => x.primary) ?? v[0];
  return p.value;
}

export function snapshot(e: Entity): Entity {
  return structuredClone(e);
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'object' && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return false;
}
