/**
 * Rollback: restores the before-values a run wrote. A field a person changed since the write (its
 * last change in history is human and after the write) is skipped and reported, never overwritten;
 * so is a field whose value is no longer the one the run wrote (a later run or process changed it).
 */
import { randomUUID } from 'node:crypto';
import { cardOf } from '../crm/registry.js';
import type { CrmConnector, CrmRecord, FieldValue, ObjectKind, RecordUpdate } from '../crm/types.js';
import { recordsById } from './apply.js';
import { InrecordError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { valuesEqual } from './coerce.js';
import { indexFields, resolveField } from './fields.js';
import { CLOCK_MARGIN_MS } from './plan.js';
import {
  type LedgerRow,
  type WrittenRow,
  finishRun,
  getRun,
  insertLedger,
  insertRun,
  markRolledBack,
  runsWithWrites,
  setRunStatus,
  type WrittenFilter,
  writtenByRun,
} from './queries.js';

export interface RollbackItem {
  object: string;
  recordId: string;
  field: string;
  /** The field's label, when it is not the API name. */
  label?: string;
  /** The value restored (the run's before-value). */
  restore: FieldValue;
  /** The value the run wrote. */
  written: FieldValue;
  current?: FieldValue;
  reason?: string;
  by?: string | null;
  at?: string;
  code?: string;
  message?: string;
}

export interface RollbackReport {
  runId: string;
  rollbackRunId: string | null;
  restored: RollbackItem[];
  skipped: RollbackItem[];
  failed: RollbackItem[];
  /** Each restored record's modified time after the restore: inrecord's own change, not a new one to act on. */
  versions: { object: ObjectKind; id: string; modifiedAt: string }[];
}

export interface RollbackDeps {
  store: Store;
  connector: CrmConnector;
  now?: () => Date;
}

/** What a rollback would do (dryRun) or did. */
export async function rollbackRun(deps: RollbackDeps, runId: string, opts: { dryRun?: boolean } & WrittenFilter = {}): Promise<RollbackReport> {
  const { store, connector } = deps;
  const now = deps.now ?? (() => new Date());
  const run = await getRun(store, runId);
  if (!run) throw new InrecordError('IR_RUN_NOT_FOUND', `no run ${runId}`, { context: { runId } });
  if (run.crm && run.crm !== connector.crm) {
    throw new InrecordError('IR_USAGE', `run ${runId} wrote to ${run.crm}, but the configured CRM is ${connector.crm}`);
  }
  const filtered = Boolean(opts.flow || opts.since || opts.until);
  const rows = await writtenByRun(store, runId, opts);
  const report: RollbackReport = { runId, rollbackRunId: null, restored: [], skipped: [], failed: [], versions: [] };
  if (rows.length === 0) return report;

  const byObject = new Map<string, WrittenRow[]>();
  for (const r of rows) {
    const list = byObject.get(r.object);
    if (list) list.push(r);
    else byObject.set(r.object, [r]);
  }
  const rollbackRunId = opts.dryRun ? null : `rollback_${now().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}_${randomUUID().slice(0, 8)}`;
  report.rollbackRunId = rollbackRunId;
  if (rollbackRunId) await insertRun(store, { id: rollbackRunId, kind: 'rollback', crm: connector.crm, flow: run.flow });
  const ledger: LedgerRow[] = [];
  const restoredIds: number[] = [];

  for (const [object, list] of byObject) {
    const kind = object as ObjectKind;
    const idx = indexFields(await connector.describe(kind));
    const ids = [...new Set(list.map((r) => r.record_id))];
    const fields = [...new Set(list.map((r) => r.field))];
    const current = recordsById(connector.crm, await connector.read(kind, ids, fields));
    const last = new Map((await connector.history(kind, ids, fields)).flatMap((h) => cardOf(connector.crm).ids.aliases(h.id).map((k) => [`${k}|${h.field}`, h] as const)));
    const updates = new Map<string, Record<string, FieldValue>>();
    const planned = new Map<string, { row: WrittenRow; item: RollbackItem }[]>();
    for (const row of list) {
      const item: RollbackItem = { object, recordId: row.record_id, field: row.field, restore: row.before_value, written: row.after_value };
      const rec = current.get(row.record_id);
      const f = resolveField(idx, row.field);
      if (!rec || !f.ok) {
        report.skipped.push({ ...item, reason: rec ? 'field-not-found' : 'record-not-found', message: `${object} ${row.record_id}: ${rec ? `field "${row.field}" no longer exists` : 'the record no longer exists'}; nothing restored` });
        continue;
      }
      if (f.field.label && f.field.label !== f.field.name) item.label = f.field.label;
      item.current = rec.fields[row.field] ?? null;
      const h = last.get(`${row.record_id}|${row.field}`);
      // Same one-second margin as the planner (CLOCK_MARGIN_MS): CRM change times are often second-precision.
      if (h && h.actor === 'human' && Date.parse(h.at) > Date.parse(row.written_at) - CLOCK_MARGIN_MS) {
        report.skipped.push({ ...item, reason: 'human-edit-since', by: h.userId ?? null, at: h.at, message: `${object} ${row.record_id}: field "${row.field}" was edited by ${h.userId ? `user ${h.userId}` : 'a person'} at ${h.at}, after the run wrote it; the person's value stays` });
        continue;
      }
      if (!valuesEqual(item.current, row.after_value, f.field)) {
        report.skipped.push({ ...item, reason: 'changed-since', by: h?.userId ?? null, at: h?.at, message: `${object} ${row.record_id}: field "${row.field}" holds ${JSON.stringify(item.current)}, no longer the value the run wrote; it was left as it is` });
        continue;
      }
      if (valuesEqual(item.current, row.before_value, f.field)) {
        report.restored.push({ ...item, reason: 'already-restored' });
        restoredIds.push(row.id);
        continue;
      }
      const u = updates.get(row.record_id) ?? {};
      u[row.field] = row.before_value;
      updates.set(row.record_id, u);
      const p = planned.get(row.record_id) ?? [];
      p.push({ row, item });
      planned.set(row.record_id, p);
    }
    if (opts.dryRun) {
      for (const p of planned.values()) for (const { item } of p) report.restored.push(item);
      continue;
    }
    if (updates.size === 0) continue;
    const batch: RecordUpdate[] = [...updates].map(([id, fields]) => ({ id, fields }));
    const writtenAt = now().toISOString();
    const results = new Map((await connector.writeBatch(kind, batch)).map((r) => [r.id, r]));
    const okIds = batch.filter((u) => results.get(u.id)?.ok).map((u) => u.id);
    const reread = okIds.length > 0 ? recordsById(connector.crm, await connector.read(kind, okIds, fields)) : new Map<string, CrmRecord>();
    for (const [recordId, items] of planned) {
      const res = results.get(recordId);
      for (const { row, item } of items) {
        const base: LedgerRow = {
          run_id: rollbackRunId as string,
          crm: connector.crm,
          object,
          record_id: recordId,
          field: row.field,
          before_value: row.after_value,
          after_value: row.before_value,
          outcome: 'written',
          reason: 'rollback',
          flow: row.stamp_for ? null : row.flow,
          output: null,
          code: null,
          message: null,
          written_at: writtenAt,
          stamp_for: row.stamp_for,
        };
        const f = resolveField(idx, row.field);
        const stored = reread.get(recordId)?.fields[row.field];
        if (!res || !res.ok) {
          const failed = { ...item, code: res && !res.ok ? res.code : 'IR_CRM_BAD_RESPONSE', message: res && !res.ok ? res.message : 'no result for this record' };
          report.failed.push(failed);
          ledger.push({ ...base, outcome: 'failed', code: failed.code, message: failed.message });
        } else if (stored === undefined || (f.ok && !valuesEqual(stored, row.before_value, f.field))) {
          const message = `${object} ${recordId}: the CRM accepted ${JSON.stringify(row.before_value)} for field "${row.field}" but stores ${JSON.stringify(stored ?? null)}`;
          report.failed.push({ ...item, code: 'IR_WRITE_NOT_APPLIED', message });
          ledger.push({ ...base, outcome: 'not_applied', code: 'IR_WRITE_NOT_APPLIED', message, reason: 'not-applied' });
        } else {
          report.restored.push(item);
          ledger.push(base);
          restoredIds.push(row.id);
        }
      }
      const after = reread.get(recordId)?.modifiedAt;
      if (res?.ok && after) report.versions.push({ object: kind, id: recordId, modifiedAt: after });
    }
  }
  if (!rollbackRunId) return report;
  for (const s of report.skipped) {
    ledger.push({
      run_id: rollbackRunId,
      crm: connector.crm,
      object: s.object,
      record_id: s.recordId,
      field: s.field,
      before_value: s.current ?? null,
      after_value: s.restore,
      outcome: 'conflict_skipped',
      reason: s.reason ?? null,
      flow: null,
      output: null,
      code: null,
      message: s.message ?? null,
      written_at: null,
      stamp_for: null,
    });
  }
  await insertLedger(store, ledger);
  await markRolledBack(store, restoredIds, rollbackRunId);
  const summary = { of: runId, restored: report.restored.length, skipped: report.skipped.length, failed: report.failed.length };
  await finishRun(store, rollbackRunId, report.failed.length > 0 ? 'failed' : 'succeeded', summary);
  if (report.skipped.length === 0 && report.failed.length === 0 && (!filtered || (await writtenByRun(store, runId)).length === 0))
    await setRunStatus(store, runId, 'rolled_back');
  return report;
}

/** What `rollback --flow X --since T [--until U]` undid: each run's rollback, newest run first. */
export interface RollbackWindowReport {
  since: string;
  until: string | null;
  flow: string | null;
  runs: RollbackReport[];
}

/**
 * Rolls back every run's writes in a time window (optionally one flow's), newest run first, so a
 * field written by several runs ends at its value from before the window.
 */
export async function rollbackWindow(deps: RollbackDeps, window: WrittenFilter & { since: string }, opts: { dryRun?: boolean } = {}): Promise<RollbackWindowReport> {
  const runIds = await runsWithWrites(deps.store, deps.connector.crm, window);
  const report: RollbackWindowReport = { since: window.since, until: window.until ?? null, flow: window.flow ?? null, runs: [] };
  for (const id of runIds) report.runs.push(await rollbackRun(deps, id, { ...opts, ...window }));
  return report;
}
