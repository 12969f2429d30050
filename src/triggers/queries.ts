/** Every SQL statement of the trigger layer. */
import type { Sql } from '../store/index.js';

export interface Claim {
  processedVersion: Date | null;
  deletedAt: Date | null;
}

/**
 * Takes records for their claimers (a claimer is the job working the record) for `leaseMs`: the
 * claims of those taken. A record held by another live claim is not taken; the same claimer takes
 * its own claim again (a job retried after its worker died goes on at once).
 */
export async function claimRecords(db: Sql, crm: string, object: string, items: { id: string; claimer: string }[], leaseMs: number): Promise<Map<string, Claim>> {
  if (items.length === 0) return new Map();
  const unique = [...new Map(items.map((i) => [i.id, i])).values()];
  const rows = await db.query<{ id: string; processed_version: Date | null; deleted_at: Date | null }>(
    `INSERT INTO record_versions (crm, object, id, claimed_by, claimed_until)
     SELECT $1, $2, t.id, t.claimer, now() + ($5::int * interval '1 millisecond') FROM unnest($3::text[], $4::text[]) AS t(id, claimer)
     ON CONFLICT (crm, object, id) DO UPDATE
       SET claimed_by = EXCLUDED.claimed_by, claimed_until = EXCLUDED.claimed_until, updated_at = now()
       WHERE record_versions.claimed_until IS NULL OR record_versions.claimed_until < now()
          OR record_versions.claimed_by = EXCLUDED.claimed_by
     RETURNING id, processed_version, deleted_at`,
    [crm, object, unique.map((i) => i.id), unique.map((i) => i.claimer), leaseMs],
  );
  return new Map(rows.map((r) => [r.id, { processedVersion: r.processed_version, deletedAt: r.deleted_at }]));
}

/** Ends the claims (each by its claimer); a version moves the processed version forward (never back). */
export async function completeRecords(db: Sql, crm: string, object: string, done: { id: string; claimer: string; version: string | null }[]): Promise<void> {
  if (done.length === 0) return;
  await db.query(
    `UPDATE record_versions v
        SET processed_version = GREATEST(v.processed_version, t.version),
            processed_count = v.processed_count + CASE WHEN t.version IS NULL THEN 0 ELSE 1 END,
            claimed_by = NULL, claimed_until = NULL, updated_at = now()
       FROM unnest($3::text[], $4::text[], $5::timestamptz[]) AS t(id, claimer, version)
      WHERE v.crm = $1 AND v.object = $2 AND v.id = t.id AND v.claimed_by = t.claimer`,
    [crm, object, done.map((d) => d.id), done.map((d) => d.claimer), done.map((d) => d.version)],
  );
}

/**
 * Remembers versions made by inrecord outside a record job (a rollback's restore) as processed, so
 * the poll or webhook that sees them does not act on inrecord's own change. Never moves a version back.
 */
export async function rememberOwnVersions(db: Sql, crm: string, object: string, versions: { id: string; version: string }[]): Promise<void> {
  if (versions.length === 0) return;
  await db.query(
    `INSERT INTO record_versions (crm, object, id, processed_version)
     SELECT $1, $2, t.id, t.version FROM unnest($3::text[], $4::timestamptz[]) AS t(id, version)
     ON CONFLICT (crm, object, id) DO UPDATE
       SET processed_version = GREATEST(record_versions.processed_version, EXCLUDED.processed_version), updated_at = now()`,
    [crm, object, versions.map((v) => v.id), versions.map((v) => v.version)],
  );
}

export async function releaseRecords(db: Sql, crm: string, object: string, items: { id: string; claimer: string }[]): Promise<void> {
  if (items.length === 0) return;
  await db.query(
    `UPDATE record_versions v SET claimed_by = NULL, claimed_until = NULL, updated_at = now()
       FROM unnest($3::text[], $4::text[]) AS t(id, claimer)
      WHERE v.crm = $1 AND v.object = $2 AND v.id = t.id AND v.claimed_by = t.claimer`,
    [crm, object, items.map((i) => i.id), items.map((i) => i.claimer)],
  );
}

/** Takes one record for `claimer` for `leaseMs`; null when another worker holds it. */
export async function claimRecord(db: Sql, crm: string, object: string, id: string, claimer: string, leaseMs: number): Promise<Claim | null> {
  return (await claimRecords(db, crm, object, [{ id, claimer }], leaseMs)).get(id) ?? null;
}

export async function completeRecord(db: Sql, crm: string, object: string, id: string, claimer: string, version: string | null): Promise<void> {
  await completeRecords(db, crm, object, [{ id, claimer, version }]);
}

/**
 * The ids of records whose version is newer than anything enqueued or processed before. A record
 * tombstoned before this version was changed after its deletion (restored): it is admitted again,
 * and the processor lifts the tombstone once it reads the record live.
 */
