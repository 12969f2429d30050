/**
 * Salesforce change notifications: Outbound Messages (§8.1: not signed; a secret in the endpoint
 * URL and the org id are checked, and the SOAP Ack answers them) and Change Data Capture over the
 * Streaming API (streaming.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import { InrecordError } from '../../errors/index.js';
import type { ChangeStream, CrmConnector, ObjectKind, VerifyResult, WebhookBatch, WebhookRequest } from '../types.js';
import type { SalesforceClient } from './client.js';
import { MAX_OUTBOUND_BYTES, OUTBOUND_ACK, SF_OBJECT, outboundToEvents, parseOutboundMessage, sameId } from './codec.js';
import { salesforceChangeStream } from './streaming.js';

export function salesforceWebhooks(api: SalesforceClient): CrmConnector['webhooks'] {
  const hooks: CrmConnector['webhooks'] = {
    /** Salesforce retries an Outbound Message for 24 hours until it is acknowledged with this body (§8.1). */
    acknowledgement: { contentType: 'text/xml; charset=utf-8', body: OUTBOUND_ACK },
    /**
     * Outbound Messages are not signed (§8.1): the endpoint URL carries a shared secret
     * (`?secret=…` or `?token=…`), compared in constant time, and the body's OrganizationId must be
     * this org's.
     */
    prepare: async (): Promise<void> => {
      await api.me();
    },
    unverifiable: () =>
      api.cfg.webhooks.urlSecret && api.cfg.webhooks.orgId
        ? null
        : {
            reason: 'Salesforce outbound messages carry no signature: set crm.webhooks.orgId and crm.webhooks.urlSecret, and put ?secret=<urlSecret> in the outbound message endpoint URL',
            fix: "Set crm.webhooks.orgId to the org's id (Setup → Company Information; `inrecord sim salesforce` prints the simulator's) and crm.webhooks.urlSecret to a long random string, and end the outbound message's endpoint URL with ?secret=<urlSecret>.",
          },
    verify: (req: WebhookRequest): VerifyResult => {
      const missing = hooks.unverifiable();
      if (missing) return { ok: false, reason: missing.reason };
      const want = api.cfg.webhooks.urlSecret as string;
      const org = api.cfg.webhooks.orgId as string;
      const params = new URL(req.url, 'http://x').searchParams;
      const got = Buffer.from(params.get('secret') ?? params.get('token') ?? '');
      const exp = Buffer.from(want);
      if (got.length !== exp.length || !timingSafeEqual(got, exp)) return { ok: false, reason: 'wrong or missing secret in the outbound message URL' };
      let orgId: string | null;
      try {
        orgId = parseOutboundMessage(req.rawBody.toString('utf8')).organizationId;
      } catch (e) {
        return { ok: false, reason: (e as Error).message };
      }
      if (!orgId || !sameId(orgId, org)) return { ok: false, reason: `outbound message from org ${orgId ?? '(none)'}, expected ${org}` };
      return { ok: true };
    },
    maxBodyBytes: MAX_OUTBOUND_BYTES,
    parse: (req: WebhookRequest): WebhookBatch => {
      let msg: ReturnType<typeof parseOutboundMessage>;
      try {
        msg = parseOutboundMessage(req.rawBody.toString('utf8'));
      } catch (e) {
        throw new InrecordError('IR_WEBHOOK_PAYLOAD', `Salesforce outbound message: ${(e as Error).message}`);
      }
      return outboundToEvents(msg, api.integrationUserId, new Date().toISOString());
    },
    subscribe: async (targetUrl: string, kinds: ObjectKind[]): Promise<void> => {
      throw new InrecordError(
        'IR_CRM_UNSUPPORTED',
        `Salesforce outbound messages cannot be created through the REST API. In Setup, create a record-triggered Flow on ${kinds.map((k) => SF_OBJECT[k]).join(', ')} with an Outbound Message action to ${targetUrl}?secret=<crm.webhooks.urlSecret>, including LastModifiedById, CreatedDate, LastModifiedDate and SystemModstamp; the poller covers changes meanwhile`,
        { context: { crm: 'salesforce', targetUrl } },
      );
    },
  };
  return hooks;
}

/** Change Data Capture over the Streaming API (streaming.ts). */
export function salesforceChanges(api: SalesforceClient): ChangeStream {
  return salesforceChangeStream({
    instanceUrl: api.instanceUrl,
    version: api.cfg.apiVersion,
    token: () => api.tokens.token(),
    refresh: (stale) => api.tokens.refresh(stale),
    me: () => api.me(),
    ...(api.deps.logger ? { logger: api.deps.logger } : {}),
  });
}
