/**
 * Product-usage import: rows from a CSV / JSONL file or a Postgres query → events (deduplicated,
 * incremental on event time with a cursor) → identity (contacts by user email, companies by domain
 * or account) → aggregates → the pipeline's write step (the flow's gate, then write-back), so values are typed, ownership applies, writes
 * are verified, stamped and in the ledger. Only records with new events are recomputed, and
 * write-back skips values that did not change. A source of account (or user) snapshots — rows that
 * state active users, last active, features… as of a time — is taken as-is instead: the latest
 * snapshot of each record is written, nothing is aggregated (usage-snapshot.ts).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { FlowConfig, InrecordConfig } from '../config/index.js';
import type { CrmConnector } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import { type IdentityInput, fetchCandidates, normaliseEmail, resolveWithMap, selectLinkedKeys } from '../identity/index.js';
import type { Store } from '../store/index.js';
import { writeOutputs } from '../pipeline/index.js';
import type { RecordOutputs } from '../writeback/index.js';
import {
  countUsageFeatures,
  insertUsageEvents,
  readCursor,
  selectUsageEventsByKeys,
  writeCursor,
} from './queries.js';
import { fetchFeedText } from './sources.js';
import type { ParseProblem } from './types.js';
import { type UsageEvent, aggregateUsage, parseCsv, usageEventsOf, usageOutputs } from './usage-aggregate.js';
import { SNAPSHOT_TIME_COLUMNS, type UsageSnapshot, isSnapshotSource, latestSnapshots, usageSnapshotsOf } from './usage-snapshot.js';

export type UsageSource = { kind: 'file'; path: string } | { kind: 'postgres'; url: string; query: string } | { kind: 'rows'; name: string; rows: Record<string, unknown>[] };

export interface ImportUsageOptions {
  source: UsageSource;
  /** The source's name (cursor and dedupe key). Default: the file path / the query. */
  name?: string;
  /** The moment the aggregates are computed at (default now); a snapshot without a time is taken at it. */
  asOf?: Date;
  /**
   * `events` are aggregated, `snapshots` taken as-is; `auto` (default) reads a source with any
   * snapshot column (active_users_7d, active_users_30d, last_active, events_30d, feature_adoption,
   * features) as snapshots.
   */
  mode?: 'auto' | 'events' | 'snapshots';
  onProgress?: (done: number, total: number) => void;
}

export interface UsageImportSummary {
  source: string;
  /** How the rows were read: events aggregated, or snapshots taken as-is. */
  mode: 'events' | 'snapshots';
  /** Snapshots at or after the cursor (snapshot sources). */
  snapshots: number;
  /** Rows read from the source (after the cursor). */
  rows: number;
  /** New events stored (a row seen before is not counted). */
  events: number;
  invalid: number;
  /** Rows dated after the import's time (beyond a few minutes of clock difference): set aside, listed in problems. */
  future: number;
  problems: ParseProblem[];
  contacts: number;
  companies: number;
  /** Identity keys that matched no single record: in the review queue. */
  unmatched: number;
  written: number;
  unchanged: number;
  skipped: number;
  failed: number;
  runIds: string[];
  cursor: string | null;
}

const MODEL = 'usage-1';
/** How far a row may be dated after the import's time (clock differences) before it is set aside. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

/**
 * Rows dated after the import's time are not trusted: a row dated 2062 by a typo would move the
 * cursor past every real event to come. They are set aside and listed, and the cursor never passes
 * the import's time.
 */
function setAsideFuture<T extends { at: string }>(rows: T[], asOf: Date, source: string): { trusted: T[]; problems: ParseProblem[] } {
  const limit = asOf.getTime() + FUTURE_TOLERANCE_MS;
  const trusted: T[] = [];
  const problems: ParseProblem[] = [];
  for (const r of rows) {
    if (Date.parse(r.at) > limit) problems.push({ origin: source, message: `dated ${r.at}, after the import's time ${asOf.toISOString()}: set aside (check the row's date)` });
    else trusted.push(r);
  }
  return { trusted, problems };
}

