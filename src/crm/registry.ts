/**
 * The one place that knows every connector. A fourth CRM is one folder and one line here.
 */
import type { CrmConnection } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import type { CrmConnector, CrmName } from './types.js';

export interface ConnectorDeps {
  /** Persists OAuth tokens and coordinates refreshes across workers. */
  store?: Store;
  logger?: Logger;
  /** How often a paused rolling daily quota (Salesforce) is read again; default 5 minutes. */
  quotaRecheckMs?: number;
}

export type ConnectorFactory = (conn: CrmConnection, deps: ConnectorDeps) => Promise<CrmConnector>;

const FACTORIES: Record<CrmName, () => Promise<ConnectorFactory>> = {
  hubspot: async () => (await import('./hubspot/index.js')).createHubspotConnector,
  salesforce: async () => (await import('./salesforce/index.js')).createSalesforceConnector,
  pipedrive: async () => (await import('./pipedrive/index.js')).createPipedriveConnector,
};

export async function createConnector(conn: CrmConnection, deps: ConnectorDeps = {}): Promise<CrmConnector> {
  const factory = await FACTORIES[conn.kind]();
  return factory(conn, deps);
}
