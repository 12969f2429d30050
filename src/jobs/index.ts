/**
 * jobs — the durable queue (pg-boss 10 on both store backends), the retry policy, dead letters and
 * replay, and effects done exactly once. Owns dead_letters and effects; pg-boss owns its schema
 * (`<schema>_boss`). Knows nothing of CRMs or flows: handlers are registered by whoever wires them.
 */
export { createJobEngine, JobEngine, type BatchItem, type BatchJobHandler, type BatchOutcome, type EngineOptions, type JobContext, type JobHandler, type QueueOptions, type SendOptions } from './engine.js';
export { discardDeadLetter, listDeadLetters, replayDeadLetter, requireDeadLetter } from './dlq.js';
export { countOpenDeadLetters, deadLetterCounts, selectDeadLetters, type DeadLetterListRow, getDeadLetter, onceInTransaction, releaseJobs, sweepFailedJobs, type DeadLetter } from './queries.js';
export { queueOf, runWorkers, type QueueDefinition, type RunningWorkers } from './workers.js';
