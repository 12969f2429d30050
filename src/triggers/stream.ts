/**
 * The change-stream trigger: a CRM's own replayable feed of changes (Salesforce Change Data
 * Capture), beside webhooks and the poller. Messages' jobs are stored in one transaction with the
 * last message's resume token (messages that arrived together are stored together), so a restart
 * resumes right after the last message stored: none is lost, none is worked twice. inrecord's own writes come back on the stream and are dropped, as
 * the webhook path drops them. A message that cannot name its records (too many changes in one
 * transaction) is answered with a poll. When the CRM no longer holds the stored position (away
 * longer than its retention window), the stream is opened for new changes and a poll from the poll
 * cursor catches up on the rest; a warning says so.
 */
import type {
  ChangeEvent,
  ChangeSubscription,
  CrmConnector,
  ObjectKind,
  StreamMessage,
} from '../crm/types.js';
import { isInrecordError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import { triageEvents } from './changes.js';
import { admitVersions, markDeleted, readCursor, writeCursor } from './queries.js';
import type { RecordJob, RecordQueue } from './types.js';

export interface StreamDeps {
  connector: CrmConnector;
  store: Store;
  queue: RecordQueue;
  logger: Logger;
  /** Polls `kind` now, from its stored poll cursor (the daemon's poller). */
  poll(kind: ObjectKind): Promise<unknown>;
  onDeleted?: (event: ChangeEvent) => Promise<void>;
  /** Wait before opening a stream again after it failed (default 5 s). */
  retryMs?: number;
}

/** What the stream of one object has done since it started. */
export interface StreamCounts {
  messages: number;
  enqueued: number;
  ownWrites: number;
  deletions: number;
  overflows: number;
  /** Times the stored position had expired and a poll caught up instead. */
  fallbacks: number;
  /** Times the stream failed after it was open and was opened again. */
  reopened: number;
}

export interface ChangeStreams {
  /** Every object's stream has subscribed once (or fallen back and subscribed for new changes). */
  ready: Promise<void>;
  counts(kind: ObjectKind): StreamCounts;
  stop(): Promise<void>;
}

/** Where the stream of `kind` resumes: the resume token of the last message stored. */
export const streamCursorName = (crm: string, kind: ObjectKind) => `stream:${crm}:${kind}`;

const isDeletion = (e: ChangeEvent) => e.kind === 'deleted' || e.kind === 'merged';

/**
 * Stores messages of one object, in order: jobs for the records they name (their versions
 * admitted, so a poll that sees the same versions adds nothing), tombstones for confirmed
 * deletions, and the last message's resume token — all in one transaction.
 */
export async function storeStreamMessages(
  deps: Pick<StreamDeps, 'connector' | 'store' | 'queue' | 'onDeleted'>,
  messages: StreamMessage[],
): Promise<{ enqueued: number; ownWrites: number; deletions: number }> {
  const { connector, store } = deps;
  const crm = connector.crm;
  const last = messages[messages.length - 1];
  if (!last) return { enqueued: 0, ownWrites: 0, deletions: 0 };
  const kind = last.kind;
  const triaged = triageEvents(messages.flatMap((m) => m.events));
  const acting = triaged.filter((t) => t.verdict.act).map((t) => t.event);
  const deletions = acting.filter(isDeletion);
  // one job per record, at its newest version in the messages
  const latest = new Map<string, ChangeEvent>();
  for (const e of acting.filter((x) => !isDeletion(x))) {
    const seen = latest.get(e.id);
    if (!seen || Date.parse(e.occurredAt) >= Date.parse(seen.occurredAt)) latest.set(e.id, e);
  }
  const updates = [...latest.values()];
  const enqueued = await store.transaction(async (tx) => {
    const admitted = await admitVersions(
      tx,
      crm,
      kind,
      updates.map((e) => ({ id: e.id, modifiedAt: e.occurredAt })),
    );
    const jobs: RecordJob[] = updates
      .filter((e) => admitted.has(e.id))
      .map((e) => ({ crm, object: kind, id: e.id, source: 'stream', kind: e.kind, fields: e.fields }));
    for (const d of deletions) await markDeleted(tx, crm, kind, d.id, d.occurredAt, d.mergedInto);
    if (jobs.length > 0) await deps.queue.enqueue(jobs, tx);
    await writeCursor(tx, streamCursorName(crm, kind), last.resumeToken);
    return jobs.length;
  });
  if (enqueued > 0) deps.queue.committed?.();
  for (const d of deletions) await deps.onDeleted?.(d);
  return {
    enqueued,
    ownWrites: triaged.filter((t) => !t.verdict.act && t.verdict.reason === 'own-write').length,
    deletions: deletions.length,
  };
}

/** Opens the change stream of every object in `kinds` and keeps it open until stop(). */
export function startChangeStreams(deps: StreamDeps, kinds: ObjectKind[]): ChangeStreams {
  const stream = deps.connector.changeStream;
  if (!stream) throw new Error(`${deps.connector.crm} has no change stream`);
  const log = deps.logger;
  const crm = deps.connector.crm;
  const retryMs = deps.retryMs ?? 5000;
  let stopping = false;
  const wakers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wakers.delete(done);
        resolve();
      }
      wakers.add(done);
    });
  const counts = new Map<ObjectKind, StreamCounts>(
    kinds.map((k) => [
      k,
      { messages: 0, enqueued: 0, ownWrites: 0, deletions: 0, overflows: 0, fallbacks: 0, reopened: 0 },
    ]),
  );

  const onMessages = async (messages: StreamMessage[]) => {
    let run: StreamMessage[] = [];
    const store = async () => {
      if (run.length === 0) return;
      const r = await storeStreamMessages(deps, run);
      const c = counts.get(run[0]!.kind) as StreamCounts;
      c.messages += run.length;
      c.enqueued += r.enqueued;
      c.ownWrites += r.ownWrites;
      c.deletions += r.deletions;
      run = [];
    };
    for (const m of messages) {
      if (!m.overflow) {
        run.push(m);
        continue;
      }
      // the CRM could not say which records changed: a poll finds them, then the position moves
      await store();
      const c = counts.get(m.kind) as StreamCounts;
      log.info(
        { object: m.kind },
        `${m.kind}: the change stream reported more changes than it names (an overflow); polling to find them`,
      );
      await deps.poll(m.kind);
      await writeCursor(deps.store, streamCursorName(crm, m.kind), m.resumeToken);
      c.messages++;
      c.overflows++;
    }
    await store();
  };

  const runs = kinds.map((kind) => {
    let first: () => void = () => {};
    const ready = new Promise<void>((r) => {
      first = r;
    });
    const loop = (async () => {
      const c = counts.get(kind) as StreamCounts;
      // failures in a row without a subscription: the wait before the next try doubles, up to 5 minutes
      let attempt = 0;
      while (!stopping) {
        let failed: unknown = null;
        let wake: () => void = () => {};
        const lost = new Promise<void>((r) => {
          wake = r;
        });
        const handlers = {
          onMessages,
          onError: (err: unknown) => {
            failed = err;
            wake();
          },
        };
        wakers.add(wake);
        let sub: ChangeSubscription | null = null;
        try {
          const token = await readCursor(deps.store, streamCursorName(crm, kind));
          try {
            sub = await stream.open(kind, token, handlers);
          } catch (err) {
            if (!(isInrecordError(err) && err.code === 'IR_STREAM_RESUME_EXPIRED')) throw err;
            c.fallbacks++;
            log.warn(
              { object: kind, resumeFrom: token, err },
              `${kind}: the change stream no longer holds the stored position ${token} (events are kept ${Math.round(stream.retentionMs / 3_600_000)} h); falling back to polling from the poll cursor to catch up, then streaming new changes`,
            );
            // new changes are streamed before the poll starts: nothing falls between the two
            sub = await stream.open(kind, null, handlers);
            await deps.poll(kind);
          }
          first();
          attempt = 0;
          await lost;
        } catch (err) {
          failed = err;
        } finally {
          wakers.delete(wake);
          await sub
            ?.close()
            .catch((e) => log.warn({ err: e, object: kind }, 'closing the change stream failed'));
        }
        if (stopping) break;
        c.reopened++;
        const wait = Math.min(retryMs * 2 ** attempt++, 300_000);
        // a refusal that waiting does not cure (the object's change events are off, the token is refused) says what to do
        const err: unknown = failed;
        const lasting = isInrecordError(err) && !err.retryable ? err : null;
        log[lasting ? 'error' : 'warn'](
          { err, object: kind },
          `${kind}: the change stream stopped${lasting ? ` (${lasting.message} ${lasting.fix})` : ''}; opening it again from the stored position in ${Math.round(wait / 1000)} s, the poller covers changes meanwhile`,
        );
        await sleep(wait);
      }
      first();
    })();
    return { ready, loop };
  });

  return {
    ready: Promise.all(runs.map((r) => r.ready)).then(() => {}),
    counts: (kind) => ({ ...(counts.get(kind) as StreamCounts) }),
    async stop() {
      stopping = true;
      for (const w of [...wakers]) w();
      await Promise.all(runs.map((r) => r.loop));
    },
  };
}
