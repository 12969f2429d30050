/**
 * The daemon's line per processed record: the record, each flow, and per field what was written
 * (before → after) or why it was not — from the ledger rows write-back stored for it. Pure.
 */
import type { LedgerRow } from '../writeback/index.js';

const HEX40 = /^[0-9a-f]{40}$/;

function short(v: unknown): string {
  if (v === null || v === undefined || v === '') return '∅';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 40 ? `${JSON.stringify(s.slice(0, 37))}…` : typeof v === 'string' ? JSON.stringify(s) : s;
}

/** A field as a person knows it: Pipedrive's 40-hex keys by the output they hold. */
function fieldName(r: LedgerRow): string {
  return HEX40.test(r.field) && r.output ? r.output : r.field;
}

function fieldPart(r: LedgerRow): string {
  const name = fieldName(r);
  switch (r.outcome) {
    case 'written':
      return `wrote ${name} ${short(r.before_value)} → ${short(r.after_value)}`;
    case 'unchanged':
      return `${name} unchanged`;
    case 'conflict_skipped':
      return `kept ${name} (${r.reason ?? 'a person’s value'})`;
    case 'flagged':
      return `flagged ${name} for review (${r.reason ?? 'conflict'})`;
    case 'rolled_back':
      return `restored ${name} ${short(r.after_value)}`;
    default:
      return `${name} ${r.outcome.replace('_', ' ')}: ${r.message ?? r.reason ?? ''}${r.code ? ` (${r.code})` : ''}`;
  }
}

export interface RecordLogLine {
  msg: string;
  object: string;
  record: string;
  flows: string[];
  written: number;
  outcomes: Record<string, number>;
}

/**
 * One line for one record's decisions (stamps are counted with their field, not listed):
 * `contact 155 · lead-scoring: wrote inrecord_score ∅ → 25, inrecord_score_reason unchanged`.
 */
export function describeRecord(object: string, record: string, rows: LedgerRow[]): RecordLogLine {
  const fields = rows.filter((r) => !r.stamp_for);
  const byFlow = new Map<string, LedgerRow[]>();
  for (const r of fields) {
    const flow = r.flow ?? 'outputs';
    byFlow.set(flow, [...(byFlow.get(flow) ?? []), r]);
  }
  const outcomes: Record<string, number> = {};
  for (const r of fields) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const parts = [...byFlow].map(([flow, rs]) => `${flow}: ${rs.map(fieldPart).join(', ')}`);
  return {
    msg: `${object} ${record} · ${parts.length > 0 ? parts.join(' · ') : 'nothing to write'}`,
    object,
    record,
    flows: [...byFlow.keys()],
    written: outcomes.written ?? 0,
    outcomes,
  };
}
