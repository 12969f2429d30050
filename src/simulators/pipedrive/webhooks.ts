/**
 * Webhooks v2 delivery (§5.2, §5.4): one POST per matching subscription with the `{meta, data,
 * previous}` payload, optional HTTP Basic auth (no signature exists), 10 s timeout, retries after
 * 3/30/150 s with meta.attempt 2–4 (the schedule is multiplied by `retryScale` so tests run in
 * milliseconds), a ban of 30 min after 10 failures on a first try, and deletion after 3 days
 * without a success. Faults (drop, duplicate, delay) are injected here.
 */
import { randomUUID } from 'node:crypto';
import type { SimFaults } from '../types.js';
import { serializeWebhook, webhookPrevious } from './serialize.js';
import type { ChangeEventRecord, Webhook } from './model.js';
import type { PipedriveState } from './state.js';
import { faultHits } from '../faults.js';
import { webhookSender } from '../sender.js';

export interface DeliveryOptions {
  /** Multiplies the 3/30/150 s retry delays and the 30 min ban (1 = real time). */
  retryScale: number;
  timeoutMs: number;
  faults: () => SimFaults;
  /** An acknowledged delivery and how long its answer took, ms. */
  onDelivered: (ms: number) => void;
  onFailed: () => void;
}

export const RETRY_DELAYS_S = [3, 30, 150];
const BAN_AFTER = 10;
const BAN_MS = 30 * 60_000;
const DELETE_AFTER_MS = 3 * 86_400_000;

const V1_ACTIONS: Record<string, string> = { added: 'create', updated: 'change', merged: 'change', deleted: 'delete' };

export function matches(hook: Webhook, ev: ChangeEventRecord): boolean {
  const action = V1_ACTIONS[hook.event_action] ?? hook.event_action;
  return (action === '*' || action === ev.action) && (hook.event_object === '*' || hook.event_object === ev.entity.type);
}

/** The v2 payload of one event for one subscription. */
export function buildPayload(state: PipedriveState, hook: Webhook, ev: ChangeEventRecord, attempt: number, eventId: string): Record<string, unknown> {
  const data = ev.action === 'delete' ? null : serializeWebhook(state, ev.entity);
  const previous =
    ev.action === 'create' ? null : ev.action === 'delete' ? (ev.before ? serializeWebhook(state, ev.before) : null) : ev.before ? webhookPrevious(state, ev.before, ev.changedKeys) : null;
  return {
    meta: {
      action: ev.action,
      entity: ev.entity.type,
      company_id: String(state.companyId),
      correlation_id: randomUUID(),
      entity_id: String(ev.entity.id),
      id: eventId,
      is_bulk_edit: false,
      timestamp: new Date(ev.at).toISOString(),
      type: 'general',
      user_id: String(ev.userId),
      version: '2.0',
      webhook_id: String(hook.id),
      webhook_owner_id: String(hook.user_id),
      change_source: ev.source,
      attempt,
      host: `${state.companyDomain}.pipedrive.com`,
      permitted_user_ids: state.users.filter((u) => u.active_flag).map((u) => String(u.id)),
    },
    data,
    previous,
  };
}

export class WebhookDispatcher {
  private readonly sender = webhookSender();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly state: PipedriveState,
    private readonly opts: DeliveryOptions,
  ) {}

  /** Called for every change the state records. */
  onChange(ev: ChangeEventRecord): void {
    if (this.closed) return;
    const now = this.state.now();
    for (const hook of [...this.state.webhooks]) {
      if (!matches(hook, ev)) continue;
      if (now - hook.lastSuccess > DELETE_AFTER_MS) {
        this.state.removeWebhook(hook.id);
        continue;
      }
      // Events during a ban are lost, not retried (§5.4).
      if (hook.bannedUntil > now) continue;
      const f = this.opts.faults();
      if (faultHits(f, f.webhookDrop)) continue;
      const eventId = randomUUID();
      const copies = faultHits(f, f.webhookDuplicate) ? 2 : 1;
      for (let i = 0; i < copies; i++) this.schedule(hook, ev, 1, eventId, f.webhookDelayMs ?? 0);
    }
  }

  private schedule(hook: Webhook, ev: ChangeEventRecord, attempt: number, eventId: string, delayMs: number): void {
    // The payload is built now: `data` is the object as of this update, not of the retry.
    const body = JSON.stringify(buildPayload(this.state, hook, ev, attempt, eventId));
    const run = () => {
      const p = this.deliver(hook, ev, attempt, eventId, body).finally(() => this.inflight.delete(p));
      this.inflight.add(p);
    };
    if (delayMs <= 0) {
      queueMicrotask(run);
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) run();
    }, delayMs);
    this.timers.add(t);
  }

  private async deliver(hook: Webhook, ev: ChangeEventRecord, attempt: number, eventId: string, body: string): Promise<void> {
    if (this.closed) return;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Pipedrive Webhooks' };
    if (hook.http_auth_user !== null) {
      headers.authorization = `Basic ${Buffer.from(`${hook.http_auth_user}:${hook.http_auth_password ?? ''}`).toString('base64')}`;
    }
    let status = 0;
    const sent = performance.now();
    try {
      // a redirect is not followed: it is an answer other than 2xx
      status = (await this.sender.post(hook.subscription_url, headers, body, this.opts.timeoutMs)).status;
    } catch {
      status = 0;
    }
    const now = this.state.now();
    hook.last_delivery_time = now;
    hook.last_http_status = status || null;
    if (status >= 200 && status < 300) {
      hook.lastSuccess = now;
      this.opts.onDelivered(performance.now() - sent);
      return;
    }
    this.opts.onFailed();
    if (attempt === 1) {
      hook.banCounter++;
      if (hook.banCounter >= BAN_AFTER) {
        hook.bannedUntil = now + BAN_MS * this.opts.retryScale;
        hook.banCounter = 0;
      }
    }
    if (attempt <= RETRY_DELAYS_S.length) {
      const bodyNext = body.replace(`"attempt":${attempt},`, `"attempt":${attempt + 1},`);
      const delay = RETRY_DELAYS_S[attempt - 1] * 1000 * this.opts.retryScale;
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (this.closed) return;
        const p = this.deliver(hook, ev, attempt + 1, eventId, bodyNext).finally(() => this.inflight.delete(p));
        this.inflight.add(p);
      }, delay);
      this.timers.add(t);
    }
  }

  /** Waits until every delivery started so far has finished (tests). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.sender.close();
  }
}
