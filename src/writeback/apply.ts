/**
 * The I/O shell around the planner: read the records and their field history through the
 * connector, plan, write in batches at the CRM's limit, re-read what was written (a value the CRM
 * answered 200 for but did not store is `not_applied`), and put every decision in the ledger.
 */
import { randomUUID } from 'node:crypto';
import type { FieldRule, InrecordConfig } from '../config/index.js';
import { cardOf } from '../crm/registry.js';
import type { CrmConnector, CrmName, CrmRecord, FieldChange, FieldValue, ObjectKind, ObjectSchema, RecordUpdate } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import { type Store, recordMetrics } from '../store/index.js';
import { valuesEqual } from './coerce.js';
import { DEFAULT_RULE, resolveField } from './fields.js';
import { type PlanContext, type PlanInput, fieldDisplay, planContext, planWrites } from './plan.js';
import {
  type ConflictItem,
  type LedgerOutcome,
  type LedgerRow,
  finishRun,
  insertLedger,
  insertRun,
  resumeRun,
  lastWrites,
  upsertConflicts,
} from './queries.js';
import type { FieldDecision, OutputSource, RecordOutputs, RecordPlan } from './types.js';

export type WritebackEvent =
  | { type: 'planned'; object: ObjectKind; records: number; done: number; total?: number }
  | { type: 'written'; object: ObjectKind; updates: number; ok: number; failed: number; notApplied: number; done: number; total?: number };

export interface WritebackDeps {
  store: Store;
  connector: CrmConnector;
  /** `objects` of inrecord.yaml: ownership rules per object and field. */
  objects: InrecordConfig['objects'];
  now?: () => Date;
  onEvent?: (e: WritebackEvent) => void;
  /** Every decision once it is in the ledger (the daemon logs one line per record from them). */
  onLedger?: (rows: LedgerRow[]) => void;
}

export interface RunOptions {
  source: OutputSource;
  /** Records read and planned together (default 500). */
  chunkSize?: number;
  /** Records expected, for progress (optional). */
  total?: number;
  /**
   * Called for each record the CRM accepted a write for: the fields written (stamps not counted)
   * and the record's modification time as the verification read saw it (null when not re-read).
   */
  onWritten?: (recordId: string, fieldsWritten: number, modifiedAt: string | null) => void;
}

/**
 * Records by id as requested. A connector may answer with another form of the id asked for (the
 * CRM's canonical one), so a record is found by every form its card names (`ids.aliases`).
 */
export function recordsById(crm: CrmName, records: CrmRecord[]): Map<string, CrmRecord> {
  const m = new Map<string, CrmRecord>();
  for (const r of records) for (const k of cardOf(crm).ids.aliases(r.id)) if (!m.has(k)) m.set(k, r);
  return m;
}

/** Fatal faults end the run: every later call would fail the same way. */
const FATAL = new Set(['IR_CRM_AUTH', 'IR_CRM_GRANT_REVOKED', 'IR_CRM_QUOTA_EXHAUSTED']);

export type FieldOutcomeCounts = Record<LedgerOutcome, number>;

export interface ApplySummary {
  runId: string;
  crm: string;
  status: 'succeeded' | 'failed';
  records: number;
  /** Per outcome, fields (stamps not counted). */
  fields: FieldOutcomeCounts;
  stampsWritten: number;
  /** Records the CRM was asked to update. */
  recordsWritten: number;
  /** Batches handed to the connector, each at most the CRM's write limit (Pipedrive: one call per record inside). */
  writeBatches: number;
  verifyBatches: number;
  /** Every API call the connector made during the run (its own counter: reads, history, writes, retries). */
  apiCalls: number;
  durationMs: number;
  error?: { code: string; message: string };
}

interface Planned {
  input: PlanInput;
  plan: RecordPlan;
}

function emptyCounts(): FieldOutcomeCounts {
  return { written: 0, unchanged: 0, conflict_skipped: 0, flagged: 0, rejected: 0, failed: 0, not_applied: 0, rolled_back: 0 };
}

