/**
 * The I/O shell around the planner: plan chunk after chunk (planner.ts), re-check each batch's
 * hybrid fields and read the history that matters (recheck.ts), write in batches at the CRM's limit, re-read what was written (a value the CRM
 * answered 200 for but did not store is `not_applied`), and put every decision in the ledger.
 */
import { randomUUID } from 'node:crypto';
import type { InrecordConfig } from '../config/index.js';
import type { CrmConnector, CrmRecord, FieldValue, ObjectKind, RecordUpdate } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import { type Store, recordMetrics } from '../store/index.js';
import { valuesEqual } from './coerce.js';
import { resolveField } from './fields.js';
import { fieldDisplay, planWrites } from './plan.js';
import {
  type ConflictItem,
  type LedgerOutcome,
  type LedgerRow,
  finishRun,
  insertLedger,
  insertRun,
  resumeRun,
  setRunProgress,
  upsertConflicts,
} from './queries.js';
import { type Planned, Planner, chunks, recordsById } from './planner.js';
import { historyNeed, recheckPays } from './recheck.js';
import type { FieldDecision, OutputSource, RecordPlan } from './types.js';

export { recordsById } from './planner.js';

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
  /** Records expected, for progress (optional); a function when the number is known only once the source is read. */
  total?: number | (() => number | undefined);
  /**
   * Called for each record the CRM accepted a write for: the fields written (stamps not counted)
   * and the record's modification time as the verification read saw it (null when not re-read).
   */
  onWritten?: (recordId: string, fieldsWritten: number, modifiedAt: string | null) => void;
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
  /** Records whose field history was read before their write (recheck.ts: the others were re-read only). */
  historyReads: number;
  /** Every API call the connector made during the run (its own counter: reads, history, writes, retries). */
  apiCalls: number;
  durationMs: number;
  error?: { code: string; message: string };
}

function emptyCounts(): FieldOutcomeCounts {
  return { written: 0, unchanged: 0, conflict_skipped: 0, flagged: 0, rejected: 0, failed: 0, not_applied: 0, rolled_back: 0 };
}

function expected(opts: RunOptions): number | undefined {
  return typeof opts.total === 'function' ? opts.total() : opts.total;
}

