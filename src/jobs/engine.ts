/**
 * The durable queue: pg-boss 10 on either backend (the server through its own pool, the embedded
 * store through the Store's executeSql adapter). Retries with exponential backoff and jitter
 * (pg-boss's retryBackoff), typed non-retryable errors straight to dead letters, retryable ones to
 * dead letters after their last attempt, and a sweep that records any final failure pg-boss saw
 * without us (a job whose worker kept dying). Nothing is dropped.
 */
import { hostname } from 'node:os';
import PgBoss from 'pg-boss';
import { InrecordError, isInrecordError, isRetryable } from '../errors/index.js';
import { type Logger, silentLogger } from '../log/index.js';
import type { Sql, Store } from '../store/index.js';
import { countOpenDeadLetters, insertDeadLetter, recordDeadLetterGauge, releaseJobs, sweepFailedJobs } from './queries.js';

export interface JobContext {
  jobId: string;
  queue: string;
  /** 1 on the first run. */
  attempt: number;
  /** Attempts allowed in all. */
  maxAttempts: number;
}

export type JobHandler<T = unknown> = (data: T, ctx: JobContext) => Promise<unknown>;

export interface BatchItem<T = unknown> {
  data: T;
  ctx: JobContext;
}

/** One outcome per item, in order: a failed item is retried or dead-lettered on its own. */
export type BatchOutcome = { ok: true } | { ok: false; error: unknown };

/**
 * Works the jobs of one fetch together (one CRM read for many records, one batch write). The
 * handler reports per item; if it throws, every item of the batch counts as failed with that error.
 */
export type BatchJobHandler<T = unknown> = (items: BatchItem<T>[]) => Promise<BatchOutcome[]>;

export interface QueueOptions {
  /** Retries after the first attempt (default 5). */
  retryLimit?: number;
  /** Base retry delay, seconds; doubled per retry with jitter (default 2). */
  retryDelaySeconds?: number;
  /** A job not finished in this time is considered lost (its worker died) and retried (default 300). */
  expireInSeconds?: number;
  /** Jobs worked at once in this process (default 4). */
  concurrency?: number;
  /** Jobs fetched per poll (default 50). */
  batchSize?: number;
  /** Batch queues: fetch-and-work loops in this process, each on its own batch (default 2). */
  parallelBatches?: number;
}

export interface SendOptions {
  /** At most one queued job per key. */
  singletonKey?: string;
  startAfter?: Date | number;
  id?: string;
}

export interface EngineOptions {
  logger?: Logger;
  /** How long an idle worker waits before polling again (default 500 ms). */
  pollIntervalMs?: number;
  /** Called on each new dead letter while the open ones are at or above the threshold (the alert hook). */
  onDeadLetters?: (open: number) => void | Promise<void>;
  deadLetterThreshold?: number;
  /** pg-boss maintenance interval: expiry detection speed (default 30 s). */
  maintenanceIntervalSeconds?: number;
}

interface Registered {
  handler: JobHandler;
  batch?: BatchJobHandler;
  options: Required<QueueOptions>;
}

const DEFAULTS: Required<QueueOptions> = {
  retryLimit: 5,
  retryDelaySeconds: 2,
  expireInSeconds: 300,
  concurrency: 4,
  batchSize: 50,
  parallelBatches: 2,
};

function errorRecord(err: unknown): Record<string, unknown> {
  if (isInrecordError(err)) return { ...err.toJSON(), stack: err.stack };
  const e = err as Error;
  return { code: 'IR_JOB_FAILED', message: e?.message ?? String(err), retryable: true, stack: e?.stack };
}

export class JobEngine {
  readonly boss: PgBoss;
  private readonly queues = new Map<string, Registered>();
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly log: Logger;
  private readonly worker = `${hostname()}:${process.pid}`;
  private lastSweep = 0;
  /** Idle loops of this process, per queue: woken when this process enqueues there. */
  private readonly sleepers = new Map<string, Set<() => void>>();
  /** Counters for reports and benchmarks. */
  readonly counts = { completed: 0, retried: 0, deadLettered: 0 };

