/**
 * Webhook ingress: verify, persist the receipt, enqueue, acknowledge. No work happens here — a
 * webhook route that processes inline times out under load and the CRM retries, duplicating work.
 */
import { createHash } from 'node:crypto';
import type { ChangeEvent, CrmConnector, RejectedEvent, WebhookBatch, WebhookRequest } from '../crm/types.js';
import { isInrecordError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { triageEvents } from './changes.js';
import { type ReceiptCommitter, directCommitter } from './commit.js';
import { markDeleted } from './queries.js';
import type { RecordJob, RecordQueue } from './types.js';

export interface IngressResult {
  status: 200 | 400 | 401 | 413;
  reason?: string;
  received: number;
  /** Events of the delivery refused one by one, each stored as a `rejected` receipt with its reason. */
  rejected: { index: number; reason: string }[];
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
  /** Which address the CRM posted to, behind a proxy (HubSpot signs it). */
  address?: WebhookAddress;
}

export interface WebhookAddress {
  /** `server.publicUrl`: its scheme, host and port are the ones the CRM posts to. */
  publicUrl?: string;
  /** `server.trustProxy`: take scheme and host from X-Forwarded-Proto / X-Forwarded-Host. */
  trustProxy?: boolean;
}

/**
 * The URL the CRM sent a delivery to, which is what HubSpot signs (v3: method + URI + body +
 * timestamp, §8.4). Behind an https proxy the request arrives as http with the proxy's idea of the
 * Host, so the request's own URL is not the one signed: `publicUrl` gives scheme, host and port (the
 * request's path and query are kept); else, only when the proxy is trusted, X-Forwarded-Proto and
 * X-Forwarded-Host do; else the request's own URL stands. A forwarded header from an untrusted
 * client is ignored: anyone could set it.
 */
export function deliveredUrl(req: Pick<WebhookRequest, 'url' | 'headers'>, address: WebhookAddress = {}): string {
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(req.url)?.[0] ?? '';
  const path = req.url.slice(origin.length) || '/';
  if (address.publicUrl) return `${new URL(address.publicUrl).origin}${path}`;
  if (address.trustProxy) {
    const first = (name: string) => (req.headers[name] ?? req.headers[name.toLowerCase()])?.split(',')[0]?.trim() || undefined;
    const proto = first('x-forwarded-proto');
    const host = first('x-forwarded-host');
    if (proto || host) {
      const own = origin ? new URL(origin) : null;
      const scheme = proto && /^https?$/i.test(proto) ? proto.toLowerCase() : (own?.protocol.replace(':', '') ?? 'http');
      return `${scheme}://${host ?? own?.host ?? ''}${path}`;
    }
  }
  return req.url;
}

/** A refused event is remembered once per content: a redelivery of it adds no second receipt. */
function rejectedKey(crm: string, r: RejectedEvent): string {
  return `${crm}:rejected:${createHash('sha256').update(JSON.stringify(r.event) ?? 'undefined').digest('hex')}`;
}

export async function acceptWebhook(deps: IngressDeps, delivered: WebhookRequest): Promise<IngressResult> {
  const empty = { received: 0, rejected: [], enqueued: 0, duplicates: 0, ownWrites: 0, deletions: 0 };
  const crm = deps.connector.crm;
  const max = deps.connector.webhooks.maxBodyBytes;
  if (max !== undefined && delivered.rawBody.length > max) {
    return { status: 413, reason: `${crm} webhook body is ${delivered.rawBody.length} bytes; at most ${max} are accepted`, ...empty };
  }
  const req = { ...delivered, url: deliveredUrl(delivered, deps.address) };
  const verdict = deps.connector.webhooks.verify(req);
  if (!verdict.ok) return { status: 401, reason: verdict.reason, ...empty };
  let batch: WebhookBatch;
  try {
    batch = deps.connector.webhooks.parse(req);
  } catch (err) {
    if (isInrecordError(err) && err.code === 'IR_WEBHOOK_TOO_LARGE') return { status: 413, reason: err.message, ...empty };
    return { status: 400, reason: `malformed ${crm} webhook body: ${(err as Error).message}`, ...empty };
  }
  const events = batch.events;
  const rejected = batch.rejected.map((r) => ({ index: r.index, reason: r.reason }));
  const refusals = batch.rejected.map((r) => ({ crm, key: rejectedKey(crm, r), payload: { reason: r.reason, event: r.event }, status: 'rejected' as const }));
  const triaged = triageEvents(events);
  const acting = triaged.filter((t) => t.verdict.act);
  const commit = deps.commit ?? directCommitter(deps.store, deps.queue);
  const isDeletion = (e: ChangeEvent) => e.kind === 'deleted' || e.kind === 'merged';
  const fresh = await commit([
    ...acting.map((t) => {
      const e = t.event;
      const job: RecordJob | undefined = isDeletion(e) ? undefined : { crm: e.crm, object: e.object, id: e.id, source: 'webhook', kind: e.kind, fields: e.fields };
      return { crm, key: t.key, payload: e, ...(job ? { job } : {}) };
    }),
    ...refusals,
  ]);
  // nothing in the delivery could be taken: the sender hears why (the refusals are stored too)
  if (events.length === 0 && rejected.length > 0) {
    const more = rejected.length > 3 ? ` (and ${rejected.length - 3} more)` : '';
    return { ...empty, status: 400, reason: `${crm} webhook: ${rejected.slice(0, 3).map((r) => r.reason).join('; ')}${more}`, rejected };
  }
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
    rejected,
    enqueued,
    duplicates: acting.filter((t) => !fresh.has(t.key)).length + triaged.filter((t) => !t.verdict.act && t.verdict.reason === 'duplicate-in-batch').length,
    ownWrites: triaged.filter((t) => !t.verdict.act && t.verdict.reason === 'own-write').length,
    deletions,
  };
}
