/**
 * Test support: a CrmConnector over an in-memory CRM with field history, write limits and call
 * counters, for write-back tests that need a CRM before (and beside) the simulators. It keeps the
 * normalised-value conventions of src/crm/types.ts and can imitate the silent misfit the real CRMs
 * have: `ignoreWrites` fields answer ok and keep their old value. Never imported by runtime code.
 */
import type {
  ActorKind,
  BatchLimits,
  CrmConnector,
  CrmRecord,
  FieldChange,
  FieldSchema,
  FieldSpec,
  FieldValue,
  ObjectKind,
  ObjectSchema,
  RecordUpdate,
  WriteResult,
} from '../../crm/types.js';
import { InrecordError } from '../../errors/index.js';

export interface MemoryCrm extends CrmConnector {
  records: Map<string, CrmRecord>;
  /** Full change log (the connector's history() returns the last change per field). */
  log: FieldChange[];
  schemas: Map<ObjectKind, ObjectSchema>;
  /** Fields whose writes answer ok but do not change the value. */
  ignoreWrites: Set<string>;
  /** Answer IR_WRITE_NOT_APPLIED for an ignored field, as a connector that checks the CRM's answer does. */
  reportIgnored: boolean;
  /** Record ids whose writes fail with a validation error. */
  failIds: Set<string>;
  /** Fields the CRM keeps no history of (Salesforce: fields without history tracking). */
  untracked: Set<string>;
  counters: { read: number; write: number; history: number; describe: number; createField: number; updates: number };
  repEdit(id: string, fields: Record<string, FieldValue>, userId?: string, at?: Date): void;
  /** A record as it was before inrecord: its non-empty values logged as set by `actor` (default an import). */
  seed(kind: ObjectKind, id: string, fields: Record<string, FieldValue>, actor?: ActorKind, userId?: string): void;
}

