/**
 * pipeline — the only place a flow run is composed: prepare (fields, model), produce (outputs from
 * records), gate, write (plan, write, verify, ledger) and actions. `apply`, `plan`, the daemon's
 * record jobs, the demo and every signal import call it. Holds no decision of its own: each step
 * is its module's. `checkConfig` composes `inrecord check` the same way: the flows' own settings
 * and outputs (flows/), the mapping and `--fix` (writeback/).
 */
export { prepareFlow, produceOutputs, type PreparedFlow, type ProducedOutputs, type Rejection } from './flows.js';
export { runFlow, runFlows, trainFlow, writeOutputs, type FlowRunReport, type RunFlowsOptions, type RunnerDeps, type WriteOutputsOptions, type WrittenOutputs } from './run.js';
export { recordPipeline } from './pipeline.js';
export { reviewResolvers } from './review.js';
export { rollback, type RollbackTarget } from './rollback.js';
export { checkConfig, type ConfigCheckReport, type ConfigProblem } from './check.js';
