/** Every SQL statement of signals/. */
import { countReviewItems, openReviewItems } from '../review/index.js';
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
  await openReviewItems(db, [{ kind: 'conflict', crm, object: 'activity', subjectKey: externalId, reason, payload }], 'keep');
}

export async function countOpenIdentityReviews(db: Sql, crm: string, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  return countReviewItems(db, { kind: 'identity', crm, object: 'contact', status: 'open', subjectKeys: keys });
}

export interface UsageEventRow {
  event_key: string;
  user_email: string | null;
  account_id: string | null;
  domain: string | null;
  feature: string | null;
  occurred_at: Date | string;
  contact_key: string | null;
  company_key: string | null;
}

/** Inserts events (a repeated event key is a no-op); returns the keys that were new. */
export async function insertUsageEvents(
  db: Sql,
  source: string,
  rows: readonly { key: string; userEmail: string | null; accountId: string | null; domain: string | null; feature: string | null; at: string; contactKey: string | null; companyKey: string | null }[],
): Promise<string[]> {
  if (rows.length === 0) return [];
  const r = await db.query<{ event_key: string }>(
    `INSERT INTO signal_usage_events (source, event_key, user_email, account_id, domain, feature, occurred_at, contact_key, company_key)
     SELECT $1, x.key, x."userEmail", x."accountId", x.domain, x.feature, x.at, x."contactKey", x."companyKey"
       FROM jsonb_to_recordset($2::jsonb) AS x(key text, "userEmail" text, "accountId" text, domain text, feature text, at timestamptz, "contactKey" text, "companyKey" text)
     ON CONFLICT (source, event_key) DO NOTHING RETURNING event_key`,
    [source, JSON.stringify(rows)],
  );
  return r.map((x) => x.event_key);
}

export async function selectUsageEventsByKeys(
  db: Sql,
  source: string,
  contactKeys: readonly string[],
  companyKeys: readonly string[],
): Promise<UsageEventRow[]> {
  return db.query<UsageEventRow>(
    `SELECT event_key, user_email, account_id, domain, feature, occurred_at, contact_key, company_key FROM signal_usage_events
      WHERE source = $1 AND (contact_key = ANY($2::text[]) OR company_key = ANY($3::text[]))`,
    [source, contactKeys, companyKeys],
  );
}

export async function countUsageFeatures(db: Sql, source: string): Promise<number> {
  const r = await db.query<{ n: number }>(
    'SELECT count(DISTINCT feature)::int AS n FROM signal_usage_events WHERE source = $1 AND feature IS NOT NULL',
    [source],
  );
  return r[0]?.n ?? 0;
}


export { readCursor, writeCursor } from '../triggers/index.js';

export async function selectRiskLevels(db: Sql, crm: string): Promise<Map<string, string>> {
  const r = await db.query<{ deal_id: string; level: string }>('SELECT deal_id, level FROM signal_deal_risk WHERE crm = $1', [crm]);
  return new Map(r.map((x) => [x.deal_id, x.level]));
}

/** Deals whose risk change was noted on the CRM's timeline (a note id the CRM returned). */
export async function countRiskNotes(db: Sql, crm: string): Promise<number> {
  const [r] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM signal_deal_risk WHERE crm = $1 AND note_id IS NOT NULL', [crm]);
  return Number(r?.n ?? 0);
}

export async function upsertRiskLevel(db: Sql, crm: string, dealId: string, level: string, score: number, noteId: string | null): Promise<void> {
  await db.query(
    `INSERT INTO signal_deal_risk (crm, deal_id, level, score, note_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (crm, deal_id) DO UPDATE SET level = EXCLUDED.level, score = EXCLUDED.score,
       note_id = COALESCE(EXCLUDED.note_id, signal_deal_risk.note_id), updated_at = now()`,
    [crm, dealId, level, score, noteId],
  );
}
