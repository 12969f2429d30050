/** Every SQL statement of write-back: runs, the ledger, conflict review items, metrics. */
import type { FieldValue } from '../crm/types.js';
import { openReviewItems } from '../review/index.js';
import type { Sql } from '../store/index.js';
import type { RunProgress } from './progress.js';

export type LedgerOutcome =
  | 'written'
  | 'unchanged'
  | 'conflict_skipped'
  | 'flagged'
  | 'rejected'
  | 'failed'
  | 'not_applied'
  | 'rolled_back';

export interface LedgerRow {
  run_id: string;
  crm: string;
  object: string;
  record_id: string;
  field: string;
  before_value: FieldValue;
  after_value: FieldValue;
  outcome: LedgerOutcome;
  reason: string | null;
  flow: string | null;
  output: string | null;
  code: string | null;
  message: string | null;
  written_at: string | null;
  stamp_for: string | null;
}

export interface RunRow {
  id: string;
  kind: string;
  crm: string | null;
  flow: string | null;
  status: string;
  started_at: string;
  finished_at: string | null;
  summary: Record<string, unknown>;
}

export async function insertRun(db: Sql, run: { id: string; kind: string; crm: string; flow?: string | null }): Promise<void> {
  await db.query('INSERT INTO runs (id, kind, crm, flow) VALUES ($1, $2, $3, $4)', [run.id, run.kind, run.crm, run.flow ?? null]);
}

/** A run stopped half-way taken up again: running once more, its earlier ledger rows kept. */
export async function resumeRun(db: Sql, id: string): Promise<void> {
  await db.query(`UPDATE runs SET status = 'running', finished_at = NULL WHERE id = $1`, [id]);
}

/** Records a run has decided on (any ledger row): what a resumed run does not take up again. */
export async function decidedRecordIds(db: Sql, runId: string): Promise<string[]> {
  return (await db.query<{ record_id: string }>('SELECT DISTINCT record_id FROM write_ledger WHERE run_id = $1', [runId])).map((r) => r.record_id);
}

export async function finishRun(db: Sql, id: string, status: string, summary: unknown): Promise<void> {
  await db.query('UPDATE runs SET status = $2, finished_at = now(), summary = $3::jsonb WHERE id = $1', [id, status, JSON.stringify(summary)]);
}

/** A running run's progress, kept in its summary until finishRun writes the final one. */
export async function setRunProgress(db: Sql, id: string, progress: RunProgress): Promise<void> {
  await db.query(`UPDATE runs SET summary = $2::jsonb WHERE id = $1 AND status = 'running'`, [id, JSON.stringify({ progress })]);
}

export async function setRunStatus(db: Sql, id: string, status: string): Promise<void> {
  await db.query('UPDATE runs SET status = $2 WHERE id = $1', [id, status]);
}

