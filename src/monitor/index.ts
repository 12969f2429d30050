/**
 * monitor — watches what the AI writes and decides whether it may write at all.
 *
 * Owns: drift statistics (PSI, KS, Wilson: stats.ts, pure), the monitoring run over the store's
 * tables (run.ts) with its alerts (alerts.ts) and text report (render.ts), the validation gate
 * (gate-decision.ts pure, gate.ts I/O: shadow outputs, samples, labels, decisions; gate-filter.ts
 * wraps the output stream going to write-back so shadowed outputs never reach it), the review
 * queue surface for `inrecord review` (review.ts) and the ownership handover document (handover.ts).
 * Tables: 0601_monitor.sql (shadow_outputs, gate_samples, gate_decisions, monitor_alerts,
 * monitor_reports); reads write_ledger, review_items, identity_links, dead_letters, metrics.
 *
 * Must not touch: the CRM (nothing here calls a connector; the handover takes schemas as values),
 * the write path itself (write-back consults `gateStatus` and records shadow outputs; this module
 * never writes a field), and other modules' tables beyond reading them — except resolving
 * review_items through `resolveReviewItem` when the identity module does not handle the item.
 */
export * from './stats.js';
export * from './gate-decision.js';
export {
  DEFAULT_GATE,
  type GateDecisionRecord,
  type GateStatus,
  type GatedFlow,
  type Sample,
  type ShadowOutput,
  decisionHistory,
  drawSample,
  evaluateGate,
  fallBackToShadow,
  gateStatus,
  getSample,
  labelSample,
  listSamples,
  recordShadowOutputs,
} from './gate.js';
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
export { latestModelVersion, shadowRecordIds } from './queries.js';
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
export {
  type GateFilterOptions,
  type GateFilterStats,
  type GatedRecord,
  gateOutputs,
} from './gate-filter.js';
