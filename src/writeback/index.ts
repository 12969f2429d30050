/**
 * writeback — puts AI outputs into CRM fields safely: the typed mapping (coerce.ts), field
 * resolution by name or label (fields.ts), the pure write planner with ownership and conflict rules
 * (plan.ts) and the reads it needs (planner.ts), the re-check before a write (recheck.ts), AI
 * stamps (stamp.ts), the mapping check against the live schema (check.ts), apply with batched
 * writes and read-after-write verification (apply.ts), a running run's progress (progress.ts), the
 * ledger and rollback (queries.ts, rollback.ts), and output sources (source.ts).
 * It owns the write_ledger rows, conflict review items and writeback.* metrics it creates, and
 * migrations 02xx. It reaches a CRM only through src/crm/types.ts; it never imports a CRM folder,
 * the CLI or the server.
 */
export * from './types.js';
export { coerceValue, describeExpected, matchOption, normaliseLenient, valuesEqual, type Coercion } from './coerce.js';
export { DEFAULT_RULE, indexFields, resolveField, resolveRules, type FieldIndex, type FieldResolution } from './fields.js';
export { countActions, holdBeforeFirstWrite, planContext, planWrites, type PersonHold, type PlanContext, type PlanInput } from './plan.js';
export { claimsAi, formatPersonStamp, formatStamp, parseStamp, type PersonStampInput, type StampInput } from './stamp.js';
export {
  checkLive,
  checkMapping,
  declaredValues,
  defaultOutputType,
  fieldAccepts,
  objectsInConfig,
  type CheckOptions,
  type CheckProblem,
  type CheckReport,
  type OutputType,
} from './check.js';
export { applyRun, assertApplied, planRun, type ApplySummary, type RunOptions, type WritebackDeps, type WritebackEvent } from './apply.js';
export { rollbackRun, rollbackWindow, type RollbackItem, type RollbackReport, type RollbackWindowReport } from './rollback.js';
export { progressFigures, progressOf, type ProgressFigures, type RunProgress } from './progress.js';
export { countRuns, countWrittenFields, setRunProgress, decidedRecordIds, fieldUpdates, getRun, ledgerForRun, ledgerNumbers, ledgerOutcomes, listRuns, writesPerDay, writtenRecordIds, type LedgerRow, type RunRow } from './queries.js';
export { countOutputs, parseOutputLine, readOutputsFile, scanOutputs } from './source.js';
