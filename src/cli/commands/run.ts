import type { Command } from 'commander';
import { createLogger } from '../../log/index.js';
import { startDaemon } from '../../daemon/index.js';
import { action, globals } from '../command.js';
import { openCommandContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('run')
    .description('the daemon: webhooks, pollers, workers and the console in one process')
    .option('--port <n>', 'port for webhooks and the console (default: server.port)', (v) => Number.parseInt(v, 10))
    .option('--no-poll', 'do not run pollers in this process')
    .option('--backfill', 'on a first start (no poll cursor yet) read and process every record, not only later changes')
    .action(
      action(async (opts: { port?: number; poll?: boolean; backfill?: boolean }, cmd: Command) => {
        const { config, store } = await openCommandContext(cmd, { connector: false, serve: true });
        const logger = createLogger({ format: globals(cmd).logFormat });
        const daemon = await startDaemon(store, config, { port: opts.port, poll: opts.poll !== false, logger, ...(opts.backfill ? { backfill: true } : {}) }).catch(async (err) => {
          // nothing was left running: close the store so the process ends with the error
          await store.close();
          throw err;
        });
        const info = { ok: true, url: daemon.url, crm: daemon.connector.crm, store: store.backend };
        if (globals(cmd).json) process.stdout.write(`${JSON.stringify(info)}\n`);
        else logger.info(info, daemon.url ? `listening on ${daemon.url}` : 'working');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        logger.info('stopping: finishing the jobs in hand');
        await daemon.stop();
        await store.close();
        return 0;
      }),
    );
}
