/**
 * demo — `inrecord demo`: the simulators seeded, identity validated, flows run through the gate,
 * write-back while simulated reps edit, and a report computed from the store and the simulators.
 * Composes the modules; decides nothing itself.
 */
export { demoConfig } from './configs.js';
export { renderDemoReport } from './render.js';
export type { DemoCrmReport, DemoFlowReport, DemoOptions, DemoReport, DemoRuntime } from './report.js';
export { runDemo } from './run.js';
