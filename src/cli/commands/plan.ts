import type { Command } from 'commander';
import { countActions, type FieldDecision, planRun, type RecordPlan } from '../../writeback/index.js';
import { action, globals } from '../command.js';
import { note, printJson, printLine, progressBar } from '../output.js';
import { type SourceOptions, openWriteback, outputSource, sourceOptions } from './apply.js';

const show = (v: unknown) => (v === null || v === undefined ? '∅' : JSON.stringify(v));

function renderDecision(d: FieldDecision): string {
  const name = `${d.label ?? d.field}${d.stampFor ? ' (stamp)' : ''}`;
  const change = d.action === 'write' || d.action === 'flagged' || d.action === 'conflict_skipped' ? `${show(d.before)} → ${show(d.after)}` : show(d.before);
  const extra = d.conflict ? ` — edited by ${d.conflict.by ?? 'a person'} at ${d.conflict.at}` : d.message && d.action === 'rejected' ? ` — ${d.message}` : '';
  return `  ${d.action.padEnd(16)} ${name}: ${change} (${d.reason})${extra}`;
}

export function renderPlans(plans: RecordPlan[], all: boolean): void {
  for (const p of plans) {
    const shown = all ? p.decisions : p.decisions.filter((d) => d.action !== 'unchanged');
    if (shown.length === 0) continue;
    printLine(`${p.object} ${p.recordId}`);
    for (const d of shown) printLine(renderDecision(d));
  }
  const c = countActions(plans);
  printLine(`${plans.length} record(s): write ${c.write}, unchanged ${c.unchanged}, flagged ${c.flagged}, conflict-skipped ${c.conflict_skipped}, rejected ${c.rejected}`);
}

export function register(program: Command): void {
  sourceOptions(program.command('plan').description('dry run: per record and field, what would be written, left unchanged, skipped or flagged, and why'))
    .option('--all', 'also list fields that would stay unchanged')
    .action(
      action(async (opts: SourceOptions & { all?: boolean; chunkSize: number }, cmd: Command) => {
        const json = Boolean(globals(cmd).json);
        const wb = await openWriteback(cmd);
        const bar = progressBar('plan');
        try {
          // No gate here: the plan shows what the outputs would do; the gate decides at apply time.
          const { source, total } = await outputSource(opts, wb, (flow, why) => note(`${flow.name}: ${why}`));
          const plans = await planRun(
            { store: wb.store, connector: wb.connector, objects: wb.config.objects, onEvent: (e) => bar.update(e.done, e.total) },
            { source, total, chunkSize: opts.chunkSize },
          );
          bar.end();
          if (json) printJson({ counts: countActions(plans), plans });
          else renderPlans(plans, Boolean(opts.all));
        } finally {
          await wb.close();
        }
      }),
    );
}
