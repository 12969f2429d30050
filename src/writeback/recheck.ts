/**
 * The re-check right before a write: which records' hybrid fields need their field history read.
 * The history is what tells a person's edit from inrecord's own write, and it is the dearest read
 * (HubSpot: 50 records per call, `propertiesWithHistory`; Pipedrive: one changelog call per record).
 * apply reads the batch's hybrid fields once more right before writing (one call per batch) and
 * asks the history only where a person's edit that matters can hide: a field whose value moved
 * since the AI read the record or differs from what inrecord last wrote, or one inrecord never
 * wrote that holds a value someone set. Pure: plain values in, the reason (or null) out.
 */
import type { FieldSchema, FieldValue } from '../crm/types.js';
import { normaliseLenient, sameNormalised } from './coerce.js';

/** Why a record's history is read before the write; null: no person's edit can be there. */
export type HistoryNeed =
  /** The record was not in the re-read (deleted or merged meanwhile): the history decides, as before. */
  | 'not-reread'
  /** A hybrid field's value moved between the read the plan was made on and now. */
  | 'changed-since-read'
  /** inrecord wrote the field before and it holds another value now (a person may have set it). */
  | 'differs-from-last-write'
  /** inrecord never wrote the field and it holds a value: who set it decides (first-write rule). */
  | 'value-before-first-write'
  /**
   * inrecord never wrote the field and the plan's values were read after the outputs' read time:
   * an edit between the two (a person clearing the field) shows only in the history.
   */
  | 'read-after-outputs';

export interface HistoryNeedInput {
  /** The hybrid fields the record's plan writes. */
  fields: FieldSchema[];
  /** The record's values the plan was made on. */
  planned: Record<string, FieldValue>;
  /** The same fields read right before the write; null when the record was not found. */
  current: Record<string, FieldValue> | null;
  /** Per field, the value inrecord last wrote (the ledger); absent: never written. */
  lastWritten?: Record<string, { value: FieldValue }>;
  /**
   * True when the planned values are the record as of the outputs' read time (the pipeline's own
   * read, or apply's read when the outputs carry no read time).
   */
  plannedAtReadAt: boolean;
}

/** Empty as a person's value goes: nothing, blank text, no options. */
export function isBlank(v: FieldValue): boolean {
  return v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}

export function historyNeed(input: HistoryNeedInput): HistoryNeed | null {
  if (!input.current) return 'not-reread';
  for (const f of input.fields) {
    const now = normaliseLenient(input.current[f.name] ?? null, f);
    const then = normaliseLenient(input.planned[f.name] ?? null, f);
    if (!sameNormalised(now, then, f)) return 'changed-since-read';
    const last = input.lastWritten?.[f.name];
    if (last) {
      if (!sameNormalised(now, normaliseLenient(last.value, f), f)) return 'differs-from-last-write';
      continue;
    }
    if (!isBlank(now)) return 'value-before-first-write';
    if (!input.plannedAtReadAt) return 'read-after-outputs';
  }
  return null;
}

/**
 * Whether re-reading a batch (then the history of the records that need it) can cost fewer calls
 * than the batch's history: where it cannot, the history of every record is read, as before.
 */
export function recheckPays(records: number, limits: { read: number; history?: number }): boolean {
  if (limits.history === undefined || records === 0) return false;
  return Math.ceil(records / Math.max(1, limits.read)) < Math.ceil(records / Math.max(1, limits.history));
}
