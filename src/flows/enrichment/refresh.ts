/**
 * When to refresh an enriched field: a pure decision per field from the AI stamp, the field's
 * last change (FieldChange from src/crm/types.ts) and the provider's date. Values older than the
 * period (default monthly) are refreshed; a person's value is never overwritten by provider data
 * that is not newer than the edit.
 */
import type { FieldChange, FieldValue } from '../../crm/types.js';

export type RefreshReason =
  | 'empty'
  | 'stale'
  | 'fresh'
  | 'human-value-fresher'
  | 'human-value-recent'
  | 'human-value-older-than-provider'
  | 'provider-date-unknown';

export interface RefreshDecision {
  field: string;
  refresh: boolean;
  reason: RefreshReason;
  /** In words, for the plan and the ledger. */
  message: string;
}

export interface RefreshInput {
  field: string;
  current: FieldValue;
  /** When inrecord last wrote this field (the AI stamp's time), ISO 8601; null if never. */
  stampedAt: string | null;
  /** The field's last change as the CRM's history reports it; null when there is none. */
  lastChange: FieldChange | null;
  /** When the provider's data was current; undefined before the lookup (deciding whether to call). */
  providerAsOf?: string;
}

const DAY_MS = 86_400_000;

function isEmpty(v: FieldValue): boolean {
  return v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

function days(ms: number): string {
  return `${Math.floor(ms / DAY_MS)} day${Math.floor(ms / DAY_MS) === 1 ? '' : 's'}`;
}

export function decideRefresh(input: RefreshInput, now: Date, periodDays = 30): RefreshDecision {
  const { field } = input;
  const period = periodDays * DAY_MS;
  const nowMs = now.getTime();
  const out = (refresh: boolean, reason: RefreshReason, message: string): RefreshDecision => ({ field, refresh, reason, message: `${field}: ${message}` });
  if (isEmpty(input.current)) return out(true, 'empty', 'empty, enriched');

  const change = input.lastChange;
  const humanAt = change && change.actor === 'human' ? Date.parse(change.at) : Number.NaN;
  const stampMs = input.stampedAt ? Date.parse(input.stampedAt) : Number.NaN;
  // A person's edit after inrecord's last write (or with no write at all) makes the value theirs.
  if (!Number.isNaN(humanAt) && (Number.isNaN(stampMs) || humanAt >= stampMs)) {
    const age = nowMs - humanAt;
    if (age < period) return out(false, 'human-value-recent', `edited by a person ${days(age)} ago, within the ${periodDays}-day period; kept`);
    if (input.providerAsOf === undefined) return out(true, 'provider-date-unknown', `edited by a person ${days(age)} ago; refreshed only if the provider's data is newer`);
    const asOf = Date.parse(input.providerAsOf);
    if (Number.isNaN(asOf) || asOf <= humanAt) return out(false, 'human-value-fresher', `the person's value (${change?.at.slice(0, 10)}) is at least as fresh as the provider's (${input.providerAsOf.slice(0, 10)}); kept`);
    return out(true, 'human-value-older-than-provider', `the person's value (${change?.at.slice(0, 10)}) is older than the provider's data (${input.providerAsOf.slice(0, 10)}) and than the period; refreshed`);
  }
  // Otherwise the value is inrecord's (or an import's): its age is the stamp's, else the last change's.
  const lastMs = !Number.isNaN(stampMs) ? stampMs : change ? Date.parse(change.at) : Number.NaN;
  if (Number.isNaN(lastMs)) return out(true, 'stale', 'no stamp or history says when it was set; refreshed');
  const age = nowMs - lastMs;
  if (age >= period) return out(true, 'stale', `enriched ${days(age)} ago, older than the ${periodDays}-day period; refreshed`);
  return out(false, 'fresh', `enriched ${days(age)} ago, within the ${periodDays}-day period; kept`);
}
