/**
 * Every SQL statement of identity: the identity map (identity_links) and identity review items
 * (review_items kind 'identity'). Tables from 0001_core.sql. A reviewer's "not in CRM" is a link
 * row with crm_id '' and rule 'not_in_crm' (provenance 'reviewer').
 */
import type { Sql } from '../store/index.js';
import { type ReviewRow, closeReviewItem, latestResolutions, openReviewItems, selectReviewItem, selectReviewItems } from '../review/index.js';

export const NOT_IN_CRM = 'not_in_crm';

export interface LinkRow {
  object: string;
  external_key: string;
  crm_id: string;
  provenance: 'rule' | 'reviewer';
  rule: string | null;
  confidence: number | null;
  decided_by: string | null;
  decided_at: Date | string;
}

const CHUNK = 5000;

function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

/** Valid links for these keys (any object), and reviewers' "not in CRM" decisions. */
export async function selectLinks(db: Sql, crm: string, keys: readonly string[]): Promise<LinkRow[]> {
  const out: LinkRow[] = [];
  for (const part of chunks([...new Set(keys)])) {
    out.push(
      ...(await db.query<LinkRow>(
        `SELECT object, external_key, crm_id, provenance, rule, confidence, decided_by, decided_at
         FROM identity_links WHERE crm = $1 AND external_key = ANY($2::text[]) AND invalidated_at IS NULL`,
        [crm, part],
      )),
    );
  }
  return out;
}

/**
 * Identity review items resolved as "not in CRM" through a path that did not write the link (the
 * review queue's generic resolution): the latest per key.
 */
export async function selectNotInCrmReviews(
  db: Sql,
  crm: string,
  keys: readonly string[],
): Promise<
  { object: string; subject_key: string; resolved_by: string | null; resolved_at: Date | string }[]
> {
  const latest = await latestResolutions(db, { kind: 'identity', crm, subjectKeys: keys });
  return latest.filter((r) => r.action === NOT_IN_CRM);
}

/** Links decided by rule; a valid reviewer link is never overwritten by a rule. */
export async function upsertRuleLinks(
  db: Sql,
  crm: string,
  links: readonly { object: string; key: string; crmId: string; rule: string; confidence: number }[],
): Promise<void> {
  for (const part of chunks(links)) {
    await db.query(
      `INSERT INTO identity_links (crm, object, external_key, crm_id, provenance, rule, confidence, decided_at)
       SELECT $1, o, k, id, 'rule', r, c, now()
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::float8[]) AS t(o, k, id, r, c)
       ON CONFLICT (crm, object, external_key) DO UPDATE
         SET crm_id = EXCLUDED.crm_id, provenance = 'rule', rule = EXCLUDED.rule, confidence = EXCLUDED.confidence,
             decided_by = NULL, decided_at = now(), invalidated_at = NULL, invalidated_reason = NULL
         WHERE identity_links.provenance <> 'reviewer' OR identity_links.invalidated_at IS NOT NULL`,
      [
        crm,
        part.map((l) => l.object),
        part.map((l) => l.key),
        part.map((l) => l.crmId),
        part.map((l) => l.rule),
        part.map((l) => l.confidence),
      ],
    );
  }
}

export async function upsertReviewerLink(
  db: Sql,
  crm: string,
  object: string,
  key: string,
  crmId: string,
  by: string,
): Promise<void> {
  await db.query(
    `INSERT INTO identity_links (crm, object, external_key, crm_id, provenance, rule, confidence, decided_by, decided_at)
     VALUES ($1, $2, $3, $4, 'reviewer', $5, 1, $6, now())
     ON CONFLICT (crm, object, external_key) DO UPDATE
       SET crm_id = EXCLUDED.crm_id, provenance = 'reviewer', rule = EXCLUDED.rule, confidence = 1,
           decided_by = EXCLUDED.decided_by, decided_at = now(), invalidated_at = NULL, invalidated_reason = NULL`,
    [crm, object, key, crmId, crmId === '' ? NOT_IN_CRM : null, by],
  );
}

/** Invalidates the valid links to these CRM records; returns how many. */
export async function invalidateLinksTo(
  db: Sql,
  crm: string,
  object: string | null,
  crmIds: readonly string[],
  reason: string,
): Promise<number> {
  let n = 0;
  for (const part of chunks([...new Set(crmIds)])) {
    const rows = await db.query<{ n: number }>(
      `WITH u AS (
         UPDATE identity_links SET invalidated_at = now(), invalidated_reason = $4
         WHERE crm = $1 AND ($2::text IS NULL OR object = $2::text) AND crm_id = ANY($3::text[]) AND invalidated_at IS NULL
         RETURNING 1)
       SELECT count(*)::int AS n FROM u`,
      [crm, object, part, reason],
    );
    n += Number(rows[0]?.n ?? 0);
  }
  return n;
}

export async function invalidateLinkKeys(
  db: Sql,
  crm: string,
  items: readonly { object: string; key: string }[],
  reason: string,
): Promise<void> {
  for (const part of chunks(items)) {
    await db.query(
      `UPDATE identity_links l SET invalidated_at = now(), invalidated_reason = $4
       FROM unnest($2::text[], $3::text[]) AS t(o, k)
       WHERE l.crm = $1 AND l.object = t.o AND l.external_key = t.k AND l.invalidated_at IS NULL`,
      [crm, part.map((i) => i.object), part.map((i) => i.key), reason],
    );
  }
}

/** Opens (or refreshes the open) identity review item per key. */
export async function upsertOpenReviews(
  db: Sql,
  crm: string,
  items: readonly { object: string; key: string; reason: string; payload: unknown }[],
): Promise<void> {
  await openReviewItems(
    db,
    items.map((i) => ({ kind: 'identity' as const, crm, object: i.object, subjectKey: i.key, reason: i.reason, payload: i.payload })),
  );
}

export type { ReviewRow } from '../review/index.js';

export async function selectReviewForUpdate(db: Sql, id: number): Promise<ReviewRow | undefined> {
  return selectReviewItem(db, id, { forUpdate: true });
}

export async function selectOpenIdentityReviews(db: Sql, crm: string): Promise<ReviewRow[]> {
  return selectReviewItems(db, { kind: 'identity', crm, status: 'open', limit: 1_000_000 });
}

export async function closeReview(
  db: Sql,
  id: number,
  status: 'resolved' | 'dismissed',
  resolution: unknown,
  by: string,
): Promise<void> {
  await closeReviewItem(db, id, status, resolution, by);
}

/** Links the rules made in the window (the monitor's identity figures). */
export async function countRuleLinks(db: Sql, from: Date, to: Date): Promise<number> {
  const [r] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM identity_links WHERE decided_at >= $1 AND decided_at < $2 AND provenance = 'rule'`,
    [from, to],
  );
  return Number(r?.n ?? 0);
}

export async function countActiveLinks(db: Sql): Promise<number> {
  const [r] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM identity_links WHERE invalidated_at IS NULL');
  return Number(r?.n ?? 0);
}

/** Every live identity-map key linked to these CRM records (several addresses of one contact). */
export async function selectLinkedKeys(db: Sql, crm: string, object: string, ids: readonly string[]): Promise<{ external_key: string; crm_id: string }[]> {
  if (ids.length === 0) return [];
  return db.query(
    `SELECT external_key, crm_id FROM identity_links WHERE crm = $1 AND object = $2 AND crm_id = ANY($3::text[]) AND invalidated_at IS NULL`,
    [crm, object, ids],
  );
}
