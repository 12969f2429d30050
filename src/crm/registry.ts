/**
 * The one place that knows every CRM folder: each CRM's card (its facts, read by engine modules
 * through `cardOf`) and its connector, loaded on first use (the client libraries are large). The
 * list of CRMs itself is `CRM_NAMES` (names.ts); the type checker asks for a card and a connector
 * for each name.
 */
import type { CrmConnection } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import type { AttributeFieldNames } from './attributes.js';
import { hubspotCard } from './hubspot/card.js';
import type { CrmName } from './names.js';
import { pipedriveCard } from './pipedrive/card.js';
import { salesforceCard } from './salesforce/card.js';
import type { CrmConnector, ProviderCard } from './types.js';

export interface ConnectorDeps {
  /** Persists OAuth tokens and coordinates refreshes across workers. */
  store?: Store;
  logger?: Logger;
  /** How often a paused rolling daily quota (Salesforce) is read again; default 5 minutes. */
  quotaRecheckMs?: number;
  /** The contact fields the identifying attributes are read from, where not the CRM's standard ones (`identity.attributes`). */
  identityAttributes?: AttributeFieldNames;
}

export type ConnectorFactory = (conn: CrmConnection, deps: ConnectorDeps) => Promise<CrmConnector>;

const CARDS: Record<CrmName, ProviderCard> = {
  hubspot: hubspotCard,
  salesforce: salesforceCard,
  pipedrive: pipedriveCard,
};

const FACTORIES: Record<CrmName, () => Promise<ConnectorFactory>> = {
  hubspot: async () => (await import('./hubspot/index.js')).createHubspotConnector,
  salesforce: async () => (await import('./salesforce/index.js')).createSalesforceConnector,
  pipedrive: async () => (await import('./pipedrive/index.js')).createPipedriveConnector,
};

/** A CRM's facts: documented limits, id rules, capabilities, the name people use. */
export function cardOf(crm: CrmName): ProviderCard {
  return CARDS[crm];
}

export async function createConnector(conn: CrmConnection, deps: ConnectorDeps = {}): Promise<CrmConnector> {
  const factory = await FACTORIES[conn.kind]();
  return factory(conn, deps);
}
