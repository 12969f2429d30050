import type { ChangeKind, CrmName, CrmRecord, ObjectKind } from '../crm/types.js';

/** One unit of work: look at this record again. Version checks happen when it is processed. */
export interface RecordJob {
  crm: CrmName;
  object: ObjectKind;
  id: string;
  source: 'webhook' | 'poll' | 'manual';
  kind: ChangeKind;
  fields: string[];
}

/** The durable queue both paths feed (the job engine in production, same interface in tests). */
export interface RecordQueue {
  enqueue(jobs: RecordJob[]): Promise<void>;
}

/** What processing one record did; the version after our own write keeps it from re-triggering. */
export interface PipelineResult {
  /** modifiedAt after inrecord's own write, if it wrote. */
  modifiedAtAfterWrite?: string | null;
  written: number;
}

/** flows + write-back for one record, supplied by whoever wires the daemon. */
export type RecordPipeline = (record: CrmRecord, kind: ObjectKind) => Promise<PipelineResult>;
