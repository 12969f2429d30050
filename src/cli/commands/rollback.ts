import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { InrecordError } from '../../errors/index.js';
import { durationMs } from '../../config/index.js';
import { type RollbackTarget, rollback } from '../../pipeline/index.js';
import type { RollbackReport, RollbackWindowReport } from '../../writeback/index.js';
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

/** `--since 2h` (a duration back from now) or an ISO time; the fix names both forms. */
export function windowTime(v: string, flag: string, now = Date.now()): string {
  if (/^\d+(ms|s|m|h|d)$/.test(v)) return new Date(now - durationMs(v)).toISOString();
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw new InrecordError('IR_USAGE', `${flag} ${v}: not a time`, { fix: `Write ${flag} as a duration back from now (30m, 2h, 1d) or an ISO time (2026-12-06T09:00:00Z).` });
  return new Date(t).toISOString();
}

const reportsOf = (r: RollbackReport | RollbackWindowReport): RollbackReport[] => ('runs' in r ? r.runs : [r]);

export function register(program: Command): void {
  program
    .command('rollback [run]')
    .description(
      'restore the values a run overwrote — or every run in a window (--since, optionally --until and --flow); fields a person changed since are skipped and reported',
    )
    .option('--since <time>', 'roll back the writes made since then: a duration back from now (2h, 1d) or an ISO time')
    .option('--until <time>', 'with --since: the end of the window (default now)')
    .option('--flow <name>', 'with --since: only this flow’s writes (and their stamps)')
    .option('--yes', 'do not ask for confirmation')
    .option('--dry-run', 'show what would be restored and skipped, write nothing')
    .action(
      action(async (run: string | undefined, opts: { since?: string; until?: string; flow?: string; yes?: boolean; dryRun?: boolean }, cmd: Command) => {
        const json = Boolean(globals(cmd).json);
        if (Boolean(run) === Boolean(opts.since))
          throw new InrecordError('IR_USAGE', run ? 'rollback takes a run id or --since, not both' : 'rollback needs a run id or --since', {
            fix: 'Write `inrecord rollback <run>` (ids from `inrecord runs`) or `inrecord rollback --since 2h [--flow <name>]`.',
          });
        if (!opts.since && (opts.until || opts.flow))
          throw new InrecordError('IR_USAGE', '--until and --flow choose the writes of a window: they need --since', { fix: 'Add --since <time>.' });
        const since = opts.since ? windowTime(opts.since, '--since') : '';
        const target: RollbackTarget = run
          ? { runId: run }
          : { since, ...(opts.until ? { until: windowTime(opts.until, '--until') } : {}), ...(opts.flow ? { flow: opts.flow } : {}) };
        const what = run ?? `the writes since ${since}${opts.flow ? ` of ${opts.flow}` : ''}`;
        const wb = await openCommandContext(cmd);
        try {
          if (opts.flow && !wb.config?.flows.some((f) => f.name === opts.flow))
            throw new InrecordError('IR_USAGE', `--flow ${opts.flow}: no such flow in the config`, { fix: `Use one of: ${(wb.config?.flows ?? []).map((f) => f.name).join(', ') || '(no flows)'}.` });
          const deps = { store: wb.store, connector: wb.connector };
          const run1 = (dryRun: boolean) => rollback(deps, target, { dryRun });
          if (!opts.dryRun && !opts.yes) {
            if (!process.stdin.isTTY || json) {
              throw new InrecordError('IR_USAGE', `rollback of ${what} writes to the CRM and needs confirmation: pass --yes (or --dry-run to see what it would do)`);
            }
            const preview = reportsOf(await run1(true));
            for (const r of preview) renderRollback(r, true);
            const n = preview.reduce((a, r) => a + r.restored.length, 0);
            if (n === 0) return EXIT.ok;
            if (!(await confirm(`restore ${n} field(s) in ${wb.connector.crm}? [y/N] `))) {
              printLine('nothing written');
              return EXIT.ok;
            }
          }
          const report = await run1(Boolean(opts.dryRun));
          const reports = reportsOf(report);
          if (json) printJson(report);
          else {
            for (const r of reports) renderRollback(r, Boolean(opts.dryRun));
            if (!run) printLine(`${reports.length} run(s) in the window`);
          }
          return reports.some((r) => r.failed.length > 0) ? EXIT.failed : EXIT.ok;
        } finally {
          await wb.close();
        }
      }),
    );
}
