/**
 * The reads a write plan needs, chunk after chunk: the records (as the pipeline read them, or read
 * now), their field history, inrecord's last writes from the ledger; then the pure planner.
 */
import type { FieldRule } from '../config/index.js';
import { cardOf } from '../crm/registry.js';
import type { CrmName, CrmRecord, FieldChange, ObjectKind, ObjectSchema } from '../crm/types.js';
import type { InrecordError } from '../errors/index.js';
import type { WritebackDeps } from './apply.js';
import { DEFAULT_RULE, resolveField } from './fields.js';
import { type PlanContext, type PlanInput, planContext, planWrites } from './plan.js';
import { type LastWrite, lastWrites } from './queries.js';
import type { OutputSource, RecordOutputs, RecordPlan } from './types.js';

/**
 * Records by id as requested. A connector may answer with another form of the id asked for (the
 * CRM's canonical one), so a record is found by every form its card names (`ids.aliases`).
 */
export function recordsById(crm: CrmName, records: CrmRecord[]): Map<string, CrmRecord> {
  const m = new Map<string, CrmRecord>();
  for (const r of records) for (const k of cardOf(crm).ids.aliases(r.id)) if (!m.has(k)) m.set(k, r);
  return m;
}

export interface Planned {
  input: PlanInput;
  plan: RecordPlan;
  /** inrecord's last write of each field of the record (the ledger). */
  lastWritten?: Record<string, LastWrite>;
  /** The record the plan was made on is the record as of `input.readAt` (see HistoryNeedInput). */
  atReadAt: boolean;
}

/** Groups the source into chunks per object; outputs for the same record in one chunk are merged. */
export async function* chunks(source: OutputSource, size: number): AsyncGenerator<{ object: ObjectKind; items: RecordOutputs[] }> {
  const buffers = new Map<ObjectKind, Map<string, RecordOutputs>>();
  for await (const item of source as AsyncIterable<RecordOutputs>) {
    let buf = buffers.get(item.object);
    if (!buf) {
      buf = new Map();
      buffers.set(item.object, buf);
    }
    const prior = buf.get(item.recordId);
    if (prior) {
      const readAt = prior.readAt && item.readAt ? (Date.parse(prior.readAt) <= Date.parse(item.readAt) ? prior.readAt : item.readAt) : undefined;
      const rejected = [...(prior.rejected ?? []), ...(item.rejected ?? [])];
      buf.set(item.recordId, { ...prior, readAt, outputs: [...prior.outputs, ...item.outputs], ...(rejected.length ? { rejected } : {}) });
    } else buf.set(item.recordId, item);
    if (buf.size >= size) {
      buffers.delete(item.object);
      yield { object: item.object, items: [...buf.values()] };
    }
  }
  for (const [object, buf] of buffers) if (buf.size > 0) yield { object, items: [...buf.values()] };
}

/** Plans chunk after chunk: the reads (records, history, ledger) and the pure planner. */
export class Planner {
  private contexts = new Map<ObjectKind, PlanContext>();
  constructor(private deps: WritebackDeps) {}

  async context(object: ObjectKind): Promise<PlanContext> {
    let ctx = this.contexts.get(object);
    if (!ctx) {
      let schema: ObjectSchema;
      try {
        schema = await this.deps.connector.describe(object);
      } catch (e) {
        // An object this CRM does not have: every output for it is rejected (field not found), the run goes on.
        if ((e as InrecordError).code !== 'IR_CRM_UNSUPPORTED') throw e;
        schema = { object: `${object} (not available in ${this.deps.connector.crm})`, fields: [] };
      }
      ctx = planContext(object, schema, (this.deps.objects[object]?.fields ?? {}) as Record<string, FieldRule>, cardOf(this.deps.connector.crm).ids.aliases);
      this.contexts.set(object, ctx);
    }
    return ctx;
  }

  ruleOf(ctx: PlanContext, field: string): FieldRule {
    return ctx.rules.get(field) ?? DEFAULT_RULE;
  }

