/**
 * The gate in the write path: wraps the stream of AI outputs going to write-back. Outputs of a flow
 * whose gate is shadow for their model version are recorded in shadow_outputs and removed from the
 * stream; the rest pass through unchanged. A record left with no outputs is not passed on at all,
 * so write-back reads, plans and writes nothing for it.
 */
import type { FlowConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { DEFAULT_GATE, type GateStatus, gateStatus, recordShadowOutputs } from './gate.js';

/** The shape write-back consumes (writeback/types.ts RecordOutputs), structurally. */
export interface GatedRecord {
  object: string;
  recordId: string;
  outputs: {
    name: string;
    field: string;
    value: unknown;
    confidence?: number;
    modelVersion?: string;
    flow: string;
  }[];
}

export interface GateFilterStats {
  /** Outputs recorded in shadow, per flow. */
  shadowed: Record<string, number>;
  /** Outputs passed on to write-back, per flow. */
  passed: Record<string, number>;
  /** Gate status per `flow@version` consulted in this run. */
  gates: Record<string, GateStatus>;
}

export interface GateFilterOptions {
  crm: string;
  flows: FlowConfig[];
  runId?: string | null;
  /** Model version when an output names none (rules-based flows). */
  defaultModelVersion?: string;
  /** Current field values by `recordId:field`, recorded beside each shadow output for the reviewer. */
  currentValue?: (record: GatedRecord, field: string) => unknown;
  /** Record shadow outputs (default true); a dry run (`inrecord plan`) filters without recording. */
  record?: boolean;
}

const SHADOW_BATCH = 1000;

/**
 * Filters an output stream through each flow's gate. The gate is read once per flow and model
 * version per run, so a decision taken mid-run applies from the next run.
 */
export function gateOutputs<T extends GatedRecord>(
  store: Store,
  source: AsyncIterable<T> | Iterable<T>,
  opts: GateFilterOptions,
): { source: AsyncIterable<T>; stats: GateFilterStats } {
  const stats: GateFilterStats = { shadowed: {}, passed: {}, gates: {} };
  const flows = new Map(opts.flows.map((f) => [f.name, f]));
  const status = async (flow: string, version: string): Promise<GateStatus> => {
    const key = `${flow}@${version}`;
    if (!stats.gates[key])
      stats.gates[key] = await gateStatus(
        store,
        flows.get(flow) ?? { name: flow, gate: DEFAULT_GATE },
        version,
      );
    return stats.gates[key];
  };
  // shadow outputs are recorded in batches of many records: one statement per batch, not per record
  type ShadowRow = Parameters<typeof recordShadowOutputs>[1]['outputs'][number];
  const pending = new Map<string, ShadowRow[]>();
  let pendingRows = 0;
  const flush = async () => {
    if (opts.record === false) pending.clear();
    for (const [key, outputs] of pending) {
      const [flow, modelVersion] = key.split('\u0000');
      await recordShadowOutputs(store, { flow, modelVersion, runId: opts.runId ?? null, outputs });
    }
    pending.clear();
    pendingRows = 0;
  };
  async function* run(): AsyncIterable<T> {
    try {
      for await (const record of source as AsyncIterable<T>) {
        const keep: T['outputs'] = [];
        for (const o of record.outputs) {
          const version = o.modelVersion ?? opts.defaultModelVersion ?? 'default';
          if ((await status(o.flow, version)).mode === 'open') {
            keep.push(o);
            stats.passed[o.flow] = (stats.passed[o.flow] ?? 0) + 1;
          } else {
            const key = `${o.flow}\u0000${version}`;
            const rows = pending.get(key) ?? [];
            rows.push({
              crm: opts.crm,
              object: record.object,
              recordId: record.recordId,
              output: o.name,
              field: o.field,
              value: o.value,
              currentValue: opts.currentValue?.(record, o.field) ?? null,
              confidence: o.confidence ?? null,
            });
            pending.set(key, rows);
            pendingRows++;
            stats.shadowed[o.flow] = (stats.shadowed[o.flow] ?? 0) + 1;
          }
        }
        if (pendingRows >= SHADOW_BATCH) await flush();
        if (keep.length > 0) yield { ...record, outputs: keep };
      }
    } finally {
      // also when the consumer stops early: what was computed is recorded
      await flush();
    }
  }
  return { source: run(), stats };
}
