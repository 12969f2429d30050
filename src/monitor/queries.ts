/** Every statement on the monitor's tables (0601_monitor.sql): monitor_alerts, monitor_reports. */
import type { Sql } from '../store/index.js';

export interface AlertRow {
  id: number;
  flow: string | null;
  metric: string;
  severity: 'warn' | 'alert';
  value: number | null;
  threshold: number | null;
  message: string;
  figures: Record<string, unknown>;
  delivery: 'none' | 'sent' | 'failed' | 'repeat';
  delivery_error: string | null;
  created_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
}

export async function insertAlert(
  db: Sql,
  a: {
    flow: string | null;
    metric: string;
    severity: string;
    value: number | null;
    threshold: number | null;
    message: string;
    figures: Record<string, unknown>;
    at: Date;
  },
): Promise<AlertRow> {
  const rows = await db.query<AlertRow>(
    `INSERT INTO monitor_alerts (flow, metric, severity, value, threshold, message, figures, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) RETURNING *`,
    [a.flow, a.metric, a.severity, a.value, a.threshold, a.message, JSON.stringify(a.figures), a.at],
  );
  return { ...rows[0], id: Number(rows[0].id) };
}

export async function setAlertDelivery(
  db: Sql,
  id: number,
  delivery: AlertRow['delivery'],
  error: string | null,
): Promise<void> {
  await db.query('UPDATE monitor_alerts SET delivery = $2, delivery_error = $3 WHERE id = $1', [
    id,
    delivery,
    error,
  ]);
}

/** Whether the same alert (flow, metric, severity) was already delivered since `since`. */
export async function alertSentSince(
  db: Sql,
  flow: string | null,
  metric: string,
  severity: string,
  since: Date,
): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM monitor_alerts WHERE flow IS NOT DISTINCT FROM $1::text AND metric = $2 AND severity = $3
       AND delivery = 'sent' AND created_at >= $4 LIMIT 1`,
    [flow, metric, severity, since],
  );
  return rows.length > 0;
}

export async function selectAlerts(db: Sql, args: { limit: number; open?: boolean }): Promise<AlertRow[]> {
  const rows = await db.query<AlertRow>(
    `SELECT * FROM monitor_alerts WHERE ($2::boolean IS NOT TRUE OR acknowledged_at IS NULL)
     ORDER BY created_at DESC, id DESC LIMIT $1`,
    [args.limit, args.open ?? null],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function acknowledgeAlertRow(db: Sql, id: number, by: string): Promise<AlertRow | null> {
  const rows = await db.query<AlertRow>(
    'UPDATE monitor_alerts SET acknowledged_at = now(), acknowledged_by = $2 WHERE id = $1 RETURNING *',
    [id, by],
  );
  return rows[0] ? { ...rows[0], id: Number(rows[0].id) } : null;
}

export async function insertReport(
  db: Sql,
  r: { trigger: string; from: Date; to: Date; report: unknown },
): Promise<number> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO monitor_reports (trigger, window_from, window_to, report, created_at) VALUES ($1, $2, $3, $4::jsonb, $3) RETURNING id`,
    [r.trigger, r.from, r.to, JSON.stringify(r.report)],
  );
  return Number(rows[0].id);
}

export async function lastReportAt(db: Sql, trigger: string | null): Promise<Date | null> {
  const rows = await db.query<{ at: Date | null }>(
    `SELECT max(window_to) AS at FROM monitor_reports WHERE ($1::text IS NULL OR trigger = $1::text)`,
    [trigger],
  );
  return rows[0]?.at ?? null;
}


export async function latestReport(db: Sql): Promise<unknown | null> {
  const rows = await db.query<{ report: unknown }>(
    'SELECT report FROM monitor_reports ORDER BY window_to DESC, id DESC LIMIT 1',
  );
  return rows[0]?.report ?? null;
}





