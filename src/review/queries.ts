/**
 * Every statement on review_items (0001_core.sql): the one queue people work through — identity
 * inputs with no unique match, flagged write conflicts, actions that may or may not have happened.
 * One open item per (kind, crm, object, subject): opening it again refreshes or keeps the open one.
 */
import type { Sql } from '../store/index.js';

export type ReviewKind = 'identity' | 'conflict' | 'validation' | 'action';
export type ReviewStatus = 'open' | 'resolved' | 'dismissed';

export interface ReviewRow {
  id: number;
  kind: ReviewKind;
  crm: string;
  object: string;
  subject_key: string;
  status: ReviewStatus;
  reason: string;
  payload: Record<string, unknown>;
  resolution: Record<string, unknown> | null;
  resolved_by: string | null;
  created_at: Date;
  resolved_at: Date | null;
}

export interface NewReviewItem {
  kind: ReviewKind;
  crm: string;
  object: string;
  subjectKey: string;
  reason: string;
  payload: unknown;
}

const CHUNK = 1000;

/**
 * Opens one item per subject. An open item for the same subject is refreshed with the new reason
 * and payload (`refresh`, the default) or left as it is (`keep`).
 */
export async function openReviewItems(
  db: Sql,
  items: readonly NewReviewItem[],
  onOpen: 'refresh' | 'keep' = 'refresh',
): Promise<void> {
  for (let i = 0; i < items.length; i += CHUNK) {
    const part = items.slice(i, i + CHUNK);
    await db.query(
      `INSERT INTO review_items (kind, crm, object, subject_key, reason, payload)
       SELECT kind, crm, object, subject_key, reason, payload
         FROM jsonb_to_recordset($1::jsonb) AS x(kind text, crm text, object text, subject_key text, reason text, payload jsonb)
       ON CONFLICT (kind, crm, object, subject_key) WHERE status = 'open'
       ${onOpen === 'refresh' ? 'DO UPDATE SET reason = EXCLUDED.reason, payload = EXCLUDED.payload' : 'DO NOTHING'}`,
      [
        JSON.stringify(
          part.map((x) => ({
            kind: x.kind,
            crm: x.crm,
            object: x.object,
            subject_key: x.subjectKey,
            reason: x.reason,
            payload: x.payload ?? {},
          })),
        ),
      ],
    );
  }
}

export interface ReviewFilter {
  kind?: ReviewKind;
  crm?: string;
  object?: string;
  status?: ReviewStatus | 'all';
  subjectKeys?: readonly string[];
  /** Created at or after / before (ISO 8601 or Date). */
  createdFrom?: Date | string;
  createdTo?: Date | string;
}

function where(f: ReviewFilter, params: unknown[]): string {
  const c: string[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    c.push(sql.replace('?', `$${params.length}`));
  };
  if (f.kind) add('kind = ?', f.kind);
  if (f.crm) add('crm = ?', f.crm);
  if (f.object) add('object = ?', f.object);
  if ((f.status ?? 'open') !== 'all') add('status = ?', f.status ?? 'open');
  if (f.subjectKeys) add('subject_key = ANY(?::text[])', [...f.subjectKeys]);
  if (f.createdFrom) add('created_at >= ?', f.createdFrom);
  if (f.createdTo) add('created_at < ?', f.createdTo);
  return c.length ? `WHERE ${c.join(' AND ')}` : '';
}

export async function selectReviewItems(
  db: Sql,
  f: ReviewFilter & { limit?: number; newestFirst?: boolean } = {},
): Promise<ReviewRow[]> {
  const params: unknown[] = [];
  const w = where(f, params);
  params.push(f.limit ?? 100);
  return db.query<ReviewRow>(
    `SELECT * FROM review_items ${w} ORDER BY id ${f.newestFirst ? 'DESC' : ''} LIMIT $${params.length}`,
    params,
  );
}

export async function countReviewItems(db: Sql, f: ReviewFilter = {}): Promise<number> {
  const params: unknown[] = [];
  const [r] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM review_items ${where(f, params)}`,
    params,
  );
  return r?.n ?? 0;
}

/** Per payload status (identity decisions: matched | ambiguous | unmatched), counted; the reason text when the payload says nothing. */
export async function countReviewItemsByStatus(
  db: Sql,
  f: ReviewFilter,
): Promise<{ status: string | null; reason: string; n: number }[]> {
  const params: unknown[] = [];
  return db.query<{ status: string | null; reason: string; n: number }>(
    `SELECT coalesce(payload->>'status', payload->>'outcome', payload->'result'->>'status', payload->'decision'->>'status') AS status, reason, count(*)::int AS n
       FROM review_items ${where({ status: 'all', ...f }, params)} GROUP BY 1, 2`,
    params,
  );
}

export async function selectReviewItem(
  db: Sql,
  id: number,
  opts: { forUpdate?: boolean } = {},
): Promise<ReviewRow | undefined> {
  const rows = await db.query<ReviewRow>(
    `SELECT * FROM review_items WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0];
}

/** The latest resolution per subject, among resolved items of a kind. */
export async function latestResolutions(
  db: Sql,
  f: { kind: ReviewKind; crm: string; subjectKeys: readonly string[] },
): Promise<
  {
    object: string;
    subject_key: string;
    action: string | null;
    resolved_by: string | null;
    resolved_at: Date | string;
  }[]
> {
  const out: {
    object: string;
    subject_key: string;
    action: string | null;
    resolved_by: string | null;
    resolved_at: Date | string;
  }[] = [];
  const keys = [...new Set(f.subjectKeys)];
  for (let i = 0; i < keys.length; i += CHUNK) {
    out.push(
      ...(await db.query<{
        object: string;
        subject_key: string;
        action: string | null;
        resolved_by: string | null;
        resolved_at: Date | string;
      }>(
        `SELECT DISTINCT ON (object, subject_key) object, subject_key, resolution->>'action' AS action, resolved_by, resolved_at
           FROM review_items
          WHERE kind = $1 AND crm = $2 AND subject_key = ANY($3::text[]) AND status = 'resolved'
          ORDER BY object, subject_key, resolved_at DESC`,
        [f.kind, f.crm, keys.slice(i, i + CHUNK)],
      )),
    );
  }
  return out;
}

export async function closeReviewItem(
  db: Sql,
  id: number,
  status: 'resolved' | 'dismissed',
  resolution: unknown,
  by: string,
): Promise<ReviewRow> {
  const rows = await db.query<ReviewRow>(
    `UPDATE review_items SET status = $2, resolution = $3::jsonb, resolved_by = $4, resolved_at = now() WHERE id = $1 RETURNING *`,
    [id, status, JSON.stringify(resolution), by],
  );
  return rows[0];
}
