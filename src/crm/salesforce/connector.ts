/**
 * The Salesforce CrmConnector: the API session (client.ts) and one part per role, composed.
 */
import type { CrmConnection } from '../../config/index.js';
import { ComposedConnector } from '../compose.js';
import type { ConnectorDeps } from '../registry.js';
import type { ChangeStream } from '../types.js';
import { SalesforceActivities } from './activities.js';
import { SalesforceClient } from './client.js';
import { SalesforceHistory } from './history.js';
import { SalesforceRecords } from './records.js';
import { SalesforceSchema } from './schema.js';
import { SalesforceSearch } from './search.js';
import { salesforceChanges, salesforceWebhooks } from './webhooks.js';

export class SalesforceConnector extends ComposedConnector {
  readonly crm = 'salesforce' as const;
  declare readonly changeStream: ChangeStream;

  constructor(cfg: CrmConnection, deps: ConnectorDeps) {
    const api = new SalesforceClient(cfg, deps);
    const schema = new SalesforceSchema(api);
    const records = new SalesforceRecords(api, schema);
    super({
      // the card's, with a whole ingest job's records per write when Bulk API 2.0 is on
      limits: api.limits,
      rateLimit: api.rateLimit,
      authorisation: api.authorisation,
      schema,
      records,
      search: new SalesforceSearch(api, schema, deps.identityAttributes),
      history: new SalesforceHistory(api, schema),
      activities: new SalesforceActivities(api, records),
      webhooks: salesforceWebhooks(api),
      // Change Data Capture over the Streaming API (streaming.ts)
      changeStream: salesforceChanges(api),
      stats: () => api.stats(),
    });
  }
}
