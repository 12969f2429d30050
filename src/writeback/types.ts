import { z } from 'zod';
import type { ConflictPolicy, Ownership } from '../config/index.js';
import type { CrmRecord, FieldValue, ObjectKind } from '../crm/types.js';

/** One AI output aimed at one CRM field. `field` is the API name or, where unique, the field label. */
export const flowOutputSchema = z.object({
  /** The flow's output name ('score', 'intent' …). */
  name: z.string().min(1),
  field: z.string().min(1),
  value: z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]),
  confidence: z.number().min(0).max(1).optional(),
  modelVersion: z.string().optional(),
  flow: z.string().min(1),
});
export type FlowOutput = z.infer<typeof flowOutputSchema>;

export const objectKindSchema = z.enum(['contact', 'company', 'deal', 'lead']);

/** Every output a flow produced for one record. */
export const recordOutputsSchema = z.object({
  object: objectKindSchema,
  recordId: z.string().min(1),
  /**
   * When the flow read the record these outputs are based on (ISO 8601). A person's edit of a hybrid
   * field after this moment is a conflict. Absent: the last time inrecord wrote the field, else the
   * moment apply read the record (the conservative choice: it protects more edits).
   */
  readAt: z.string().datetime({ offset: true }).optional(),
  outputs: z.array(flowOutputSchema),
  /** Outputs the flow already refused (a value that does not fit its field): recorded in the ledger, never written. */
  rejected: z
    .array(z.object({ output: z.string(), field: z.string().nullable(), flow: z.string(), code: z.string(), message: z.string() }))
    .optional(),
});
export type RecordOutputs = z.infer<typeof recordOutputsSchema> & {
  /**
   * The record as it was read at `readAt` (the pipeline's own read, with the outputs' fields and
   * stamps): write-back plans on it instead of reading the record again. Never taken from a file.
   */
  record?: CrmRecord;
};

/** Where apply and plan take their outputs from: flows, a JSONL file, a test. */
export type OutputSource = AsyncIterable<RecordOutputs> | Iterable<RecordOutputs>;

export type PlanAction = 'write' | 'unchanged' | 'conflict_skipped' | 'flagged' | 'rejected';

/** A person's value that stands in the way of an AI write. */
export interface ConflictInfo {
  repValue: FieldValue;
  /** The CRM user who set it, when the field history names one. */
  by: string | null;
  /** When it was set; null when the CRM keeps no history of the field (a value taken as a person's). */
  at: string | null;
}

export interface FieldDecision {
  object: ObjectKind;
  recordId: string;
  /** The resolved API name (the config/output name when it could not be resolved). */
  field: string;
  /** The field's label, when it is not the API name (Pipedrive's 40-hex keys). */
  label?: string;
  output: string;
  flow: string;
  action: PlanAction;
  /**
   * Stable, machine-readable reason ('changed', 'equal-after-normalisation', 'human-edit-since-read',
   * 'human-value-before-first-write', 'untracked-value-before-first-write' …).
   */
  reason: string;
  /** Error code for rejections. */
  code?: string;
  /** A sentence naming the record, field, value and fix (rejections and conflicts). */
  message?: string;
  before: FieldValue;
  /** The normalised value that is (or would be) written. */
  after: FieldValue;
  owner: Ownership;
  onConflict?: ConflictPolicy;
  conflict?: ConflictInfo;
  /** Set on a stamp field's decision: the field it stamps. */
  stampFor?: string;
  /** Text truncated to the field's length because the rule says `truncate: true`. */
  truncated?: boolean;
  confidence?: number;
  modelVersion?: string;
}

export interface RecordPlan {
  object: ObjectKind;
  recordId: string;
  decisions: FieldDecision[];
  /** Fields to send (write decisions only, stamps included); null when nothing is written. */
  update: Record<string, FieldValue> | null;
}

export type PlanCounts = Record<PlanAction, number>;
