/**
 * Webhook ingress: verify, persist the receipt, enqueue, acknowledge. No work happens here — a
 * webhook route that processes inline times out under load and the CRM retries, duplicating work.
 */
import type { ChangeEvent, CrmConnector, WebhookRequest } from '../crm/types.js';
import type { Store } from '../store/index.js';
import { triageEvents } from './changes.js';
import { insertReceipts, markDeleted } from './queries.js';
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
  const fresh = await insertReceipts(
    deps.store,
    deps.connector.crm,
    acting.map((t) => ({ key: t.key, payload: t.event })),
  );
  const jobs: RecordJob[] = [];
  let deletions = 0;
  for (const t of acting) {
    if (!fresh.has(t.key)) continue;
    const e = t.event;
    if (e.kind === 'deleted' || e.kind === 'merged') {
      // a delete event is the CRM's own confirmation: act on it
      await markDeleted(deps.store, e.crm, e.object, e.id, e.occurredAt, e.mergedInto);
      await deps.onDeleted?.(e);
      deletions++;
      continue;
    }
    jobs.push({ crm: e.crm, object: e.object, id: e.id, source: 'webhook', kind: e.kind, fields: e.fields });
  }
  if (jobs.length > 0) await deps.queue.enqueue(jobs);
  return {
    status: 200,
    received: events.length,
    enqueued: jobs.length,
    duplicates: acting.length - fresh.size + triaged.filter((t) => !t.verdict.act && t.verdict.reason === 'duplicate-in-batch').length,
    ownWrites: triaged.filter((t) => !t.verdict.act && t.verdict.reason === 'own-write').length,
    deletions,
  };
}
