/**
 * Product-usage rows → events → per-record aggregates. Pure: no store, no CRM.
 * A row is keyed by user email, account id or domain; the aggregates are the typed properties reps
 * see on the contact and company: last active, events and features in 30 days, active users 7 / 30
 * days, feature adoption and trend.
 */
import { createHash } from 'node:crypto';
import { InrecordError } from '../errors/index.js';
import { normaliseDomain, normaliseEmail } from '../identity/index.js';
import { USAGE_TRENDS } from '../flows/index.js';
import type { ParseProblem } from './types.js';

export interface UsageEvent {
  /** The source's event id, else a hash of the row: a row seen twice is one event. */
  key: string;
  userEmail: string | null;
  accountId: string | null;
  accountName: string | null;
  domain: string | null;
  feature: string | null;
  /** ISO 8601 UTC. */
  at: string;
}

const pick = (row: Record<string, unknown>, names: readonly string[]): string | null => {
  for (const n of names) {
    const v = row[n];
    if (v instanceof Date) return v.toISOString();
    if (v !== undefined && v !== null && String(v).trim() !== '') return String(v).trim();
  }
  return null;
};

/** Rows (CSV records, JSON objects, SQL rows) → events; a row without key or time is a problem. */
export function usageEventsOf(
  rows: readonly Record<string, unknown>[],
  origin: string,
  firstLine = 1,
): { events: UsageEvent[]; problems: ParseProblem[] } {
  const events: UsageEvent[] = [];
  const problems: ParseProblem[] = [];
  for (const [i, row] of rows.entries()) {
    const where = `${origin} row ${i + firstLine}`;
    const rawEmail = pick(row, ['user_email', 'email', 'user']);
    const email = rawEmail ? normaliseEmail(rawEmail) : null;
    const accountId = pick(row, ['account_id', 'account', 'company_id']);
    const domain = normaliseDomain(pick(row, ['domain', 'account_domain', 'company_domain', 'website']));
    const rawAt = pick(row, ['occurred_at', 'timestamp', 'at', 'time', 'event_time']);
    const ms = rawAt ? Date.parse(/^\d+$/.test(rawAt) ? new Date(Number(rawAt) * (rawAt.length <= 10 ? 1000 : 1)).toISOString() : rawAt) : Number.NaN;
    if (rawEmail && !email) {
      problems.push({ origin: where, message: `user email "${rawEmail}" is not an email address` });
      continue;
    }
    if (!email && !accountId && !domain) {
      problems.push({ origin: where, message: 'no user_email, account_id or domain to tie the event to a record' });
      continue;
    }
    if (Number.isNaN(ms)) {
      problems.push({ origin: where, message: `no valid occurred_at (got ${rawAt ?? 'nothing'})` });
      continue;
    }
    const at = new Date(ms).toISOString();
    const feature = pick(row, ['feature', 'event', 'event_name', 'action']);
    const id = pick(row, ['event_id', 'id']);
    const key =
      id ??
      `h:${createHash('sha256').update(JSON.stringify([email?.address, accountId, domain, feature, at])).digest('hex').slice(0, 32)}`;
    events.push({
      key,
      userEmail: email?.address ?? null,
      accountId,
      accountName: pick(row, ['account_name', 'company_name', 'company']),
      domain,
      feature,
      at,
    });
  }
  return { events, problems };
}

/**
 * RFC 4180 CSV (quoted fields, doubled quotes, CRLF) read piece by piece: `push` takes any slice of
 * the text (a chunk of a file stream) and returns the records it completed, keyed by the header row;
 * `end` returns the last one and refuses a quote that never closes. Memory holds one record at a time.
 */
export class CsvReader {
  private row: string[] = [];
  private field = '';
  private quoted = false;
  /** The previous chunk ended on a quote inside a quoted field: a doubled quote or the closing one. */
  private pendingQuote = false;
  /** The previous chunk ended on CR: a following LF belongs to the same line end. */
  private pendingCr = false;
  private line = 1;
  private quoteLine = 0;
  private names: string[] | null = null;

  constructor(private readonly origin = 'the CSV file') {}

