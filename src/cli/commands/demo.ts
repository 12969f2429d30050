import type { Command } from 'commander';
import { CRM_NAMES, type CrmName, isCrmName } from '../../crm/names.js';
import { renderDemoReport, runDemo } from '../../demo/index.js';
import { InrecordError } from '../../errors/index.js';
import { buildServer, consoleActions } from '../../server/index.js';
import { resolveDataDir } from '../../store/index.js';
import { action, globals } from '../command.js';
import { printJson, printLine } from '../output.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('the whole job with no credentials: simulated CRMs, identity, flows through the gate, write-back, report, console')
    .option('--once', 'exit after the report (do not serve the console)')
    .option('--port <n>', 'console port', (v) => Number.parseInt(v, 10), 4600)
    .option('--crm <list>', 'comma-separated CRMs to include', 'salesforce,pipedrive,hubspot')
    .option('--hubspot-contacts <n>', 'contacts in the HubSpot portal', (v) => Number.parseInt(v, 10), 20_000)
    .action(
      action(async (opts: { once?: boolean; port: number; crm: string; hubspotContacts: number }, cmd: Command) => {
        const g = globals(cmd);
        const crms = opts.crm.split(',').map((s) => s.trim()) as CrmName[];
        for (const c of crms) {
          if (!isCrmName(c)) throw new InrecordError('IR_USAGE', `--crm: unknown CRM "${c}"`, { fix: `Use ${CRM_NAMES.join(', ')}.` });
        }
        const progress = (m: string) => {
          if (!g.json) process.stderr.write(`· ${m}\n`);
        };
        const rt = await runDemo({ dataDir: resolveDataDir(g.dataDir), crms, hubspotContacts: opts.hubspotContacts, onProgress: progress });
        let url: string | undefined;
        let app: ReturnType<typeof buildServer> | undefined;
        if (!opts.once) {
          app = buildServer({
            store: rt.store,
            // the demo subscribes no webhooks: its server answers them 404 rather than accept and drop them
            connectors: {},
            queue: {
              enqueue: async () => {
                throw new InrecordError('IR_USAGE', 'the demo takes no webhooks');
              },
            },
            actions: consoleActions({ store: rt.store, config: rt.config, connectors: rt.connectors }),
          });
          url = await app.listen({ host: '127.0.0.1', port: opts.port });
        }
        if (g.json) printJson({ ok: true, console: url ?? null, ...rt.report });
        else printLine(renderDemoReport(rt.report, url));
        if (opts.once || !app) {
          await rt.close();
          return 0;
        }
        process.stderr.write('console and simulators are running; Ctrl-C to stop\n');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        await app.close();
        await rt.close();
        return 0;
      }),
    );
}
