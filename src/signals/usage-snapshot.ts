/**
 * Account (and user) snapshots: rows that state a record's current usage figures — active users
 * 7 / 30 days, last active, events and features in 30 days, adoption, trend — as the product or
 * warehouse computed them. Taken as-is, never aggregated: the latest snapshot of a record wins.
 * Pure: no store, no CRM.
 */
import { createHash } from 'node:crypto';
import { normaliseDomain, normaliseEmail } from '../identity/index.js';
import type { ParseProblem } from './types.js';
import type { UsageTrend } from './usage-aggregate.js';

/** Columns that only a snapshot carries; a source with any of them is read as snapshots. */
export const SNAPSHOT_COLUMNS = [
  'active_users_7d',
  'active_users_30d',
  'last_active',
  'last_active_at',
  'events_30d',
  'feature_adoption',
  'features_30d',
  'features',
] as const;
/** Snapshot time columns, first found wins. Absent: the import's as-of time. */
export const SNAPSHOT_TIME_COLUMNS = ['snapshot_at', 'as_of', 'taken_at', 'captured_at'] as const;

const TRENDS: readonly UsageTrend[] = ['new', 'rising', 'steady', 'falling', 'inactive'];

export interface UsageSnapshot {
  /** Contact snapshots carry the user's email; company snapshots an account id and/or domain. */
  object: 'contact' | 'company';
  userEmail: string | null;
  accountId: string | null;
  accountName: string | null;
  domain: string | null;
  /** ISO 8601 UTC: when the figures were true. */
  at: string;
  /** Output name → value, only the figures the row states. */
  values: Record<string, string | number | null>;
  /** A stable hash of the row (dedupe in reports). */
  key: string;
}

/** True when the columns are those of a snapshot source (any snapshot figure column). */
export function isSnapshotSource(columns: Iterable<string>): boolean {
  const set = new Set([...columns].map((c) => c.toLowerCase()));
  return SNAPSHOT_COLUMNS.some((c) => set.has(c));
}

const raw = (row: Record<string, unknown>, names: readonly string[]): unknown => {
  for (const n of names) {
    const v = row[n];
    if (v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '')) return v;
  }
  return undefined;
};
const text = (v: unknown): string | null => (v === undefined ? null : v instanceof Date ? v.toISOString() : String(v).trim());

function time(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  const s = text(v);
  if (!s) return Number.NaN;
  if (/^\d+$/.test(s)) return Number(s) * (s.length <= 10 ? 1000 : 1);
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
}

/** A feature list as a source states it: "a;b", "a, b", a JSON array or a SQL text[]. */
function featureList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter(Boolean);
  const s = text(v) ?? '';
  if (s.startsWith('[')) {
    try {
      const a = JSON.parse(s);
      if (Array.isArray(a)) return a.map((x) => String(x).trim()).filter(Boolean);
    } catch {
      // not JSON: split below
    }
  }
  return s
    .replace(/^\{|\}$/g, '')
    .split(/[;,]/)
    .map((x) => x.trim().replace(/^"|"$/g, ''))
    .filter(Boolean);
}

/**
 * Rows → snapshots. A row without a key, with a figure that is not a number, or with an unreadable
 * time is a problem naming the row and the column, never dropped silently.
 */
export function usageSnapshotsOf(
  rows: readonly Record<string, unknown>[],
  origin: string,
  asOf: Date,
  firstLine = 1,
): { snapshots: UsageSnapshot[]; problems: ParseProblem[] } {
  const snapshots: UsageSnapshot[] = [];
  const problems: ParseProblem[] = [];
  for (const [i, row] of rows.entries()) {
    const where = `${origin} row ${i + firstLine}`;
    const rawEmail = text(raw(row, ['user_email', 'email']));
    const email = rawEmail ? normaliseEmail(rawEmail) : null;
    const accountId = text(raw(row, ['account_id', 'account', 'company_id']));
    const domain = normaliseDomain(text(raw(row, ['domain', 'account_domain', 'company_domain', 'website'])));
    if (rawEmail && !email) {
      problems.push({ origin: where, message: `user email "${rawEmail}" is not an email address` });
      continue;
    }
    if (!email && !accountId && !domain) {
      problems.push({ origin: where, message: 'no user_email, account_id or domain to tie the snapshot to a record' });
      continue;
    }
    const rawAt = raw(row, SNAPSHOT_TIME_COLUMNS);
    const at = rawAt === undefined ? asOf.getTime() : time(rawAt);
    if (Number.isNaN(at)) {
      problems.push({ origin: where, message: `snapshot time "${text(rawAt)}" is not a date or datetime` });
      continue;
    }
    const values: Record<string, string | number | null> = {};
    let bad: string | null = null;
    for (const [out, cols, integer] of [
      ['active_users_7d', ['active_users_7d'], true],
      ['active_users_30d', ['active_users_30d'], true],
      ['events_30d', ['events_30d'], true],
      ['feature_adoption', ['feature_adoption'], false],
    ] as const) {
      const v = raw(row, cols);
      if (v === undefined) continue;
      const n = Number(text(v)?.replace(/%$/, ''));
      if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
        bad = `${cols[0]} "${text(v)}" is not a ${integer ? 'whole number' : 'number'} of 0 or more`;
        break;
      }
      values[out] = n;
    }
    const lastRaw = raw(row, ['last_active', 'last_active_at']);
    if (!bad && lastRaw !== undefined) {
      const t = time(lastRaw);
      if (Number.isNaN(t)) bad = `last_active "${text(lastRaw)}" is not a date or datetime`;
      else values.last_active = new Date(t).toISOString();
    }
    const featuresRaw = raw(row, ['features_30d', 'features']);
    if (featuresRaw !== undefined) values.features_30d = featureList(featuresRaw).join(', ') || null;
    const trendRaw = text(raw(row, ['trend']))?.toLowerCase();
    if (!bad && trendRaw) {
      if ((TRENDS as readonly string[]).includes(trendRaw)) values.trend = trendRaw;
      else bad = `trend "${trendRaw}" is not one of ${TRENDS.join(', ')}`;
    }
    if (bad) {
      problems.push({ origin: where, message: bad });
      continue;
    }
    if (Object.keys(values).length === 0) {
      problems.push({ origin: where, message: `no figures: expected one of ${SNAPSHOT_COLUMNS.join(', ')}` });
      continue;
    }
    const iso = new Date(at).toISOString();
    snapshots.push({
      object: email ? 'contact' : 'company',
      userEmail: email?.address ?? null,
      accountId,
      accountName: text(raw(row, ['account_name', 'company_name', 'company'])),
      domain,
      at: iso,
      values,
      key: createHash('sha256').update(JSON.stringify([email?.address, accountId, domain, iso, values])).digest('hex').slice(0, 32),
    });
  }
  return { snapshots, problems };
}

/** Per identity key, the latest snapshot (ties: the later row, as a source lists newer last). */
export function latestSnapshots<T extends { at: string }>(byKey: Iterable<[string, T]>): Map<string, T> {
  const out = new Map<string, T>();
  for (const [k, s] of byKey) {
    const cur = out.get(k);
    if (!cur || s.at >= cur.at) out.set(k, s);
  }
  return out;
}