/** Plans without writing: what `inrecord plan` shows. */
export async function planRun(deps: WritebackDeps, opts: RunOptions): Promise<RecordPlan[]> {
  const planner = new Planner(deps);
  const plans: RecordPlan[] = [];
  for await (const { object, items } of chunks(opts.source, opts.chunkSize ?? 500)) {
    const { planned } = await planner.planChunk(object, items);
    for (const p of planned) plans.push(p.plan);
    deps.onEvent?.({ type: 'planned', object, records: planned.length, done: plans.length, total: expected(opts) });
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
  let historyReads = 0;
  const callsAtStart = connector.stats().calls;
  let done = 0;
  const pending = new Map<ObjectKind, Planned[]>();
  // the progress the console shows while the run is under way (the run's summary until it ends)
  const startedAt = new Date(started).toISOString();
  const saveProgress = () =>
    setRunProgress(store, runId, { done, total: expected(opts) ?? null, written: recordsWritten, calls: connector.stats().calls - callsAtStart, startedAt, at: new Date().toISOString() });

  const count = (d: FieldDecision, outcome: LedgerOutcome) => {
    if (d.stampFor) {
      if (outcome === 'written') stampsWritten++;
    } else counts[outcome]++;
  };

  const flush = async (object: ObjectKind, batch: Planned[]): Promise<void> => {
    const ctx = await planner.context(object);
    // Right before the write, the batch's hybrid fields are read again and the history is read only
    // for records where a person's edit can be (recheck.ts), where that costs fewer calls than the
    // batch's history: the conflict check and the write stay one round trip apart, and a batch
    // nobody touched costs one read instead of its history (HubSpot: 1 call instead of 2).
    const stale = batch.filter((b) => b.plan.decisions.some((d) => d.action === 'write' && d.owner === 'hybrid'));
    if (stale.length > 0) {
      const hybridWrites = (b: Planned) => b.plan.decisions.filter((d) => d.owner === 'hybrid' && d.action === 'write').map((d) => d.field);
      const recheck = recheckPays(stale.length, connector.limits);
      const current = recheck ? recordsById(connector.crm, await connector.read(object, stale.map((b) => b.input.recordId), [...new Set(stale.flatMap(hybridWrites))])) : null;
      const asked = stale.filter((b) => {
        if (!current) return true;
        const fields = hybridWrites(b).flatMap((name) => {
          const r = resolveField(ctx.index, name);
          return r.ok ? [r.field] : [];
        });
        const now2 = current.get(b.input.recordId);
        return historyNeed({ fields, planned: b.input.record?.fields ?? {}, current: now2 ? now2.fields : null, lastWritten: b.lastWritten, plannedAtReadAt: b.atReadAt }) !== null;
      });
      historyReads += asked.length;
      const fresh = await planner.history(object, asked.map((b) => b.input.recordId), [...new Set(asked.flatMap(hybridWrites))]);
      const turned: FieldDecision[] = [];
      for (const b of stale) {
        const wrote = new Set(b.plan.decisions.filter((d) => d.action === 'write').map((d) => `${d.field}|${d.stampFor ?? ''}`));
        // a record not asked holds no person's edit to find: planned with an empty history, it is written
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
      deps.onEvent?.({ type: 'written', object, updates: updates.length, ok: 0, failed: updates.length, notApplied: 0, done, total: expected(opts) });
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
    deps.onEvent?.({ type: 'written', object, updates: updates.length, ok, failed, notApplied, done, total: expected(opts) });
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

  // Write batches in flight at once (the connector's `inFlight`): each waits on the CRM's answers
  // for its re-check, write and verification, so one at a time would let the answer time, not the
  // rate limit, set the pace. The first fault is thrown once those in flight have landed.
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = Math.max(1, connector.limits.inFlight ?? 1);
  let fault: { e: unknown } | null = null;
  const rethrow = (): void => {
    if (fault) throw fault.e;
  };
  const write = async (object: ObjectKind, batch: Planned[]): Promise<void> => {
    rethrow();
    const p: Promise<void> = flush(object, batch)
      .then(saveProgress)
      .catch((e) => {
        fault ??= { e };
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    rethrow();
  };

  let status: ApplySummary['status'] = 'succeeded';
  let error: ApplySummary['error'];
  try {
    const limit = Math.max(1, connector.limits.writeChunk ?? connector.limits.write);
    // The next chunk is produced (the flows' work on the pipeline's path) while this one's batches
    // are written: the CPU work fills the time the rate limiter makes the writes wait.
    const source = chunks(opts.source, opts.chunkSize ?? 500);
    let next = source.next();
    next.catch(() => undefined);
    for (let got = await next; !got.done; got = await next) {
      const { object, items } = got.value;
      const { planned } = await planner.planChunk(object, items, false);
      next = source.next();
      next.catch(() => undefined);
      records += planned.length;
      done += planned.length;
      deps.onEvent?.({ type: 'planned', object, records: planned.length, done, total: expected(opts) });
      await saveProgress();
      // Non-write decisions go to the ledger now; writes wait for a full batch.
      await recordDecisions(planned.flatMap((p) => p.plan.decisions.filter((d) => d.action !== 'write')));
      const queue = pending.get(object) ?? [];
      for (const p of planned) if (p.plan.update) queue.push(p);
      // Full batches only, so the number of write calls is the minimum the CRM's limit allows.
      while (queue.length >= limit) await write(object, queue.splice(0, limit));
      pending.set(object, queue);
    }
    for (const [object, queue] of pending) {
      while (queue.length > 0) await write(object, queue.splice(0, limit));
    }
    await Promise.all(inFlight);
    rethrow();
  } catch (e) {
    // a fault ends the run once the batches in flight are in the ledger
    await Promise.allSettled(inFlight);
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
    historyReads,
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
