/** Every statement on the validation gate's tables (0601_monitor.sql): shadow_outputs, gate_samples, gate_decisions. */
import type { Sql } from '../store/index.js';

export interface ShadowOutputRow {
  id: number;
  flow: string;
  model_version: string;
  run_id: string | null;
  crm: string;
  object: string;
  record_id: string;
  output: string;
  field: string | null;
  value: unknown;
  current_value: unknown;
  confidence: number | null;
  created_at: Date;
}

export interface SampleRow {
  id: number;
  flow: string;
  model_version: string;
  shadow_output_id: number;
  drawn_by: string | null;
  drawn_at: Date;
  label: 'correct' | 'incorrect' | null;
  labelled_by: string | null;
  labelled_at: Date | null;
  note: string | null;
}

export interface DecisionRow {
  id: number;
  flow: string;
  model_version: string;
  mode: 'shadow' | 'open';
  reason_code: string;
  reason: string;
  n: number;
  correct: number;
  accuracy: number | null;
  lower_bound: number | null;
  upper_bound: number | null;
  threshold: number;
  sample_size: number;
  figures: Record<string, unknown>;
  decided_by: string;
  decided_at: Date;
}

export async function insertShadowOutputs(
  db: Sql,
  rows: {
    flow: string;
    modelVersion: string;
    runId?: string | null;
    crm: string;
    object: string;
    recordId: string;
    output: string;
    field?: string | null;
    value: unknown;
    currentValue?: unknown;
    confidence?: number | null;
  }[],
): Promise<number[]> {
  if (rows.length === 0) return [];
  // One statement for the batch: jsonb_to_recordset keeps it a single round trip on both backends.
  const out = await db.query<{ id: number }>(
    `INSERT INTO shadow_outputs (flow, model_version, run_id, crm, object, record_id, output, field, value, current_value, confidence)
     SELECT r.flow, r.model_version, r.run_id, r.crm, r.object, r.record_id, r.output, r.field, r.value, r.current_value, r.confidence
     FROM jsonb_to_recordset($1::jsonb) AS r(flow text, model_version text, run_id text, crm text, object text, record_id text,
       output text, field text, value jsonb, current_value jsonb, confidence double precision)
     RETURNING id`,
    [
      JSON.stringify(
        rows.map((r) => ({
          flow: r.flow,
          model_version: r.modelVersion,
          run_id: r.runId ?? null,
          crm: r.crm,
          object: r.object,
          record_id: r.recordId,
          output: r.output,
          field: r.field ?? null,
          value: r.value ?? null,
          current_value: r.currentValue ?? null,
          confidence: r.confidence ?? null,
        })),
      ),
    ],
  );
  return out.map((r) => Number(r.id));
}

/** The latest drift fallback opens a new sampling epoch: labels drawn before it no longer count. */
export async function epochStart(db: Sql, flow: string, modelVersion: string): Promise<Date | null> {
  const rows = await db.query<{ at: Date | null }>(
    `SELECT max(decided_at) AS at FROM gate_decisions WHERE flow = $1 AND model_version = $2 AND reason_code = 'drift'`,
    [flow, modelVersion],
  );
  return rows[0]?.at ?? null;
}

/**
 * Draws up to `size` shadow outputs not sampled yet, in an order fixed by `seed` (md5 of id and
 * seed): random across seeds, reproducible for one seed.
 */
export async function insertSample(
  db: Sql,
  args: {
    flow: string;
    modelVersion: string;
    size: number;
    seed: string;
    since: Date | null;
    drawnBy: string;
  },
): Promise<SampleRow[]> {
  return db.query<SampleRow>(
    `INSERT INTO gate_samples (flow, model_version, shadow_output_id, drawn_by)
     SELECT s.flow, s.model_version, s.id, $5
     FROM shadow_outputs s
     WHERE s.flow = $1 AND s.model_version = $2
       AND ($6::timestamptz IS NULL OR s.created_at > $6::timestamptz)
       AND NOT EXISTS (SELECT 1 FROM gate_samples g WHERE g.shadow_output_id = s.id)
     ORDER BY md5(s.id::text || $4)
     LIMIT $3
     ON CONFLICT (shadow_output_id) DO NOTHING
     RETURNING *`,
    [args.flow, args.modelVersion, args.size, args.seed, args.drawnBy, args.since],
  );
}

