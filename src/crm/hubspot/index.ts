/**
 * crm/hubspot — the HubSpot connector on `@hubspot/api-client` v14: CRM v3 objects, search,
 * properties, associations v4, owners, webhook signatures v3 and subscriptions, OAuth refresh
 * through the shared runtime (src/crm/runtime). One file per role, the same in every CRM folder
 * (ARCHITECTURE.md): card.ts the facts, client.ts the session and its calls, schema.ts, records.ts,
 * search.ts, history.ts, activities.ts, webhooks.ts the calls of each role, codec.ts the pure
 * conversions (values, schemas, history actors, webhook payloads and signatures), connector.ts the
 * CrmConnector composed of them.
 * Must not touch: the engine modules, the store (except through the runtime's token source).
 */
import type { ConnectorFactory } from '../registry.js';
import { HubspotConnector } from './connector.js';

export { HubspotConnector } from './connector.js';
export { parseWebhookBody, signatureV3, verifyV3 } from './codec.js';

export const createHubspotConnector: ConnectorFactory = async (conn, deps) => new HubspotConnector(conn, deps);

/** What the registry reads (`createConnector` in crm/registry.ts). */
export { createHubspotConnector as createConnector };