  constructor(
    readonly store: Store,
    private readonly opts: EngineOptions = {},
  ) {
    this.log = opts.logger ?? silentLogger;
    this.boss = new PgBoss({
      db: { executeSql: (text: string, values: unknown[]) => store.executeSql(text, values) },
      schema: store.bossSchema,
      supervise: true,
      schedule: false,
      maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 30,
    } as PgBoss.ConstructorOptions);
    this.boss.on('error', (err) => this.log.error({ err }, 'job engine error'));
  }

  async start(): Promise<void> {
    await this.boss.start();
  }

  /** Declares a queue without working it here (producers, `dlq replay`); idempotent. */
  async declare(queue: string, options: QueueOptions = {}): Promise<void> {
    await this.register(queue, async () => {
      throw new InrecordError('IR_USAGE', `queue ${queue} is not worked by this process`);
    }, options);
  }

  /** Declares a queue and its handler; idempotent across processes. */
  async register<T>(queue: string, handler: JobHandler<T>, options: QueueOptions = {}): Promise<void> {
    const o = { ...DEFAULTS, ...options };
    await this.boss.createQueue(queue, {
      name: queue,
      retryLimit: o.retryLimit,
      retryDelay: o.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: o.expireInSeconds,
    });
    this.queues.set(queue, { handler: handler as JobHandler, options: o });
  }

  /** Declares a queue whose jobs are worked a fetch at a time by one call of `handler`. */
  async registerBatch<T>(queue: string, handler: BatchJobHandler<T>, options: QueueOptions = {}): Promise<void> {
    await this.register(queue, async (data, ctx) => {
      const [outcome] = await handler([{ data: data as T, ctx }]);
      if (outcome && !outcome.ok) throw outcome.error;
    }, options);
    this.queues.get(queue)!.batch = handler as BatchJobHandler;
  }

  /**
   * Wakes this process's idle loops on `queue`: a job sent here is fetched now, not at the next poll.
   * sendBatch with a transaction leaves this to its caller, once the transaction has committed.
   */
  wake(queue: string): void {
    const set = this.sleepers.get(queue);
    if (!set) return;
    this.sleepers.delete(queue);
    for (const w of set) w();
  }