export function memoryCrm(opts: {
  schemas: Partial<Record<ObjectKind, ObjectSchema>>;
  limits?: Partial<BatchLimits>;
  canCreateFields?: boolean;
  /** Why deliveries cannot be verified (a webhook setting missing); default: they can. */
  unverifiable?: { reason: string; fix: string };
}): MemoryCrm {
  const limits: BatchLimits = { read: 100, write: 100, search: 100, ...opts.limits };
  const schemas = new Map(Object.entries(opts.schemas) as [ObjectKind, ObjectSchema][]);
  const records = new Map<string, CrmRecord>();
  const log: FieldChange[] = [];
  const counters = { read: 0, write: 0, history: 0, describe: 0, createField: 0, updates: 0 };
  let seq = 0;
  const tick = (at?: Date) => (at ?? new Date(Date.now() + (seq++ % 1))).toISOString();
  const key = (kind: ObjectKind, id: string) => `${kind}:${id}`;
  const chunk = <T>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

  const crm: MemoryCrm = {
    crm: 'hubspot',
    limits,
    rateLimit: { callsPerWindow: 1000, windowMs: 1000 },
    records,
    log,
    schemas,
    ignoreWrites: new Set(),
    reportIgnored: false,
    failIds: new Set(),
    untracked: new Set(),
    counters,
    objectName: (k) => k,
    seed(kind, id, fields, actor = 'import', userId) {
      const when = tick();
      records.set(key(kind, id), { id, object: kind, fields: { ...fields }, modifiedAt: when });
      for (const [f, v] of Object.entries(fields)) if (v !== null) log.push({ id, field: f, value: v, at: when, actor, userId: userId ?? null });
    },
    repEdit(id, fields, userId = 'rep1', at) {
      for (const r of records.values()) {
        if (r.id !== id) continue;
        const when = tick(at);
        for (const [f, v] of Object.entries(fields)) {
          r.fields[f] = v;
          log.push({ id, field: f, value: v, at: when, actor: 'human', userId });
        }
        r.modifiedAt = when;
      }
    },
    async describe(kind) {
      counters.describe++;
      const s = schemas.get(kind);
      if (!s) throw new InrecordError('IR_CRM_UNSUPPORTED', `no ${kind} object`);
      return structuredClone(s);
    },
    async createField(kind, spec: FieldSpec) {
      counters.createField++;
      if (!opts.canCreateFields) throw new InrecordError('IR_CRM_UNSUPPORTED', `fields cannot be created on ${kind}`);
      const s = schemas.get(kind);
      if (!s) throw new InrecordError('IR_CRM_UNSUPPORTED', `no ${kind} object`);
      const f: FieldSchema = { ...spec, crmType: spec.type, required: false, writable: true, custom: true };
      s.fields.push(f);
      return f;
    },
    async read(kind, ids, fields) {
      const out: CrmRecord[] = [];
      for (const part of chunk(ids, limits.read)) {
        counters.read++;
        for (const id of part) {
          const r = records.get(key(kind, id));
          if (r) out.push({ ...r, fields: Object.fromEntries(fields.map((f) => [f, r.fields[f] ?? null])) });
        }
      }
      return out;
    },
    async *readChanged() {},
    async readDeleted() {
      return [];
    },
    async findContacts() {
      return [];
    },
    async findCompanies() {
      return [];
    },
    async *listContacts() {},
    async *listCompanies() {},
    async history(kind, ids, fields) {
      counters.history += Math.max(1, Math.ceil(ids.length / limits.read));
      const want = new Set(ids);
      const fs = new Set(fields);
      const last = new Map<string, FieldChange>();
      for (const c of log) if (want.has(c.id) && fs.has(c.field) && !crm.untracked.has(c.field) && records.has(key(kind, c.id))) last.set(`${c.id}|${c.field}`, c);
      return [...last.values()];
    },
    async writeBatch(kind, updates: RecordUpdate[]) {
      const results: WriteResult[] = [];
      for (const part of chunk(updates, limits.write)) {
        counters.write++;
        for (const u of part) {
          counters.updates++;
          const r = records.get(key(kind, u.id));
          if (!r) {
            results.push({ id: u.id, ok: false, code: 'IR_CRM_NOT_FOUND', message: `${kind} ${u.id} not found`, retryable: false });
            continue;
          }
          if (crm.failIds.has(u.id)) {
            results.push({ id: u.id, ok: false, code: 'IR_CRM_VALIDATION', message: `${kind} ${u.id}: rejected by a validation rule`, retryable: false });
            continue;
          }
          const when = tick();
          let ignored: string | null = null;
          for (const [f, v] of Object.entries(u.fields)) {
            if (crm.ignoreWrites.has(f)) {
              ignored ??= f;
              continue;
            }
            r.fields[f] = v;
            log.push({ id: u.id, field: f, value: v, at: when, actor: 'integration' });
          }
          r.modifiedAt = when;
          if (ignored && crm.reportIgnored) {
            results.push({ id: u.id, ok: false, code: 'IR_WRITE_NOT_APPLIED', message: `${kind} ${u.id}: field ${ignored} did not take`, retryable: false, field: ignored });
          } else results.push({ id: u.id, ok: true });
        }
      }
      return results;
    },
    async createActivity() {
      return { id: 'a1' };
    },
    async openDeals() {
      return new Map();
    },
    async performAction() {
      return { ok: true };
    },
    async listUsers() {
      return [];
    },
    webhooks: {
      unverifiable: () => opts.unverifiable ?? null,
      verify: () => (opts.unverifiable ? { ok: false, reason: opts.unverifiable.reason } : { ok: true }),
      parse: () => ({ events: [], rejected: [] }),
      subscribe: async () => {},
    },
    stats: () => ({ calls: counters.read + counters.write + counters.history + counters.describe, rateLimited: 0, retries: 0, tokenRefreshes: 0 }),
    close: async () => {},
  };
  return crm;
}
