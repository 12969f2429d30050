/**
 * The app's webhook settings and subscriptions (hubspot.md §8.1): `GET/PUT /webhooks/v3/{appId}/settings`
 * (the one target URL per app) and `GET/POST /webhooks/v3/{appId}/subscriptions` (one event type each;
 * propertyChange names one property; at most 1,000; `hs_lastmodifieddate` and
 * `num_unique_conversion_events` refused), `GET/PATCH/DELETE /webhooks/v3/{appId}/subscriptions/{id}`
 * (PATCH sets `active` only). Subscriptions have the v3 shape (`SubscriptionResponse`: string id,
 * `createdAt`, `updatedAt`). Authenticated by the developer API key (`hapikey`).
 */
import type { FastifyInstance } from 'fastify';

export interface Subscription {
  id: string;
  eventType: string;
  propertyName?: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

const JSON_TYPE = 'application/json;charset=utf-8';
const EVENT = /^(contact|company|deal)\.(creation|deletion|propertyChange|merge|associationChange|restore|privacyDeletion)$/;

export class WebhookSubscriptions {
  readonly list: Subscription[] = [];
  targetUrl: string | null = null;
  private nextId = 1;

  constructor(private readonly onTarget: (url: string | null) => void) {}

  register(app: FastifyInstance): void {
    const send = (reply: { code(n: number): { header(k: string, v: string): { send(b: string): unknown } } }, status: number, body: unknown) =>
      reply.code(status).header('content-type', JSON_TYPE).send(JSON.stringify(body));
    const error = (message: string) => ({ status: 'error', message, correlationId: crypto.randomUUID(), category: 'VALIDATION_ERROR' });
    app.get('/webhooks/v3/:appId/settings', async (_req, reply) => {
      if (!this.targetUrl) return send(reply, 404, { ...error('No webhook settings for this app'), category: 'OBJECT_NOT_FOUND' });
      return send(reply, 200, { targetUrl: this.targetUrl, throttling: { period: 'SECONDLY', maxConcurrentRequests: 10 }, createdAt: new Date().toISOString() });
    });
    app.put('/webhooks/v3/:appId/settings', async (req, reply) => {
      const b = (req.body ?? {}) as { targetUrl?: string; throttling?: { maxConcurrentRequests?: number } };
      if (!b.targetUrl) return send(reply, 400, error('targetUrl is required'));
      const max = b.throttling?.maxConcurrentRequests ?? 10;
      if (max <= 5) return send(reply, 400, error('maxConcurrentRequests must be greater than 5'));
      this.targetUrl = b.targetUrl;
      this.onTarget(b.targetUrl);
      const now = new Date().toISOString();
      return send(reply, 200, { targetUrl: b.targetUrl, throttling: { period: 'SECONDLY', maxConcurrentRequests: max }, createdAt: now, updatedAt: now });
    });
    app.get('/webhooks/v3/:appId/subscriptions', async (_req, reply) => send(reply, 200, { results: this.list }));
    app.post('/webhooks/v3/:appId/subscriptions', async (req, reply) => {
      const b = (req.body ?? {}) as { eventType?: string; propertyName?: string; active?: boolean };
      if (!b.eventType || !EVENT.test(b.eventType)) return send(reply, 400, error(`Unsupported eventType ${b.eventType}`));
      if (b.eventType.endsWith('.propertyChange') && !b.propertyName) return send(reply, 400, error('propertyName is required for propertyChange subscriptions'));
      if (b.propertyName === 'hs_lastmodifieddate' || b.propertyName === 'num_unique_conversion_events') {
        return send(reply, 400, error(`Subscriptions to changes of ${b.propertyName} are not allowed`));
      }
      if (this.list.length >= 1000) {
        return send(reply, 400, {
          status: 'error',
          message: "Couldn't create another subscription. You've reached the maximum number allowed per application (1000).",
          correlationId: crypto.randomUUID(),
          requestId: crypto.randomUUID(),
        });
      }
      const now = new Date().toISOString();
      const sub: Subscription = {
        id: String(this.nextId++),
        eventType: b.eventType,
        ...(b.propertyName ? { propertyName: b.propertyName } : {}),
        active: b.active ?? true,
        createdAt: now,
        updatedAt: now,
      };
      this.list.push(sub);
      return send(reply, 201, sub);
    });
    const notFound = (id: string) => ({ ...error(`Subscription ${id} not found`), category: 'OBJECT_NOT_FOUND' });
    app.get('/webhooks/v3/:appId/subscriptions/:subscriptionId', async (req, reply) => {
      const { subscriptionId } = req.params as { subscriptionId: string };
      const sub = this.list.find((s) => s.id === subscriptionId);
      return sub ? send(reply, 200, sub) : send(reply, 404, notFound(subscriptionId));
    });
    app.patch('/webhooks/v3/:appId/subscriptions/:subscriptionId', async (req, reply) => {
      const { subscriptionId } = req.params as { subscriptionId: string };
      const sub = this.list.find((s) => s.id === subscriptionId);
      if (!sub) return send(reply, 404, notFound(subscriptionId));
      const b = (req.body ?? {}) as { active?: unknown };
      if (typeof b.active !== 'boolean') return send(reply, 400, error('active is required (true or false)'));
      sub.active = b.active;
      sub.updatedAt = new Date().toISOString();
      return send(reply, 200, sub);
    });
    app.delete('/webhooks/v3/:appId/subscriptions/:subscriptionId', async (req, reply) => {
      const { subscriptionId } = req.params as { subscriptionId: string };
      const i = this.list.findIndex((s) => s.id === subscriptionId);
      if (i < 0) return send(reply, 404, notFound(subscriptionId));
      this.list.splice(i, 1);
      return reply.code(204).send();
    });
  }
}
