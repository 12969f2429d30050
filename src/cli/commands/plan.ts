import type { Command } from 'commander';
import { countActions, type FieldDecision, type RecordPlan } from '../../writeback/index.js';
import { action, globals } from '../command.js';
import { printJson, printLine, progressBar } from '../output.js';
import { openCommandContext } from '../context.js';
import { type SourceOptions, runPipeline, sourceOptions } from './apply.js';

const show = (v: unknown) => (v === null || v === undefined ? '∅' : JSON.stringify(v));

function renderDecision(d: FieldDecision): string {
  const name = `${d.label ?? d.field}${d.stampFor ? ' (stamp)' : ''}`;
  const change = d.action === 'write' || d.action === 'flagged' || d.action === 'conflict_skipped' ? `${show(d.before)} → ${show(d.after)}` : show(d.before);
  const extra = d.conflict
    ? d.conflict.at
      ? ` — edited by ${d.conflict.by ?? 'a person'} at ${d.conflict.at}`
      : ' — set before inrecord first wrote the field, with no history of who set it: kept as a person’s'
    : d.message && d.action === 'rejected'
      ? ` — ${d.message}`
      : '';
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
        const ctx = await openCommandContext(cmd);
        const bar = progressBar('plan', { json, budget: () => ({ calls: ctx.connector.stats().calls, ...ctx.connector.rateLimit }) });
        try {
          // the same pipeline and gate as apply, planned and not written: what apply will do
          const res = await runPipeline(ctx, opts, { dryRun: true, onEvent: (e) => bar.update(e.done, e.total) });
          bar.end();
          const plans = res.kind === 'outputs' ? (res.result.plans ?? []) : res.flows.flatMap((r) => r.plans ?? []);
          const gates = res.kind === 'outputs' ? [res.result.gate] : res.flows.map((r) => r.gate);
          const shadowed: Record<string, number> = {};
          for (const g of gates) for (const [f, n] of Object.entries(g.shadowed)) shadowed[f] = (shadowed[f] ?? 0) + n;
          // each scoring flow's model: which one answered and why (the same summary the daemon logs)
          const models = res.kind === 'flows' ? res.flows.flatMap((r) => (r.model ? [r.model] : [])) : [];
          if (json) printJson({ counts: countActions(plans), shadowed, models, plans });
          else {
            renderPlans(plans, Boolean(opts.all));
            const n = Object.values(shadowed).reduce((a, b) => a + b, 0);
            if (n > 0) printLine(`${n} output(s) would be held in shadow by their flow's validation gate (${Object.entries(shadowed).map(([f, k]) => `${f}: ${k}`).join(', ')}): not written`);
          }
        } finally {
          await ctx.close();
        }
      }),
    );
}
