import type { Command } from 'commander';
import type { InrecordConfig } from '../../config/index.js';
import type { CrmConnector } from '../../crm/types.js';
import { InrecordError } from '../../errors/index.js';
import { type QueueDefinition, createJobEngine, runWorkers } from '../../jobs/index.js';
import { createLogger } from '../../log/index.js';
import type { PreparedFlow } from '../../runner/index.js';
import type { Store } from '../../store/index.js';
import type { RecordJob } from '../../triggers/index.js';
import { action, globals } from '../command.js';
import { openCommandStore } from '../context.js';
import { printJson, printLine } from '../output.js';

/** The queue webhooks and pollers feed: one changed record per job. */
export const RECORDS_QUEUE = 'records';

/**
 * The queues a worker can work, from the configuration: the record queue runs every configured flow
 * on the changed record (claim, version check, flows → gate → write-back). Flows are prepared once
 * per process with the stored models (no training in a worker).
 */
export async function workerQueues(store: Store, config: InrecordConfig, connector: CrmConnector): Promise<QueueDefinition[]> {
  // loaded here, not at CLI start: every other command pays nothing for the flow machinery
  const { prepareFlow, recordPipeline } = await import('../../runner/index.js');
  const { processRecordJob } = await import('../../triggers/index.js');
  const prepared = new Map<string, PreparedFlow>();
  for (const flow of config.flows) {
    prepared.set(flow.name, await prepareFlow({ store, connector, now: new Date(), train: false }, flow));
  }
  const pipeline = recordPipeline({ store, connector, config }, prepared);
  const handler = async (job: RecordJob, ctx: { jobId: string }) =>
    processRecordJob({ connector, store, pipeline, fields: [], claimer: ctx.jobId }, job);
  return [{ queue: RECORDS_QUEUE, handler: handler as QueueDefinition['handler'], options: { retryLimit: 5, retryDelaySeconds: 5, expireInSeconds: 600 } }];
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('work queued jobs only (no webhooks, pollers or console); run several, on several machines, against one Postgres server')
    .option('--queue <name...>', 'only these queues')
    .option('--concurrency <n>', 'jobs worked at once per queue', (v) => Number.parseInt(v, 10))
    .action(
      action(async (opts: { queue?: string[]; concurrency?: number }, cmd: Command) => {
        const json = Boolean(globals(cmd).json);
        const { store, config } = await openCommandStore(cmd);
        let connector: CrmConnector | undefined;
        try {
          if (!config) {
            throw new InrecordError('IR_CONFIG_NOT_FOUND', 'a worker needs the configuration: no inrecord.yaml found', {
              fix: 'Run `inrecord init`, or pass --config <path>.',
            });
          }
          const logger = createLogger();
          const { createConnector } = await import('../../crm/registry.js');
          connector = await createConnector(config.crm, { store });
          const defs = (await workerQueues(store, config, connector)).map((d) =>
            opts.concurrency ? { ...d, options: { ...d.options, concurrency: opts.concurrency } } : d,
          );
          const engine = await createJobEngine(store, {
            logger,
            onDeadLetters: (open) => logger.warn({ open }, 'dead letters are waiting: see `inrecord dlq list`'),
          });
          const workers = await runWorkers(engine, defs, { only: opts.queue });
          if (json) printJson({ worker: engine.workerId, queues: workers.queues });
          else printLine(`worker ${engine.workerId} working ${workers.queues.join(', ')} (SIGTERM or Ctrl-C stops after the jobs in hand)`);
          const reason = await workers.stopped;
          logger.info({ reason, ...engine.counts }, 'worker stopped');
        } finally {
          await connector?.close().catch(() => {});
          await store.close();
        }
      }),
    );
}
