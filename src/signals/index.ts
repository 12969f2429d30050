/**
 * signals — data from outside the CRM brought in through identity: activity capture (emails and
 * meetings from .eml / mbox / .ics / JSONL → native activities on the right contact, its company
 * and its open deal, idempotent on Message-ID / UID), product-usage signals (usage events aggregated,
 * or account / user snapshots taken as-is, from CSV / JSONL / a Postgres query / HTTP → typed,
 * stamped properties through write-back) and deal-risk timeline notes.
 * Owns: signal_activities, signal_usage_events (migration 05xx). Must not: create CRM contacts,
 * match around identity, or write fields except through write-back.
 */
export {
  type ImportActivitiesOptions,
  type ItemPlan,
  activityFor,
  chooseOpenDeal,
  contactsOf,
  importActivities,
  isOwnAddress,
  participantKey,
  planItem,
} from './capture.js';
export { CalendarReader, parseCalendar } from './calendar.js';
export { FeedReader, MboxSplitter, feedLineSchema, parseFeed, parseMail, parseMessage, readMail, splitMbox } from './parse.js';
export { type ActivitySourceKind, type ActivityStreamOptions, readActivityStream, readActivitySource } from './sources.js';
export type {
  ActivityImportSummary,
  ActivityItem,
  ImportItemResult,
  ItemOutcome,
  ParsedItems,
  ParseProblem,
  Participant,
} from './types.js';
export { type ImportUsageOptions, type UsageImportSummary, type UsageSource, companyKeyOf, importUsage } from './usage.js';
export {
  type UsageAggregate,
  type UsageEvent,
  type UsageTrend,
  aggregateUsage,
  parseCsv,
  usageEventsOf,
  usageOutputs,
  usageTrend,
} from './usage-aggregate.js';
export { type UsageSnapshot, isSnapshotSource, latestSnapshots, usageSnapshotsOf } from './usage-snapshot.js';
export { type DealRiskNotesSummary, type RiskChange, noteDealRiskChanges, riskChanges } from './deal-risk.js';
export { countRiskNotes, selectRiskLevels } from './queries.js';
