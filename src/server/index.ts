/**
 * server — one HTTP server: webhook endpoints (verify, persist, enqueue, acknowledge), the JSON
 * API and the ops console for RevOps. No business logic: routes call the modules.
 */
export { buildServer, type ServerDeps } from './app.js';
export { checkServerSettings } from './guard.js';
export { SERVER_TIMEOUTS, type ServerTimeouts, bindHttpServer, closeHttpServer } from './listen.js';
export type { ConsoleActions, GateView, MonitorView, ReviewDecision, SampleView } from './types.js';
export { consoleActions } from './actions.js';
