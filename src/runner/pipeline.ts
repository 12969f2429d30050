import type { FlowConfig } from '../config/index.js';
import type { CrmRecord, ObjectKind } from '../crm/types.js';
import type { PipelineResult, RecordPipeline } from '../triggers/index.js';
import type { PreparedFlow } from './flows.js';
import { type RunnerDeps, runFlow } from './run.js';

/**
 * The per-record pipeline the trigger layer calls for each changed record: every flow on that
 * record's object, through the same gate and write path as a full run. Returns the record's version
 * after inrecord's own write, so that write does not trigger it again.
 */
export function recordPipeline(deps: RunnerDeps, prepared: Map<string, PreparedFlow>): RecordPipeline {
  return async (record: CrmRecord, kind: ObjectKind): Promise<PipelineResult> => {
    const flows: FlowConfig[] = deps.config.flows.filter((f) => prepared.has(f.name) && f.object === kind);
    let written = 0;
    for (const flow of flows) {
      const r = await runFlow(deps, flow, { ids: [record.id], prepared, train: false });
      written += r.apply?.fields.written ?? 0;
    }
    if (written === 0) return { written, modifiedAtAfterWrite: null };
    const [after] = await deps.connector.read(kind, [record.id], []);
    return { written, modifiedAtAfterWrite: after?.modifiedAt ?? null };
  };
}
