/**
 * gate — whether a flow's model version may write to the CRM: shadow outputs recorded while it may
 * not, random samples people label, and the decision on the Wilson lower bound of accuracy
 * (decision.ts, pure; gate.ts, its I/O); filter.ts wraps the output stream going to write-back so
 * shadowed outputs never reach it. Owns shadow_outputs, gate_samples, gate_decisions
 * (0601_monitor.sql); queries.ts alone touches them. Never writes a field.
 */
export * from './decision.js';
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
export {
  type LabelledBatch,
  type Verdict,
  type WantedLabel,
  labelSamples,
  parseLabelLines,
  sampleIds,
  samplesOf,
  verdictOf,
} from './labels.js';
export { type GateFilterOptions, type GateFilterStats, type GatedRecord, gateOutputs } from './filter.js';
export { latestModelVersion, shadowNumbers, shadowRecordIds, shadowValues } from './queries.js';
