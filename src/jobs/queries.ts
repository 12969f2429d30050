/** Every SQL statement of the job layer (inrecord's tables; pg-boss keeps its own). */
import { type Sql, type Store, once, recordMetrics } from '../store/index.js';

export interface DeadLetter {
  id: number;
  queue: string;
  job_id: string;
  data: unknown;
  error: { code?: string; message?: string; retryable?: boolean; context?: unknown; stack?: string };
  attempts: number;
  status: 'open' | 'replayed' | 'discarded';
  replayed_job_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function insertDeadLetter(
  db: Sql,
  dl: { queue: string; jobId: string; data: unknown; error: unknown; attempts: number },
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO dead_letters (queue, job_id, data, error, attempts) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)
     ON CONFLICT (queue, job_id) DO NOTHING RETURNING id`,
    [dl.queue, dl.jobId, JSON.stringify(dl.data ?? null), JSON.stringify(dl.error ?? {}), dl.attempts],
  );
  return rows.length > 0;
}

export async function listDeadLetters(db: Sql, opts: { status?: string; queue?: string; limit?: number } = {}): Promise<DeadLetter[]> {
  return db.query<DeadLetter>(
    `SELECT * FROM dead_letters
      WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR queue = $2)
      ORDER BY id DESC LIMIT $3`,
    [opts.status ?? null, opts.queue ?? null, opts.limit ?? 100],
  );
}

export async function getDeadLetter(db: Sql, id: number): Promise<DeadLetter | undefined> {
  return (await db.query<DeadLetter>('SELECT * FROM dead_letters WHERE id = $1', [id]))[0];
}

export async function markDeadLetter(db: Sql, id: number, status: 'replayed' | 'discarded', replayedJobId?: string): Promise<void> {
  await db.query('UPDATE dead_letters SET status = $2, replayed_job_id = $3, updated_at = now() WHERE id = $1', [id, status, replayedJobId ?? null]);
}

export async function countOpenDeadLetters(db: Sql): Promise<number> {
  const [row] = await db.query<{ n: number }>("SELECT count(*) AS n FROM dead_letters WHERE status = 'open'");
  return row.n;
}

export async function recordDeadLetterGauge(db: Sql, open: number, queue?: string): Promise<void> {
  await recordMetrics(db, [{ name: 'jobs_dead_letters_open', labels: queue ? { queue } : {}, value: open }]);
}

/**
 * Final failures pg-boss recorded without our handler seeing them — a job whose worker died on every
 * attempt expires until its retries run out — are copied into dead_letters, so nothing is dropped.
 */
export async function sweepFailedJobs(store: Store, queues: string[]): Promise<number> {
  if (queues.length === 0) return 0;
  const rows = await store.query(
    `INSERT INTO dead_letters (queue, job_id, data, error, attempts)
     SELECT j.name, j.id::text, j.data, jsonb_build_object(
              'code', COALESCE(j.output->>'code', 'IR_JOB_FAILED'),
              'message', COALESCE(j.output->>'message', 'the job failed on every attempt (its worker stopped before finishing: it expired)'),
              'retryable', true),
            j.retry_count + 1
       FROM "${store.bossSchema}".job j
      WHERE j.state = 'failed' AND j.name = ANY($1::text[])
     ON CONFLICT (queue, job_id) DO NOTHING
     RETURNING id`,
    [queues],
  );
  return rows.length;
}

/**
 * Hands fetched-but-unstarted jobs back to the queue (graceful stop) as if never fetched: the fetch
 * counted a retry for a job started before (pg-boss 10 fetch: retry_count + 1 when started_on is
 * set), so that is undone, and a first-time job gets its null started_on back.
 */
export async function releaseJobs(store: Store, queue: string, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const s = `"${store.bossSchema}"`;
  const rows = await store.query(
    `UPDATE ${s}.job
        SET state = (CASE WHEN retry_count > 0 THEN 'retry' ELSE 'created' END)::${s}.job_state,
            retry_count = GREATEST(retry_count - 1, 0),
            started_on = CASE WHEN retry_count > 0 THEN started_on ELSE NULL END
      WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'active'
     RETURNING id`,
    [queue, ids],
  );
  return rows.length;
}

/** Runs `effect` once per key, atomically with recording the key (the store's `once`): a job that runs twice has its effect once. */
export async function onceInTransaction<T>(store: Store, key: string, effect: (tx: Sql) => Promise<T>): Promise<{ fresh: boolean; result?: T }> {
  const r = await once(store, key, effect);
  return r.fresh ? r : { fresh: false };
}

export async function deadLetterCounts(
  db: Sql,
  from: Date,
  to: Date,
): Promise<{ open: number; newInWindow: number; byQueue: Record<string, number> }> {
  const rows = await db.query<{ queue: string; open: number; fresh: number }>(
    `SELECT queue, count(*) FILTER (WHERE status = 'open')::int AS open,
       count(*) FILTER (WHERE created_at >= $1 AND created_at < $2)::int AS fresh
     FROM dead_letters GROUP BY queue ORDER BY queue`,
    [from, to],
  );
  return {
    open: rows.reduce((s, r) => s + Number(r.open), 0),
    newInWindow: rows.reduce((s, r) => s + Number(r.fresh), 0),
    byQueue: Object.fromEntries(rows.filter((r) => Number(r.open) > 0).map((r) => [r.queue, Number(r.open)])),
  };
}

export interface DeadLetterListRow {
  id: number;
  queue: string;
  job_id: string;
  data: unknown;
  error: { code?: string; message?: string };
  attempts: number;
  status: string;
  created_at: Date;
}

/** The newest dead letters first. */
export async function selectDeadLetters(db: Sql, limit = 200): Promise<DeadLetterListRow[]> {
  return db.query<DeadLetterListRow>('SELECT * FROM dead_letters ORDER BY id DESC LIMIT $1', [limit]);
}
