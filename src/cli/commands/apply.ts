import type { Command } from 'commander';
import type { InrecordConfig } from '../../config/index.js';
import { InrecordError } from '../../errors/index.js';
import { type FlowRunReport, type RunnerDeps, type WrittenOutputs, runFlows, writeOutputs } from '../../pipeline/index.js';
import { type ApplySummary, getRun, readOutputsFile, scanOutputs } from '../../writeback/index.js';
import { action, globals } from '../command.js';
import { type CommandContext, openCommandContext } from '../context.js';
import { EXIT, note, printJson, printLine, progressBar } from '../output.js';

export interface SourceOptions {
  outputs?: string;
  flow?: string[];
  since?: string;
  limit?: number;
  chunkSize?: number;
  /** A run stopped half-way, taken up again (apply only). */
  resume?: string;
}

/** What `plan` and `apply` ran: the configured flows, or an outputs file. */
export type PipelineResult = { kind: 'flows'; flows: FlowRunReport[] } | { kind: 'outputs'; result: WrittenOutputs };

function checkFlows(config: InrecordConfig, names: string[] | undefined): void {
  const unknown = (names ?? []).filter((n) => !config.flows.some((f) => f.name === n));
  if (unknown.length > 0) throw new InrecordError('IR_USAGE', `no flow named ${unknown.join(', ')} in inrecord.yaml (flows: ${config.flows.map((f) => f.name).join(', ') || 'none'})`);
  if (config.flows.length === 0) {
    throw new InrecordError('IR_USAGE', 'nothing to run: inrecord.yaml has no flows; add one, or pass --outputs <file.jsonl> (one { object, recordId, outputs: [{ name, field, value, flow }] } per line)');
  }
}

/**
 * `plan` and `apply` share this: the configured flows through the one pipeline (the daemon's), or
 * the outputs of a JSONL file through the same gate and write step. `dryRun` plans and writes
 * nothing; the gate is consulted alike, so the plan shows what apply will do.
 */
export async function runPipeline(ctx: CommandContext, opts: SourceOptions, run: { dryRun: boolean; onEvent?: RunnerDeps['onEvent'] }): Promise<PipelineResult> {
  const deps: RunnerDeps = { store: ctx.store, connector: ctx.connector, config: ctx.config, onEvent: run.onEvent };
  if (opts.outputs) {
    const scan = await scanOutputs(opts.outputs);
    const result = await writeOutputs(deps, readOutputsFile(opts.outputs), { flowNames: scan.flows, total: scan.records, dryRun: run.dryRun, chunkSize: opts.chunkSize });
    return { kind: 'outputs', result };
  }
  checkFlows(ctx.config, opts.flow);
  const resume = opts.resume ? await resumable(ctx, opts.resume) : undefined;
  const flows = await runFlows(deps, {
    ...(resume ? { flows: [resume.flow], resume: resume.id } : {}),
    ...(opts.flow?.length ? { flows: opts.flow } : {}),
    since: opts.since ?? null,
    ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
    dryRun: run.dryRun,
    chunkSize: opts.chunkSize,
    onPrepared: (p) => note(`${p.flow.name}: ${p.explanation}`),
  });
  return { kind: 'flows', flows };
}

/** The run `--resume` names, when it can be taken up again: a flow's apply run that did not finish. */
async function resumable(ctx: CommandContext, id: string): Promise<{ id: string; flow: string }> {
  const run = await getRun(ctx.store, id);
  if (!run) throw new InrecordError('IR_RUN_NOT_FOUND', `no run ${id} in this store`, { fix: 'List runs with `inrecord runs`.' });
  if (run.kind !== 'apply' || !run.flow) throw new InrecordError('IR_USAGE', `run ${id} is a ${run.kind} run${run.flow ? '' : ' of an outputs file'}: only a flow's apply run can be resumed`);
  if (run.status !== 'running' && run.status !== 'failed')
    throw new InrecordError('IR_USAGE', `run ${id} is ${run.status}: there is nothing to resume`, { fix: 'Start a new run with `inrecord apply`.' });
  if (!ctx.config.flows.some((f) => f.name === run.flow)) throw new InrecordError('IR_USAGE', `run ${id} belongs to flow "${run.flow}", which inrecord.yaml no longer configures`);
  return { id, flow: run.flow };
}

