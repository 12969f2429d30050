/**
 * Pipedrive webhooks (§5): v2 deliveries, checked by the HTTP Basic credentials set on the
 * subscription (Pipedrive signs nothing), parsed into change events, and subscriptions created.
 */
import { timingSafeEqual } from 'node:crypto';
import { v1 } from 'pipedrive';
import { InrecordError } from '../../errors/index.js';
import type { CrmConnector, ObjectKind, VerifyResult, WebhookBatch, WebhookRequest } from '../types.js';
import type { PipedriveClient, Rec } from './client.js';
import { parseWebhookPayload } from './codec.js';

export function pipedriveWebhooks(client: PipedriveClient): CrmConnector['webhooks'] {
  const hooks: CrmConnector['webhooks'] = {
    /** Pipedrive signs nothing; HTTP Basic auth set on the subscription is the only check (§5.4). */
    unverifiable: () =>
      client.conn.webhooks.basicUser && client.conn.webhooks.basicPassword
        ? null
        : {
            reason: 'Pipedrive webhooks carry no signature: configure crm.webhooks.basicUser and basicPassword (used when subscribing)',
            fix: 'Set crm.webhooks.basicUser and basicPassword; inrecord gives them to the subscription it creates, and Pipedrive sends them with every delivery (`inrecord sim pipedrive --webhook-user u --webhook-password p` for the simulator).',
          },
    verify: (req: WebhookRequest): VerifyResult => {
      const missing = hooks.unverifiable();
      if (missing) return { ok: false, reason: missing.reason };
      const user = client.conn.webhooks.basicUser as string;
      const pass = client.conn.webhooks.basicPassword as string;
      const h = req.headers.authorization ?? req.headers.Authorization;
      if (!h || !h.startsWith('Basic ')) return { ok: false, reason: 'missing HTTP Basic credentials' };
      const got = Buffer.from(h.slice(6).trim(), 'base64');
      const want = Buffer.from(`${user}:${pass}`);
      return got.length === want.length && timingSafeEqual(got, want) ? { ok: true } : { ok: false, reason: 'wrong HTTP Basic credentials' };
    },
    parse: (req: WebhookRequest): WebhookBatch => {
      let body: unknown;
      try {
        body = JSON.parse(req.rawBody.toString('utf8'));
      } catch (e) {
        throw new InrecordError('IR_WEBHOOK_PAYLOAD', `Pipedrive webhook body is not JSON: ${(e as Error).message}`);
      }
      return parseWebhookPayload(body, client.integrationUserId);
    },
    subscribe: async (targetUrl: string, kinds: ObjectKind[]): Promise<void> => {
      await client.me().catch(() => null);
      const api = client.instrument(new v1.WebhooksApi(client.cfg1));
      const existing = (await client.call('list webhooks', () => api.getWebhooks())) as { data?: { subscription_url: string; event_object: string; event_action: string }[] };
      for (const kind of kinds) {
        const object = client.kindOf(kind);
        if ((existing.data ?? []).some((w) => w.subscription_url === targetUrl && (w.event_object === object || w.event_object === '*') && w.event_action === '*')) continue;
        const body: Rec = { subscription_url: targetUrl, event_action: '*', event_object: object, name: `inrecord ${object}`, version: '2.0' };
        if (client.conn.webhooks.basicUser) {
          body.http_auth_user = client.conn.webhooks.basicUser;
          body.http_auth_password = client.conn.webhooks.basicPassword;
        }
        await client.call(`subscribe webhook ${object}`, () => api.addWebhook({ AddWebhookRequest: body as never }));
      }
    },
  };
  return hooks;
}
