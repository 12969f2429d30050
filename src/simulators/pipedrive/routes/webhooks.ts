import type { Webhook } from '../model.js';
import { type Route, bodyObject } from '../routes.js';

function webhookJson(w: Webhook, companyId: number): Record<string, unknown> {
  return {
    id: w.id,
    company_id: companyId,
    owner_id: w.user_id,
    user_id: w.user_id,
    event_action: w.event_action,
    event_object: w.event_object,
    subscription_url: w.subscription_url,
    version: w.version,
    is_active: w.is_active,
    add_time: new Date(w.add_time).toISOString(),
    remove_time: null,
    type: 'general',
    http_auth_user: w.http_auth_user,
    http_auth_password: w.http_auth_password,
    remove_reason: null,
    last_delivery_time: w.last_delivery_time ? new Date(w.last_delivery_time).toISOString() : null,
    last_http_status: w.last_http_status,
    admin_id: w.user_id,
    name: w.name,
  };
}

const WEBHOOK_ACTIONS = ['create', 'change', 'delete', '*', 'added', 'updated', 'merged', 'deleted'];
const WEBHOOK_OBJECTS = [
  'activity',
  'deal',
  'lead',
  'note',
  'organization',
  'person',
  'pipeline',
  'product',
  'stage',
  'user',
  '*',
];

export function webhookRoutes(): Omit<Route, 're' | 'names'>[] {
  return [
    // Webhooks (v1 only; its own error shapes, §5.1).
    {
      method: 'GET',
      version: 1,
      template: '/webhooks',
      op: 'webhooks',
      handler: (c) => ({
        status: 200,
        body: {
          status: 'ok',
          success: true,
          data: c.state.webhooks.map((w) => webhookJson(w, c.state.companyId)),
        },
      }),
    },
    {
      method: 'POST',
      version: 1,
      template: '/webhooks',
      op: 'webhooks',
      handler: (c, r) => {
        const b = bodyObject(r);
        const errors: Record<string, string[]> = {};
        const url = typeof b.subscription_url === 'string' ? b.subscription_url : '';
        if (!/^https?:\/\/[^\s/]+/.test(url)) errors.subscription_url = ['invalid or non-reachable URL'];
        if (typeof b.event_action !== 'string' || !WEBHOOK_ACTIONS.includes(b.event_action))
          errors.event_action = ['invalid value'];
        if (typeof b.event_object !== 'string' || !WEBHOOK_OBJECTS.includes(b.event_object))
          errors.event_object = ['invalid value'];
        if (b.version !== undefined && b.version !== '1.0' && b.version !== '2.0')
          errors.version = ['invalid value'];
        if (Object.keys(errors).length > 0)
          return { status: 400, body: { status: 'error', success: false, errors } };
        const owner = Number(b.user_id ?? r.actor.userId);
        if (c.state.webhooks.filter((w) => w.user_id === owner).length >= 40)
          return {
            status: 422,
            body: { status: 'error', success: false, errors: { webhooks: ['Webhooks limit reached'] } },
          };
        const w = c.state.addWebhook({
          user_id: owner,
          event_action: b.event_action as string,
          event_object: b.event_object as string,
          subscription_url: url,
          version: (b.version as string | undefined) ?? '2.0',
          name: typeof b.name === 'string' ? b.name : `Webhook ${c.state.webhooks.length + 1}`,
          http_auth_user: typeof b.http_auth_user === 'string' ? b.http_auth_user : null,
          http_auth_password: typeof b.http_auth_password === 'string' ? b.http_auth_password : null,
        });
        return {
          status: 201,
          body: { status: 'ok', success: true, data: webhookJson(w, c.state.companyId) },
        };
      },
    },
    {
      method: 'DELETE',
      version: 1,
      template: '/webhooks/:id',
      op: 'delete',
      handler: (c, r) =>
        c.state.removeWebhook(Number(r.params.id))
          ? { status: 200, body: { status: 'ok', success: true } }
          : { status: 404, body: { status: 'error', success: false, errors: { id: ['not found'] } } },
    },
  ];
}
