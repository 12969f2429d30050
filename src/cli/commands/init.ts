import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CRM_NAMES, isCrmName } from '../../crm/names.js';
import { SIMULATOR_TRIAL, exampleConfig, simulatorCommand } from '../../config/index.js';
import { InrecordError } from '../../errors/index.js';
import { action, globals } from '../command.js';
import { printJson, printLine } from '../output.js';

export function register(program: Command): void {
  program
    .command('init')
    .description('write a commented inrecord.yaml for a CRM, and say how to try it on the local simulator')
    .option('--crm <kind>', CRM_NAMES.join(' | '), 'hubspot')
    .option('-o, --out <path>', 'where to write it', 'inrecord.yaml')
    .option('--force', 'overwrite an existing file')
    .action(
      action(async (opts: { crm: string; out: string; force?: boolean }, cmd: Command) => {
        if (!isCrmName(opts.crm)) {
          throw new InrecordError(
            'IR_USAGE',
            `--crm must be one of ${CRM_NAMES.join(', ')}, not "${opts.crm}"`,
          );
        }
        const crm = opts.crm as keyof typeof SIMULATOR_TRIAL;
        const path = resolve(opts.out);
        if (existsSync(path) && !opts.force) {
          throw new InrecordError('IR_USAGE', `${path} exists`, {
            fix: 'Pass --force to overwrite it, or --out to write elsewhere.',
          });
        }
        writeFileSync(path, exampleConfig(crm));
        const t = SIMULATOR_TRIAL[crm];
        const simulator = simulatorCommand(crm);
        const env = { [t.urlVar]: `http://127.0.0.1:${t.port}`, [t.tokenVar]: t.token };
        if (globals(cmd).json) printJson({ ok: true, path, crm, simulator, env, webhookVars: Object.values(t.webhookVars) });
        else {
          printLine(`wrote ${path}`);
          printLine('try it on the local simulator first:');
          printLine(`  ${simulator}      (in another terminal)`);
          printLine(
            `  export ${Object.entries(env)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`,
          );
          printLine(`  export ${Object.values(t.webhookVars).map((v) => `${v}=…`).join(' ')}      (the webhook settings: copy the line the simulator prints)`);
          printLine('  inrecord check --fix && inrecord plan');
          printLine('  inrecord run      (in a third terminal, same variables: the daemon; the simulator delivers each rep edit to it as a webhook)');
          printLine('  inrecord apply    (once the daemon is up: a CRM gives up on webhooks nobody answers)');
          printLine('then set the variables for your CRM and point the flows’ features at your fields');
        }
      }),
    );
}
