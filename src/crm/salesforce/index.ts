/**
 * crm/salesforce — the Salesforce CrmConnector on jsforce, one file per role, the same in every
 * CRM folder (ARCHITECTURE.md): card.ts the facts (limits, 15/18-character ids), client.ts the
 * session and its calls, schema.ts, records.ts, search.ts, history.ts, activities.ts, webhooks.ts
 * (Outbound Messages and the change stream) the calls of each role, codec.ts the pure conversions
 * (describe → FieldSchema, wire values ↔ normalised values, SOQL literals, error classification,
 * Outbound Message SOAP parsing), connector.ts the CrmConnector composed of them; and what only
 * Salesforce has: bulk.ts (Bulk API 2.0), streaming.ts (Change Data Capture), outbound-xml.ts.
 * Owns only Salesforce specifics; must not touch engine modules, the store schema or other
 * connectors. Reference: docs/reference/salesforce.md.
 *
 * Config: `crm.baseUrl` is the instance URL (https://<MyDomain>.my.salesforce.com, or a
 * simulator's `apiBase`); `auth.token` (an access token) or `auth.oauth` (refresh-token grant at
 * `tokenUrl`, default login.salesforce.com). `integrationUserId` is learnt from the identity URL
 * when not set. Webhooks are Outbound Messages: `webhooks.orgId` + `webhooks.urlSecret` (the secret
 * travels as `?secret=` in the endpoint URL); the receiver must answer `OUTBOUND_ACK`.
 */
import type { ConnectorFactory } from '../registry.js';
import { SalesforceConnector } from './connector.js';

export { SalesforceConnector } from './connector.js';
export { OUTBOUND_ACK, parseOutboundMessage } from './codec.js';

export const createSalesforceConnector: ConnectorFactory = async (conn, deps) => new SalesforceConnector(conn, deps);

/** What the registry reads (`createConnector` in crm/registry.ts). */
export { createSalesforceConnector as createConnector };
