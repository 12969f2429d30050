/**
 * flows — the AI processors: lead scoring (rules, then a model trained on the CRM's own
 * conversions), enrichment, intent classification and summarisation. Each is a function from a
 * plain record (+ context) to typed outputs (`FlowOutput`), checked against the target field's
 * schema by `validateOutput` before write-back sees them. Flows never call a CRM and never write:
 * they take `FlowRecord`s by the CRM's own field names (a settings mapping picks them) and hand
 * values to writeback/. The only state they own is the model store (flow_models, migration 0401).
 * Each kind's settings schema and outputs are declared once (outputs.ts), for the processors and
 * for `inrecord check` alike.
 */
export * from './types.js';
export * from './queries.js';
export * from './scoring/settings.js';
export * from './scoring/features.js';
export * from './scoring/metrics.js';
export * from './scoring/rules.js';
export * from './scoring/logistic.js';
export * from './scoring/logistic-train.js';
export * from './scoring/trained.js';
export * from './scoring/boosted.js';
export * from './scoring/boosted-train.js';
export * from './scoring/model.js';
export * from './scoring/persist.js';
export * from './scoring/report.js';
export * from './intent/classifier.js';
export * from './intent/summarise.js';
export * from './intent/llm.js';
export * from './intent/flow.js';
export * from './enrichment/types.js';
export * from './enrichment/offline.js';
export * from './enrichment/http.js';
export * from './enrichment/refresh.js';
export * from './enrichment/flow.js';
export * from './run.js';
export * from './scoring/deal-risk.js';
export * from './outputs.js';