  push(text: string): Record<string, string>[] {
    const out: Record<string, string>[] = [];
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      if (this.pendingCr) {
        this.pendingCr = false;
        if (ch === '\n') continue;
      }
      if (this.pendingQuote) {
        this.pendingQuote = false;
        if (ch === '"') {
          this.field += '"';
          continue;
        }
        this.quoted = false;
      }
      if (ch === '\n') this.line++;
      if (this.quoted) {
        if (ch === '"') this.pendingQuote = true;
        else this.field += ch;
      } else if (ch === '"') {
        this.quoted = true;
        this.quoteLine = this.line;
      } else if (ch === ',') {
        this.row.push(this.field);
        this.field = '';
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r') {
          this.pendingCr = true;
          this.line++;
        }
        this.endRow(out);
      } else this.field += ch;
    }
    return out;
  }

  end(): Record<string, string>[] {
    if (this.pendingQuote) {
      this.pendingQuote = false;
      this.quoted = false;
    }
    if (this.quoted)
      // An unterminated quote would swallow every later row into one field: refuse the file instead.
      throw new InrecordError('IR_INPUT_INVALID', `${this.origin} line ${this.quoteLine}: a quoted field opens here and is never closed`, {
        fix: 'Close the quote (a quote inside a quoted field is written twice: "") or check that the file is complete, then import it again.',
      });
    const out: Record<string, string>[] = [];
    if (this.field !== '' || this.row.length > 0) this.endRow(out);
    return out;
  }

  private endRow(out: Record<string, string>[]): void {
    this.row.push(this.field);
    const row = this.row;
    this.row = [];
    this.field = '';
    if (!row.some((c) => c.trim() !== '')) return;
    if (!this.names) {
      this.names = row.map((h) => h.trim().toLowerCase());
      return;
    }
    const names = this.names;
    out.push(Object.fromEntries(names.map((n, k) => [n, row[k] ?? ''])));
  }
}

/** A whole CSV text → records keyed by the header row (`CsvReader` in one piece). */
export function parseCsv(text: string, origin = 'the CSV file'): Record<string, string>[] {
  const reader = new CsvReader(origin);
  const rows = reader.push(text);
  for (const r of reader.end()) rows.push(r);
  return rows;
}

export type UsageTrend = (typeof USAGE_TRENDS)[number];

export interface UsageAggregate {
  lastActive: string | null;
  events30d: number;
  /** Distinct features used in 30 days, most used first. */
  features30d: string[];
  activeUsers7d: number;
  activeUsers30d: number;
  /** Share (0..100) of the source's known features used in 30 days. */
  featureAdoption: number;
  trend: UsageTrend;
}

const DAY = 86_400_000;

/** Events of the last 14 days against the 14 before: ±20 % is steady. */
export function usageTrend(last14: number, prior14: number): UsageTrend {
  if (last14 === 0 && prior14 === 0) return 'inactive';
  if (prior14 === 0) return 'new';
  const r = last14 / prior14;
  return r > 1.2 ? 'rising' : r < 0.8 ? 'falling' : 'steady';
}

/** The aggregate of one record's events at `asOf`; `knownFeatures` is the source's feature count. */
export function aggregateUsage(events: readonly UsageEvent[], asOf: Date, knownFeatures: number): UsageAggregate {
  const now = asOf.getTime();
  let last: number | null = null;
  let e30 = 0;
  let last14 = 0;
  let prior14 = 0;
  const users7 = new Set<string>();
  const users30 = new Set<string>();
  const features = new Map<string, number>();
  for (const e of events) {
    const t = Date.parse(e.at);
    if (t > now) continue;
    if (last === null || t > last) last = t;
    const age = now - t;
    if (age <= 14 * DAY) last14++;
    else if (age <= 28 * DAY) prior14++;
    if (age <= 30 * DAY) {
      e30++;
      if (e.userEmail) users30.add(e.userEmail);
      if (e.feature) features.set(e.feature, (features.get(e.feature) ?? 0) + 1);
    }
    if (age <= 7 * DAY && e.userEmail) users7.add(e.userEmail);
  }
  const features30d = [...features.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([f]) => f);
  return {
    lastActive: last === null ? null : new Date(last).toISOString(),
    events30d: e30,
    features30d,
    activeUsers7d: users7.size,
    activeUsers30d: users30.size,
    featureAdoption: knownFeatures > 0 ? Math.round((features30d.length / knownFeatures) * 1000) / 10 : 0,
    trend: usageTrend(last14, prior14),
  };
}

/** Output name → value, the names a `usage` flow maps to CRM fields in inrecord.yaml (declared with their types in flows/outputs.ts). */
export function usageOutputs(a: UsageAggregate, object: 'contact' | 'company'): Record<string, string | number | null> {
  const common = {
    last_active: a.lastActive,
    events_30d: a.events30d,
    features_30d: a.features30d.join(', ') || null,
    feature_adoption: a.featureAdoption,
    trend: a.trend,
  };
  return object === 'contact' ? common : { ...common, active_users_7d: a.activeUsers7d, active_users_30d: a.activeUsers30d };
}
