import type { Command } from 'commander';
import { InrecordError } from '../../errors/index.js';
import { getRun, ledgerForRun, listRuns } from '../../writeback/index.js';
import { action, globals } from '../command.js';
import { printJson, printLine } from '../output.js';
import { openCommandContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('runs [id]')
    .description('list runs, or show one run: its summary and every ledger entry that is not a plain write')
    .option('--limit <n>', 'how many runs to list', (v) => Number.parseInt(v, 10), 20)
    .option('--kind <kind>', 'only runs of this kind (apply, rollback, …)')
    .option('--all', 'with an id: list every ledger entry, writes and unchanged fields included')
    .action(
      action(async (id: string | undefined, opts: { limit: number; kind?: string; all?: boolean }, cmd: Command) => {
        const json = Boolean(globals(cmd).json);
        const wb = await openCommandContext(cmd, { connector: false });
        try {
          if (!id) {
            const runs = await listRuns(wb.store, { limit: opts.limit, kind: opts.kind });
            if (json) return printJson(runs);
            if (runs.length === 0) return printLine('no runs yet');
            for (const r of runs) {
              const s = r.summary as { records?: number; fields?: Record<string, number>; restored?: number; skipped?: number };
              const figures = s.fields
                ? `${s.records ?? 0} records, ${s.fields.written ?? 0} written, ${s.fields.rejected ?? 0} rejected, ${(s.fields.failed ?? 0) + (s.fields.not_applied ?? 0)} failed`
                : s.restored !== undefined
                  ? `${s.restored} restored, ${s.skipped ?? 0} skipped`
                  : '';
              printLine(`${r.id}  ${r.kind.padEnd(8)} ${r.status.padEnd(11)} ${r.started_at}  ${figures}`);
            }
            return;
          }
          const run = await getRun(wb.store, id);
          if (!run) throw new InrecordError('IR_RUN_NOT_FOUND', `no run ${id}`, { context: { runId: id } });
          const ledger = await ledgerForRun(wb.store, id);
          if (json) return printJson({ run, ledger });
          printLine(`${run.id}  ${run.kind}  ${run.status}  ${run.started_at} → ${run.finished_at ?? '…'}`);
          printLine(JSON.stringify(run.summary));
          for (const l of ledger) {
            if (!opts.all && (l.outcome === 'written' || l.outcome === 'unchanged')) continue;
            printLine(
              `  ${l.outcome.padEnd(16)} ${l.object} ${l.record_id} ${l.field}: ${JSON.stringify(l.before_value)} → ${JSON.stringify(l.after_value)} (${l.reason ?? ''})${l.message ? ` — ${l.message}` : ''}`,
            );
          }
        } finally {
          await wb.close();
        }
      }),
    );
}
