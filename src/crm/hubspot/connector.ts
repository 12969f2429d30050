/**
 * The HubSpot CrmConnector: the API session (client.ts) and one part per role, composed.
 */
import type { CrmConnection } from '../../config/index.js';
import { ComposedConnector } from '../compose.js';
import type { ConnectorDeps } from '../registry.js';
import { HubspotActivities } from './activities.js';
import { hubspotCard } from './card.js';
import { HubspotClient, type HubspotConnectorOptions } from './client.js';
import { HubspotHistory } from './history.js';
import { HubspotRecords } from './records.js';
import { HubspotSchema } from './schema.js';
import { HubspotSearch } from './search.js';
import { hubspotWebhooks } from './webhooks.js';

export type { HubspotConnectorOptions } from './client.js';

export class HubspotConnector extends ComposedConnector {
  readonly crm = 'hubspot' as const;
  private readonly api: HubspotClient;

  constructor(conn: CrmConnection, deps: ConnectorDeps, opts: HubspotConnectorOptions = {}) {
    const api = new HubspotClient(conn, deps, opts);
    const schema = new HubspotSchema(api);
    super({
      limits: { ...hubspotCard.batch, inFlight: conn.rateLimit?.writeConcurrency ?? 4 },
      rateLimit: api.rateLimit,
      authorisation: api.authorisation,
      schema,
      records: new HubspotRecords(api, schema),
      search: new HubspotSearch(api, schema, deps.identityAttributes),
      history: new HubspotHistory(api, schema),
      activities: new HubspotActivities(api, schema),
      webhooks: hubspotWebhooks(api, schema),
      stats: () => api.stats(),
    });
    this.api = api;
  }
}