  private idle(queue: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.sleepers.get(queue) ?? new Set<() => void>();
      this.sleepers.set(queue, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  async send<T>(queue: string, data: T, options: SendOptions = {}): Promise<string | null> {
    this.assertQueue(queue);
    const id = await this.boss.send(queue, data as object, {
      singletonKey: options.singletonKey,
      startAfter: options.startAfter instanceof Date ? options.startAfter : options.startAfter,
      id: options.id,
    });
    if (!options.startAfter) this.wake(queue);
    return id;
  }

  /**
   * Many jobs in one statement (pollers, webhook ingress). With `tx` the jobs are inserted in the
   * caller's transaction — they exist exactly when the rest of its work does — and the caller wakes
   * the queue (`wake`) after the commit.
   */
  async sendBatch<T>(queue: string, items: { data: T; singletonKey?: string }[], tx?: Sql): Promise<void> {
    this.assertQueue(queue);
    const o = this.queues.get(queue)!.options;
    const db = tx ? { executeSql: async (text: string, values: unknown[]) => ({ rows: await tx.query(text, values) }) } : undefined;
    for (let i = 0; i < items.length; i += 1000) {
      await this.boss.insert(
        items.slice(i, i + 1000).map((it) => ({
          name: queue,
          data: it.data as object,
          singletonKey: it.singletonKey,
          retryLimit: o.retryLimit,
          retryDelay: o.retryDelaySeconds,
          retryBackoff: true,
          expireInSeconds: o.expireInSeconds,
        })),
        db ? { db } : {},
      );
    }
    if (items.length > 0 && !tx) this.wake(queue);
  }

  private assertQueue(queue: string): void {
    if (!this.queues.has(queue)) {
      throw new InrecordError('IR_USAGE', `queue "${queue}" is not registered`, { fix: 'Register the queue (with its handler) before sending to it.' });
    }
  }

  /** Starts working every registered queue (or the ones named) in this process. */
  work(queues: string[] = [...this.queues.keys()]): void {
    this.running = true;
    for (const q of queues) {
      const reg = this.queues.get(q);
      if (!reg) throw new InrecordError('IR_USAGE', `queue "${q}" is not registered`);
      if (reg.batch) for (let i = 0; i < reg.options.parallelBatches; i++) this.loops.push(this.batchLoop(q, reg, reg.batch));
      else this.loops.push(this.loop(q, reg));
    }
  }

  /** The next fetch of a queue's jobs; when there are none, sweeps and waits (an enqueue here wakes it). */
  private async fetchOrIdle(queue: string, reg: Registered): Promise<PgBoss.JobWithMetadata[]> {
    let jobs: PgBoss.JobWithMetadata[] = [];
    try {
      jobs = await this.boss.fetch(queue, { batchSize: reg.options.batchSize, includeMetadata: true });
    } catch (err) {
      if (!this.running) return [];
      this.log.warn({ err, queue }, 'fetch failed; retrying');
    }
    if (jobs.length === 0 && this.running) {
      await this.maybeSweep();
      await this.idle(queue, this.opts.pollIntervalMs ?? 500);
    }
    return jobs;
  }

  private async loop(queue: string, reg: Registered): Promise<void> {
    while (this.running) {
      const jobs = await this.fetchOrIdle(queue, reg);
      if (jobs.length === 0) continue;
      const done: string[] = [];
      let next = 0;
      const lane = async () => {
        // on stop, jobs in hand finish; jobs fetched but not started go back to the queue below
        while (next < jobs.length && this.running) {
          const job = jobs[next++];
          if (await this.runOne(queue, reg, job)) done.push(job.id);
        }
      };
      const lanes = await Promise.allSettled(Array.from({ length: Math.min(reg.options.concurrency, jobs.length) }, lane));
      for (const l of lanes) {
        // the store failed while recording an outcome: that job stays active, expires and is
        // retried; the loop goes on
        if (l.status === 'rejected') this.log.error({ err: l.reason, queue }, 'could not record a job outcome; the job will be retried after expiry');
      }
      await this.completeDone(queue, done);
      if (next < jobs.length) {
        const unstarted = jobs.slice(next).map((j) => j.id);
        await releaseJobs(this.store, queue, unstarted).catch((err) =>
          // not lost: they expire and are retried, only later
          this.log.warn({ err, queue, jobs: unstarted.length }, 'could not hand unstarted jobs back; they will be retried after expiry'),
        );
      }
    }
  }

  /** A batch queue's loop: fetch, work the whole fetch in one handler call, settle each job. */
  private async batchLoop(queue: string, reg: Registered, handler: BatchJobHandler): Promise<void> {
    while (this.running) {
      const jobs = await this.fetchOrIdle(queue, reg);
      if (jobs.length === 0) continue;
      const items = jobs.map((job) => ({ data: job.data, ctx: this.contextOf(queue, job) }));
      let outcomes: BatchOutcome[];
      try {
        outcomes = await handler(items);
        if (outcomes.length !== jobs.length) throw new InrecordError('IR_JOB_FAILED', `the ${queue} handler answered ${outcomes.length} outcomes for ${jobs.length} jobs`);
      } catch (err) {
        outcomes = jobs.map(() => ({ ok: false, error: err }));
      }
      const done: string[] = [];
      for (let i = 0; i < jobs.length; i++) {
        const o = outcomes[i];
        try {
          if (o.ok || (await this.settleFailure(queue, jobs[i], o.error))) done.push(jobs[i].id);
        } catch (err) {
          this.log.error({ err, queue, jobId: jobs[i].id }, 'could not record a job outcome; the job will be retried after expiry');
        }
      }
      await this.completeDone(queue, done);
    }
  }

  /** Marks finished jobs completed; if the store fails, they run again after expiry. */
  private async completeDone(queue: string, done: string[]): Promise<void> {
    if (done.length === 0) return;
    try {
      await this.boss.complete(queue, done);
      this.counts.completed += done.length;
    } catch (err) {
      // effects are idempotent (once()): re-running these after expiry does no harm
      this.log.error({ err, queue, jobs: done.length }, 'could not mark jobs completed; they will run again after expiry');
    }
  }

  private contextOf(queue: string, job: PgBoss.JobWithMetadata): JobContext {
    return { jobId: job.id, queue, attempt: job.retryCount + 1, maxAttempts: job.retryLimit + 1 };
  }

  /** True when the job is done (succeeded, or recorded as a dead letter); false when pg-boss must retry it. */
  private async runOne(queue: string, reg: Registered, job: PgBoss.JobWithMetadata): Promise<boolean> {
    try {
      await reg.handler(job.data, this.contextOf(queue, job));
      return true;
    } catch (err) {
      return this.settleFailure(queue, job, err);
    }
  }

  /** A failed job: dead letter (not retryable, or its last attempt) or back to pg-boss for a retry. */
  private async settleFailure(queue: string, job: PgBoss.JobWithMetadata, err: unknown): Promise<boolean> {
    const attempt = job.retryCount + 1;
    const record = errorRecord(err);
    const last = attempt > job.retryLimit;
    if (!isRetryable(err) || last) {
      await insertDeadLetter(this.store, { queue, jobId: job.id, data: job.data, error: record, attempts: attempt });
      this.counts.deadLettered++;
      this.log.warn({ queue, jobId: job.id, code: record.code, attempt }, 'job moved to dead letters');
      await this.afterDeadLetter(queue);
      if (isRetryable(err)) {
        // its last attempt: record the final failure in pg-boss too
        await this.boss.fail(queue, job.id, record);
        return false;
      }
      return true;
    }
    this.counts.retried++;
    this.log.info({ queue, jobId: job.id, code: record.code, attempt }, 'job failed; will retry');
    await this.boss.fail(queue, job.id, record);
    return false;
  }

  /** The open-dead-letter gauge (metrics `jobs_dead_letters_open`, for monitoring) and the alert hook. */
  private async afterDeadLetter(queue?: string): Promise<void> {
    const open = await countOpenDeadLetters(this.store);
    await recordDeadLetterGauge(this.store, open, queue).catch((err) => this.log.warn({ err }, 'could not record the dead-letter gauge'));
    if (!this.opts.onDeadLetters) return;
    // every new dead letter at or above the threshold: the hook decides how often to page someone
    if (open >= (this.opts.deadLetterThreshold ?? 1)) {
      await Promise.resolve()
        .then(() => this.opts.onDeadLetters?.(open))
        .catch((err) => this.log.error({ err, open }, 'the dead-letter alert hook failed'));
    }
  }

  private async maybeSweep(): Promise<void> {
    if (Date.now() - this.lastSweep < 5000) return;
    this.lastSweep = Date.now();
    await this.sweep().catch((err) => this.log.warn({ err }, 'dead-letter sweep failed'));
  }

  /** Records final failures pg-boss saw without a handler (expired on every attempt). */
  async sweep(): Promise<number> {
    const n = await sweepFailedJobs(this.store, [...this.queues.keys()]);
    if (n > 0) {
      this.counts.deadLettered += n;
      await this.afterDeadLetter();
    }
    return n;
  }

  /** Jobs not yet finished (created, retry or active) in a queue. */
  async pending(queue: string): Promise<number> {
    const rows = await this.store.query<{ n: number }>(
      `SELECT count(*) AS n FROM "${this.store.bossSchema}".job WHERE name = $1 AND state < 'completed'`,
      [queue],
    );
    return rows[0].n;
  }

  /** Waits until a queue has nothing left to do (tests, the demo, `apply`). */
  async drain(queue: string, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ((await this.pending(queue)) > 0) {
      if (Date.now() > until) throw new InrecordError('IR_JOB_FAILED', `queue ${queue} did not drain in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const q of [...this.sleepers.keys()]) this.wake(q);
    await Promise.allSettled(this.loops);
    this.loops = [];
    await this.boss.stop({ graceful: true, wait: true, close: false } as PgBoss.StopOptions).catch(() => {});
  }

  get workerId(): string {
    return this.worker;
  }
}

export async function createJobEngine(store: Store, opts: EngineOptions = {}): Promise<JobEngine> {
  const engine = new JobEngine(store, opts);
  await engine.start();
  return engine;
}
