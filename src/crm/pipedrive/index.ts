/**
 * crm/pipedrive — the Pipedrive implementation of CrmConnector, on the `pipedrive` npm client v33
 * (reference: docs/reference/pipedrive.md). Owns the translation between Pipedrive's wire
 * formats (option ids, v1/v2 times, custom_fields, webhook v2 payloads, changelog rows) and the
 * normalised values of src/crm/types.ts. One file per role, the same in every CRM folder
 * (ARCHITECTURE.md): card.ts, client.ts, schema.ts, records.ts, search.ts, history.ts,
 * activities.ts, webhooks.ts, codec.ts, connector.ts. Must not import engine modules; only
 * crm/types, crm/registry, crm/runtime, config, errors.
 *
 * `conn.baseUrl` is the company URL (`https://<company>.pipedrive.com`, or a simulator's url);
 * `/api/v2` and `/api/v1` are added here.
 */
import type { ConnectorFactory } from '../registry.js';
import { PipedriveConnector } from './connector.js';

export { PipedriveConnector } from './connector.js';
export { PipedriveCallError, companyRoot } from './client.js';

export const createPipedriveConnector: ConnectorFactory = async (conn, deps) => {
  const c = new PipedriveConnector(conn, deps);
  await c.init();
  return c;
};

/** What the registry reads (`createConnector` in crm/registry.ts). */
export { createPipedriveConnector as createConnector };
