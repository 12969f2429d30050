/**
 * daemon — the long-running process for one CRM connection: the HTTP server (server/), pollers and
 * record workers, wired to the one pipeline (pipeline/). `inrecord run` starts every role;
 * `serve` and `worker` start some. Owns no table and no decision.
 */
export { RECORD_QUEUE, jobQueue, recordQueueOptions, startDaemon, type Daemon, type DaemonOptions } from './daemon.js';
