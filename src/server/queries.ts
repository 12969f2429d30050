/**
 * What the console pages show, read through each table's owner: review items (review/), dead
 * letters (jobs/), runs and their ledger (writeback/), identity links (identity/). No SQL here.
 */
import { countActiveLinks } from '../identity/index.js';
import { countOpenDeadLetters, type DeadLetterListRow, selectDeadLetters } from '../jobs/index.js';
import { countReviewItems, type ReviewRow, selectReviewItems } from '../review/index.js';
import type { Store } from '../store/index.js';
import {
  countRuns,
  countWrittenFields,
  getRun as getRunRow,
  ledgerForRun,
  listRuns as listRunRows,
  type ProgressFigures,
  progressFigures,
  progressOf,
  type RunRow,
} from '../writeback/index.js';

export type { DeadLetterListRow as DeadLetterRow, ReviewRow, RunRow };

export async function listReview(store: Store, status: 'open' | 'resolved' | 'dismissed' = 'open', limit = 200): Promise<ReviewRow[]> {
  return selectReviewItems(store, { status, limit });
}

export async function listDeadLetters(store: Store, limit = 200): Promise<DeadLetterListRow[]> {
  return selectDeadLetters(store, limit);
}

export async function listRuns(store: Store, limit = 100): Promise<RunRow[]> {
  return listRunRows(store, { limit });
}

export interface RunningRun {
  id: string;
  kind: string;
  crm: string | null;
  flow: string | null;
  started_at: string;
  /** null until the run has stored its first progress. */
  progress: ProgressFigures | null;
}

/** Runs under way (an `apply`, the daemon's), with their progress as last stored. */
export async function runningRuns(store: Store, now = new Date()): Promise<RunningRun[]> {
  return (await listRunRows(store, { status: 'running', limit: 50 })).map((r) => {
    const p = progressOf(r.summary);
    return { id: r.id, kind: r.kind, crm: r.crm, flow: r.flow, started_at: r.started_at, progress: p ? progressFigures(p, now) : null };
  });
}

export async function getRun(store: Store, id: string): Promise<RunRow | undefined> {
  return (await getRunRow(store, id)) ?? undefined;
}

export async function runLedger(store: Store, runId: string, limit = 500) {
  return (await ledgerForRun(store, runId)).slice(0, limit);
}

export async function counts(store: Store): Promise<Record<string, number>> {
  return {
    review_open: await countReviewItems(store, { status: 'open' }),
    dead_letters: await countOpenDeadLetters(store),
    runs: await countRuns(store),
    fields_written: await countWrittenFields(store),
    identity_links: await countActiveLinks(store),
  };
}
