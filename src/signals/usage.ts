/**
 * Product-usage import: rows from a CSV / JSONL file or a Postgres query → events (deduplicated,
 * incremental on event time with a cursor) → identity (contacts by user email, companies by domain
 * or account) → aggregates → the pipeline's write step (the flow's gate, then write-back), so values are typed, ownership applies, writes
 * are verified, stamped and in the ledger. Only records with new events are recomputed, and
 * write-back skips values that did not change. A source of account (or user) snapshots — rows that
 * state active users, last active, features… as of a time — is taken as-is instead: the latest
 * snapshot of each record is written, nothing is aggregated (usage-snapshot.ts).
 */
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
import type { ParseProblem } from './types.js';
import { type UsageSource, openRows } from './usage-source.js';
import { type UsageEvent, aggregateUsage, usageEventsOf, usageOutputs } from './usage-aggregate.js';
import { type UsageSnapshot, isSnapshotSource, latestSnapshots, usageSnapshotsOf } from './usage-snapshot.js';


export type { UsageSource } from './usage-source.js';

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
  const read = await openRows(opts.source, since, mode, opts.onProgress);
  const source = provisional;
  let snapshotMode = read.snapshots ?? (mode === 'snapshots' ? true : mode === 'events' ? false : undefined);
  const events = new EventIntake(store, source, since, asOf, flows);
  const snapshots = new SnapshotIntake(source, since, asOf, flows);
  for await (const rows of read.chunks) {
    // `auto`: a source with any snapshot column is read as snapshots (judged on its first rows)
    snapshotMode ??= isSnapshotSource(new Set(rows.slice(0, 100).flatMap((r) => Object.keys(r))));
    if (snapshotMode) snapshots.add(rows);
    else await events.add(rows);
  }
  if (snapshotMode) return importSnapshots(store, connector, config, { intake: snapshots, cursorName, onProgress: opts.onProgress });

  const summary = emptySummary({ source, mode: 'events', rows: events.rows, events: events.added, problems: events.problems, cursor: since });
  summary.future = events.future;
  if (events.added > 0) {
    // identity: every key with new events, contacts by address, companies by domain / account
    const idOf = await resolveKeys(store, connector, [...events.inputs.values()], summary);
    const featureCount = await countUsageFeatures(store, source);
    for (const object of ['contact', 'company'] as const) {
      const flow = flows[object];
      if (!flow) continue;
      const ids = [...new Set([...events.keys[object]].flatMap((k) => (idOf.has(k) ? [idOf.get(k) as string] : [])))];
      if (ids.length === 0) continue;
      // every key linked to these records (a contact's other addresses), so a record aggregates all its events
      const keysById = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
      for (const [k, id] of idOf) keysById.get(id)?.add(k);
      for (const l of await selectLinkedKeys(store, crm, object, ids)) keysById.get(l.crm_id)?.add(l.external_key);
      const allKeys = [...keysById.values()].flatMap((s) => [...s]);
      const stored = await selectUsageEventsByKeys(store, source, object === 'contact' ? allKeys : [], object === 'company' ? allKeys : []);
      const byKey = new Map<string, UsageEvent[]>();
      for (const r of stored) {
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
  summary.cursor = await advanceCursor(store, cursorName, since, events.latest);
  opts.onProgress?.(1, 1);
  return summary;
}

/** The latest of two row times, a row time never past the import's time. */
function later(latest: string | null, at: string, asOf: Date): string {
  const ceiling = asOf.toISOString();
  const c = at > ceiling ? ceiling : at;
  return latest === null || c > latest ? c : latest;
}

/**
 * Event rows taken a chunk at a time: each chunk is parsed, set aside when dated in the future,
 * stored (deduplicated by the store), and forgotten; what stays is one identity input per key with
 * new events, so memory follows the number of people and accounts, not the file's size.
 */
class EventIntake {
  rows = 0;
  added = 0;
  future = 0;
  latest: string | null;
  readonly problems: ParseProblem[] = [];
  readonly inputs = new Map<string, IdentityInput>();
  readonly keys = { contact: new Set<string>(), company: new Set<string>() };

  constructor(
    private readonly store: Store,
    private readonly source: string,
    private readonly since: string | null,
    private readonly asOf: Date,
    private readonly flows: { contact?: FlowConfig; company?: FlowConfig },
  ) {
    this.latest = since;
  }

  async add(rows: Record<string, unknown>[]): Promise<void> {
    const first = this.rows + 1;
    this.rows += rows.length;
    for (const r of rows) if ('__invalid' in r) this.problems.push({ origin: this.source, message: String(r.__invalid) });
    const parsed = usageEventsOf(rows.filter((r) => !('__invalid' in r)), this.source, first);
    for (const p of parsed.problems) this.problems.push(p);
    const future = setAsideFuture(parsed.events, this.asOf, this.source);
    this.future += future.problems.length;
    for (const p of future.problems) this.problems.push(p);
    for (const e of future.trusted) this.latest = later(this.latest, e.at, this.asOf);
    // incremental on event time: rows before the cursor were ingested by an earlier run
    const fresh = future.trusted.filter((e) => !this.since || e.at >= this.since);
    const stored = fresh.map((e) => ({ ...e, contactKey: contactKeyOf(e), companyKey: companyKeyOf(e) }));
    for (let i = 0; i < stored.length; i += 1000) {
      const batch = stored.slice(i, i + 1000);
      const isNew = new Set(await insertUsageEvents(this.store, this.source, batch));
      for (const e of batch) if (isNew.has(e.key)) this.take(e);
    }
  }

  private take(e: UsageEvent & { contactKey: string | null; companyKey: string | null }): void {
    this.added++;
    if (this.flows.contact && e.contactKey) {
      this.keys.contact.add(e.contactKey);
      if (!this.inputs.has(e.contactKey)) this.inputs.set(e.contactKey, { key: e.contactKey, type: 'contact', email: e.userEmail, ...(e.domain ? { company_domain: e.domain } : {}) });
    }
    if (this.flows.company && e.companyKey) {
      this.keys.company.add(e.companyKey);
      if (!this.inputs.has(e.companyKey))
        this.inputs.set(e.companyKey, e.companyKey.startsWith('domain:') ? { key: e.companyKey, type: 'company', domain: e.companyKey.slice(7) } : { key: e.companyKey, type: 'company', name: e.accountName });
    }
  }
}

/** Snapshot rows taken a chunk at a time: only the latest snapshot of each key is kept. */
class SnapshotIntake {
  rows = 0;
  fresh = 0;
  future = 0;
  latest: string | null;
  readonly problems: ParseProblem[] = [];
  readonly byKey = new Map<string, UsageSnapshot>();

  constructor(
    readonly source: string,
    readonly since: string | null,
    readonly asOf: Date,
    readonly flows: { contact?: FlowConfig; company?: FlowConfig },
  ) {
    this.latest = since;
  }

  add(rows: Record<string, unknown>[]): void {
    const first = this.rows + 1;
    this.rows += rows.length;
    for (const r of rows) if ('__invalid' in r) this.problems.push({ origin: this.source, message: String(r.__invalid) });
    const parsed = usageSnapshotsOf(rows.filter((r) => !('__invalid' in r)), this.source, this.asOf, first);
    for (const p of parsed.problems) this.problems.push(p);
    const future = setAsideFuture(parsed.snapshots, this.asOf, this.source);
    this.future += future.problems.length;
    for (const p of future.problems) this.problems.push(p);
    for (const s of future.trusted) {
      this.latest = later(this.latest, s.at, this.asOf);
      if (this.since && s.at < this.since) continue;
      this.fresh++;
      const k = this.flows[s.object] ? snapshotKey(s) : null;
      const cur = k ? this.byKey.get(k) : undefined;
      if (k && (!cur || s.at >= cur.at)) this.byKey.set(k, s);
    }
  }
}

function snapshotKey(s: UsageSnapshot): string | null {
  if (s.object === 'contact') {
    const n = normaliseEmail(s.userEmail);
    return n ? `email:${n.canonical}` : null;
  }
  return s.domain ? `domain:${s.domain}` : s.accountId ? `account:${s.accountId}` : null;
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

/** The cursor moved to the latest row time read (never back; row times are already clamped to the import's time). */
async function advanceCursor(store: Store, name: string, since: string | null, latest: string | null): Promise<string | null> {
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
  ctx: { intake: SnapshotIntake; cursorName: string; onProgress?: (done: number, total: number) => void },
): Promise<UsageImportSummary> {
  const { intake } = ctx;
  const { source, since, flows } = intake;
  const summary = emptySummary({ source, mode: 'snapshots', rows: intake.rows, snapshots: intake.fresh, problems: intake.problems, cursor: since });
  summary.future = intake.future;
  const keyed = [...intake.byKey];
  if (keyed.length > 0) {
    const inputs = new Map<string, IdentityInput>();
    for (const [k, s] of keyed)
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
  summary.cursor = await advanceCursor(store, ctx.cursorName, since, intake.latest);
  ctx.onProgress?.(1, 1);
  return summary;
}
