/**
 * config — inrecord.yaml: its zod schema, `${ENV}` substitution, redaction for logs, and the
 * commented example `inrecord init` writes. Validation against the live CRM schema is `check`
 * (writeback/ + crm/), not here.
 */
export * from './schema.js';
export { FLOW_KINDS, FLOW_KIND_NAMES, type FlowKind, readsRecords } from './kinds.js';
export { defaultConfigPath, formatZodError, loadConfig, parseConfig, redactConfig, substituteEnv } from './load.js';
export { SIMULATOR_TRIAL, exampleConfig, simulatorCommand } from './example.js';
