/**
 * The Pipedrive CrmConnector: the API session (client.ts) and one part per role, composed.
 */
import type { CrmConnection } from '../../config/index.js';
import { ComposedConnector } from '../compose.js';
import type { ConnectorDeps } from '../registry.js';
import { PipedriveActivities } from './activities.js';
import { pipedriveCard } from './card.js';
import { PipedriveClient } from './client.js';
import { PipedriveHistory } from './history.js';
import { PipedriveRecords } from './records.js';
import { PipedriveSchema } from './schema.js';
import { PipedriveSearch } from './search.js';
import { pipedriveWebhooks } from './webhooks.js';

export class PipedriveConnector extends ComposedConnector {
  readonly crm = 'pipedrive' as const;
  private readonly api: PipedriveClient;

  constructor(conn: CrmConnection, deps: ConnectorDeps) {
    const api = new PipedriveClient(conn, deps);
    const schema = new PipedriveSchema(api);
    super({
      // Pipedrive has no batch update: one call per record. writeBatch runs several of them at
      // once (paced by the limiter), so callers hand it 50 records at a time.
      limits: pipedriveCard.batch,
      rateLimit: api.rateLimit,
      authorisation: api.authorisation,
      schema,
      records: new PipedriveRecords(api, schema),
      search: new PipedriveSearch(api, schema, deps.identityAttributes),
      history: new PipedriveHistory(api, schema),
      activities: new PipedriveActivities(api),
      webhooks: pipedriveWebhooks(api),
      stats: () => api.stats(),
    });
    this.api = api;
  }

  /** Prepares the integration user id (for webhook actor attribution), best effort. */
  async init(): Promise<void> {
    await this.api.me().catch(() => null);
  }
}
