import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { exampleConfig } from '../../config/index.js';
import { InrecordError } from '../../errors/index.js';
import { action, globals } from '../command.js';
import { printJson, printLine } from '../output.js';

export function register(program: Command): void {
  program
    .command('init')
    .description('write a commented inrecord.yaml for a CRM')
    .option('--crm <kind>', 'hubspot | salesforce | pipedrive', 'hubspot')
    .option('-o, --out <path>', 'where to write it', 'inrecord.yaml')
    .option('--force', 'overwrite an existing file')
    .action(
      action(async (opts: { crm: string; out: string; force?: boolean }, cmd: Command) => {
        if (!['hubspot', 'salesforce', 'pipedrive'].includes(opts.crm)) {
          throw new InrecordError('IR_USAGE', `--crm must be hubspot, salesforce or pipedrive, not "${opts.crm}"`);
        }
        const path = resolve(opts.out);
        if (existsSync(path) && !opts.force) {
          throw new InrecordError('IR_USAGE', `${path} exists`, { fix: 'Pass --force to overwrite it, or --out to write elsewhere.' });
        }
        writeFileSync(path, exampleConfig(opts.crm as 'hubspot'));
        if (globals(cmd).json) printJson({ ok: true, path, crm: opts.crm });
        else printLine(`wrote ${path} — edit it, then run \`inrecord check\``);
      }),
    );
}