export async function getRun(db: Sql, id: string): Promise<RunRow | null> {
  const rows = await db.query<RunRow>(
    `SELECT id, kind, crm, flow, status, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
            to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS finished_at, summary
       FROM runs WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

export async function listRuns(db: Sql, opts: { limit?: number; kind?: string; status?: string } = {}): Promise<RunRow[]> {
  return db.query<RunRow>(
    `SELECT id, kind, crm, flow, status, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
            to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS finished_at, summary
       FROM runs WHERE ($2::text IS NULL OR kind = $2::text) AND ($3::text IS NULL OR status = $3::text) ORDER BY started_at DESC, id DESC LIMIT $1`,
    [opts.limit ?? 20, opts.kind ?? null, opts.status ?? null],
  );
}

/** Many ledger rows in one statement (jsonb_to_recordset works the same on both backends). */
export async function insertLedger(db: Sql, rows: LedgerRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    const part = rows.slice(i, i + 2000).map((r) => ({
      ...r,
      before_value: r.before_value === undefined ? null : r.before_value,
      after_value: r.after_value === undefined ? null : r.after_value,
    }));
    await db.query(
      `INSERT INTO write_ledger (run_id, crm, object, record_id, field, before_value, after_value, outcome, reason, flow, output, code, message, written_at, stamp_for)
       SELECT run_id, crm, object, record_id, field, before_value, after_value, outcome, reason, flow, output, code, message, written_at, stamp_for
         FROM jsonb_to_recordset($1::jsonb) AS x(run_id text, crm text, object text, record_id text, field text, before_value jsonb,
              after_value jsonb, outcome text, reason text, flow text, output text, code text, message text, written_at timestamptz, stamp_for text)`,
      [JSON.stringify(part)],
    );
  }
}

/** inrecord's last write of one field of one record: when, and the value it wrote. */
export interface LastWrite {
  at: string;
  value: FieldValue;
}

/**
 * inrecord's last write of each (record, field): its time is the default "AI last read" time of a
 * hybrid field, its value what the field still holds when nobody has changed it since.
 */
export async function lastWrites(db: Sql, crm: string, object: string, recordIds: string[]): Promise<Map<string, Record<string, LastWrite>>> {
  const out = new Map<string, Record<string, LastWrite>>();
  if (recordIds.length === 0) return out;
  const rows = await db.query<{ record_id: string; field: string; at: string; value: FieldValue }>(
    `SELECT DISTINCT ON (record_id, field) record_id, field, after_value AS value,
            to_char(written_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
       FROM write_ledger WHERE crm = $1 AND object = $2 AND record_id = ANY($3::text[]) AND outcome = 'written' AND written_at IS NOT NULL
      ORDER BY record_id, field, written_at DESC, id DESC`,
    [crm, object, recordIds],
  );
  for (const r of rows) {
    const m = out.get(r.record_id) ?? {};
    m[r.field] = { at: r.at, value: r.value ?? null };
    out.set(r.record_id, m);
  }
  return out;
}

export interface WrittenRow {
  id: number;
  object: string;
  record_id: string;
  field: string;
  before_value: FieldValue;
  after_value: FieldValue;
  written_at: string;
  stamp_for: string | null;
  flow: string | null;
}

/** The fields a run wrote that have not been rolled back yet. */
/** Which of a run's writes a rollback takes: one flow's (with the stamps of its fields), in a time window. */
export interface WrittenFilter {
  flow?: string;
  since?: string;
  until?: string;
}

export async function writtenByRun(db: Sql, runId: string, filter: WrittenFilter = {}): Promise<WrittenRow[]> {
  return db.query<WrittenRow>(
    `SELECT id, object, record_id, field, before_value, after_value, stamp_for, flow,
            to_char(written_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS written_at
       FROM write_ledger w
      WHERE run_id = $1 AND outcome = 'written' AND rolled_back_by IS NULL
        AND ($2::text IS NULL OR w.flow = $2
             OR (w.stamp_for IS NOT NULL AND EXISTS (
                   SELECT 1 FROM write_ledger f
                    WHERE f.run_id = w.run_id AND f.object = w.object AND f.record_id = w.record_id
                      AND f.field = w.stamp_for AND f.flow = $2 AND f.outcome = 'written')))
        AND ($3::timestamptz IS NULL OR w.written_at >= $3::timestamptz)
        AND ($4::timestamptz IS NULL OR w.written_at < $4::timestamptz)
      ORDER BY id`,
    [runId, filter.flow ?? null, filter.since ?? null, filter.until ?? null],
  );
}

/** Runs (not rollbacks) with writes still standing in a window, optionally of one flow: newest first. */
export async function runsWithWrites(db: Sql, crm: string, filter: WrittenFilter & { since: string }): Promise<string[]> {
  const rows = await db.query<{ run_id: string }>(
    `SELECT w.run_id FROM write_ledger w JOIN runs r ON r.id = w.run_id
      WHERE w.crm = $1 AND r.kind <> 'rollback' AND w.outcome = 'written' AND w.rolled_back_by IS NULL
        AND w.written_at >= $2::timestamptz AND ($3::timestamptz IS NULL OR w.written_at < $3::timestamptz)
        AND ($4::text IS NULL OR w.flow = $4)
      GROUP BY w.run_id ORDER BY max(w.written_at) DESC, w.run_id DESC`,
    [crm, filter.since, filter.until ?? null, filter.flow ?? null],
  );
  return rows.map((r) => r.run_id);
}

export async function markRolledBack(db: Sql, ids: number[], rollbackRun: string): Promise<void> {
  if (ids.length === 0) return;
  await db.query('UPDATE write_ledger SET rolled_back_by = $2 WHERE id = ANY($1::bigint[])', [ids, rollbackRun]);
}

export async function ledgerForRun(db: Sql, runId: string): Promise<(LedgerRow & { id: number })[]> {
  return db.query(
    `SELECT id, run_id, crm, object, record_id, field, before_value, after_value, outcome, reason, flow, output, code, message, stamp_for,
            to_char(written_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS written_at
       FROM write_ledger WHERE run_id = $1 ORDER BY id`,
    [runId],
  );
}

export interface ConflictItem {
  crm: string;
  object: string;
  recordId: string;
  field: string;
  /** Why the person's value stands: 'human-edit-since-read', 'human-value-before-first-write' … */
  reason: string;
  payload: Record<string, unknown>;
}

/** A flagged conflict, one open item per (record, field): a newer conflict refreshes the open one. */
export async function upsertConflicts(db: Sql, items: ConflictItem[]): Promise<void> {
  if (items.length === 0) return;
  await openReviewItems(
    db,
    items.map((i) => ({ kind: 'conflict' as const, crm: i.crm, object: i.object, subjectKey: `${i.recordId}:${i.field}`, reason: i.reason, payload: i.payload })),
  );
}


// ── figures the monitor reads from the ledger ───────────────────────────────────────────────────

export async function ledgerOutcomes(
  db: Sql,
  flow: string,
  from: Date,
  to: Date,
): Promise<Record<string, number>> {
  const rows = await db.query<{ outcome: string; n: number }>(
    `SELECT outcome, count(*)::int AS n FROM write_ledger
     WHERE flow = $1 AND created_at >= $2 AND created_at < $3 GROUP BY outcome`,
    [flow, from, to],
  );
  return Object.fromEntries(rows.map((r) => [r.outcome, Number(r.n)]));
}

export async function fieldUpdates(
  db: Sql,
  flow: string,
  from: Date,
  to: Date,
): Promise<{ object: string; field: string; writes: number; records: number }[]> {
  const rows = await db.query<{ object: string; field: string; writes: number; records: number }>(
    `SELECT object, field, count(*)::int AS writes, count(DISTINCT record_id)::int AS records FROM write_ledger
     WHERE flow = $1 AND outcome = 'written' AND created_at >= $2 AND created_at < $3
     GROUP BY object, field ORDER BY object, field`,
    [flow, from, to],
  );
  return rows.map((r) => ({ ...r, writes: Number(r.writes), records: Number(r.records) }));
}

/** Written and failed writes per UTC day over the last `days` days, for the console's chart. */
export async function writesPerDay(
  db: Sql,
  since: Date,
): Promise<{ day: string; written: number; failed: number }[]> {
  const rows = await db.query<{ day: string; written: number; failed: number }>(
    `SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
       count(*) FILTER (WHERE outcome = 'written')::int AS written,
       count(*) FILTER (WHERE outcome IN ('failed', 'rejected', 'not_applied'))::int AS failed
     FROM write_ledger WHERE created_at >= $1 AND flow IS NOT NULL GROUP BY 1 ORDER BY 1`,
    [since],
  );
  return rows.map((r) => ({ day: r.day, written: Number(r.written), failed: Number(r.failed) }));
}

/**
 * The numeric values a flow meant to write to one field in the window, whatever the outcome (drift
 * is about the model, not the CRM; a rollback's row carries the restored value, so it is left out).
 * Numbers stored as JSON strings count too: some CRMs return numeric fields as strings.
 */
export async function ledgerNumbers(db: Sql, args: { flow: string; field: string; from: Date; to: Date }): Promise<number[]> {
  const rows = await db.query<{ v: number }>(
    `SELECT (after_value #>> '{}')::double precision AS v FROM write_ledger
      WHERE flow = $1 AND field = $2 AND outcome <> 'rolled_back' AND created_at >= $3 AND created_at < $4
        AND (jsonb_typeof(after_value) = 'number' OR (jsonb_typeof(after_value) = 'string' AND (after_value #>> '{}') ~ '^-?[0-9]+(\\.[0-9]+)?$'))`,
    [args.flow, args.field, args.from, args.to],
  );
  return rows.map((r) => Number(r.v));
}

/** Fields written, in all runs. */
export async function countWrittenFields(db: Sql): Promise<number> {
  const [r] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM write_ledger WHERE outcome = 'written'");
  return Number(r?.n ?? 0);
}

export async function countRuns(db: Sql): Promise<number> {
  const [r] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM runs');
  return Number(r?.n ?? 0);
}

/** Some records a CRM object had fields written on (links to records to look at). */
export async function writtenRecordIds(db: Sql, crm: string, object: string, limit: number): Promise<string[]> {
  return (
    await db.query<{ record_id: string }>(
      `SELECT DISTINCT record_id FROM write_ledger WHERE crm = $1 AND object = $2 AND outcome = 'written' LIMIT $3`,
      [crm, object, limit],
    )
  ).map((r) => r.record_id);
}
