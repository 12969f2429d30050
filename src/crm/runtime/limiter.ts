/**
 * A rolling-window rate limiter per CRM connection, sized from the documented limit and corrected
 * from live response headers (remaining / reset). Waiting here is free: it does not count against
 * a job's retry budget.
 */
export interface RateWindow {
  callsPerWindow: number;
  windowMs: number;
}

export type Sleep = (ms: number) => Promise<void>;
export const sleep: Sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** What a CRM's answer says about its window (rate-limit headers). */
export interface LimitInfo {
  remaining?: number;
  limit?: number;
  resetAt?: number;
  windowMs?: number;
}

/** One admitted call. `release()` once its answer is in (or it failed): the window counts it from then. */
export interface Slot {
  release(): void;
}

/**
 * What a connector paces its calls with: this process's own window (RateLimiter), or the budget
 * every process shares through the store (SharedLimiter, shared.ts).
 */
export interface Limiter {
  /** Waits until one more call fits in the window. */
  acquire(): Promise<Slot>;
  observe(info: LimitInfo): void;
  pauseUntil(at: number): void;
  readonly policy: RateWindow;
  /** Total time spent waiting, ms (for reports). */
  readonly waitedMs: number;
}

const NO_RELEASE: Slot = { release() {} };

export class RateLimiter implements Limiter {
  private readonly stamps: number[] = [];
  private pausedUntil = 0;
  private chain: Promise<void> = Promise.resolve();
  /** Total time spent waiting, ms (for reports). */
  waitedMs = 0;

  constructor(
    private window: RateWindow,
    private readonly now: () => number = Date.now,
    private readonly wait: Sleep = sleep,
  ) {}

  /** Waits until one more call fits in the window. Calls are admitted in order. */
  acquire(): Promise<Slot> {
    const next = this.chain.then(() => this.admit());
    this.chain = next.catch(() => {});
    return next.then(() => NO_RELEASE);
  }

  private async admit(): Promise<void> {
    for (;;) {
      const t = this.now();
      if (t < this.pausedUntil) {
        await this.pause(this.pausedUntil - t);
        continue;
      }
      while (this.stamps.length > 0 && this.stamps[0] <= t - this.window.windowMs) this.stamps.shift();
      if (this.stamps.length < this.window.callsPerWindow) {
        this.stamps.push(t);
        return;
      }
      await this.pause(this.stamps[0] + this.window.windowMs - t + 1);
    }
  }

  private async pause(ms: number): Promise<void> {
    this.waitedMs += ms;
    await this.wait(ms);
  }

  /**
   * What the CRM said in its headers: when nothing is left in its window, hold every call until
   * its reset; when its limit differs from ours, adopt it.
   */
  observe(info: LimitInfo): void {
    if (info.limit && info.limit > 0 && info.limit !== this.window.callsPerWindow) {
      this.window = { callsPerWindow: info.limit, windowMs: info.windowMs ?? this.window.windowMs };
    }
    if (info.remaining !== undefined && info.remaining <= 0) {
      this.pauseUntil(info.resetAt ?? this.now() + this.window.windowMs);
    }
  }

  pauseUntil(at: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, at);
  }

  get policy(): RateWindow {
    return this.window;
  }
}
