import type { Command } from 'commander';
import { InrecordError } from '../../errors/index.js';
import { type ModelReport, lastModelReport } from '../../flows/index.js';
import { trainFlow } from '../../pipeline/index.js';
import { action, globals } from '../command.js';
import { openCommandContext } from '../context.js';
import { printJson, printLine } from '../output.js';

const fmt = (n: number) => n.toLocaleString('en-US');
const f3 = (n: number | null | undefined) =>
  n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(3);
const pct = (n: number | null | undefined) =>
  n === null || n === undefined || Number.isNaN(n) ? '–' : `${(100 * n).toFixed(1)}%`;
const signed = (n: number) => `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(3)}`;

export function renderReport(r: ModelReport & { active?: boolean }): void {
  const served = r.chosen === 'trained' ? `trained model ${r.modelVersion}` : `rules model ${r.modelVersion}`;
  printLine(`flow ${r.flow}: scores with the ${served} (trained ${r.trainedAt})`);
  printLine(`  why: ${r.why}`);
  if (r.candidateVersion && r.candidateVersion !== r.modelVersion)
    printLine(
      `  trained model judged: ${r.candidateVersion}${r.rejected ? `, not served (${r.rejected})` : ''}`,
    );
  if (r.familyWhy) printLine(`  family: ${r.familyWhy}`);
  for (const f of r.families ?? []) {
    printLine(
      `    ${(f.family === 'boosted' ? 'boosted trees' : 'logistic regression').padEnd(19)}  ${f.version}  AUC ${f3(f.auc)} (95% CI ${f3(f.aucLower)}–${f3(f.aucUpper)}); ${f.note}`,
    );
  }
  if (r.records) {
    const open = r.records.undecided > 0 ? `; ${fmt(r.records.undecided)} undecided, left out` : '';
    printLine(
      `  decided records: ${fmt(r.records.converted)} converted, ${fmt(r.records.notConverted)} not converted${open}`,
    );
  }
  const h = r.holdout;
  if (h) {
    printLine(
      `  hold-out: ${fmt(h.rows)} ${h.split === 'time' ? `newest records (created from ${h.from})` : 'records (by a hash of the id)'}`,
    );
    printLine(`    AUC ${f3(h.auc)} (95% CI ${f3(h.aucLower)}–${f3(h.aucUpper)}) vs rules ${f3(h.rulesAuc)}`);
    printLine(
      `    Brier ${f3(h.brier)}; top-decile precision ${pct(h.topDecilePrecision)} (rules ${pct(h.rulesTopDecilePrecision)})`,
    );
  }
  if (r.penalty && r.fit) {
    const refit =
      r.fit.refitIterations === null ? '' : `; refit on all decided records: ${r.fit.refitIterations} steps`;
    const fit = r.fit.converged ? 'converged' : `did not converge (${r.fit.stopped})`;
    printLine(
      `  penalty: L2 ${r.penalty.l2} (${r.penalty.chosenBy}); fit: ${fit} after ${r.fit.iterations} Newton steps${refit}`,
    );
  }
  if (r.strongest.length > 0) {
    printLine(
      '  strongest factors (change in log-odds: per unit of the value, of log(1 + value) where marked log, or for having it):',
    );
    for (const f of r.strongest) {
      if (f.kind === 'contribution') {
        printLine(`    ${f.effect.toFixed(3).padStart(8)}  ${f.name}  [mean |contribution| over the training records]`);
        continue;
      }
      const sd = f.kind === 'value' ? `  [${signed(f.effect)} per standard deviation]` : '';
      printLine(`    ${signed(f.coefficient).padStart(8)}  ${f.name}${f.log ? ' (log)' : ''}${sd}`);
    }
  }
  if (r.lift.length > 0) {
    printLine('  lift on the hold-out (deciles by score, highest first):');
    printLine('    decile  records  converted  precision  captured    lift');
    for (const l of r.lift) {
      printLine(
        `    ${String(l.decile).padStart(6)}  ${fmt(l.records).padStart(7)}  ${fmt(l.positives).padStart(9)}  ${pct(l.precision).padStart(9)}  ${pct(l.captured).padStart(8)}  ${(Number.isNaN(l.lift) ? '–' : l.lift.toFixed(2)).padStart(6)}`,
      );
    }
  }
}

export function register(program: Command): void {
  program
    .command('train <flow>')
    .description(
      "train (or re-train) a scoring flow's model now from the CRM's decided records, store it with its report, and print the report",
    )
    .option('--show', 'print the report stored with the last training, without training')
    .action(
      action(async (flow: string, opts: { show?: boolean }, cmd: Command) => {
        const json = Boolean(globals(cmd).json);
        const ctx = await openCommandContext(cmd, { connector: !opts.show });
        try {
          let report: ModelReport & { active?: boolean };
          if (opts.show) {
            const stored = await lastModelReport(ctx.store, flow);
            if (!stored) {
              throw new InrecordError('IR_MODEL_NOT_TRAINED', `flow ${flow}: no model report is stored`, {
                context: { flow },
                fix: `Train it with \`inrecord train ${flow}\` (a training that kept the rules without fitting a model stores no report).`,
              });
            }
            report = stored;
          } else {
            report = await trainFlow(
              { store: ctx.store, connector: ctx.connector, config: ctx.config },
              flow,
            );
          }
          if (json) printJson(report);
          else renderReport(report);
        } finally {
          await ctx.close();
        }
      }),
    );
}
