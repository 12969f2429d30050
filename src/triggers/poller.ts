/**
 * The polling safety net behind webhooks: modified-since with an overlap window and a version
 * check per record, a cursor that advances only after the page is durably enqueued and never past
 * the CRM's current time (a record modified "in the future" is set aside, not trusted), and deletions
 * taken only from the CRM's own deleted-records answer — never inferred from a read.
 */
import type { CrmConnector, DeletedRecord, ObjectKind } from '../crm/types.js';
import type { Store } from '../store/index.js';
import { type PollCursor, advanceCursor, pollSince, splitFuture } from './changes.js';
import { admitVersions, clearFutureVersions, markDeleted, readCursor, recordFutureVersions, writeCursor } from './queries.js';
import type { RecordJob, RecordQueue } from './types.js';

export interface PollOptions {
  /** Cursor name, unique per flow and object. */
  name: string;
  kind: ObjectKind;
  fields: string[];
  /** Re-read this much before the cursor (default 5 s). */
  overlapMs?: number;
  /** How far a modified time may be ahead of our clock before it is taken as from the future (default 5 min). */
  futureToleranceMs?: number;
  /**
   * Where a poller with no cursor yet starts: absent, it reads every record (a backfill); an ISO time
   * (the daemon's start), it reads only records changed since then.
   */
  startFrom?: string;
}

export interface PollResult {
  pages: number;
  seen: number;
  enqueued: number;
  deleted: number;
  cursor: string | null;
  /** Records modified after the CRM's current time: not admitted, cursor not moved (listed in future_versions). */
  future: { id: string; modifiedAt: string }[];
  /** This poll found no cursor and started from `startFrom` instead of reading every record. */
  firstFrom?: string;
}

export interface PollDeps {
  connector: CrmConnector;
  store: Store;
  queue: RecordQueue;
  onDeleted?: (d: DeletedRecord & { object: ObjectKind }) => Promise<void>;
  /** The clock (default Date.now). */
  now?: () => number;
}

export async function pollOnce(deps: PollDeps, opts: PollOptions): Promise<PollResult> {
  const { connector, store } = deps;
  const raw = await readCursor(store, opts.name);
  let cursor: PollCursor = raw ? (JSON.parse(raw) as PollCursor) : { at: opts.startFrom ?? null };
  const since = pollSince(cursor, opts.overlapMs ?? 5000);
  const result: PollResult = { pages: 0, seen: 0, enqueued: 0, deleted: 0, cursor: cursor.at, future: [], ...(!raw && opts.startFrom ? { firstFrom: opts.startFrom } : {}) };
  // the CRM's current time as of this poll, taken before the read: nothing it returns can be newer
  const startedAt = (deps.now ?? Date.now)();
  const ceiling = new Date(startedAt).toISOString();

  for await (const page of connector.readChanged(opts.kind, since, opts.fields)) {
    result.pages++;
    result.seen += page.length;
    const { trusted, future } = splitFuture(page, startedAt, opts.futureToleranceMs ?? 5 * 60_000);
    // admitted versions, their jobs and the cursor in one transaction: a crash between admitting a
    // version and enqueueing its job would leave it admitted (so never admitted again) and never worked
    const next = advanceCursor(cursor, trusted.map((r) => r.modifiedAt), ceiling);
    const enqueued = await store.transaction(async (tx) => {
      await recordFutureVersions(tx, connector.crm, opts.kind, future.map((r) => ({ id: r.id, modifiedAt: r.modifiedAt })));
      await clearFutureVersions(tx, connector.crm, opts.kind, trusted.map((r) => r.id));
      const admitted = await admitVersions(
        tx,
        connector.crm,
        opts.kind,
        trusted.map((r) => ({ id: r.id, modifiedAt: r.modifiedAt })),
      );
      const jobs: RecordJob[] = trusted
        .filter((r) => admitted.has(r.id))
        .map((r) => ({ crm: connector.crm, object: opts.kind, id: r.id, source: 'poll', kind: 'updated', fields: [] }));
      if (jobs.length > 0) await deps.queue.enqueue(jobs, tx);
      // the cursor moves only with the page durably enqueued
      if (next.at) await writeCursor(tx, opts.name, JSON.stringify(next));
      return jobs.length;
    });
    cursor = next;
    result.future.push(...future.map((r) => ({ id: r.id, modifiedAt: r.modifiedAt })));
    if (enqueued > 0) deps.queue.committed?.();
    result.enqueued += enqueued;
  }

  if (since) {
    for (const d of await connector.readDeleted(opts.kind, since)) {
      await markDeleted(store, connector.crm, opts.kind, d.id, d.deletedAt, d.mergedInto);
      await deps.onDeleted?.({ ...d, object: opts.kind });
      result.deleted++;
    }
  }
  // a poller that started from a given time keeps it even when nothing changed since: a restart
  // must not move its start past changes made in between
  if (!raw && opts.startFrom && cursor.at === opts.startFrom) await writeCursor(store, opts.name, JSON.stringify(cursor));
  result.cursor = cursor.at;
  return result;
}
