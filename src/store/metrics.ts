/**
 * The metrics table (0001_core.sql): named, labelled values over time — write outcomes, dead-letter
 * gauges, drift figures. One writer and one reader for every module.
 */
import type { Sql } from './types.js';

export interface MetricRow {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** When the value holds (default: now). */
  at?: Date;
}

export async function recordMetrics(db: Sql, rows: readonly MetricRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO metrics (name, labels, value, at)
     SELECT r.name, r.labels, r.value, coalesce(r.at, now()) FROM jsonb_to_recordset($1::jsonb) AS r(name text, labels jsonb, value double precision, at timestamptz)`,
    [JSON.stringify(rows.map((r) => ({ name: r.name, labels: r.labels, value: r.value, at: r.at ? r.at.toISOString() : null })))],
  );
}

/** The last `limit` values of a metric for one flow, oldest first (for sparklines). */
export async function metricHistory(
  db: Sql,
  name: string,
  flow: string | null,
  limit: number,
): Promise<{ value: number; at: Date }[]> {
  const rows = await db.query<{ value: number; at: Date }>(
    `SELECT value, at FROM metrics WHERE name = $1 AND ($2::text IS NULL OR labels->>'flow' = $2::text)
     ORDER BY at DESC, id DESC LIMIT $3`,
    [name, flow, limit],
  );
  return rows.reverse().map((r) => ({ value: Number(r.value), at: r.at }));
}
