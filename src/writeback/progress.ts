/**
 * A running run's progress as the store keeps it (the run's `summary` until it finishes), and the
 * figures the console shows from it: records done of the total, the rate and the time left. Pure.
 */

export interface RunProgress {
  /** Records planned so far. */
  done: number;
  /** Records expected; null until the source has been read through (the pipeline's read). */
  total: number | null;
  /** Records the CRM was asked to update. */
  written: number;
  /** API calls the run has made. */
  calls: number;
  /** When the run started and when this progress was stored (ISO 8601). */
  startedAt: string;
  at: string;
}

export interface ProgressFigures {
  done: number;
  total: number | null;
  written: number;
  calls: number;
  /** Records planned a second, over the run so far; null before the first second. */
  perSecond: number | null;
  /** Seconds left at that rate; null without a total or a rate. */
  etaSeconds: number | null;
  /** Seconds since the progress was last stored: a run that stopped answering shows a growing age. */
  ageSeconds: number;
}

export function progressFigures(p: RunProgress, now: Date): ProgressFigures {
  const elapsed = (Date.parse(p.at) - Date.parse(p.startedAt)) / 1000;
  const perSecond = elapsed >= 1 && p.done > 0 ? p.done / elapsed : null;
  const etaSeconds = perSecond && p.total !== null ? Math.max(0, (p.total - p.done) / perSecond) : null;
  return { done: p.done, total: p.total, written: p.written, calls: p.calls, perSecond, etaSeconds, ageSeconds: Math.max(0, (now.getTime() - Date.parse(p.at)) / 1000) };
}

/** The progress a running run's summary holds, if it holds one. */
export function progressOf(summary: unknown): RunProgress | null {
  const p = (summary as { progress?: RunProgress } | null)?.progress;
  return p && typeof p.done === 'number' && typeof p.startedAt === 'string' && typeof p.at === 'string' ? p : null;
}
