/**
 * The daemon for one CRM connection: webhook ingress and the console (serve), pollers as the safety
 * net behind webhooks (poll), and workers that process each changed record through the flows and
 * write-back (work). `inrecord run` starts all three in one process; `serve` and `worker` split them
 * for scale-out on a Postgres server, where every process shares one queue and one ledger.
 */
import type { Server } from 'node:http';
import { type InrecordConfig, durationMs, readsRecords } from '../config/index.js';
import { cardOf, createConnector } from '../crm/registry.js';
import type { CrmConnector, ObjectKind } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import { describeModelChoice } from '../flows/index.js';
import { invalidateLinks } from '../identity/index.js';
import { type JobEngine, type QueueOptions, createJobEngine } from '../jobs/index.js';
import { type Logger, silentLogger } from '../log/index.js';
import { runMonitorIfDue } from '../monitor/index.js';
import { type PreparedFlow, prepareFlow, recordPipeline } from '../pipeline/index.js';
import type { Sql, Store } from '../store/index.js';
import type { LedgerRow } from '../writeback/index.js';
import { describeRecord } from './record-log.js';
import { type ChangeStreams, type RecordJob, type RecordQueue, pollOnce, processRecordJobs, pruneReceipts, startChangeStreams } from '../triggers/index.js';
import { bindHttpServer, buildServer, checkServerSettings, closeHttpServer, consoleActions } from '../server/index.js';

export const RECORD_QUEUE = 'records';

export interface DaemonOptions {
  serve?: boolean;
  work?: boolean;
  poll?: boolean;
  /** Override the console/webhook port (config server.port otherwise; 0 = any free port). */
  port?: number;
  /** Poll every … ms regardless of the flows' settings (tests). */
  pollEveryMs?: number;
  /** A poller with no cursor yet reads every record (true) or starts from now (false); default: config triggers.firstPoll. */
  backfill?: boolean;
  logger?: Logger;
}

export interface Daemon {
  url: string | null;
  engine: JobEngine;
  connector: CrmConnector;
  queue: RecordQueue;
  /** Runs every poller once now (tests, `--once`). */
  pollNow(): Promise<number>;
  /** The change streams, when `triggers.changeStream` is on and this process polls. */
  changeStreams: ChangeStreams | null;
  stop(): Promise<void>;
}


/** The durable queue behind both webhooks and pollers. */
export function jobQueue(engine: JobEngine): RecordQueue {
  return {
    async enqueue(jobs: RecordJob[], tx?: Sql) {
      await engine.sendBatch(
        RECORD_QUEUE,
        jobs.map((j) => ({ data: j, singletonKey: `${j.crm}:${j.object}:${j.id}` })),
        tx,
      );
    },
    committed: () => engine.wake(RECORD_QUEUE),
  };
}

/** The record queue's options from config: batches of up to `batchSize`, `concurrency` of them at once. */
export function recordQueueOptions(config: InrecordConfig): QueueOptions {
  return {
    retryLimit: config.jobs.retryLimit,
    retryDelaySeconds: config.jobs.retryDelaySeconds,
    concurrency: config.jobs.concurrency,
    parallelBatches: Math.max(1, Math.min(config.jobs.concurrency, 4)),
    batchSize: config.jobs.batchSize,
    ...(config.jobs.expireInSeconds ? { expireInSeconds: config.jobs.expireInSeconds } : {}),
  };
}

/**
 * Starts the daemon's roles, all or nothing: the server settings, the store and the port are checked
 * first; the CRM connection, job engine, workers and pollers start after them; and when a step
 * fails, everything already started is stopped before the error is thrown.
 */
export async function startDaemon(store: Store, config: InrecordConfig, opts: DaemonOptions = {}): Promise<Daemon> {
  const log = opts.logger ?? silentLogger;
  const roles = { serve: opts.serve ?? true, work: opts.work ?? true, poll: opts.poll ?? true };
  if (roles.serve) checkServerSettings(config.server);
  await checkStore(store);
  const started: (() => Promise<unknown>)[] = [];
  const bound = roles.serve ? await bindHttpServer(config.server.host, opts.port ?? config.server.port) : null;
  if (bound) started.push(() => closeHttpServer(bound.server));
  try {
    return await startRoles(store, config, { ...opts, log, roles, bound, started });
  } catch (err) {
    for (const stop of [...started].reverse()) await stop().catch((e) => log.error({ err: e }, 'stopping after a failed start'));
    throw err;
  }
}

/** The store answers (the caller opened and migrated it; a server may have gone since). */
async function checkStore(store: Store): Promise<void> {
  try {
    await store.query('SELECT 1');
  } catch (err) {
    throw new InrecordError('IR_STORE_UNAVAILABLE', `the store does not answer: ${(err as Error).message}`, { cause: err });
  }
}

