/**
 * The admission maths of a shared rate budget — pure, on plain values; shared.ts does the I/O.
 *
 * A CRM counts a call in its window from when the call reaches it. A process knows only when it
 * admitted a call and when the answer came back; the call reached the CRM somewhere in between. So
 * an admitted call holds its slot while it is in flight (`pending`), and once answered it holds the
 * slot for one more full window from the answer: a call admitted later can never meet it in the
 * CRM's window, whatever the network and the event loops did to either. A pending slot whose
 * process died lapses on its own (`holdMs` after its window).
 */

/** One call counted in a window, as the store holds it (ms on the store's clock). */
export interface BudgetSlot {
  /** When the slot stops counting: answer + window, or (pending) admission + window + hold. */
  expiresAt: number;
  /** Admitted, answer not in yet. */
  pending: boolean;
}

export interface BudgetState {
  callsPerWindow: number;
  windowMs: number;
  /** No call is admitted before this (a CRM said its window is spent). */
  pausedUntil: number;
  slots: readonly BudgetSlot[];
}

export interface Admission {
  /** Calls admitted now (0 … wanted). */
  granted: number;
  /** When the granted slots lapse if their process never says the answer came. */
  expiresAt: number;
  /** When granted < wanted: how long until one more call can fit, at the soonest (ms, ≥ 1). */
  waitMs: number;
}

/**
 * Admits up to `wanted` calls at `now`: as many as the window has room for. When some must wait,
 * `waitMs` is a lower bound (a pending slot frees one window after its answer at the earliest), so
 * the caller looks again then.
 */
export function admit(state: BudgetState, now: number, wanted: number, holdMs: number): Admission {
  const expiresAt = now + state.windowMs + holdMs;
  if (state.pausedUntil > now) return { granted: 0, expiresAt, waitMs: state.pausedUntil - now };
  // the soonest each live slot can stop counting
  const frees = state.slots
    .filter((s) => s.expiresAt > now)
    .map((s) => (s.pending ? Math.min(s.expiresAt, now + state.windowMs) : s.expiresAt));
  const granted = Math.max(0, Math.min(wanted, state.callsPerWindow - frees.length));
  if (granted === wanted) return { granted, expiresAt, waitMs: 0 };
  for (let i = 0; i < granted; i++) frees.push(now + state.windowMs);
  frees.sort((a, b) => a - b);
  // one more fits once all but callsPerWindow - 1 of them have freed
  const nth = frees[frees.length - state.callsPerWindow];
  return { granted, expiresAt, waitMs: Math.max(1, (nth ?? now) - now + 1) };
}

/** The window in force: the one the CRM last reported in its headers, else the configured one. */
export function windowInForce<W>(configured: W, reported: W | null): W {
  return reported ?? configured;
}

/** A reading of a daily allocation, from the CRM's own counters. */
export interface DailyReading {
  used: number;
  max: number;
  /** When the allocation resets (fixed reset), or null (rolling: it frees as old calls age out). */
  resetAt: number | null;
  /** When the reading was taken. */
  observedAt: number;
}

/** The newer of two readings: the CRM's latest counter is the truth, whichever process read it. */
export function newerReading(a: DailyReading | null, b: DailyReading | null): DailyReading | null {
  if (!a) return b;
  if (!b) return a;
  return b.observedAt > a.observedAt ? b : a;
}
