import type { FlowConfig } from '../config/index.js';
import type { CrmRecord, ObjectKind } from '../crm/types.js';
import type { PipelineResult, RecordPipeline } from '../triggers/index.js';
import { type PreparedFlow, refreshPrepared } from './flows.js';
import { type RunnerDeps, runFlow } from './run.js';

/**
 * The pipeline the trigger layer calls for a batch of changed records of one object: every flow on
 * that object, through the same gate and write path as a full run, on the records as the trigger
 * layer just read them (no second read). Returns each written record's version after inrecord's own
 * changes — from write-back's verification read, or read once more where there was none or where an
 * action then changed the record's owner or stage — so those changes do not trigger it again.
 */
export function recordPipeline(deps: RunnerDeps, prepared: Map<string, PreparedFlow>): RecordPipeline {
  return async (records: CrmRecord[], kind: ObjectKind): Promise<Map<string, PipelineResult>> => {
    const flows: FlowConfig[] = deps.config.flows.filter((f) => prepared.has(f.name) && f.object === kind);
    const out = new Map<string, PipelineResult>(records.map((r) => [r.id, { written: 0, modifiedAtAfterWrite: null }]));
    const unseen = new Set<string>();
    for (const flow of flows) {
      // a field created since the flow was prepared (`inrecord check --fix`) counts from now on
      const current = prepared.get(flow.name)!;
      const fresh = await refreshPrepared({ store: deps.store, connector: deps.connector, now: (deps.now ?? (() => new Date()))(), objects: deps.config.objects }, current);
      if (fresh !== current) prepared.set(flow.name, fresh);
      await runFlow(deps, flow, {
        records,
        prepared,
        train: false,
        onWritten: (id, fields, modifiedAt) => {
          const r = out.get(id) ?? { written: 0, modifiedAtAfterWrite: null };
          r.written += fields;
          // a later flow's write is the later version
          if (modifiedAt) r.modifiedAtAfterWrite = modifiedAt;
          else unseen.add(id);
          out.set(id, r);
        },
        // an owner or stage change moved the record past the version write-back saw: read it after
        onActed: (id) => unseen.add(id),
      });
    }
    const missing = [...unseen];
    if (missing.length > 0) {
      for (const after of await deps.connector.read(kind, missing, [])) {
        const r = out.get(after.id);
        if (r) r.modifiedAtAfterWrite = after.modifiedAt;
      }
    }
    return out;
  };
}