/** A summary before any record is resolved or written. */
function emptySummary(s: { source: string; mode: UsageImportSummary['mode']; rows: number; events?: number; snapshots?: number; problems: ParseProblem[]; cursor: string | null }): UsageImportSummary {
  return {
    source: s.source,
    mode: s.mode,
    snapshots: s.snapshots ?? 0,
    rows: s.rows,
    events: s.events ?? 0,
    invalid: s.problems.length,
    future: 0,
    problems: s.problems,
    contacts: 0,
    companies: 0,
    unmatched: 0,
    written: 0,
    unchanged: 0,
    skipped: 0,
    failed: 0,
    runIds: [],
    cursor: s.cursor,
  };
}

function contactKeyOf(e: UsageEvent): string | null {
  const n = normaliseEmail(e.userEmail);
  return n ? `email:${n.canonical}` : null;
}

/** A company by its domain (the event's, else the user's work address), else by the product's account id. */
export function companyKeyOf(e: UsageEvent): string | null {
  if (e.domain) return `domain:${e.domain}`;
  const n = normaliseEmail(e.userEmail);
  if (n && !n.freeMail && !n.role) return `domain:${n.domain}`;
  if (n && !n.freeMail) return `domain:${n.domain}`;
  return e.accountId ? `account:${e.accountId}` : null;
}

function jsonLines(text: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim()) continue;
    try {
      rows.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      rows.push({ __invalid: `line ${i + 1} is not JSON` });
    }
  }
  return rows;
}

type Mode = NonNullable<ImportUsageOptions['mode']>;

async function readRows(src: UsageSource, since: string | null, mode: Mode): Promise<{ name: string; rows: Record<string, unknown>[]; snapshots?: boolean }> {
  if (src.kind === 'rows') return { name: src.name, rows: src.rows };
  if (src.kind === 'file' && /^https?:\/\//i.test(src.path)) {
    // an HTTP endpoint serving JSONL (or a JSON array) of usage rows
    const text = (await fetchFeedText(src.path)).trim();
    if (text.startsWith('[')) {
      try {
        return { name: src.path, rows: JSON.parse(text) as Record<string, unknown>[] };
      } catch {
        return { name: src.path, rows: [{ __invalid: 'the JSON array could not be parsed' }] };
      }
    }
    return { name: src.path, rows: jsonLines(text) };
  }
  if (src.kind === 'file') {
    let text: string;
    try {
      text = readFileSync(src.path, 'utf8');
    } catch (err) {
      throw new InrecordError('IR_USAGE', `cannot read the usage file ${src.path}: ${(err as Error).message}`, {
        fix: 'Pass an existing .csv or .jsonl file.',
      });
    }
    if (/\.(jsonl|ndjson|json)$/i.test(src.path)) return { name: src.path, rows: jsonLines(text) };
    return { name: src.path, rows: parseCsv(text, src.path) };
  }
  // the warehouse path: the user's SELECT, filtered on event (or snapshot) time past the cursor, oldest first
  const client = new pg.Client({ connectionString: src.url });
  try {
    await client.connect();
    const inner = src.query.replace(/;\s*$/, '');
    let snapshots = mode === 'snapshots';
    let timeColumn: string | undefined = 'occurred_at';
    if (mode !== 'events') {
      const columns = (await client.query(`SELECT * FROM (${inner}) AS usage_rows LIMIT 0`)).fields.map((f) => f.name.toLowerCase());
      snapshots ||= isSnapshotSource(columns);
      if (snapshots) timeColumn = SNAPSHOT_TIME_COLUMNS.find((c) => columns.includes(c));
    }
    const sql = timeColumn
      ? `SELECT * FROM (${inner}) AS usage_rows WHERE ($1::timestamptz IS NULL OR ${timeColumn} >= $1::timestamptz) ORDER BY ${timeColumn}`
      : `SELECT * FROM (${inner}) AS usage_rows`;
    const r = await client.query(sql, timeColumn ? [since] : []);
    return { name: src.query, rows: r.rows as Record<string, unknown>[], snapshots };
  } catch (err) {
    throw new InrecordError('IR_INPUT_INVALID', `usage query failed: ${(err as Error).message}`, {
      fix: 'The query must return occurred_at (timestamptz) and user_email, account_id or domain — or, for snapshots, active_users_7d / active_users_30d / last_active … with an optional snapshot_at; check the connection string and the SQL.',
    });
  } finally {
    await client.end().catch(() => {});
  }
}

