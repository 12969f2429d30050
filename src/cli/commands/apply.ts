import type { Command } from 'commander';
import { type InrecordConfig, loadConfig } from '../../config/index.js';
import { createConnector } from '../../crm/registry.js';
import type { CrmConnector } from '../../crm/types.js';
import { InrecordError } from '../../errors/index.js';
import { type Store, openStore } from '../../store/index.js';
import { type ApplySummary, type OutputSource, applyRun, countOutputs, readOutputsFile } from '../../writeback/index.js';
import { action, globals } from '../command.js';
import { EXIT, printJson, printLine, progressBar } from '../output.js';

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

/** The outputs to plan or apply: a JSONL file of `{ object, recordId, readAt?, outputs }` lines. */
export async function outputSource(file: string | undefined): Promise<{ source: OutputSource; total?: number }> {
  if (!file) {
    throw new InrecordError('IR_USAGE', 'no outputs given: pass --outputs <file.jsonl> (one { object, recordId, outputs: [{ name, field, value, flow }] } per line)');
  }
  return { source: readOutputsFile(file), total: await countOutputs(file) };
}

export function renderSummary(s: ApplySummary): void {
  const f = s.fields;
  printLine(`run ${s.runId} (${s.crm}) ${s.status}: ${s.records} record(s)`);
  printLine(`  written ${f.written}  unchanged ${f.unchanged}  flagged ${f.flagged}  conflict-skipped ${f.conflict_skipped}  rejected ${f.rejected}  failed ${f.failed}  not-applied ${f.not_applied}`);
  printLine(`  ${s.recordsWritten} record update(s) in ${s.writeBatches} write batch(es); ${s.apiCalls} API call(s) in all; ${s.stampsWritten} stamp(s); ${s.durationMs} ms`);
  if (s.error) printLine(`  stopped: ${s.error.message} (${s.error.code})`);
  if (f.rejected + f.failed + f.not_applied + f.flagged > 0) printLine(`  details: inrecord runs ${s.runId}`);
}

export function register(program: Command): void {
  program
    .command('apply')
    .description('one write-back run: plan, write in batches, verify every write, record it in the ledger')
    .option('--outputs <file>', 'AI outputs to write, JSONL: { object, recordId, readAt?, outputs: [{ name, field, value, flow, confidence?, modelVersion? }] }')
    .option('--chunk-size <n>', 'records read and planned together', (v) => Number.parseInt(v, 10), 500)
    .action(
      action(async (opts: { outputs?: string; chunkSize: number }, cmd: Command) => {
        const json = Boolean(globals(cmd).json);
        const { source, total } = await outputSource(opts.outputs);
        const wb = await openWriteback(cmd);
        const bar = progressBar('apply');
        try {
          const summary = await applyRun(
            { store: wb.store, connector: wb.connector, objects: wb.config.objects, onEvent: (e) => bar.update(e.done, e.total) },
            { source, total, chunkSize: opts.chunkSize },
          );
          bar.end();
          if (json) printJson(summary);
          else renderSummary(summary);
          return summary.status === 'failed' || summary.fields.failed + summary.fields.not_applied > 0 ? EXIT.failed : EXIT.ok;
        } finally {
          await wb.close();
        }
      }),
    );
}
