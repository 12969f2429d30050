/**
 * Works RecordJobs a batch at a time: claim the records (one worker at a time per record), read
 * them in one batched call, skip the ones whose current version was already processed (a change
 * seen by webhook and by poll, or delivered twice, runs once), run the pipeline on the rest
 * together, and remember each version after our own write so it does not trigger us again.
 *
 * A batch that fails as a whole is worked again one record at a time, so a failure lands on the
 * record that caused it and never on the records that happened to share its batch.
 */
import type { CrmConnector, CrmRecord, ObjectKind } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { type Claim, claimRecords, completeRecords, liftTombstones, releaseRecords } from './queries.js';
import type { PipelineResult, RecordJob, RecordPipeline } from './types.js';

export type ProcessOutcome =
  | { status: 'processed'; written: number; version: string }
  | { status: 'skipped'; reason: 'already-processed' | 'deleted' | 'not-found-unconfirmed' }
  | { status: 'failed'; error: unknown };

export interface ProcessDeps {
  connector: CrmConnector;
  store: Store;
  pipeline: RecordPipeline;
  /** Fields the pipeline needs read, per object. */
  fields: (object: ObjectKind) => string[];
  /** Who works a job when the job names no claimer of its own (a claim expires after leaseMs). */
  claimer: string;
  /** How long a claim holds when its worker dies mid-batch (default 2 min; the daemon uses the job expiry). */
  leaseMs?: number;
}

/** A job and who works it: its job id, so a retry of the same job after a crash takes its claim back at once. */
export interface ClaimedJob {
  job: RecordJob;
  claimer?: string;
}

const keyOf = (j: { crm: string; object: string; id: string }) => `${j.crm}\u0000${j.object}\u0000${j.id}`;

/** One outcome per job, in order. Jobs for the same record in one batch share one outcome. */
export async function processRecordJobs(deps: ProcessDeps, jobs: (RecordJob | ClaimedJob)[]): Promise<ProcessOutcome[]> {
  const items = jobs.map((j): Required<ClaimedJob> => ('job' in j ? { job: j.job, claimer: j.claimer ?? deps.claimer } : { job: j, claimer: deps.claimer }));
  const byKey = new Map<string, ProcessOutcome>();
  const groups = new Map<string, Required<ClaimedJob>[]>();
  for (const it of items) {
    if (byKey.has(keyOf(it.job))) continue;
    byKey.set(keyOf(it.job), { status: 'failed', error: new Error('not processed') });
    const g = `${it.job.crm}\u0000${it.job.object}`;
    groups.set(g, [...(groups.get(g) ?? []), it]);
  }
  for (const group of groups.values()) {
    for (const [key, outcome] of await processGroup(deps, group)) byKey.set(key, outcome);
  }
  return items.map((it) => byKey.get(keyOf(it.job))!);
}

/** One record at a time (tests, tools): the same path as a batch of one. */
export async function processRecordJob(deps: ProcessDeps, job: RecordJob): Promise<ProcessOutcome> {
  const [outcome] = await processRecordJobs(deps, [job]);
  if (outcome.status === 'failed') throw outcome.error;
  return outcome;
}

/** Jobs of one CRM object. */
async function processGroup(deps: ProcessDeps, items: Required<ClaimedJob>[]): Promise<Map<string, ProcessOutcome>> {
  const { store } = deps;
  const { crm, object } = items[0].job;
  const jobs = items.map((i) => i.job);
  const claimerOf = new Map(items.map((i) => [i.job.id, i.claimer]));
  const out = new Map<string, ProcessOutcome>();
  const claims = await claimRecords(store, crm, object, items.map((i) => ({ id: i.job.id, claimer: i.claimer })), deps.leaseMs ?? 120_000);
  const mine: RecordJob[] = [];
  for (const j of jobs) {
    if (claims.has(j.id)) mine.push(j);
    else
      out.set(keyOf(j), {
        status: 'failed',
        error: new InrecordError('IR_JOB_FAILED', `${crm} ${object} ${j.id} is being processed by another worker`, {
          retryable: true,
          context: { crm, object, recordId: j.id },
          fix: 'Nothing to do: the job is retried after the other worker finishes.',
        }),
      });
  }
  if (mine.length === 0) return out;
  const done: { id: string; version: string | null }[] = [];
  const held = new Set(mine.map((j) => j.id));
  try {
    // a tombstoned record is read too: found live, it was restored (or the deletion was never
    // final) and is processed again; still missing, it stays deleted
    const records = await deps.connector.read(object, mine.map((j) => j.id), deps.fields(object));
    const found = new Map(records.map((r) => [r.id, r]));
    const todo: CrmRecord[] = [];
    const restored: string[] = [];
    for (const j of mine) {
      const record = found.get(j.id);
      const claim = claims.get(j.id) as Claim;
      if (!record) {
        // a missing record is not a confirmed deletion: the poller's deleted-records check decides
        out.set(keyOf(j), { status: 'skipped', reason: claim.deletedAt ? 'deleted' : 'not-found-unconfirmed' });
        done.push({ id: j.id, version: null });
      } else if (claim.deletedAt) {
        restored.push(j.id);
        todo.push(record);
      } else if (claim.processedVersion && claim.processedVersion.getTime() >= Date.parse(record.modifiedAt)) {
        out.set(keyOf(j), { status: 'skipped', reason: 'already-processed' });
        done.push({ id: j.id, version: null });
      } else todo.push(record);
    }
    await liftTombstones(store, crm, object, restored);
    if (todo.length > 0) {
      for (const [id, r] of await runPipeline(deps, todo, object)) {
        const record = found.get(id)!;
        const key = keyOf({ crm, object, id });
        if ('error' in r) {
          out.set(key, { status: 'failed', error: r.error });
          continue;
        }
        const after = r.modifiedAtAfterWrite ?? record.modifiedAt;
        const version = Date.parse(after) > Date.parse(record.modifiedAt) ? after : record.modifiedAt;
        out.set(key, { status: 'processed', written: r.written, version });
        done.push({ id, version });
      }
    }
    await completeRecords(store, crm, object, done.map((d) => ({ ...d, claimer: claimerOf.get(d.id)! })));
    for (const d of done) held.delete(d.id);
  } catch (err) {
    for (const j of mine) if (!out.has(keyOf(j)) || held.has(j.id)) out.set(keyOf(j), { status: 'failed', error: err });
  } finally {
    if (held.size > 0) await releaseRecords(store, crm, object, [...held].map((id) => ({ id, claimer: claimerOf.get(id)! }))).catch(() => {});
  }
  return out;
}

/** The pipeline on many records; when it fails as a whole, again one record at a time. */
async function runPipeline(deps: ProcessDeps, records: CrmRecord[], object: ObjectKind): Promise<Map<string, PipelineResult | { error: unknown }>> {
  try {
    const results = await deps.pipeline(records, object);
    return new Map(records.map((r) => [r.id, results.get(r.id) ?? { written: 0, modifiedAtAfterWrite: null }]));
  } catch (err) {
    if (records.length === 1) return new Map([[records[0].id, { error: err }]]);
    const out = new Map<string, PipelineResult | { error: unknown }>();
    for (const r of records) {
      try {
        const one = await deps.pipeline([r], object);
        out.set(r.id, one.get(r.id) ?? { written: 0, modifiedAtAfterWrite: null });
      } catch (e) {
        out.set(r.id, { error: e });
      }
    }
    return out;
  }
}