async function startRoles(
  store: Store,
  config: InrecordConfig,
  opts: DaemonOptions & {
    log: Logger;
    roles: { serve: boolean; work: boolean; poll: boolean };
    bound: { server: Server; url: string } | null;
    /** What has started, in order: stopped in reverse by `stop()` or a failed start. */
    started: (() => Promise<unknown>)[];
  },
): Promise<Daemon> {
  const { log, roles, bound, started } = opts;
  const connector = await createConnector(config.crm, {
    store,
    logger: log,
    identityAttributes: config.identity.attributes,
  });
  started.push(() => connector.close());
  if (roles.poll && config.triggers.changeStream && !connector.changeStream) {
    throw new InrecordError('IR_CONFIG_INVALID', `triggers.changeStream: ${connector.crm} has no change stream to subscribe to; remove the setting (webhooks and the poller report its changes)`);
  }
  // a delivery of inrecord's own change (an apply or a rollback run beside the daemon) is told
  // apart from a person's from the first one on
  const unverifiable = roles.serve ? connector.webhooks.unverifiable() : null;
  if (unverifiable)
    log.warn(
      { fix: unverifiable.fix },
      `webhooks cannot be verified: ${unverifiable.reason}; every delivery is refused (401) and changes arrive by polling only. Fix: ${unverifiable.fix}`,
    );
  if (roles.serve)
    await connector.webhooks.prepare?.().catch((err) => log.warn({ err }, 'webhooks: the CRM did not say who this integration is; until it does, its own changes delivered as webhooks are processed like a person’s'));
  const expireSeconds = config.jobs.expireInSeconds ?? 300;
  const engine = await createJobEngine(store, {
    logger: log,
    // a lost job (its worker died) is found within half its expiry
    maintenanceIntervalSeconds: Math.max(1, Math.min(30, Math.floor(expireSeconds / 2))),
    deadLetterThreshold: config.monitor.deadLetterAlert,
    onDeadLetters: (open) => log.warn({ open }, 'dead letters are growing'),
  });
  started.push(() => engine.stop());
  await engine.declare(RECORD_QUEUE, recordQueueOptions(config));
  const queue = jobQueue(engine);
  const now = () => new Date();
  // A poller's first start (no cursor yet) reads nothing from before this moment unless asked to
  // backfill: a first start's full read would rewrite rolled-back and hand-set values, and re-score a
  // large CRM by surprise.
  const startFrom = (opts.backfill ?? config.triggers.firstPoll === 'backfill') ? undefined : now().toISOString();
  // a record the CRM confirms deleted or merged no longer anchors any identity link
  const unlink = async (object: ObjectKind, id: string, mergedInto?: string) => {
    if (object !== 'contact' && object !== 'company') return;
    await invalidateLinks(store, { crm: connector.crm, object, crmIds: [id], reason: mergedInto ? 'merged' : 'deleted', mergedInto });
  };

  // the server answers as soon as the queue it feeds exists; workers and pollers start after it
  const app = bound
    ? buildServer({
        store,
        connectors: { [connector.crm]: connector },
        queue,
        onDeleted: (e) => unlink(e.object, e.id, e.mergedInto),
        actions: consoleActions({ store, config, connectors: { [connector.crm]: connector }, engine }),
        token: config.server.token,
        host: config.server.host,
        publicUrl: config.server.publicUrl,
        trustProxy: config.server.trustProxy,
        logger: log,
        server: bound.server,
      })
    : null;
  if (app) {
    started.push(() => app.close());
    await app.ready();
  }
  const url = bound?.url ?? null;

  // the pipeline prepares a flow again when its object's fields change: what is read follows
  const prepared = new Map<string, PreparedFlow>();
  if (roles.work || roles.poll) {
    // flows fed by an import (usage) have no records to read here: `inrecord import` writes them
    for (const flow of config.flows.filter((f) => readsRecords(f.kind))) prepared.set(flow.name, await prepareFlow({ store, connector, now: now(), train: roles.work, objects: config.objects, logger: log }, flow));
    // each scoring flow's model, once at start: which one answers, its hold-out AUC, or why the rules stay
    for (const p of prepared.values()) if (p.model) log.info({ ...p.model }, describeModelChoice(p.model));
  }
  const readsOf = (object: ObjectKind) => [...new Set([...prepared.values()].filter((p) => p.flow.object === object).flatMap((p) => p.reads))];
  const objects = [...new Set(config.flows.filter((f) => prepared.has(f.name)).map((f) => f.object))];

  if (roles.work) {
    // each record's ledger rows, kept until its job's outcome is logged (one line per record)
    const decided = new Map<string, LedgerRow[]>();
    const onLedger = (rows: LedgerRow[]) => {
      for (const r of rows) decided.set(r.record_id, [...(decided.get(r.record_id) ?? []), r]);
    };
    const takeRows = (id: string): LedgerRow[] => {
      const key = decided.has(id) ? id : [...decided.keys()].find((k) => cardOf(connector.crm).ids.aliases(k).includes(id));
      const rows = key ? (decided.get(key) ?? []) : [];
      if (key) decided.delete(key);
      return rows;
    };
    const pipeline = recordPipeline({ store, connector, config, now, onLedger }, prepared);
    // a fetch of record jobs is worked together: one batched read, one run per flow, batched writes
    await engine.registerBatch<RecordJob>(
      RECORD_QUEUE,
      async (items) => {
        const outcomes = await processRecordJobs(
          // each record is claimed by its own job: a retry after a crash takes it back at once; a
          // claim whose job is gone lapses with the job's expiry
          { connector, store, pipeline, fields: readsOf, claimer: items[0].ctx.jobId, leaseMs: expireSeconds * 1000 },
          items.map((i) => ({ job: i.data, claimer: i.ctx.jobId })),
        );
        items.forEach((item, i) => {
          const o = outcomes[i];
          const job = item.data;
          if (o.status === 'processed') {
            const line = describeRecord(job.object, job.id, takeRows(job.id));
            log.info({ object: line.object, record: line.record, source: job.source, flows: line.flows, written: line.written, outcomes: line.outcomes }, line.msg);
          } else if (o.status === 'skipped') log.debug({ object: job.object, record: job.id, source: job.source, skipped: o.reason }, `${job.object} ${job.id} · skipped: ${o.reason}`);
          else takeRows(job.id);
        });
        return outcomes.map((o) => (o.status === 'failed' ? { ok: false as const, error: o.error } : { ok: true as const }));
      },
      recordQueueOptions(config),
    );
    engine.work([RECORD_QUEUE]);
  }

  const pollers = objects.map((kind) => ({
    kind,
    everyMs:
      opts.pollEveryMs ?? Math.min(...config.flows.filter((f) => f.object === kind).map((f) => durationMs(f.trigger.poll))),
  }));
  // one poll of an object at a time, whoever asks (its timer, a change stream's overflow or fallback)
  const polling = new Map<ObjectKind, Promise<unknown>>();
  const pollOne = (kind: ObjectKind) => {
    const next = (polling.get(kind) ?? Promise.resolve()).catch(() => {}).then(() => pollObject(kind));
    polling.set(kind, next);
    return next;
  };
  const pollObject = async (kind: ObjectKind) => {
    const r = await pollOnce(
      { connector, store, queue, onDeleted: (d) => unlink(d.object, d.id, d.mergedInto) },
      { name: `poll:${connector.crm}:${kind}`, kind, fields: readsOf(kind), ...(startFrom ? { startFrom } : {}) },
    );
    if (r.firstFrom)
      log.info(
        { object: kind, from: r.firstFrom },
        `${kind}: first start, processing changes from ${r.firstFrom} on; records changed before are not read (run with --backfill, or set triggers.firstPoll: backfill, to process them all)`,
      );
    return r;
  };
  const pollNow = async () => {
    let n = 0;
    for (const p of pollers) n += (await pollOne(p.kind)).enqueued;
    return n;
  };
  const timers: NodeJS.Timeout[] = [];
  let stopping = false;
  started.push(async () => {
    stopping = true;
    for (const t of timers) clearTimeout(t);
  });
  if (roles.poll) {
    for (const p of pollers) {
      const tick = async () => {
        if (stopping) return;
        try {
          await pollOne(p.kind);
        } catch (err) {
          log.error({ err, object: p.kind }, 'poll failed; the cursor did not move, the next poll retries');
        }
        if (!stopping) timers.push(setTimeout(tick, p.everyMs));
      };
      timers.push(setTimeout(tick, 0));
    }
    const monitorTick = async () => {
      if (stopping) return;
      await runMonitorIfDue(store, config).catch((err) => log.error({ err }, 'scheduled monitoring failed'));
      if (!stopping) timers.push(setTimeout(monitorTick, 60 * 60_000));
    };
    timers.push(setTimeout(monitorTick, 60_000));
  }
  let changeStreams: ChangeStreams | null = null;
  if (roles.poll && config.triggers.changeStream) {
    const streams = startChangeStreams({ connector, store, queue, logger: log, poll: pollOne, onDeleted: (e) => unlink(e.object, e.id, e.mergedInto) }, objects);
    changeStreams = streams;
    started.push(() => streams.stop());
  }
  if (roles.serve) {
    // receipts only dedupe redeliveries (a day at most) and keep refused events for a look: old ones go
    const retentionMs = durationMs(config.triggers.receiptRetention);
    const pruneTick = async () => {
      if (stopping) return;
      await pruneReceipts(store, new Date(now().getTime() - retentionMs))
        .then((n) => n > 0 && log.info({ pruned: n }, `webhook receipts older than ${config.triggers.receiptRetention} deleted`))
        .catch((err) => log.error({ err }, 'pruning webhook receipts failed; the next hour retries'));
      if (!stopping) timers.push(setTimeout(pruneTick, 60 * 60_000));
    };
    timers.push(setTimeout(pruneTick, 0));
  }

  return {
    url,
    engine,
    connector,
    queue,
    pollNow,
    changeStreams,
    async stop() {
      for (const stop of [...started].reverse()) await stop();
    },
  };
}
