/**
 * HubSpot webhooks (§8): v3 signatures checked against the app's client secret, deliveries parsed
 * into change events, and subscriptions set up through a public app's developer API key.
 */
import { durationMs } from '../../config/index.js';
import { InrecordError } from '../../errors/index.js';
import type { CrmConnector, ObjectKind, VerifyResult, WebhookBatch, WebhookRequest } from '../types.js';
import type { HubspotClient } from './client.js';
import { MODIFIED, parseWebhookBody, verifyV3 } from './codec.js';
import type { HubspotSchema } from './schema.js';

export function hubspotWebhooks(api: HubspotClient, schema: HubspotSchema): CrmConnector['webhooks'] {
  const hooks: CrmConnector['webhooks'] = {
    unverifiable: () =>
      api.conn.webhooks.secret
        ? null
        : {
            reason: 'no webhooks.secret (the app client secret) configured for this HubSpot connection',
            fix: "Set crm.webhooks.secret to the app's client secret: HubSpot signs each delivery with it (`inrecord sim hubspot` prints the simulator's).",
          },
    verify: (req: WebhookRequest): VerifyResult => {
      const missing = hooks.unverifiable();
      if (missing) return { ok: false, reason: missing.reason };
      return verifyV3(api.conn.webhooks.secret as string, req, durationMs(api.conn.webhooks.maxAge));
    },
    parse: (req: WebhookRequest): WebhookBatch => parseWebhookBody(req.rawBody, api.appId),
    subscribe: async (targetUrl: string, kinds: ObjectKind[]): Promise<void> => {
      const appId = Number(api.appId);
      if (!api.appId || !Number.isFinite(appId) || !api.conn.webhooks.developerApiKey) {
        // Private apps configure webhooks in the app settings only (§8.1).
        throw new InrecordError('IR_CRM_UNSUPPORTED', `HubSpot webhooks to ${targetUrl}: set webhooks.appId and webhooks.developerApiKey (public apps), or configure the subscription in the private app's settings`, {
          context: { crm: 'hubspot', targetUrl },
        });
      }
      await api.call('configure webhook settings', (c) => c.webhooks.settingsApi.configure(appId, { targetUrl, throttling: { period: 'SECONDLY', maxConcurrentRequests: 10 } } as never));
      const existing = (await api.call('list webhook subscriptions', (c) => c.webhooks.subscriptionsApi.getAll(appId))) as unknown as { results: { eventType: string; propertyName?: string }[] };
      const have = new Set(existing.results.map((s) => `${s.eventType}:${s.propertyName ?? ''}`));
      for (const kind of kinds) {
        const prefix = kind === 'contact' ? 'contact' : kind === 'company' ? 'company' : kind === 'deal' ? 'deal' : null;
        if (!prefix) continue;
        const wanted: { eventType: string; propertyName?: string }[] = ['creation', 'deletion', 'merge'].map((ev) => ({ eventType: `${prefix}.${ev}` }));
        // A propertyChange subscription names one property; hs_lastmodifieddate is refused (§8.1).
        for (const f of (await schema.describe(kind)).fields) {
          if (f.writable && f.name !== MODIFIED) wanted.push({ eventType: `${prefix}.propertyChange`, propertyName: f.name });
        }
        for (const w of wanted) {
          if (have.has(`${w.eventType}:${w.propertyName ?? ''}`)) continue;
          if (have.size >= 1000) {
            throw new InrecordError('IR_CRM_VALIDATION', `HubSpot app ${appId} has reached 1,000 webhook subscriptions; ${w.eventType} ${w.propertyName ?? ''} was not added`, {
              context: { crm: 'hubspot', eventType: w.eventType, propertyName: w.propertyName },
            });
          }
          await api.call(`subscribe ${w.eventType} ${w.propertyName ?? ''}`, (c) => c.webhooks.subscriptionsApi.create(appId, { ...w, active: true } as never));
          have.add(`${w.eventType}:${w.propertyName ?? ''}`);
        }
      }
    },
  };
  return hooks;
}
