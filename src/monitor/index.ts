/**
 * monitor — watches what the AI writes: drift, write health, identity and dead-letter figures, alerts.
 *
 * Owns: drift statistics (PSI, KS: stats.ts, pure), the monitoring run (run.ts) with its alerts
 * (alerts.ts) and text report (render.ts), the console's monitoring and gate views (console.ts)
 * and the ownership handover document (handover.ts). Tables: monitor_alerts, monitor_reports
 * (0601_monitor.sql); other modules' figures (ledger, identity links, review items, dead letters,
 * models, shadow outputs) are read through their owners' functions, metrics through store/.
 *
 * Must not touch: the CRM (nothing here calls a connector; the handover takes schemas as values)
 * and the write path (the gate is gate/'s; this module never writes a field).
 */
export * from './stats.js';
export * from './assess.js';
export {
  type FetchLike,
  acknowledgeAlert,
  alertText,
  listAlerts,
  postToWebhook,
  raiseAlerts,
} from './alerts.js';
export {
  type FieldFrequency,
  type FlowReport,
  type MonitorReport,
  type ReferenceSource,
  type RunMonitorOptions,
  runMonitor,
  runMonitorIfDue,
  scoreOutputOf,
} from './run.js';
export { bar, histogramPair, renderReport, sparkline } from './render.js';
export {
  type HandoverField,
  type HandoverOptions,
  type HandoverProblem,
  type SchemaMap,
  flowInputs,
  handoverFields,
  handoverProblems,
  renderHandover,
} from './handover.js';
export {
  type ConsoleGate,
  type ConsoleMonitor,
  type ConsoleSample,
  consoleGates,
  consoleLabel,
  consoleMonitor,
  consoleSamples,
  monitorConsoleActions,
} from './console.js';
