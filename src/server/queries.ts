/** Read-only SQL behind the console pages. Writes go through the modules' own functions. */
import type { Store } from '../store/index.js';

export interface ReviewRow {
  id: number;
  kind: string;
  crm: string;
  object: string;
  subject_key: string;
  status: string;
  reason: string;
  payload: Record<string, unknown>;
  resolution: unknown;
  created_at: Date;
}

export async function listReview(store: Store, status = 'open', limit = 200): Promise<ReviewRow[]> {
  return store.query<ReviewRow>('SELECT * FROM review_items WHERE status = $1 ORDER BY id LIMIT $2', [status, limit]);
}

export interface DeadLetterRow {
  id: number;
  queue: string;
  job_id: string;
  data: unknown;
  error: { code?: string; message?: string };
  attempts: number;
  status: string;
  created_at: Date;
}

export async function listDeadLetters(store: Store, limit = 200): Promise<DeadLetterRow[]> {
  return store.query<DeadLetterRow>('SELECT * FROM dead_letters ORDER BY id DESC LIMIT $1', [limit]);
}

export interface RunRow {
  id: string;
  kind: string;
  crm: string | null;
  flow: string | null;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  summary: Record<string, unknown>;
}

export async function listRuns(store: Store, limit = 100): Promise<RunRow[]> {
  return store.query<RunRow>('SELECT * FROM runs ORDER BY started_at DESC LIMIT $1', [limit]);
}

export async function getRun(store: Store, id: string): Promise<RunRow | undefined> {
  return (await store.query<RunRow>('SELECT * FROM runs WHERE id = $1', [id]))[0];
}

export interface LedgerRow {
  id: number;
  object: string;
  record_id: string;
  field: string;
  before_value: unknown;
  after_value: unknown;
  outcome: string;
  reason: string | null;
}

export async function runLedger(store: Store, runId: string, limit = 500): Promise<LedgerRow[]> {
  return store.query<LedgerRow>(
    'SELECT id, object, record_id, field, before_value, after_value, outcome, reason FROM write_ledger WHERE run_id = $1 ORDER BY id LIMIT $2',
    [runId, limit],
  );
}

export async function counts(store: Store): Promise<Record<string, number>> {
  const [row] = await store.query<Record<string, number>>(
    `SELECT
       (SELECT count(*) FROM review_items WHERE status = 'open') AS review_open,
       (SELECT count(*) FROM dead_letters WHERE status = 'open') AS dead_letters,
       (SELECT count(*) FROM runs) AS runs,
       (SELECT count(*) FROM write_ledger WHERE outcome = 'written') AS fields_written,
       (SELECT count(*) FROM identity_links WHERE invalidated_at IS NULL) AS identity_links`,
  );
  return row;
}
