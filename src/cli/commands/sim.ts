import type { Command } from 'commander';
import { SIMULATOR_TRIAL } from '../../config/index.js';
import type { CrmName } from '../../crm/types.js';
import { InrecordError } from '../../errors/index.js';
import { CONTROL_PATHS } from '../../simulators/control.js';
import { type RunningSimulator, SIMULATED_CRMS, simulatorOf, startSimulator } from '../../simulators/index.js';
import { action, globals } from '../command.js';
import { note, printJson, printLine } from '../output.js';

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InrecordError('IR_USAGE', `--${name} must be a whole number, got "${v}"`);
    return n;
  };
}

/**
 * `inrecord sim <crm>`: runs a local simulator of the CRM's API until SIGINT/SIGTERM. Prints the
 * URL on stdout (a JSON object with --json) so scripts can read it.
 */
export function register(program: Command): void {
  program
    .command('sim')
    .description('run a local simulator of a CRM API (hubspot, salesforce, pipedrive) with seeded data')
    .argument('<crm>', `one of ${SIMULATED_CRMS.join(', ')}`)
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', int('port'), 0)
    .option('--seed <n>', 'seed of the generated data', int('seed'), 1)
    .option('--records <n>', 'contacts to seed (companies and deals scale with it)', int('records'), 200)
    .option('--token <t>', 'the API token the simulator accepts')
    .option('--client-secret <s>', 'app secret webhooks are signed with (HubSpot)')
    .option('--webhook-url <url>', 'deliver change events to this URL (Salesforce: the Outbound Message endpoint, with ?secret=<crm.webhooks.urlSecret>)')
    .option('--webhook-user <user>', 'Pipedrive: the Basic auth user the --webhook-url subscription is created with (crm.webhooks.basicUser)')
    .option('--webhook-password <password>', 'Pipedrive: the Basic auth password of that subscription (crm.webhooks.basicPassword)')
    .option('--snapshot <file>', 'load state from / save state to this file')
    .option('--rate-limit <calls/ms>', 'the API rate limit: calls per window of ms, e.g. 250/10000 (default: the CRM\'s documented limit)', (v: string) => {
      const m = /^(\d+)\/(\d+)$/.exec(v);
      if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new InrecordError('IR_USAGE', `--rate-limit must be <calls>/<window ms>, e.g. 250/10000; got "${v}"`);
      return { callsPerWindow: Number(m[1]), windowMs: Number(m[2]) };
    })
    .addHelpText(
      'after',
      `
Control API (every simulator, beside the CRM's own paths; JSON bodies; a malformed request is 400 {ok:false,error}):
  GET  ${CONTROL_PATHS.stats}          call counts, writes by integration and by reps, limit refusals, webhook deliveries
  POST ${CONTROL_PATHS.resetStats}    zero the counters
  POST ${CONTROL_PATHS.faults}         {"error429":0.1,"error500":0.05,"errorMethods":["POST"],"webhookDrop":0.2,"webhookDuplicate":0.1,"webhookReorder":true,"webhookDelayMs":500,"latencyMs":150,"seed":1}; {} clears
  POST ${CONTROL_PATHS.repEdit}       {"object":"contacts","id":"123","fields":{"jobtitle":"CFO"},"userId":"7"}: an edit made by a rep in the CRM's UI
  GET  ${CONTROL_PATHS.groundTruth}   the seeded truth (duplicates, intent labels)
  GET  /ui/<object>/<id>      the record page, AI-written fields marked
Salesforce also: POST /_sim/outbound {"url"} (Outbound Message target), POST /_sim/revoke-grants,
  and Change Data Capture (CometD at /cometd/<version>): POST /_sim/change-events/expire (stored replay
  ids fall out of retention), /_sim/change-events/gap {"object","id","fields"}, /_sim/change-events/overflow
  {"object","edits":[{"id","fields"}]}.`,
    )
    .option('--search-per-second <n>', 'search calls a second the simulated portal admits (HubSpot; default 5, as a real portal)', int('search-per-second'))
    .action(
      action(async (crm: string, opts: { port: number; seed: number; records: number; token?: string; clientSecret?: string; webhookUrl?: string; webhookUser?: string; webhookPassword?: string; snapshot?: string; searchPerSecond?: number; rateLimit?: { callsPerWindow: number; windowMs: number } }, cmd: Command) => {
        if (!SIMULATED_CRMS.includes(crm as CrmName)) {
          throw new InrecordError('IR_USAGE', `unknown CRM "${crm}": use one of ${SIMULATED_CRMS.join(', ')}`);
        }
        const sim = await startSimulator(crm as CrmName, {
          port: opts.port,
          seed: opts.seed,
          records: opts.records,
          ...(opts.token ? { token: opts.token } : {}),
          ...(opts.clientSecret ? { clientSecret: opts.clientSecret } : {}),
          ...(opts.webhookUrl ? { webhookUrl: opts.webhookUrl } : {}),
          ...(opts.webhookUser ? { webhookUser: opts.webhookUser } : {}),
          ...(opts.webhookPassword ? { webhookPassword: opts.webhookPassword } : {}),
          ...(opts.snapshot ? { snapshotFile: opts.snapshot } : {}),
          ...(opts.searchPerSecond ? { searchPerSecond: opts.searchPerSecond } : {}),
          ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
        });
        const webhooks = simulatorOf(crm as CrmName).webhookSettings(sim, opts);
        const env = simulatorEnv(crm as CrmName, sim, webhooks);
        if (globals(cmd).json) printJson({ crm, url: sim.url, apiBase: sim.apiBase, token: sim.token, webhooks, env });
        else {
          printLine(`listening on ${sim.url}`);
          // what the config `inrecord init` wrote reads: one line to copy into the shell that runs inrecord
          printLine(`export ${Object.entries(env).map(([k, v]) => `${k}=${/^[\w./:=@-]+$/.test(v) ? v : `'${v}'`}`).join(' ')}`);
          note(`${crm} simulator: API base ${sim.apiBase}, token ${sim.token}; Ctrl-C to stop`);
          note(
            `webhooks: set ${Object.entries(webhooks)
              .map(([k, v]) => `crm.webhooks.${k}: ${v}`)
              .join(', ')}${opts.webhookUrl ? '' : ' (and pass --webhook-url to have events delivered)'}`,
          );
        }
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        await sim.close();
        return 0;
      }),
    );
}

/**
 * The variables the config `inrecord init` writes reads, with this simulator's values: its URL and
 * token, and the webhook settings that are known (a setting still to be chosen is left out).
 */
export function simulatorEnv(crm: CrmName, sim: Pick<RunningSimulator, 'url' | 'token'>, webhooks: Record<string, string>): Record<string, string> {
  const t = SIMULATOR_TRIAL[crm];
  const env: Record<string, string> = { [t.urlVar]: sim.url, [t.tokenVar]: sim.token };
  for (const [key, name] of Object.entries(t.webhookVars)) {
    const v = webhooks[key];
    if (v && !v.startsWith('(')) env[name] = v;
  }
  return env;
}
