/**
 * Webhook ingress: verify, persist the receipt, enqueue, acknowledge. No work happens here — a
 * webhook route that processes inline times out under load and the CRM retries, duplicating work.
 */
import type { ChangeEvent, CrmConnector, WebhookRequest } from '../crm/types.js';
import type { Store } from '../store/index.js';
import { triageEvents } from './changes.js';
import { type ReceiptCommitter, directCommitter } from './commit.js';
import { markDeleted } from './queries.js';
import type { RecordJob, RecordQueue } from './types.js';

export interface IngressResult {
  status: 200 | 400 | 401;
  reason?: string;
  received: number;
  enqueued: number;
  duplicates: number;
  ownWrites: number;
  deletions: number;
}

export interface IngressDeps {
  connector: CrmConnector;
  store: Store;
  queue: RecordQueue;
  /** Called for a confirmed deletion or merge (identity links are invalidated there). */
  onDeleted?: (event: ChangeEvent) => Promise<void>;
  /** How receipts and jobs are stored (the server shares one group committer; default: each call on its own). */
  commit?: ReceiptCommitter;
}

export async function acceptWebhook(deps: IngressDeps, req: WebhookRequest): Promise<IngressResult> {
  const empty = { received: 0, enqueued: 0, duplicates: 0, ownWrites: 0, deletions: 0 };
  const verdict = deps.connector.webhooks.verify(req);
  if (!verdict.ok) return { status: 401, reason: verdict.reason, ...empty };
  let events: ChangeEvent[];
  try {
    events = deps.connector.webhooks.parse(req);
  } catch (err) {
    return { status: 400, reason: `malformed ${deps.connector.crm} webhook body: ${(err as Error).message}`, ...empty };
  }
  const triaged = triageEvents(events);
  const acting = triaged.filter((t) => t.verdict.act);
  const commit = deps.commit ?? directCommitter(deps.store, deps.queue);
  const isDeletion = (e: ChangeEvent) => e.kind === 'deleted' || e.kind === 'merged';
  const fresh = await commit(
    acting.map((t) => {
      const e = t.event;
      const job: RecordJob | undefined = isDeletion(e) ? undefined : { crm: e.crm, object: e.object, id: e.id, source: 'webhook', kind: e.kind, fields: e.fields };
      return { crm: deps.connector.crm, key: t.key, payload: e, ...(job ? { job } : {}) };
    }),
  );
  let enqueued = 0;
  let deletions = 0;
  for (const t of acting) {
    if (!fresh.has(t.key)) continue;
    const e = t.event;
    if (isDeletion(e)) {
      // a delete event is the CRM's own confirmation: act on it
      await markDeleted(deps.store, e.crm, e.object, e.id, e.occurredAt, e.mergedInto);
      await deps.onDeleted?.(e);
      deletions++;
      continue;
    }
    enqueued++;
  }
  return {
    status: 200,
    received: events.length,
    enqueued,
    duplicates: acting.length - fresh.size + triaged.filter((t) => !t.verdict.act && t.verdict.reason === 'duplicate-in-batch').length,
    ownWrites: triaged.filter((t) => !t.verdict.act && t.verdict.reason === 'own-write').length,
    deletions,
  };
}
