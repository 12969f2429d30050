/**
 * The shared rate budgets' SQL (tables rate_budgets, rate_slots, daily_allocations). Times are ms
 * on the store's clock, so processes on several machines agree on one clock.
 */
import type { Sql } from '../../store/index.js';
import type { BudgetSlot, DailyReading } from './budget.js';

const NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

export interface LockedBudget {
  /** The window the connection's config says. */
  configured: { callsPerWindow: number; windowMs: number };
  /** The window the CRM last reported in its headers, if it did. */
  reported: { callsPerWindow: number; windowMs: number } | null;
  pausedUntil: number;
  now: number;
}

/**
 * Creates the budget's row or locks it (one admission at a time per budget, across processes),
 * writing this process's configured window (`writeConfigured`, at its first admission) and a window
 * the CRM reported; returns the row and the store's time.
 */
export async function lockBudget(
  tx: Sql,
  budget: string,
  configured: { callsPerWindow: number; windowMs: number },
  set: { writeConfigured: boolean; reported?: { callsPerWindow: number; windowMs: number } | null },
): Promise<LockedBudget> {
  type Row = {
    calls_per_window: number;
    window_ms: number;
    reported_calls: number | null;
    reported_window_ms: number | null;
    paused_until: string | number;
    now: string | number;
  };
  const [row] = await tx.query<Row>(
    `INSERT INTO rate_budgets AS b (budget, calls_per_window, window_ms, reported_calls, reported_window_ms)
     VALUES ($1, $2::int, $3::int, $4::int, $5::int)
     ON CONFLICT (budget) DO UPDATE SET
       calls_per_window = CASE WHEN $6::boolean THEN EXCLUDED.calls_per_window ELSE b.calls_per_window END,
       window_ms = CASE WHEN $6::boolean THEN EXCLUDED.window_ms ELSE b.window_ms END,
       reported_calls = COALESCE($4::int, b.reported_calls),
       reported_window_ms = COALESCE($5::int, b.reported_window_ms),
       updated_at = now()
     RETURNING calls_per_window, window_ms, reported_calls, reported_window_ms, paused_until, ${NOW_MS} AS now`,
    [
      budget,
      configured.callsPerWindow,
      configured.windowMs,
      set.reported?.callsPerWindow ?? null,
      set.reported?.windowMs ?? null,
      set.writeConfigured,
    ],
  );
  return {
    configured: { callsPerWindow: Number(row.calls_per_window), windowMs: Number(row.window_ms) },
    reported:
      row.reported_calls === null
        ? null
        : {
            callsPerWindow: Number(row.reported_calls),
            windowMs: Number(row.reported_window_ms ?? row.window_ms),
          },
    pausedUntil: Number(row.paused_until),
    now: Number(row.now),
  };
}

/** The slots still counting at `now`; the lapsed ones are deleted. */
export async function liveSlots(tx: Sql, budget: string, now: number): Promise<BudgetSlot[]> {
  const rows = await tx.query<{ expires_at: string | number; pending: boolean }>(
    `WITH lapsed AS (DELETE FROM rate_slots WHERE budget = $1 AND expires_at <= $2::bigint)
     SELECT expires_at, pending FROM rate_slots WHERE budget = $1 AND expires_at > $2::bigint`,
    [budget, now],
  );
  return rows.map((r) => ({ expiresAt: Number(r.expires_at), pending: r.pending }));
}

/** Takes `n` pending slots; their ids are what the answers release. */
export async function takeSlots(tx: Sql, budget: string, n: number, expiresAt: number): Promise<number[]> {
  const rows = await tx.query<{ id: string | number }>(
    'INSERT INTO rate_slots (budget, expires_at, pending) SELECT $1, $2::bigint, true FROM generate_series(1, $3::int) RETURNING id',
    [budget, expiresAt, n],
  );
  return rows.map((r) => Number(r.id));
}

/** The answers are in: each slot counts for one more window from now. */
export async function releaseSlots(db: Sql, ids: readonly number[], windowMs: number): Promise<void> {
  await db.query(
    `UPDATE rate_slots SET expires_at = ${NOW_MS} + $2::bigint, pending = false WHERE id = ANY($1::bigint[])`,
    [ids, windowMs],
  );
}

/** A CRM said its window is spent: no process is admitted for `pauseMs` from now. */
export async function pauseBudget(db: Sql, budget: string, pauseMs: number): Promise<void> {
  await db.query(
    `UPDATE rate_budgets SET paused_until = GREATEST(paused_until, ${NOW_MS} + $2::bigint), updated_at = now() WHERE budget = $1`,
    [budget, Math.round(pauseMs)],
  );
}

/** Shares `mine` (when given) and returns the newest reading any process has shared. */
export async function syncDailyReading(
  db: Sql,
  connection: string,
  mine: DailyReading | null,
): Promise<DailyReading | null> {
  type Row = {
    used: string | number;
    max: string | number;
    reset_at: string | number | null;
    observed_at: string | number;
  };
  const rows = mine
    ? await db.query<Row>(
        `INSERT INTO daily_allocations AS d (connection, used, max, reset_at, observed_at) VALUES ($1, $2::bigint, $3::bigint, $4::bigint, $5::bigint)
         ON CONFLICT (connection) DO UPDATE SET used = EXCLUDED.used, max = EXCLUDED.max, reset_at = EXCLUDED.reset_at,
           observed_at = EXCLUDED.observed_at, updated_at = now()
           WHERE d.observed_at < EXCLUDED.observed_at
         RETURNING used, max, reset_at, observed_at`,
        [connection, mine.used, Number.isFinite(mine.max) ? mine.max : 0, mine.resetAt, mine.observedAt],
      )
    : [];
  const [row] =
    rows.length > 0
      ? rows
      : await db.query<Row>(
          'SELECT used, max, reset_at, observed_at FROM daily_allocations WHERE connection = $1',
          [connection],
        );
  if (!row) return null;
  return {
    used: Number(row.used),
    max: Number(row.max),
    resetAt: row.reset_at === null ? null : Number(row.reset_at),
    observedAt: Number(row.observed_at),
  };
}
