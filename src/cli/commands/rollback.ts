import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { InrecordError } from '../../errors/index.js';
import { type RollbackReport, rollbackRun } from '../../writeback/index.js';
import { action, globals } from '../command.js';
import { EXIT, printJson, printLine } from '../output.js';
import { openCommandContext } from '../context.js';

const show = (v: unknown) => (v === null || v === undefined ? '∅' : JSON.stringify(v));

export function renderRollback(r: RollbackReport, dryRun: boolean): void {
  const verb = dryRun ? 'would restore' : 'restored';
  for (const i of r.restored) printLine(`  ${verb} ${i.object} ${i.recordId} ${i.label ?? i.field}: ${show(i.written)} → ${show(i.restore)}${i.reason === 'already-restored' ? ' (already)' : ''}`);
  for (const i of r.skipped) printLine(`  skipped ${i.object} ${i.recordId} ${i.label ?? i.field}: ${i.message ?? i.reason}`);
  for (const i of r.failed) printLine(`  failed ${i.object} ${i.recordId} ${i.label ?? i.field}: ${i.message} (${i.code})`);
  printLine(
    `${dryRun ? 'dry run of' : 'rollback'} ${r.runId}${r.rollbackRunId ? ` (run ${r.rollbackRunId})` : ''}: ${r.restored.length} ${verb}, ${r.skipped.length} skipped, ${r.failed.length} failed`,
  );
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function register(program: Command): void {
  program
    .command('rollback <run>')
    .description("restore the values a run overwrote; fields a person changed since are skipped and reported")
    .option('--yes', 'do not ask for confirmation')
    .option('--dry-run', 'show what would be restored and skipped, write nothing')
    .action(
      action(async (run: string, opts: { yes?: boolean; dryRun?: boolean }, cmd: Command) => {
        const json = Boolean(globals(cmd).json);
        const wb = await openCommandContext(cmd);
        try {
          const deps = { store: wb.store, connector: wb.connector };
          if (!opts.dryRun && !opts.yes) {
            if (!process.stdin.isTTY || json) {
              throw new InrecordError('IR_USAGE', `rollback of ${run} writes to the CRM and needs confirmation: pass --yes (or --dry-run to see what it would do)`);
            }
            const preview = await rollbackRun(deps, run, { dryRun: true });
            renderRollback(preview, true);
            if (preview.restored.length === 0) return EXIT.ok;
            if (!(await confirm(`restore ${preview.restored.length} field(s) in ${wb.connector.crm}? [y/N] `))) {
              printLine('nothing written');
              return EXIT.ok;
            }
          }
          const report = await rollbackRun(deps, run, { dryRun: opts.dryRun });
          if (json) printJson(report);
          else renderRollback(report, Boolean(opts.dryRun));
          return report.failed.length > 0 ? EXIT.failed : EXIT.ok;
        } finally {
          await wb.close();
        }
      }),
    );
}
