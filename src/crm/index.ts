/**
 * crm — the CrmConnector interface (types.ts), the registry, and one folder per CRM on its official
 * or standard client library. Nothing CRM-specific lives outside src/crm/<crm>/ and
 * src/simulators/<crm>/.
 */
export * from './types.js';
export { createConnector, type ConnectorDeps, type ConnectorFactory } from './registry.js';
