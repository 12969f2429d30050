import type { ChangeKind, CrmName, CrmRecord, ObjectKind } from '../crm/types.js';
import type { Sql } from '../store/index.js';

/** One unit of work: look at this record again. Version checks happen when it is processed. */
export interface RecordJob {
  crm: CrmName;
  object: ObjectKind;
  id: string;
  source: 'webhook' | 'stream' | 'poll' | 'manual';
  kind: ChangeKind;
  fields: string[];
}

/** The durable queue both paths feed (the job engine in production, same interface in tests). */
export interface RecordQueue {
  /**
   * With `tx` the jobs are stored in that transaction, together with what made them due (receipts,
   * admitted versions, the cursor): a crash leaves all or none. The caller calls `committed` after.
   */
  enqueue(jobs: RecordJob[], tx?: Sql): Promise<void>;
  /** After a transaction that enqueued has committed: idle workers of this process take the jobs now. */
  committed?(): void;
}

/** What processing one record did; the version after our own write keeps it from re-triggering. */
export interface PipelineResult {
  /** modifiedAt after inrecord's own write, if it wrote. */
  modifiedAtAfterWrite?: string | null;
  written: number;
}

/**
 * flows + write-back for records of one object, supplied by whoever wires the daemon: one result
 * per record written or looked at (missing: nothing written). Throwing fails the whole call.
 */
export type RecordPipeline = (records: CrmRecord[], kind: ObjectKind) => Promise<Map<string, PipelineResult>>;