/** Groups the source into chunks per object; outputs for the same record in one chunk are merged. */
async function* chunks(source: OutputSource, size: number): AsyncGenerator<{ object: ObjectKind; items: RecordOutputs[] }> {
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
class Planner {
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
  async records(object: ObjectKind, items: RecordOutputs[], read: string[]): Promise<Map<string, CrmRecord>> {
    const given = items.every((i) => i.record && read.every((f) => f in (i.record as CrmRecord).fields));
    if (given) return new Map(items.map((i) => [i.recordId, i.record as CrmRecord]));
    return recordsById(this.deps.connector.crm, await this.deps.connector.read(object, items.map((i) => i.recordId), read));
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
    const records = read.length > 0 ? await this.records(object, items, read) : new Map<string, CrmRecord>();
    const history = withHistory ? await this.history(object, ids.filter((id) => records.has(id)), hybrid) : null;
    // when inrecord last wrote each hybrid field: a rep's edit since then is protected from this run too
    const written = hybrid.length > 0 ? await lastWrites(store, connector.crm, object, ids) : new Map<string, Record<string, string>>();
    const stampTime = now().toISOString();
    const planned = items.map((it) => {
      const input: PlanInput = {
        recordId: it.recordId,
        record: records.get(it.recordId) ?? null,
        history: history ? (history.get(it.recordId) ?? []) : null,
        outputs: it.outputs,
        readAt: it.readAt ?? readAt,
        fieldReadAt: written.get(it.recordId),
        now: stampTime,
        rejected: it.rejected,
      };
      return { input, plan: planWrites(ctx, input) };
    });
    return { ctx, planned };
  }
}

/** Plans without writing: what `inrecord plan` shows. */
export async function planRun(deps: WritebackDeps, opts: RunOptions): Promise<RecordPlan[]> {
  const planner = new Planner(deps);
  const plans: RecordPlan[] = [];
  for await (const { object, items } of chunks(opts.source, opts.chunkSize ?? 500)) {
    const { planned } = await planner.planChunk(object, items);
    for (const p of planned) plans.push(p.plan);
    deps.onEvent?.({ type: 'planned', object, records: planned.length, done: plans.length, total: opts.total });
  }
  return plans;
}

function ledgerRow(runId: string, crm: string, d: FieldDecision, outcome: LedgerOutcome, extra: Partial<LedgerRow> = {}): LedgerRow {
  return {
    run_id: runId,
    crm,
    object: d.object,
    record_id: d.recordId,
    field: d.field,
    before_value: d.before,
    after_value: d.after,
    outcome,
    reason: d.reason,
    // Stamp rows carry no flow, so per-flow figures count the fields the flow wrote, not their stamps.
    flow: d.stampFor ? null : d.flow,
    output: d.output,
    code: d.code ?? null,
    message: d.message ?? null,
    written_at: null,
    stamp_for: d.stampFor ?? null,
    ...extra,
  };
}

/** One apply run: plan, write, verify, ledger. Resolves with the summary; faults end the run as `failed`. */
export async function applyRun(deps: WritebackDeps, opts: RunOptions & { runId?: string; flow?: string; /** Take up run `runId`, stopped half-way, again. */ resume?: boolean }): Promise<ApplySummary> {
  const { store, connector } = deps;
  const now = deps.now ?? (() => new Date());
  const runId = opts.runId ?? `run_${now().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}_${randomUUID().slice(0, 8)}`;
  const crm = connector.crm;
  const started = Date.now();
  if (opts.resume) await resumeRun(store, runId);
  else await insertRun(store, { id: runId, kind: 'apply', crm, flow: opts.flow ?? null });

  const planner = new Planner(deps);
  const counts = emptyCounts();
  let stampsWritten = 0;
  let records = 0;
  let recordsWritten = 0;
  let writeBatches = 0;
  let verifyBatches = 0;
  const callsAtStart = connector.stats().calls;
  let done = 0;
  const pending = new Map<ObjectKind, Planned[]>();

  const count = (d: FieldDecision, outcome: LedgerOutcome) => {
    if (d.stampFor) {
      if (outcome === 'written') stampsWritten++;
    } else counts[outcome]++;
  };

  const flush = async (object: ObjectKind, batch: Planned[]): Promise<void> => {
    const ctx = await planner.context(object);
    // The history of hybrid fields is read now, right before the write: the conflict check and the
    // write are one round trip apart.
    const stale = batch.filter((b) => b.plan.decisions.some((d) => d.action === 'write' && d.owner === 'hybrid'));
    if (stale.length > 0) {
      const fields = [...new Set(stale.flatMap((b) => b.plan.decisions.filter((d) => d.owner === 'hybrid' && d.action === 'write').map((d) => d.field)))];
      const fresh = await planner.history(object, stale.map((b) => b.input.recordId), fields);
      const turned: FieldDecision[] = [];
      for (const b of stale) {
        const wrote = new Set(b.plan.decisions.filter((d) => d.action === 'write').map((d) => `${d.field}|${d.stampFor ?? ''}`));
        b.input = { ...b.input, history: fresh.get(b.input.recordId) ?? [] };
        b.plan = planWrites(ctx, b.input);
        // Only the decisions that stopped being writes are new; the others are in the ledger already.
        turned.push(...b.plan.decisions.filter((d) => d.action !== 'write' && wrote.has(`${d.field}|${d.stampFor ?? ''}`)));
      }
      await recordDecisions(turned);
    }
    const writing = batch.filter((b) => b.plan.update);
    if (writing.length === 0) return;
    const updates: RecordUpdate[] = writing.map((b) => ({ id: b.input.recordId, fields: b.plan.update as Record<string, FieldValue> }));
    const writtenAt = now().toISOString();
    const rows: LedgerRow[] = [];
    let results: Awaited<ReturnType<CrmConnector['writeBatch']>>;
    try {
      writeBatches += Math.ceil(updates.length / Math.max(1, connector.limits.write));
      results = await connector.writeBatch(object, updates);
    } catch (e) {
      const err = e as InrecordError;
      for (const b of writing) {
        for (const d of b.plan.decisions.filter((x) => x.action === 'write')) {
          rows.push(ledgerRow(runId, crm, d, 'failed', { code: err.code ?? 'IR_INTERNAL', message: err.message, reason: 'write-failed', written_at: writtenAt }));
          count(d, 'failed');
        }
      }
      await insertLedger(store, rows);
      deps.onLedger?.(rows);
      if (FATAL.has(err.code)) throw e;
      deps.onEvent?.({ type: 'written', object, updates: updates.length, ok: 0, failed: updates.length, notApplied: 0, done, total: opts.total });
      return;
    }
    recordsWritten += updates.length;
    const resultById = new Map(results.map((r) => [r.id, r]));
    const okIds = writing
      .filter((b) => {
        const r = resultById.get(b.input.recordId);
        return r && (r.ok || r.code === 'IR_WRITE_NOT_APPLIED');
      })
      .map((b) => b.input.recordId);
    const fields = [...new Set(writing.flatMap((b) => Object.keys(b.plan.update ?? {})))];
    let reread = new Map<string, CrmRecord>();
    let verifyError: string | null = null;
    if (okIds.length > 0) {
      try {
        verifyBatches += Math.ceil(okIds.length / Math.max(1, connector.limits.read));
        reread = recordsById(connector.crm, await connector.read(object, okIds, fields));
      } catch (e) {
        verifyError = (e as Error).message;
      }
    }
    let ok = 0;
    let failed = 0;
    let notApplied = 0;
    for (const b of writing) {
      const res = resultById.get(b.input.recordId);
      const decisions = b.plan.decisions.filter((d) => d.action === 'write');
      if (!res || (!res.ok && res.code !== 'IR_WRITE_NOT_APPLIED')) {
        failed++;
        for (const d of decisions) {
          const code = res && !res.ok ? res.code : 'IR_CRM_BAD_RESPONSE';
          const message = res && !res.ok ? res.message : `${object} ${b.input.recordId}: the CRM returned no result for this record`;
          rows.push(ledgerRow(runId, crm, d, 'failed', { code, message, reason: 'write-failed', written_at: writtenAt }));
          count(d, 'failed');
        }
        continue;
      }
      // A connector that checks the CRM's answer itself may report IR_WRITE_NOT_APPLIED: the call
      // went through, so the re-read below decides field by field what took.
      const now2 = reread.get(b.input.recordId);
      let recordOk = true;
      let fieldsWritten = 0;
      for (const d of decisions) {
        const field = resolveField(ctx.index, d.field);
        if (verifyError !== null) {
          if (res.ok) {
            rows.push(ledgerRow(runId, crm, d, 'written', { reason: 'unverified', message: `verification read failed: ${verifyError}`, written_at: writtenAt }));
            count(d, 'written');
            if (!d.stampFor) fieldsWritten++;
          } else {
            recordOk = false;
            rows.push(ledgerRow(runId, crm, d, 'not_applied', { code: res.code, reason: 'not-applied', message: res.message, written_at: writtenAt }));
            count(d, 'not_applied');
          }
          continue;
        }
        const stored = now2 ? (now2.fields[d.field] ?? null) : undefined;
        if (stored === undefined || !field.ok || !valuesEqual(stored, d.after, field.field)) {
          recordOk = false;
          const message = `${object} ${b.input.recordId}: the CRM accepted ${JSON.stringify(d.after)} for field ${fieldDisplay({ name: d.field, label: d.label ?? d.field })} but ${stored === undefined ? 'the record could not be re-read' : `stores ${JSON.stringify(stored)}`}; check the field's type and validation rules in the CRM`;
          rows.push(ledgerRow(runId, crm, d, 'not_applied', { code: 'IR_WRITE_NOT_APPLIED', reason: 'not-applied', message, written_at: writtenAt }));
          count(d, 'not_applied');
        } else {
          rows.push(ledgerRow(runId, crm, d, 'written', { written_at: writtenAt }));
          count(d, 'written');
          if (!d.stampFor) fieldsWritten++;
        }
      }
      opts.onWritten?.(b.input.recordId, fieldsWritten, now2?.modifiedAt ?? null);
      if (recordOk) ok++;
      else notApplied++;
    }
    await insertLedger(store, rows);
    deps.onLedger?.(rows);
    deps.onEvent?.({ type: 'written', object, updates: updates.length, ok, failed, notApplied, done, total: opts.total });
  };

  const recordDecisions = async (decisions: FieldDecision[]): Promise<void> => {
    const rows: LedgerRow[] = [];
    const conflicts: ConflictItem[] = [];
    for (const d of decisions) {
      const outcome = d.action as LedgerOutcome;
      rows.push(ledgerRow(runId, crm, d, outcome));
      count(d, outcome);
      if (d.action === 'flagged' && d.conflict) {
        conflicts.push({
          crm,
          object: d.object,
          recordId: d.recordId,
          field: d.field,
          reason: d.reason,
          payload: {
            runId,
            flow: d.flow,
            output: d.output,
            field: d.field,
            recordId: d.recordId,
            before: d.before,
            repValue: d.conflict.repValue,
            aiValue: d.after,
            editedBy: d.conflict.by,
            editedAt: d.conflict.at,
            confidence: d.confidence ?? null,
            modelVersion: d.modelVersion ?? null,
          },
        });
      }
    }
    await insertLedger(store, rows);
    deps.onLedger?.(rows);
    await upsertConflicts(store, conflicts);
  };

  let status: ApplySummary['status'] = 'succeeded';
  let error: ApplySummary['error'];
  try {
    const limit = Math.max(1, connector.limits.writeChunk ?? connector.limits.write);
    for await (const { object, items } of chunks(opts.source, opts.chunkSize ?? 500)) {
      const { planned } = await planner.planChunk(object, items, false);
      records += planned.length;
      done += planned.length;
      deps.onEvent?.({ type: 'planned', object, records: planned.length, done, total: opts.total });
      // Non-write decisions go to the ledger now; writes wait for a full batch.
      await recordDecisions(planned.flatMap((p) => p.plan.decisions.filter((d) => d.action !== 'write')));
      const queue = pending.get(object) ?? [];
      for (const p of planned) if (p.plan.update) queue.push(p);
      // Full batches only, so the number of write calls is the minimum the CRM's limit allows.
      while (queue.length >= limit) await flush(object, queue.splice(0, limit));
      pending.set(object, queue);
    }
    for (const [object, queue] of pending) {
      while (queue.length > 0) await flush(object, queue.splice(0, limit));
    }
  } catch (e) {
    status = 'failed';
    const err = e as InrecordError;
    error = { code: err.code ?? 'IR_INTERNAL', message: err.message };
  }

  const summary: ApplySummary = {
    runId,
    crm,
    status,
    records,
    fields: counts,
    stampsWritten,
    recordsWritten,
    writeBatches,
    verifyBatches,
    apiCalls: connector.stats().calls - callsAtStart,
    durationMs: Date.now() - started,
    ...(error ? { error } : {}),
  };
  await recordMetrics(
    store,
    (['written', 'unchanged', 'conflict_skipped', 'flagged', 'rejected', 'failed', 'not_applied'] as const).map((o) => ({
      name: `writeback.${o}`,
      labels: { crm, run: runId, ...(opts.flow ? { flow: opts.flow } : {}) },
      value: counts[o],
    })),
  );
  await finishRun(store, runId, status, summary);
  return summary;
}

/** Throws the run's fault as a typed error when the summary says it failed. */
export function assertApplied(summary: ApplySummary): void {
  if (summary.status === 'failed' && summary.error) {
    throw new InrecordError((summary.error.code as never) ?? 'IR_INTERNAL', `run ${summary.runId} stopped: ${summary.error.message}`);
  }
}