export interface SampleWithOutput extends SampleRow {
  output: ShadowOutputRow;
}

const SAMPLE_SELECT = `SELECT g.*, to_jsonb(s.*) AS output_row FROM gate_samples g JOIN shadow_outputs s ON s.id = g.shadow_output_id`;

function withOutput(rows: (SampleRow & { output_row: ShadowOutputRow })[]): SampleWithOutput[] {
  return rows.map(({ output_row, ...g }) => ({
    ...g,
    id: Number(g.id),
    shadow_output_id: Number(g.shadow_output_id),
    output: output_row,
  }));
}

export async function selectSamples(
  db: Sql,
  args: { flow: string; modelVersion?: string; status: 'unlabelled' | 'labelled' | 'all'; limit: number },
): Promise<SampleWithOutput[]> {
  const rows = await db.query<SampleRow & { output_row: ShadowOutputRow }>(
    `${SAMPLE_SELECT}
     WHERE g.flow = $1 AND ($2::text IS NULL OR g.model_version = $2::text)
       AND ($3 = 'all' OR ($3 = 'unlabelled' AND g.label IS NULL) OR ($3 = 'labelled' AND g.label IS NOT NULL))
     ORDER BY g.id LIMIT $4`,
    [args.flow, args.modelVersion ?? null, args.status, args.limit],
  );
  return withOutput(rows);
}

export async function selectSamplesByIds(db: Sql, ids: number[]): Promise<SampleWithOutput[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<SampleRow & { output_row: ShadowOutputRow }>(
    `${SAMPLE_SELECT} WHERE g.id IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint) ORDER BY g.id`,
    [JSON.stringify(ids)],
  );
  return withOutput(rows);
}

export async function selectSample(db: Sql, id: number): Promise<SampleWithOutput | null> {
  const rows = await db.query<SampleRow & { output_row: ShadowOutputRow }>(
    `${SAMPLE_SELECT} WHERE g.id = $1`,
    [id],
  );
  return withOutput(rows)[0] ?? null;
}

export async function updateSampleLabel(
  db: Sql,
  args: { id: number; label: 'correct' | 'incorrect'; by: string; note: string | null },
): Promise<SampleRow | null> {
  const rows = await db.query<SampleRow>(
    `UPDATE gate_samples SET label = $2, labelled_by = $3, labelled_at = now(), note = $4 WHERE id = $1 RETURNING *`,
    [args.id, args.label, args.by, args.note],
  );
  return rows[0] ?? null;
}

