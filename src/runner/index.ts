/**
 * runner — composes the engine for one CRM: records → flows → validation gate → write-back →
 * actions. Used by `apply`, the daemon (`run`/`worker`: one record per job) and the demo. Holds no
 * decision of its own: each step is its module's.
 */
export { prepareFlow, produceOutputs, type PreparedFlow, type ProducedOutputs, type Rejection } from './flows.js';
export { runFlow, runFlows, type FlowRunReport, type RunFlowsOptions, type RunnerDeps } from './run.js';
export { recordPipeline } from './pipeline.js';
