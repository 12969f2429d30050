/** Every SQL statement of signals/. */
import type { Sql } from '../store/index.js';

export interface ActivityRow {
  external_id: string;
  status: 'pending' | 'done';
  activity_id: string | null;
}

export async function selectActivityRows(db: Sql, crm: string, ids: readonly string[]): Promise<ActivityRow[]> {
  if (ids.length === 0) return [];
  return db.query<ActivityRow>(
    'SELECT external_id, status, activity_id FROM signal_activities WHERE crm = $1 AND external_id = ANY($2::text[])',
    [crm, ids],
  );
}

/** Claims an item before the CRM call; false when a row already exists (another import has it). */
export async function claimActivity(
  db: Sql,
  row: { crm: string; externalId: string; kind: string; contactId: string; companyId: string | null; source: string },
): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO signal_activities (crm, external_id, kind, status, contact_id, company_id, source)
     VALUES ($1, $2, $3, 'pending', $4, $5, $6) ON CONFLICT (crm, external_id) DO NOTHING RETURNING external_id`,
    [row.crm, row.externalId, row.kind, row.contactId, row.companyId, row.source],
  );
  return r.length === 1;
}

export async function completeActivity(db: Sql, crm: string, externalId: string, activityId: string): Promise<void> {
  await db.query(
    `UPDATE signal_activities SET status = 'done', activity_id = $3, updated_at = now() WHERE crm = $1 AND external_id = $2`,
    [crm, externalId, activityId],
  );
}

/** The CRM refused the item: nothing was created, so the claim is released and a later import retries. */
export async function releaseActivity(db: Sql, crm: string, externalId: string): Promise<void> {
  await db.query(`DELETE FROM signal_activities WHERE crm = $1 AND external_id = $2 AND status = 'pending'`, [
    crm,
    externalId,
  ]);
}

/** An item whose CRM call may or may not have created the activity: a person checks the record. */
export async function openUncertainReview(
  db: Sql,
  crm: string,
  externalId: string,
  reason: string,
  payload: unknown,
): Promise<void> {
  await db.query(
    `INSERT INTO review_items (kind, crm, object, subject_key, reason, payload)
     VALUES ('conflict', $1, 'activity', $2, $3, $4::jsonb)
     ON CONFLICT (kind, crm, object, subject_key) WHERE status = 'open' DO NOTHING`,
    [crm, externalId, reason, JSON.stringify(payload)],
  );
}

export async function countOpenIdentityReviews(db: Sql, crm: string, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM review_items WHERE kind = 'identity' AND crm = $1 AND object = 'contact'
       AND status = 'open' AND subject_key = ANY($2::text[])`,
    [crm, keys],
  );
  return r[0]?.n ?? 0;
}
