/**
 * cli — the `inrecord` commands. Each command lives in commands/<name>.ts: parse options → call the
 * module → render text or --json. No business logic here.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import * as apply from './commands/apply.js';
import * as auth from './commands/auth.js';
import * as backup from './commands/backup.js';
import * as check from './commands/check.js';
import * as demo from './commands/demo.js';
import * as dlq from './commands/dlq.js';
import * as docs from './commands/docs.js';
import * as importCmd from './commands/import.js';
import * as init from './commands/init.js';
import * as monitor from './commands/monitor.js';
import * as plan from './commands/plan.js';
import * as reconcile from './commands/reconcile.js';
import * as review from './commands/review.js';
import * as rollback from './commands/rollback.js';
import * as run from './commands/run.js';
import * as runs from './commands/runs.js';
import * as serve from './commands/serve.js';
import * as sim from './commands/sim.js';
import * as train from './commands/train.js';
import * as validate from './commands/validate.js';
import * as worker from './commands/worker.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('inrecord')
    .description('AI work inside the CRM records your sales team already uses — never on the wrong record, never over a rep’s edit, never quietly failing.')
    .version(pkg.version)
    .option('-c, --config <path>', 'config file (default ./inrecord.yaml or $INRECORD_CONFIG)')
    .option('--data-dir <dir>', 'embedded store directory (default ./.inrecord or $INRECORD_DATA_DIR)')
    .option('--json', 'print machine-readable JSON on stdout')
    .addOption(
      new Option('--log-format <format>', 'log lines on stderr: pretty (one readable line each) or json (one JSON object each); default pretty on a terminal, json when piped, or $INRECORD_LOG_FORMAT')
        .choices(['pretty', 'json']),
    )
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 failed, 2 usage or configuration error.\nDocs: README.md and ARCHITECTURE.md',
    );
  for (const m of [demo, init, check, auth, plan, apply, train, run, serve, worker, reconcile, importCmd, validate, review, dlq, rollback, runs, monitor, docs, backup, sim]) {
    m.register(program);
  }
  program.exitOverride((err) => {
    // commander's own usage errors (unknown option, missing argument) exit 2, help and version 0
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
  return program;
}

await buildProgram().parseAsync(process.argv);