function usageFlows(config: InrecordConfig): { contact?: FlowConfig; company?: FlowConfig } {
  const flows = config.flows.filter((f) => f.kind === 'usage');
  const out: { contact?: FlowConfig; company?: FlowConfig } = {};
  for (const f of flows) if (f.object === 'contact' || f.object === 'company') out[f.object] ??= f;
  if (!out.contact && !out.company)
    throw new InrecordError('IR_CONFIG_INVALID', 'inrecord import usage: no flow of kind "usage" on contact or company in inrecord.yaml', {
      fix: 'Add a flow {name: usage, kind: usage, object: contact, outputs: {last_active: <field>, events_30d: <field>, features_30d: <field>, feature_adoption: <field>, trend: <field>}} (company: also active_users_7d, active_users_30d).',
    });
  return out;
}

/** Imports usage rows and writes the aggregates of every record with new events. */
export async function importUsage(
  store: Store,
  connector: CrmConnector,
  config: InrecordConfig,
  opts: ImportUsageOptions,
): Promise<UsageImportSummary> {
  const flows = usageFlows(config);
  const crm = connector.crm;
  const asOf = opts.asOf ?? new Date();
  const provisional = opts.name ?? (opts.source.kind === 'file' ? opts.source.path : opts.source.kind === 'rows' ? opts.source.name : opts.source.query);
  const cursorName = `signals.usage.${crm}.${provisional}`;
  const since = await readCursor(store, cursorName);
  const mode = opts.mode ?? 'auto';
  const read = await readRows(opts.source, since, mode);
  const { rows } = read;
  const source = provisional;
  const snapshotMode = read.snapshots ?? (mode === 'snapshots' || (mode === 'auto' && isSnapshotSource(new Set(rows.slice(0, 100).flatMap((r) => Object.keys(r))))));
  if (snapshotMode) return importSnapshots(store, connector, config, { rows, source, since, cursorName, asOf, flows, onProgress: opts.onProgress });
  const invalidRows = rows.filter((r) => '__invalid' in r);
  const parsed = usageEventsOf(rows.filter((r) => !('__invalid' in r)), source);
  const future = setAsideFuture(parsed.events, asOf, source);
  const problems = [...invalidRows.map((r) => ({ origin: source, message: String(r.__invalid) })), ...parsed.problems, ...future.problems];
  // incremental on event time: rows before the cursor were ingested by an earlier run
  const fresh = future.trusted.filter((e) => !since || e.at >= since);
  const stored = fresh.map((e) => ({ ...e, contactKey: contactKeyOf(e), companyKey: companyKeyOf(e) }));
  const newKeys = new Set<string>();
  for (let i = 0; i < stored.length; i += 1000) for (const k of await insertUsageEvents(store, source, stored.slice(i, i + 1000))) newKeys.add(k);
  const added = stored.filter((e) => newKeys.has(e.key));

  const summary = emptySummary({ source, mode: 'events', rows: rows.length, events: added.length, problems, cursor: since });
  summary.future = future.problems.length;
  if (added.length > 0) {
    // identity: every key with new events, contacts by address, companies by domain / account
    const inputs = new Map<string, IdentityInput>();
    for (const e of added) {
      if (flows.contact && e.contactKey && !inputs.has(e.contactKey))
        inputs.set(e.contactKey, { key: e.contactKey, type: 'contact', email: e.userEmail, ...(e.domain ? { company_domain: e.domain } : {}) });
      if (flows.company && e.companyKey && !inputs.has(e.companyKey))
        inputs.set(e.companyKey, e.companyKey.startsWith('domain:') ? { key: e.companyKey, type: 'company', domain: e.companyKey.slice(7) } : { key: e.companyKey, type: 'company', name: e.accountName });
    }
    const idOf = await resolveKeys(store, connector, [...inputs.values()], summary);
    const featureCount = await countUsageFeatures(store, source);
    for (const object of ['contact', 'company'] as const) {
      const flow = flows[object];
      if (!flow) continue;
      const ids = [...new Set(added.map((e) => (object === 'contact' ? e.contactKey : e.companyKey)).flatMap((k) => (k && idOf.has(k) ? [idOf.get(k) as string] : [])))];
      if (ids.length === 0) continue;
      // every key linked to these records (a contact's other addresses), so a record aggregates all its events
      const keysById = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
      for (const [k, id] of idOf) keysById.get(id)?.add(k);
      for (const l of await selectLinkedKeys(store, crm, object, ids)) keysById.get(l.crm_id)?.add(l.external_key);
      const allKeys = [...keysById.values()].flatMap((s) => [...s]);
      const events = await selectUsageEventsByKeys(store, source, object === 'contact' ? allKeys : [], object === 'company' ? allKeys : []);
      const byKey = new Map<string, UsageEvent[]>();
      for (const r of events) {
        const k = object === 'contact' ? r.contact_key : r.company_key;
        if (!k) continue;
        const ev: UsageEvent = { key: r.event_key, userEmail: r.user_email, accountId: r.account_id, accountName: null, domain: r.domain, feature: r.feature, at: new Date(r.occurred_at).toISOString() };
        const a = byKey.get(k);
        if (a) a.push(ev);
        else byKey.set(k, [ev]);
      }
      const values = new Map([...keysById].map(([id, keys]) => [id, usageOutputs(aggregateUsage([...keys].flatMap((k) => byKey.get(k) ?? []), asOf, featureCount), object)]));
      await writeUsage(store, connector, config, summary, object, flow, await flowOutputs(connector, object, flow, values));
    }
  }
  summary.cursor = await advanceCursor(store, cursorName, since, future.trusted.map((e) => e.at), asOf);
  opts.onProgress?.(1, 1);
  return summary;
}

