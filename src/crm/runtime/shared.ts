/**
 * One rate budget per CRM connection across processes. With a store, a connection's windows live
 * in it (queries.ts): every process admits its calls in a short transaction on the window's row,
 * so any number of `worker`, `serve` and `apply` processes together stay under the CRM's limit.
 * The CRM's own daily-allocation counters, read from its answers by any process, are shared the
 * same way: when one process sees the allocation at the guard, every process pauses, and says so
 * in one log line. Without a store, each process keeps its own window (RateLimiter).
 */
import type { Logger } from '../../log/index.js';
import type { Sql, Store } from '../../store/index.js';
import { type DailyReading, admit, windowInForce } from './budget.js';
import {
  type LimitInfo,
  type Limiter,
  RateLimiter,
  type RateWindow,
  type Sleep,
  type Slot,
  sleep,
} from './limiter.js';
import { QuotaGuard, type QuotaGuardOptions } from './quota.js';
import { liveSlots, lockBudget, pauseBudget, releaseSlots, syncDailyReading, takeSlots } from './queries.js';

/** A pending slot of a process that died lapses this long after its window. */
export const DEFAULT_HOLD_MS = 30_000;

export interface SharedLimiterOptions {
  /** Runs with each admission, before the admitted calls go (the daily allocation's sync). */
  onAdmission?: (db: Sql) => Promise<void>;
  holdMs?: number;
  sleep?: Sleep;
  logger?: Logger;
}

interface Waiter {
  resolve(slot: Slot): void;
  reject(err: unknown): void;
}

export class SharedLimiter implements Limiter {
  waitedMs = 0;
  private window: RateWindow;
  /** This process's configured window, written to the store at its first admission. */
  private readonly configured: RateWindow;
  private configuredWritten = false;
  /** A window the CRM reported, to write at the next admission. */
  private reported: RateWindow | null = null;
  private pausedUntilHere = 0;
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  private readonly toRelease: number[] = [];
  private releasing = false;
  private readonly holdMs: number;
  private readonly wait: Sleep;

  constructor(
    private readonly store: Store,
    /** Names the budget in the store: connection + window. */
    readonly budget: string,
    window: RateWindow,
    private readonly opts: SharedLimiterOptions = {},
  ) {
    this.window = window;
    this.configured = window;
    this.holdMs = opts.holdMs ?? DEFAULT_HOLD_MS;
    this.wait = opts.sleep ?? sleep;
  }

  acquire(): Promise<Slot> {
    return new Promise<Slot>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.pumping) void this.pump();
    });
  }

  /** Admits this process's waiting calls, as many at a time as the shared window has room for. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiters.length > 0) {
        const here = this.pausedUntilHere - Date.now();
        if (here > 0) {
          await this.pause(here);
          continue;
        }
        const wanted = this.waiters.length;
        const admitted = await this.store.transaction(async (tx) => {
          const reported = this.reported;
          const row = await lockBudget(tx, this.budget, this.configured, {
            writeConfigured: !this.configuredWritten,
            reported,
          });
          this.window = windowInForce(row.configured, row.reported);
          const slots = await liveSlots(tx, this.budget, row.now);
          const a = admit(
            { ...this.window, pausedUntil: row.pausedUntil, slots },
            row.now,
            wanted,
            this.holdMs,
          );
          const taken = a.granted > 0 ? await takeSlots(tx, this.budget, a.granted, a.expiresAt) : [];
          return { ids: taken, waitMs: a.waitMs, reported };
        });
        this.configuredWritten = true;
        if (admitted.reported === this.reported) this.reported = null;
        // outside the window's lock: the lock is held for as short as can be
        await this.opts.onAdmission?.(this.store);
        for (const id of admitted.ids) this.waiters.shift()?.resolve(this.slot(id));
        if (this.waiters.length > 0) await this.pause(admitted.waitMs);
      }
    } catch (err) {
      for (const w of this.waiters.splice(0)) w.reject(err);
    } finally {
      this.pumping = false;
    }
  }

  private slot(id: number): Slot {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.toRelease.push(id);
        if (!this.releasing) void this.flushReleases();
      },
    };
  }

  /** Answers that came in together are released in one statement. */
  private async flushReleases(): Promise<void> {
    this.releasing = true;
    try {
      while (this.toRelease.length > 0) {
        const ids = this.toRelease.splice(0);
        // a slot not released lapses by itself (holdMs): a failed release costs throughput, not the limit
        await releaseSlots(this.store, ids, this.window.windowMs).catch((err) =>
          this.opts.logger?.debug({ err, budget: this.budget }, 'rate budget: releasing slots failed'),
        );
      }
    } finally {
      this.releasing = false;
    }
  }

  private async pause(ms: number): Promise<void> {
    this.waitedMs += ms;
    await this.wait(ms);
  }

  /**
   * A limit the CRM reports becomes every process's. A `remaining` of 0 is no reason to pause: this
   * budget counts every call of every process, each until a window after its answer, so it never
   * admits one before the CRM's own window has room — the answer filling the window says so the
   * moment it is full, and its reset (whole seconds, or a whole window when the CRM gives none)
   * would hold calls longer than needed. A refusal (429) still pauses every process (pauseUntil).
   */
  observe(info: LimitInfo): void {
    if (info.limit && info.limit > 0 && info.limit !== this.window.callsPerWindow) {
      this.window = { callsPerWindow: info.limit, windowMs: info.windowMs ?? this.window.windowMs };
      this.reported = this.window;
    }
  }

  /** Pauses every process on this budget (the store's row) and this one at once. */
  pauseUntil(at: number): void {
    if (at <= this.pausedUntilHere) return;
    this.pausedUntilHere = at;
    const ms = at - Date.now();
    if (ms <= 0) return;
    pauseBudget(this.store, this.budget, ms).catch((err) =>
      this.opts.logger?.debug({ err, budget: this.budget }, 'rate budget: sharing a pause failed'),
    );
  }

  get policy(): RateWindow {
    return this.window;
  }
}