export async function countLabels(
  db: Sql,
  flow: string,
  modelVersion: string,
  since: Date | null,
): Promise<{ n: number; correct: number }> {
  const rows = await db.query<{ n: number; correct: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE label = 'correct')::int AS correct
     FROM gate_samples
     WHERE flow = $1 AND model_version = $2 AND label IS NOT NULL AND ($3::timestamptz IS NULL OR drawn_at > $3::timestamptz)`,
    [flow, modelVersion, since],
  );
  return { n: Number(rows[0]?.n ?? 0), correct: Number(rows[0]?.correct ?? 0) };
}

export async function insertDecision(
  db: Sql,
  d: Omit<DecisionRow, 'id' | 'decided_at'> & { decided_at?: Date },
): Promise<DecisionRow> {
  const rows = await db.query<DecisionRow>(
    `INSERT INTO gate_decisions (flow, model_version, mode, reason_code, reason, n, correct, accuracy, lower_bound, upper_bound,
       threshold, sample_size, figures, decided_by, decided_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, coalesce($15::timestamptz, now()))
     RETURNING *`,
    [
      d.flow,
      d.model_version,
      d.mode,
      d.reason_code,
      d.reason,
      d.n,
      d.correct,
      d.accuracy,
      d.lower_bound,
      d.upper_bound,
      d.threshold,
      d.sample_size,
      JSON.stringify(d.figures),
      d.decided_by,
      d.decided_at ?? null,
    ],
  );
  return rows[0];
}

export async function latestDecision(
  db: Sql,
  flow: string,
  modelVersion: string,
): Promise<DecisionRow | null> {
  const rows = await db.query<DecisionRow>(
    `SELECT * FROM gate_decisions WHERE flow = $1 AND model_version = $2 ORDER BY decided_at DESC, id DESC LIMIT 1`,
    [flow, modelVersion],
  );
  return rows[0] ?? null;
}

export async function selectDecisions(
  db: Sql,
  flow: string,
  modelVersion: string | null,
  limit: number,
): Promise<DecisionRow[]> {
  return db.query<DecisionRow>(
    `SELECT * FROM gate_decisions WHERE flow = $1 AND ($2::text IS NULL OR model_version = $2::text)
     ORDER BY decided_at DESC, id DESC LIMIT $3`,
    [flow, modelVersion, limit],
  );
}

/** The model version a flow last produced output or a decision for (shadow outputs, decisions, ledger). */
export async function latestModelVersion(db: Sql, flow: string): Promise<string | null> {
  const rows = await db.query<{ model_version: string }>(
    `SELECT model_version FROM (
       SELECT model_version, created_at AS at FROM shadow_outputs WHERE flow = $1
       UNION ALL SELECT model_version, decided_at AS at FROM gate_decisions WHERE flow = $1
     ) v ORDER BY at DESC LIMIT 1`,
    [flow],
  );
  return rows[0]?.model_version ?? null;
}









/** The numeric values a flow's model version would have written for one output in the window (shadow outputs). */
export async function shadowNumbers(
  db: Sql,
  args: { flow: string; output: string; from: Date; to: Date; modelVersion?: string | null },
): Promise<number[]> {
  const rows = await db.query<{ v: number }>(
    `SELECT (value #>> '{}')::double precision AS v FROM shadow_outputs
      WHERE flow = $1 AND output = $2 AND created_at >= $3 AND created_at < $4 AND ($5::text IS NULL OR model_version = $5::text)
        AND (jsonb_typeof(value) = 'number' OR (jsonb_typeof(value) = 'string' AND (value #>> '{}') ~ '^-?[0-9]+(\\.[0-9]+)?$'))`,
    [args.flow, args.output, args.from, args.to, args.modelVersion ?? null],
  );
  return rows.map((r) => Number(r.v));
}

/** Records a flow has shadow outputs for, in one CRM. */
export async function shadowRecordIds(db: Sql, flow: string, crm: string): Promise<string[]> {
  return (await db.query<{ record_id: string }>('SELECT DISTINCT record_id FROM shadow_outputs WHERE flow = $1 AND crm = $2', [flow, crm])).map((r) => r.record_id);
}

/** The numeric value of one output per record that a flow's model version recorded in shadow (the latest per record). */
export async function shadowValues(
  db: Sql,
  args: { flow: string; crm: string; output: string; modelVersion: string },
): Promise<Map<string, number>> {
  const rows = await db.query<{ record_id: string; v: number }>(
    `SELECT DISTINCT ON (record_id) record_id, (value #>> '{}')::double precision AS v FROM shadow_outputs
      WHERE flow = $1 AND crm = $2 AND output = $3 AND model_version = $4
        AND (jsonb_typeof(value) = 'number' OR (jsonb_typeof(value) = 'string' AND (value #>> '{}') ~ '^-?[0-9]+(\\.[0-9]+)?$'))
      ORDER BY record_id, id DESC`,
    [args.flow, args.crm, args.output, args.modelVersion],
  );
  return new Map(rows.map((r) => [r.record_id, Number(r.v)]));
}
