import { InrecordError } from '../../errors/index.js';
import { type DailyReading, newerReading } from './budget.js';

/**
 * Daily-quota guard (Salesforce API requests per rolling 24 h, Pipedrive daily tokens): when the
 * share of the quota spent reaches the guard, calls pause — a retryable error that tells the job
 * engine when to resume — instead of spending the rest of the org's allowance and failing
 * everything else.
 *
 * Only a *daily* quota belongs here. A short-lived limit (a 429, or a refusal the connector marks
 * `limited`, such as a concurrent-request limit) is the rate limiter's and callWithRetry's
 * business: a wait and a retry, never a pause of the flows.
 *
 * A quota with a fixed reset (Pipedrive: midnight) pauses until that time and then counts afresh.
 * A rolling allocation (Salesforce) has no reset time: the pause lasts until a fresh reading
 * (`needsProbe` → the connector re-reads the usage, e.g. GET /limits) shows the share back under
 * the guard, re-read at most every `recheckMs`.
 */
export interface QuotaGuardOptions {
  now?: () => number;
  /** A paused rolling quota is re-read this often (Salesforce's /limits is accurate to ~5 min). */
  recheckMs?: number;
  /** What the user can do while paused, when the CRM's quota has more to say than the catalogue's fix. */
  fix?: string;
  /** Told when the guard is reached (paused) and when it is no longer (resumed). */
  onChange?: (change: QuotaChange) => void;
}

export interface QuotaChange {
  paused: boolean;
  used: number;
  max: number;
  /** Paused: when calls may resume (the reset, or the next look at a rolling allocation). */
  resumeAt: number;
  /** Paused: the error the guarded calls throw. */
  error?: InrecordError;
}

export const DEFAULT_QUOTA_RECHECK_MS = 5 * 60 * 1000;

export class QuotaGuard {
  private used = 0;
  private max = Number.POSITIVE_INFINITY;
  private resetAt = 0;
  private observedAt = 0;
  private readonly now: () => number;
  private readonly recheckMs: number;
  private readonly fix: string | undefined;
  private readonly onChange: ((change: QuotaChange) => void) | undefined;
  private wasTripped = false;

  constructor(
    private readonly guard: number,
    private readonly what: string,
    opts: QuotaGuardOptions | (() => number) = {},
  ) {
    const o = typeof opts === 'function' ? { now: opts } : opts;
    this.now = o.now ?? Date.now;
    this.recheckMs = o.recheckMs ?? DEFAULT_QUOTA_RECHECK_MS;
    this.fix = o.fix;
    this.onChange = o.onChange;
  }

  /** A reading of the daily quota: units used of max, and when it resets if the CRM says so. */
  observe(used: number, max: number, resetAt?: number): void {
    this.set({ used, max, resetAt: resetAt ?? null, observedAt: this.now() });
  }

  /** The last reading (null before the first): what this process shares with the others. */
  reading(): DailyReading | null {
    if (!this.observedAt) return null;
    return { used: this.used, max: this.max, resetAt: this.resetAt || null, observedAt: this.observedAt };
  }

  /** Takes another process's reading when it is newer than this one's. */
  adopt(r: DailyReading): void {
    if (newerReading(this.reading(), r) === r) this.set(r);
  }

  private set(r: DailyReading): void {
    this.used = r.used;
    this.max = r.max;
    this.resetAt = r.resetAt ?? 0;
    this.observedAt = r.observedAt;
    this.changed();
  }

  /** Tells onChange when the guard is newly reached or newly clear. */
  private changed(): void {
    const tripped = this.tripped;
    if (tripped === this.wasTripped) return;
    this.wasTripped = tripped;
    this.onChange?.({ paused: tripped, used: this.used, max: this.max, resumeAt: this.resumeAt(), ...(tripped ? { error: this.error() } : {}) });
  }

  /** The CRM refused a call because the quota is spent (Salesforce 403 TotalRequests). */
  spent(resetAt?: number): void {
    const max = Number.isFinite(this.max) && this.max > 0 ? this.max : 1;
    this.observe(Math.max(this.used, max), max, resetAt);
  }

  get share(): number {
    return Number.isFinite(this.max) && this.max > 0 ? this.used / this.max : 0;
  }

  private get tripped(): boolean {
    return this.share >= this.guard;
  }

  /** Paused on a rolling allocation whose last reading is old enough to be read again. */
  needsProbe(): boolean {
    return this.tripped && !this.resetAt && this.now() - this.observedAt >= this.recheckMs;
  }

  /** When a paused quota can next be used: its reset, or the next re-reading of a rolling one. */
  resumeAt(): number {
    return this.resetAt || this.observedAt + this.recheckMs;
  }

  /** Throws a retryable IR_CRM_QUOTA_EXHAUSTED while the guard is reached. */
  check(): void {
    if (!this.tripped) return;
    if (this.resetAt && this.now() >= this.resetAt) {
      // The quota reset since the last reading: count afresh from the next answer's headers.
      this.used = 0;
      this.resetAt = 0;
      this.changed();
      return;
    }
    throw this.error();
  }

  error(): InrecordError {
    const resumeAt = new Date(this.resumeAt()).toISOString();
    const until = this.resetAt ? `until the quota resets at ${resumeAt}` : `until usage falls under the guard (rolling 24 h allocation; next look at ${resumeAt})`;
    return new InrecordError(
      'IR_CRM_QUOTA_EXHAUSTED',
      `${this.what}: ${this.used} of ${this.max} daily API units used (guard ${Math.round(this.guard * 100)}%); paused ${until}`,
      { context: { used: this.used, max: this.max, resumeAt }, ...(this.fix ? { fix: this.fix } : {}) },
    );
  }
}
