/**
 * Webhook deliveries (reference §8): legacy CRM subscriptions (`contact.creation`,
 * `contact.propertyChange`, `contact.deletion`, `contact.merge`, same for company and deal), batched into JSON
 * arrays of at most 100 events, signed v1 and v3 (§8.4), answered within 5 s or retried up to 10
 * times with randomised delays, `attemptNumber` counting up and a fresh signature each attempt
 * (§8.3). `changeSource`/`sourceId` tell an app's own writes (INTEGRATION, the app id) from a
 * rep's (CRM_UI, `userId:<id>`). Faults: drop and duplicate shares.
 */
import { createHash, createHmac } from 'node:crypto';
import type { SimFaults } from '../types.js';
import type { ObjectType } from './schema.js';
import type { ChangeNotice, HubspotState } from './state.js';
import { faultHits } from '../faults.js';
import { webhookSender } from '../sender.js';

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  changeSource: string;
  sourceId?: string;
  changeFlag?: string;
  propertyName?: string;
  propertyValue?: string;
  /** merge events: the record kept, the ones merged into it, the id the result has now. */
  primaryObjectId?: number;
  mergedObjectIds?: number[];
  newObjectId?: number;
  numberOfPropertiesMoved?: number;
}

const SUBSCRIBED: Partial<Record<ObjectType, string>> = {
  contacts: 'contact',
  companies: 'company',
  deals: 'deal',
};
const ACTIONS = ['creation', 'propertyChange', 'deletion', 'merge'] as const;
/** Base retry delays, seconds (randomised ±50 %): 10 retries spread over hours (§8.3). */
const RETRY_S = [10, 30, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800];

/** v3 signature: base64 HMAC-SHA256 of method + uri + body + timestamp with the app secret (§8.4). */
export function signV3(secret: string, method: string, uri: string, body: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${method}${uri}${body}${timestamp}`).digest('base64');
}

/** v1 signature: hex SHA-256 of secret + body (§8.4). */
export function signV1(secret: string, body: string): string {
  return createHash('sha256')
    .update(secret + body)
    .digest('hex');
}

export interface DispatcherOptions {
  secret: string;
  retryScale: number;
  faults: () => SimFaults;
  /** An acknowledged delivery and how long its answer took, ms. */
  onDelivered: (ms: number) => void;
  onFailed: () => void;
}

export class WebhookDispatcher {
  private readonly sender = webhookSender();
  private target: string | null = null;
  private queue: WebhookEvent[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private nextEventId = 1_000_001;
  private closed = false;

  constructor(
    private readonly state: HubspotState,
    private readonly opts: DispatcherOptions,
  ) {}

  setTarget(url: string | null): void {
    this.target = url;
  }

  /** One event per created/deleted record and per changed property (§8.2). */
  onChange(n: ChangeNotice): void {
    const object = SUBSCRIBED[n.type];
    if (!object || !this.target || this.closed) return;
    const base = {
      portalId: this.state.portalId,
      appId: this.state.appId,
      occurredAt: n.at,
      attemptNumber: 0,
      objectId: n.id,
      changeSource: n.source.sourceType,
      ...(n.source.sourceId !== undefined ? { sourceId: n.source.sourceId } : {}),
    };
    const sub = (action: (typeof ACTIONS)[number]) =>
      100 + Object.keys(SUBSCRIBED).indexOf(n.type) * 10 + ACTIONS.indexOf(action);
    if (n.action === 'merge' && n.merge) {
      this.queue.push({
        eventId: this.nextEventId++,
        subscriptionId: sub('merge'),
        subscriptionType: `${object}.merge`,
        primaryObjectId: n.id,
        mergedObjectIds: n.merge.mergedObjectIds,
        newObjectId: n.id,
        numberOfPropertiesMoved: n.merge.numberOfPropertiesMoved,
        ...base,
      });
    } else if (n.action === 'creation' || n.action === 'deletion') {
      this.queue.push({
        eventId: this.nextEventId++,
        subscriptionId: sub(n.action),
        subscriptionType: `${object}.${n.action}`,
        changeFlag: n.action === 'creation' ? 'NEW' : 'DELETED',
        ...base,
      });
    } else {
      for (const c of n.changes) {
        this.queue.push({
          eventId: this.nextEventId++,
          subscriptionId: sub('propertyChange'),
          subscriptionType: `${object}.propertyChange`,
          propertyName: c.name,
          propertyValue: c.value,
          ...base,
        });
      }
    }
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), 20);
  }

  private flush(): void {
    this.flushTimer = null;
    const events = this.queue;
    this.queue = [];
    for (let i = 0; i < events.length; i += 100) this.deliver(events.slice(i, i + 100), 0);
  }

  private deliver(events: WebhookEvent[], attempt: number): void {
    const f = this.opts.faults();
    if (attempt === 0 && faultHits(f, f.webhookDrop)) return;
    const copies = attempt === 0 && faultHits(f, f.webhookDuplicate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const p = this.post(events, attempt).finally(() => this.inflight.delete(p));
      this.inflight.add(p);
    }
  }

  private async post(events: WebhookEvent[], attempt: number): Promise<void> {
    const url = this.target;
    if (!url || this.closed) return;
    const body = JSON.stringify(events.map((e) => ({ ...e, attemptNumber: attempt })));
    const ts = String(Date.now());
    let ok = false;
    const sent = performance.now();
    try {
      const { status } = await this.sender.post(
        url,
        {
          'content-type': 'application/json',
          'x-hubspot-signature': signV1(this.opts.secret, body),
          'x-hubspot-signature-version': 'v1',
          'x-hubspot-signature-v3': signV3(this.opts.secret, 'POST', url, body, ts),
          'x-hubspot-request-timestamp': ts,
          'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/)',
        },
        body,
        5_000,
      );
      ok = status >= 200 && status < 300;
    } catch {
      ok = false;
    }
    if (ok) {
      this.opts.onDelivered(performance.now() - sent);
      return;
    }
    this.opts.onFailed();
    // Any 4xx/5xx or timeout is retried (§8.3), up to 10 times.
    if (attempt >= RETRY_S.length || this.closed) return;
    const delay = RETRY_S[attempt] * 1000 * this.opts.retryScale * (0.5 + Math.random());
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.deliver(events, attempt + 1);
    }, delay);
    this.timers.add(t);
  }

  async idle(): Promise<void> {
    while (this.flushTimer || this.inflight.size > 0) {
      if (this.flushTimer) {
        clearTimeout(this.flushTimer);
        this.flush();
      }
      await Promise.allSettled([...this.inflight]);
    }
  }

  close(): void {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.sender.close();
  }
}
