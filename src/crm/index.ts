/**
 * crm — the CrmConnector interface (types.ts), the list of CRMs (names.ts), the registry (each
 * CRM's card and connector), and one folder per CRM on its official or standard client library,
 * every folder in the same shape. Nothing CRM-specific lives outside src/crm/<crm>/ and
 * src/simulators/<crm>/.
 */
export * from './types.js';
export { CRM_NAMES, isCrmName } from './names.js';
export { cardOf, createConnector, type ConnectorDeps, type ConnectorFactory } from './registry.js';
