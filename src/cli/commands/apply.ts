import type { Command } from 'commander';
import { type FlowConfig, type GateConfig, type InrecordConfig, loadConfig } from '../../config/index.js';
import { createConnector } from '../../crm/registry.js';
import type { CrmConnector } from '../../crm/types.js';
import { InrecordError } from '../../errors/index.js';
import { type Store, openStore } from '../../store/index.js';
import { type GateFilterStats, gateOutputs } from '../../monitor/index.js';
import { type ApplySummary, type RecordOutputs, applyRun, flowOutputs, readOutputsFile, scanOutputs } from '../../writeback/index.js';
import { action, globals } from '../command.js';
import { EXIT, note, printJson, printLine, progressBar } from '../output.js';

export interface Writeback {
  config: InrecordConfig;
  store: Store;
  connector: CrmConnector;
  close(): Promise<void>;
}

/** Config, store and connector for the write-back commands (check, plan, apply, rollback, runs). */
export async function openWriteback(cmd: Command, opts: { connector?: boolean } = {}): Promise<Writeback> {
  const g = globals(cmd);
  const config = loadConfig(g.config);
  const store = await openStore({ dataDir: g.dataDir ?? config.store.dataDir, databaseUrl: config.store.databaseUrl });
  let connector: CrmConnector | undefined;
  try {
    connector = opts.connector === false ? undefined : await createConnector(config.crm, { store });
  } catch (e) {
    await store.close();
    throw e;
  }
  return {
    config,
    store,
    connector: connector as CrmConnector,
    async close() {
      await connector?.close().catch(() => {});
      await store.close();
    },
  };
}

export interface SourceOptions {
  outputs?: string;
  flow?: string[];
  since?: string;
  limit?: number;
}

/**
 * The outputs to plan or apply: a JSONL file (`--outputs`), else the flows configured in
 * inrecord.yaml (all, or those named with `--flow`) run over the CRM's records.
 */
export async function outputSource(
  opts: SourceOptions,
  wb: Writeback,
  onFlow?: (flow: FlowConfig, explanation: string) => void,
): Promise<{ source: AsyncIterable<RecordOutputs>; total?: number; flowNames: string[] }> {
  if (opts.outputs) {
    const scan = await scanOutputs(opts.outputs);
    return { source: readOutputsFile(opts.outputs), total: scan.records, flowNames: scan.flows };
  }
  const flows = wb.config.flows.filter((f) => !opts.flow?.length || opts.flow.includes(f.name));
  const unknown = (opts.flow ?? []).filter((n) => !wb.config.flows.some((f) => f.name === n));
  if (unknown.length > 0) throw new InrecordError('IR_USAGE', `no flow named ${unknown.join(', ')} in inrecord.yaml (flows: ${wb.config.flows.map((f) => f.name).join(', ') || 'none'})`);
  if (flows.length === 0) {
    throw new InrecordError('IR_USAGE', 'nothing to apply: inrecord.yaml has no flows; add one, or pass --outputs <file.jsonl> (one { object, recordId, outputs: [{ name, field, value, flow }] } per line)');
  }
  const source = flowOutputs({ connector: wb.connector, store: wb.store, flows, since: opts.since ?? null, limit: opts.limit, onFlow });
  return { source, flowNames: flows.map((f) => f.name) };
}

/**
 * The validation gate in front of the write: outputs of a flow in shadow are recorded, not written
 * (monitor/). Flows a JSONL file names that inrecord.yaml does not configure have no gate of their
 * own: they pass. A flow's own rejections bypass the gate so they still reach the ledger.
 */
export function gated(wb: Writeback, source: AsyncIterable<RecordOutputs>, flowNames: string[]): { source: AsyncIterable<RecordOutputs>; stats: GateFilterStats } {
  const open: GateConfig = { mode: 'open', threshold: 0.9, sampleSize: 100, shadowOnDrift: false };
  const flows = [
    ...wb.config.flows,
    ...flowNames.filter((n) => !wb.config.flows.some((f) => f.name === n)).map((name) => ({ name, gate: open }) as FlowConfig),
  ];
  const side: RecordOutputs[] = [];
  async function* split(): AsyncIterable<RecordOutputs> {
    for await (const r of source) {
      if (r.rejected?.length) side.push({ object: r.object, recordId: r.recordId, readAt: r.readAt, outputs: [], rejected: r.rejected });
      if (r.outputs.length > 0) yield { object: r.object, recordId: r.recordId, readAt: r.readAt, outputs: r.outputs };
    }
  }
  const g = gateOutputs(wb.store, split(), { crm: wb.connector.crm, flows });
  async function* merged(): AsyncIterable<RecordOutputs> {
    for await (const r of g.source) {
      yield r;
      while (side.length > 0) yield side.shift() as RecordOutputs;
    }
    while (side.length > 0) yield side.shift() as RecordOutputs;
  }
  return { source: merged(), stats: g.stats };
}

export function renderSummary(s: ApplySummary): void {
  const f = s.fields;
  printLine(`run ${s.runId} (${s.crm}) ${s.status}: ${s.records} record(s)`);
  printLine(`  written ${f.written}  unchanged ${f.unchanged}  flagged ${f.flagged}  conflict-skipped ${f.conflict_skipped}  rejected ${f.rejected}  failed ${f.failed}  not-applied ${f.not_applied}`);
  printLine(`  ${s.recordsWritten} record update(s) in ${s.writeBatches} write batch(es); ${s.apiCalls} API call(s) in all; ${s.stampsWritten} stamp(s); ${s.durationMs} ms`);
  if (s.error) printLine(`  stopped: ${s.error.message} (${s.error.code})`);
  if (f.rejected + f.failed + f.not_applied + f.flagged > 0) printLine(`  details: inrecord runs ${s.runId}`);
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

export function register(program: Command): void {
  sourceOptions(program.command('apply').description('one write-back run: the flows (or --outputs) → plan → batched writes → verification → ledger'))
    .action(
      action(async (opts: SourceOptions & { chunkSize: number }, cmd: Command) => {
        const json = Boolean(globals(cmd).json);
        const wb = await openWriteback(cmd);
        const bar = progressBar('apply');
        try {
          const src = await outputSource(opts, wb, (flow, why) => note(`${flow.name}: ${why}`));
          const gate = gated(wb, src.source, src.flowNames);
          const summary = await applyRun(
            { store: wb.store, connector: wb.connector, objects: wb.config.objects, onEvent: (e) => bar.update(e.done, e.total) },
            { source: gate.source, total: src.total, chunkSize: opts.chunkSize },
          );
          bar.end();
          const shadowed = Object.values(gate.stats.shadowed).reduce((a, b) => a + b, 0);
          if (json) printJson({ ...summary, gate: gate.stats });
          else {
            renderSummary(summary);
            if (shadowed > 0) printLine(`  ${shadowed} output(s) held in shadow by their flow's validation gate (${Object.entries(gate.stats.shadowed).map(([f, n]) => `${f}: ${n}`).join(', ')}); see inrecord review`);
          }
          return summary.status === 'failed' || summary.fields.failed + summary.fields.not_applied > 0 ? EXIT.failed : EXIT.ok;
        } finally {
          await wb.close();
        }
      }),
    );
}
