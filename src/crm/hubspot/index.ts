/**
 * crm/hubspot — the HubSpot connector on `@hubspot/api-client` v14: CRM v3 objects, search,
 * properties, associations v4, owners, webhook signatures v3 and subscriptions, OAuth refresh
 * through the shared runtime (src/crm/runtime). codec.ts holds the pure conversions (values,
 * schemas, history actors, webhook payloads and signatures); connector.ts the calls.
 * Must not touch: the engine modules, the store (except through the runtime's token source).
 */
import type { ConnectorFactory } from '../registry.js';
import { HubspotConnector } from './connector.js';

export { HubspotConnector } from './connector.js';
export { parseWebhookBody, signatureV3, verifyV3 } from './codec.js';

export const createHubspotConnector: ConnectorFactory = async (conn, deps) => new HubspotConnector(conn, deps);