export interface RateBudgetOptions {
  /** Names the CRM connection: the CRM, its address and the account (budgetConnection). */
  connection: string;
  /** Where the budget is shared; without one, this process keeps its own windows. */
  store?: Store;
  logger?: Logger;
  holdMs?: number;
}

/**
 * A CRM connection's budget: its windows' limiters and its daily-allocation guard, shared through
 * the store when there is one.
 */
export class RateBudget {
  private guard: QuotaGuard | null = null;
  private published = 0;

  constructor(private readonly opts: RateBudgetOptions) {}

  get shared(): boolean {
    return Boolean(this.opts.store);
  }

  /** A limiter for one of the connection's windows (`api`, `search`). */
  limiter(name: string, window: RateWindow): Limiter {
    if (!this.opts.store) return new RateLimiter(window);
    return new SharedLimiter(this.opts.store, `${this.opts.connection}/${name}`, window, {
      onAdmission: (db) => this.syncDaily(db),
      ...(this.opts.holdMs !== undefined ? { holdMs: this.opts.holdMs } : {}),
      ...(this.opts.logger ? { logger: this.opts.logger } : {}),
    });
  }

  /** The daily-allocation guard: paused and resumed with one log line each, its readings shared. */
  quota(guard: number, what: string, opts: Omit<QuotaGuardOptions, 'onChange'> = {}): QuotaGuard {
    const log = this.opts.logger;
    this.guard = new QuotaGuard(guard, what, {
      ...opts,
      onChange: (c) => {
        const every = this.shared ? 'every process calling this CRM' : 'this process';
        if (c.paused) {
          log?.warn(
            {
              connection: this.opts.connection,
              used: c.used,
              max: c.max,
              resumeAt: new Date(c.resumeAt).toISOString(),
            },
            `${what}: ${c.used} of ${c.max} used (guard ${Math.round(guard * 100)}%): ${every} pauses its calls until ${new Date(c.resumeAt).toISOString()}`,
          );
        } else
          log?.info(
            { connection: this.opts.connection, used: c.used, max: c.max },
            `${what}: ${c.used} of ${c.max} used, under the guard again: calls resume`,
          );
      },
    });
    return this.guard;
  }

  /** Shares this process's newest reading of the daily allocation and takes the newest of all. */
  private async syncDaily(db: Sql): Promise<void> {
    const guard = this.guard;
    if (!guard) return;
    const mine: DailyReading | null = guard.reading();
    const fresh = mine && mine.observedAt > this.published ? mine : null;
    const newest = await syncDailyReading(db, this.opts.connection, fresh);
    if (fresh) this.published = fresh.observedAt;
    if (newest) guard.adopt(newest);
  }
}

/** Names a CRM connection's budget: the CRM, its address and the account (a hash of the credential's id). */
export function budgetConnection(crm: string, baseUrl: string, account: string): string {
  return `${crm}:${baseUrl.replace(/\/+$/, '')}:${account}`;
}
