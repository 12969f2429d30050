import type { Command } from 'commander';
import { InrecordError } from '../../errors/index.js';
import { createLogger } from '../../log/index.js';
import { action, globals } from '../command.js';
import { openCommandStore } from '../context.js';
import { printJson, printLine } from '../output.js';

/**
 * `inrecord worker`: the daemon's work role only — no webhooks, pollers or console. Several worker
 * processes, on one machine or several, share the record queue through the Postgres server; each
 * stops on SIGTERM/SIGINT after the jobs in hand (fetched jobs not yet started go back to the queue).
 */
export function register(program: Command): void {
  program
    .command('worker')
    .description('work queued jobs only (no webhooks, pollers or console); run several, on several machines, against one Postgres server')
    .action(
      action(async (_opts: unknown, cmd: Command) => {
        const json = Boolean(globals(cmd).json);
        const { store, config } = await openCommandStore(cmd);
        try {
          if (!config) {
            throw new InrecordError('IR_CONFIG_NOT_FOUND', 'a worker needs the configuration: no inrecord.yaml found', {
              fix: 'Run `inrecord init`, or pass --config <path>.',
            });
          }
          const logger = createLogger({ format: globals(cmd).logFormat });
          // loaded here, not at CLI start: other commands pay nothing for the flow machinery
          const { startDaemon, RECORD_QUEUE } = await import('../../daemon/index.js');
          const stopped = new Promise<NodeJS.Signals>((resolve) => {
            process.once('SIGTERM', () => resolve('SIGTERM'));
            process.once('SIGINT', () => resolve('SIGINT'));
          });
          const daemon = await startDaemon(store, config, { serve: false, poll: false, work: true, logger });
          const info = { ok: true, worker: daemon.engine.workerId, queues: [RECORD_QUEUE], store: store.backend };
          if (json) printJson(info);
          else printLine(`worker ${info.worker} working ${info.queues.join(', ')} on the ${store.backend} store (SIGTERM or Ctrl-C stops after the jobs in hand)`);
          const signal = await stopped;
          logger.info({ signal }, 'stopping: finishing the jobs in hand');
          await daemon.stop();
          logger.info({ ...daemon.engine.counts }, 'worker stopped');
        } finally {
          await store.close();
        }
      }),
    );
}