  /** Resolved target fields of the chunk's outputs (and their stamps), and which of them are hybrid. */
  fieldsOf(ctx: PlanContext, items: RecordOutputs[]): { read: string[]; hybrid: string[] } {
    const read = new Set<string>();
    const hybrid = new Set<string>();
    for (const it of items) {
      for (const o of it.outputs) {
        const r = resolveField(ctx.index, o.field);
        if (!r.ok) continue;
        read.add(r.field.name);
        const rule = this.ruleOf(ctx, r.field.name);
        if (rule.owner === 'hybrid') hybrid.add(r.field.name);
        if (rule.stamp) {
          const s = resolveField(ctx.index, rule.stamp);
          if (s.ok) read.add(s.field.name);
        }
      }
    }
    return { read: [...read], hybrid: [...hybrid] };
  }

  /**
   * The chunk's records with the fields the plan needs: as the pipeline read them when every one
   * came with them (one read per record on the daemon's path, not two), else read now.
   */
  async records(object: ObjectKind, items: RecordOutputs[], read: string[]): Promise<{ records: Map<string, CrmRecord>; given: boolean }> {
    const given = items.every((i) => i.record && read.every((f) => f in (i.record as CrmRecord).fields));
    if (given) return { records: new Map(items.map((i) => [i.recordId, i.record as CrmRecord])), given };
    return { records: recordsById(this.deps.connector.crm, await this.deps.connector.read(object, items.map((i) => i.recordId), read)), given };
  }

  async history(object: ObjectKind, ids: string[], fields: string[]): Promise<Map<string, FieldChange[]>> {
    const byRecord = new Map<string, FieldChange[]>();
    if (fields.length === 0 || ids.length === 0) return byRecord;
    for (const h of await this.deps.connector.history(object, ids, fields)) {
      for (const k of cardOf(this.deps.connector.crm).ids.aliases(h.id)) {
        const list = byRecord.get(k);
        if (list) list.push(h);
        else byRecord.set(k, [h]);
      }
    }
    return byRecord;
  }

  /**
   * `withHistory: false` (apply) plans from the records alone; apply reads the history of hybrid
   * fields right before each write instead, so a person's edit made while the run is under way is
   * still seen (the window is one round trip, not the whole chunk), and a value found before
   * inrecord's first write is judged by who set it.
   */
  async planChunk(object: ObjectKind, items: RecordOutputs[], withHistory = true): Promise<{ ctx: PlanContext; planned: Planned[] }> {
    const ctx = await this.context(object);
    const { connector, store } = this.deps;
    const now = this.deps.now ?? (() => new Date());
    const ids = items.map((i) => i.recordId);
    const { read, hybrid } = this.fieldsOf(ctx, items);
    // The read time is taken before the read: an edit racing the read counts as after it.
    const readAt = now().toISOString();
    const { records, given } = read.length > 0 ? await this.records(object, items, read) : { records: new Map<string, CrmRecord>(), given: false };
    const history = withHistory ? await this.history(object, ids.filter((id) => records.has(id)), hybrid) : null;
    // when inrecord last wrote each hybrid field: a rep's edit since then is protected from this run too
    const written = hybrid.length > 0 ? await lastWrites(store, connector.crm, object, ids) : new Map<string, Record<string, LastWrite>>();
    const stampTime = now().toISOString();
    const planned = items.map((it) => {
      const input: PlanInput = {
        recordId: it.recordId,
        record: records.get(it.recordId) ?? null,
        history: history ? (history.get(it.recordId) ?? []) : null,
        outputs: it.outputs,
        readAt: it.readAt ?? readAt,
        fieldReadAt: writeTimes(written.get(it.recordId)),
        now: stampTime,
        rejected: it.rejected,
      };
      // the plan's record is as of the outputs' read time when the pipeline handed it in, or when
      // apply read it itself for outputs that carry no read time of their own
      return { input, plan: planWrites(ctx, input), lastWritten: written.get(it.recordId), atReadAt: given || it.readAt === undefined };
    });
    return { ctx, planned };
  }
}

function writeTimes(last: Record<string, LastWrite> | undefined): Record<string, string> | undefined {
  if (!last) return undefined;
  const out: Record<string, string> = {};
  for (const [field, w] of Object.entries(last)) out[field] = w.at;
  return out;
}