/** Record ids of the identity keys that matched; each key that did not is counted as unmatched. */
async function resolveKeys(store: Store, connector: CrmConnector, inputs: IdentityInput[], summary: UsageImportSummary): Promise<Map<string, string>> {
  const fetched = await fetchCandidates(connector, inputs);
  const resolved = await resolveWithMap(store, { crm: connector.crm, inputs, snapshot: fetched.snapshot, complete: false });
  const idOf = new Map<string, string>();
  for (const r of resolved) {
    if (r.status === 'matched' && r.id) idOf.set(r.key, r.id);
    else summary.unmatched++;
  }
  return idOf;
}

/** One object's usage outputs through write-back, counted into the summary. */
async function writeUsage(
  store: Store,
  connector: CrmConnector,
  config: InrecordConfig,
  summary: UsageImportSummary,
  object: 'contact' | 'company',
  flow: FlowConfig,
  outputs: RecordOutputs[],
): Promise<void> {
  if (object === 'contact') summary.contacts = outputs.length;
  else summary.companies = outputs.length;
  // the one write step: the flow's validation gate, then write-back
  const { apply: run } = await writeOutputs({ store, connector, config }, toAsync(outputs), { flow: flow.name, flowNames: [flow.name], total: outputs.length });
  if (!run) return;
  summary.runIds.push(run.runId);
  summary.written += run.fields.written ?? 0;
  summary.unchanged += run.fields.unchanged ?? 0;
  summary.skipped += (run.fields.conflict_skipped ?? 0) + (run.fields.flagged ?? 0);
  summary.failed += (run.fields.failed ?? 0) + (run.fields.rejected ?? 0) + (run.fields.not_applied ?? 0) + (run.status === 'failed' ? 1 : 0);
}

async function* toAsync<T>(items: T[]): AsyncIterable<T> {
  yield* items;
}

/** The cursor moved to the latest row time read (never back, never past the import's time); the cursor after. */
async function advanceCursor(store: Store, name: string, since: string | null, times: string[], asOf: Date): Promise<string | null> {
  const ceiling = asOf.toISOString();
  const latest = times.reduce<string | null>((m, t) => {
    const c = t > ceiling ? ceiling : t;
    return m === null || c > m ? c : m;
  }, since);
  if (latest && latest !== since) await writeCursor(store, name, latest);
  return latest;
}

