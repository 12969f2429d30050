/**
 * Works one RecordJob: claim the record (one worker at a time), skip it when its current version
 * was already processed (a change seen by webhook and by poll, or delivered twice, runs once), run
 * the pipeline, and remember the version after our own write so it does not trigger us again.
 */
import type { CrmConnector } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { claimRecord, completeRecord, releaseRecord } from './queries.js';
import type { RecordJob, RecordPipeline } from './types.js';

export type ProcessOutcome =
  | { status: 'processed'; written: number; version: string }
  | { status: 'skipped'; reason: 'already-processed' | 'deleted' | 'not-found-unconfirmed' };

export interface ProcessDeps {
  connector: CrmConnector;
  store: Store;
  pipeline: RecordPipeline;
  /** Fields the pipeline needs read. */
  fields: string[];
  /** Who is working (job id); a claim expires after leaseMs. */
  claimer: string;
  leaseMs?: number;
}

export async function processRecordJob(deps: ProcessDeps, job: RecordJob): Promise<ProcessOutcome> {
  const { store } = deps;
  const claim = await claimRecord(store, job.crm, job.object, job.id, deps.claimer, deps.leaseMs ?? 120_000);
  if (!claim) {
    throw new InrecordError('IR_JOB_FAILED', `${job.crm} ${job.object} ${job.id} is being processed by another worker`, {
      retryable: true,
      context: { crm: job.crm, object: job.object, recordId: job.id },
      fix: 'Nothing to do: the job is retried after the other worker finishes.',
    });
  }
  try {
    if (claim.deletedAt) {
      await completeRecord(store, job.crm, job.object, job.id, deps.claimer, null);
      return { status: 'skipped', reason: 'deleted' };
    }
    const [record] = await deps.connector.read(job.object, [job.id], deps.fields);
    if (!record) {
      // a missing record is not a confirmed deletion: the poller's deleted-records check decides
      await completeRecord(store, job.crm, job.object, job.id, deps.claimer, null);
      return { status: 'skipped', reason: 'not-found-unconfirmed' };
    }
    if (claim.processedVersion && claim.processedVersion.getTime() >= Date.parse(record.modifiedAt)) {
      await completeRecord(store, job.crm, job.object, job.id, deps.claimer, null);
      return { status: 'skipped', reason: 'already-processed' };
    }
    const result = await deps.pipeline(record, job.object);
    const after = result.modifiedAtAfterWrite ?? record.modifiedAt;
    const version = Date.parse(after) > Date.parse(record.modifiedAt) ? after : record.modifiedAt;
    await completeRecord(store, job.crm, job.object, job.id, deps.claimer, version);
    return { status: 'processed', written: result.written, version };
  } catch (err) {
    await releaseRecord(store, job.crm, job.object, job.id, deps.claimer).catch(() => {});
    throw err;
  }
}
