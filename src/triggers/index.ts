/**
 * triggers — webhook ingress, change streams with stored resume tokens, and pollers with persistent
 * cursors. All feed one queue, and a change seen twice (two deliveries, webhook or stream and poll)
 * is processed once. Owns record_versions, future_versions,
 * webhook_receipts and cursors; never processes work inside a webhook request; never infers a
 * deletion from a read.
 */
export { advanceCursor, changeKey, pollSince, splitFuture, triageEvents, type EventVerdict, type PollCursor } from './changes.js';
export { directCommitter, groupCommitter, type ReceiptCommitter, type ReceiptItem } from './commit.js';
export { acceptWebhook, deliveredUrl, type IngressDeps, type IngressResult, type WebhookAddress } from './ingress.js';
export { pollOnce, type PollDeps, type PollOptions, type PollResult } from './poller.js';
export { startChangeStreams, storeStreamMessages, streamCursorName, type ChangeStreams, type StreamCounts, type StreamDeps } from './stream.js';
export { processRecordJob, processRecordJobs, type ProcessDeps, type ProcessOutcome } from './processor.js';
export type { PipelineResult, RecordJob, RecordPipeline, RecordQueue } from './types.js';
export { pruneReceipts, readCursor, rememberOwnVersions, writeCursor } from './queries.js';