export function renderSummary(s: ApplySummary): void {
  const f = s.fields;
  printLine(`run ${s.runId} (${s.crm}) ${s.status}: ${s.records} record(s)`);
  printLine(`  written ${f.written}  unchanged ${f.unchanged}  flagged ${f.flagged}  conflict-skipped ${f.conflict_skipped}  rejected ${f.rejected}  failed ${f.failed}  not-applied ${f.not_applied}`);
  printLine(`  ${s.recordsWritten} record update(s) in ${s.writeBatches} write batch(es); ${s.apiCalls} API call(s) in all; ${s.stampsWritten} stamp(s); ${s.durationMs} ms`);
  if (s.error) printLine(`  stopped: ${s.error.message} (${s.error.code})`);
  if (f.rejected + f.failed + f.not_applied + f.flagged > 0) printLine(`  details: inrecord runs ${s.runId}`);
}

function renderShadowed(shadowed: Record<string, number>): void {
  const n = Object.values(shadowed).reduce((a, b) => a + b, 0);
  if (n > 0) printLine(`  ${n} output(s) held in shadow by their flow's validation gate (${Object.entries(shadowed).map(([f, k]) => `${f}: ${k}`).join(', ')}); see inrecord review`);
}

function collect(value: string, prev: string[] = []): string[] {
  return [...prev, value];
}

/** The source options plan and apply share. */
export function sourceOptions(cmd: Command): Command {
  return cmd
    .option('--outputs <file>', 'AI outputs from a file instead of the flows, JSONL: { object, recordId, readAt?, outputs: [{ name, field, value, flow, confidence?, modelVersion? }] }')
    .option('--flow <name>', 'run only this configured flow (repeatable; default: all)', collect)
    .option('--since <iso>', 'only records modified since (ISO 8601); default: all records')
    .option('--limit <n>', 'at most this many records per flow', (v) => Number.parseInt(v, 10))
    .option('--chunk-size <n>', 'records read and planned together', (v) => Number.parseInt(v, 10), 500);
}

const failed = (s: ApplySummary | null) => Boolean(s && (s.status === 'failed' || s.fields.failed + s.fields.not_applied > 0));

export function register(program: Command): void {
  sourceOptions(program.command('apply').description('one run of the flows (or --outputs): outputs → validation gate → plan → batched writes → verification → ledger → actions'))
    .option('--resume <run>', 'take up a run that stopped half-way (killed, crashed): records it decided on are left alone, the rest are worked into the same run')
    .action(
      action(async (opts: SourceOptions, cmd: Command) => {
        const json = Boolean(globals(cmd).json);
        const ctx = await openCommandContext(cmd);
        const bar = progressBar('apply', { json, budget: () => ({ calls: ctx.connector.stats().calls, ...ctx.connector.rateLimit }) });
        try {
          const res = await runPipeline(ctx, opts, { dryRun: false, onEvent: (e) => bar.update(e.done, e.total) });
          bar.end();
          if (res.kind === 'outputs') {
            const summary = res.result.apply as ApplySummary;
            if (json) printJson({ ...summary, gate: res.result.gate });
            else {
              renderSummary(summary);
              renderShadowed(res.result.gate.shadowed);
            }
            return failed(summary) ? EXIT.failed : EXIT.ok;
          }
          if (json) printJson({ flows: res.flows });
          else {
            for (const r of res.flows) {
              printLine(`flow ${r.flow} (${r.kind}): ${r.records} record(s) read, ${r.outputs} output(s), ${r.rejected.length} refused by the flow${r.resumedAfter !== undefined ? ` (resumed: ${r.resumedAfter} record(s) decided before the stop left alone)` : ''}`);
              if (r.apply) renderSummary(r.apply);
              renderShadowed(r.gate.shadowed);
              const a = r.actions;
              if (a.done + a.alreadyDone + a.uncertain + a.failed > 0) printLine(`  actions: ${a.done} done, ${a.alreadyDone} already done, ${a.uncertain} uncertain, ${a.failed} failed`);
            }
          }
          return res.flows.some((r) => failed(r.apply) || r.actions.failed > 0) ? EXIT.failed : EXIT.ok;
        } finally {
          await ctx.close();
        }
      }),
    );
}