export async function admitVersions(db: Sql, crm: string, object: string, records: { id: string; modifiedAt: string }[]): Promise<Set<string>> {
  if (records.length === 0) return new Set();
  const rows = await db.query<{ id: string }>(
    `INSERT INTO record_versions (crm, object, id, enqueued_at_version)
     SELECT $1, $2, t.id, t.m FROM unnest($3::text[], $4::timestamptz[]) AS t(id, m)
     ON CONFLICT (crm, object, id) DO UPDATE
       SET enqueued_at_version = EXCLUDED.enqueued_at_version, updated_at = now()
       WHERE (record_versions.enqueued_at_version IS NULL OR record_versions.enqueued_at_version < EXCLUDED.enqueued_at_version)
         AND (record_versions.processed_version IS NULL OR record_versions.processed_version < EXCLUDED.enqueued_at_version)
         AND (record_versions.deleted_at IS NULL OR record_versions.deleted_at < EXCLUDED.enqueued_at_version)
     RETURNING id`,
    [crm, object, records.map((r) => r.id), records.map((r) => r.modifiedAt)],
  );
  return new Set(rows.map((r) => r.id));
}

/** Records seen modified after the CRM's current time; a later sight of a sane version clears them (admitVersions). */
export async function recordFutureVersions(db: Sql, crm: string, object: string, records: { id: string; modifiedAt: string }[]): Promise<void> {
  if (records.length === 0) return;
  await db.query(
    `INSERT INTO future_versions (crm, object, id, modified_at)
     SELECT $1, $2, t.id, t.m FROM unnest($3::text[], $4::timestamptz[]) AS t(id, m)
     ON CONFLICT (crm, object, id) DO UPDATE SET modified_at = EXCLUDED.modified_at, last_seen = now()`,
    [crm, object, records.map((r) => r.id), records.map((r) => r.modifiedAt)],
  );
}

export async function clearFutureVersions(db: Sql, crm: string, object: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query('DELETE FROM future_versions WHERE crm = $1 AND object = $2 AND id = ANY($3::text[])', [crm, object, ids]);
}

/** A record read live after it was tombstoned (restored, or the tombstone came from a stale event): it is processed again. */
export async function liftTombstones(db: Sql, crm: string, object: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    'UPDATE record_versions SET deleted_at = NULL, merged_into = NULL, updated_at = now() WHERE crm = $1 AND object = $2 AND id = ANY($3::text[])',
    [crm, object, ids],
  );
}

export async function selectFutureVersions(db: Sql, crm: string, object: string): Promise<{ id: string; modified_at: Date }[]> {
  return db.query(`SELECT id, modified_at FROM future_versions WHERE crm = $1 AND object = $2 ORDER BY id`, [crm, object]);
}

export async function markDeleted(db: Sql, crm: string, object: string, id: string, at: string, mergedInto?: string): Promise<void> {
  await db.query(
    `INSERT INTO record_versions (crm, object, id, deleted_at, merged_into) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (crm, object, id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at, merged_into = EXCLUDED.merged_into, updated_at = now()`,
    [crm, object, id, at, mergedInto ?? null],
  );
}

/**
 * Deliveries received: accepted events, and events refused one by one (status `rejected`, with
 * their reason in the payload); a repeated delivery of the same change inserts nothing.
 */
export async function insertReceipts(db: Sql, crm: string, receipts: { key: string; payload: unknown; status?: 'enqueued' | 'rejected' }[]): Promise<Set<string>> {
  if (receipts.length === 0) return new Set();
  const rows = await db.query<{ dedupe_key: string }>(
    `INSERT INTO webhook_receipts (crm, dedupe_key, payload, status)
     SELECT $1, t.k, t.p::jsonb, t.s FROM unnest($2::text[], $3::text[], $4::text[]) AS t(k, p, s)
     ON CONFLICT (dedupe_key) DO NOTHING
     RETURNING dedupe_key`,
    [crm, receipts.map((r) => r.key), receipts.map((r) => JSON.stringify(r.payload)), receipts.map((r) => r.status ?? 'enqueued')],
  );
  return new Set(rows.map((r) => r.dedupe_key));
}

/** Forgets receipts received before `before` (their deliveries are long past any redelivery); how many. */
export async function pruneReceipts(db: Sql, before: Date): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `WITH gone AS (DELETE FROM webhook_receipts WHERE received_at < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
    [before],
  );
  return rows[0]?.n ?? 0;
}

export async function readCursor(db: Sql, name: string): Promise<string | null> {
  const rows = await db.query<{ value: string }>('SELECT value FROM cursors WHERE name = $1', [name]);
  return rows[0]?.value ?? null;
}

export async function writeCursor(db: Sql, name: string, value: string): Promise<void> {
  await db.query(
    `INSERT INTO cursors (name, value) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [name, value],
  );
}