/** Output values → RecordOutputs of a usage flow; a datetime aimed at a date field is written as that day (UTC). */
async function flowOutputs(
  connector: CrmConnector,
  object: 'contact' | 'company',
  flow: FlowConfig,
  valuesById: Map<string, Record<string, string | number | null>>,
): Promise<RecordOutputs[]> {
  const schema = await connector.describe(object);
  const dateFields = new Set(schema.fields.filter((x) => x.type === 'date').flatMap((x) => [x.name, x.label]));
  return [...valuesById].map(([id, values]) => ({
    object,
    recordId: id,
    outputs: Object.entries(flow.outputs)
      .filter(([name]) => name in values)
      .map(([name, field]) => {
        const v = values[name] ?? null;
        const value = typeof v === 'string' && name === 'last_active' && dateFields.has(field) ? v.slice(0, 10) : v;
        return { name, field, value, flow: flow.name, modelVersion: MODEL, confidence: 1 };
      }),
  }));
}

/**
 * Snapshot rows: parsed, those at or after the cursor resolved through identity (users by address,
 * accounts by domain or account id), and each record's latest snapshot written as-is through
 * write-back — unchanged figures are skipped there, so a second run writes only what changed.
 */
async function importSnapshots(
  store: Store,
  connector: CrmConnector,
  config: InrecordConfig,
  ctx: {
    rows: Record<string, unknown>[];
    source: string;
    since: string | null;
    cursorName: string;
    asOf: Date;
    flows: { contact?: FlowConfig; company?: FlowConfig };
    onProgress?: (done: number, total: number) => void;
  },
): Promise<UsageImportSummary> {
  const { rows, source, since, flows } = ctx;
  const invalidRows = rows.filter((r) => '__invalid' in r);
  const parsed = usageSnapshotsOf(rows.filter((r) => !('__invalid' in r)), source, ctx.asOf);
  const future = setAsideFuture(parsed.snapshots, ctx.asOf, source);
  const problems = [...invalidRows.map((r) => ({ origin: source, message: String(r.__invalid) })), ...parsed.problems, ...future.problems];
  const fresh = future.trusted.filter((s) => !since || s.at >= since);
  const summary = emptySummary({ source, mode: 'snapshots', rows: rows.length, snapshots: fresh.length, problems, cursor: since });
  summary.future = future.problems.length;
  const keyOf = (s: UsageSnapshot): string | null => {
    if (s.object === 'contact') {
      const n = normaliseEmail(s.userEmail);
      return n ? `email:${n.canonical}` : null;
    }
    return s.domain ? `domain:${s.domain}` : s.accountId ? `account:${s.accountId}` : null;
  };
  const keyed = fresh.filter((s) => flows[s.object]).flatMap((s) => {
    const k = keyOf(s);
    return k ? [[k, s] as [string, UsageSnapshot]] : [];
  });
  if (keyed.length > 0) {
    const inputs = new Map<string, IdentityInput>();
    for (const [k, s] of keyed)
      if (!inputs.has(k))
        inputs.set(
          k,
          s.object === 'contact'
            ? { key: k, type: 'contact', email: s.userEmail, ...(s.domain ? { company_domain: s.domain } : {}) }
            : k.startsWith('domain:')
              ? { key: k, type: 'company', domain: k.slice(7), ...(s.accountName ? { name: s.accountName } : {}) }
              : { key: k, type: 'company', name: s.accountName },
        );
    const idOf = await resolveKeys(store, connector, [...inputs.values()], summary);
    for (const object of ['contact', 'company'] as const) {
      const flow = flows[object];
      if (!flow) continue;
      // a record named by two keys (two addresses, a domain and an account id) takes its latest snapshot
      const latest = latestSnapshots(keyed.filter(([k, s]) => s.object === object && idOf.has(k)).map(([k, s]) => [idOf.get(k) as string, s] as [string, UsageSnapshot]));
      if (latest.size === 0) continue;
      await writeUsage(store, connector, config, summary, object, flow, await flowOutputs(connector, object, flow, new Map([...latest].map(([id, s]) => [id, s.values]))));
    }
  }
  summary.cursor = await advanceCursor(store, ctx.cursorName, since, future.trusted.map((x) => x.at), ctx.asOf);
  ctx.onProgress?.(1, 1);
  return summary;
}
