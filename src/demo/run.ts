/**
 * `inrecord demo`: the whole promise with no credentials. Starts the simulated CRMs, validates
 * identity on a sample of their records, runs the flows in shadow mode, opens each gate on a
 * labelled sample (labels taken from the simulator's ground truth — simulated, and said so), writes
 * back, lets simulated reps edit fields, runs again, and reports figures computed from the store and
 * the simulators.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InrecordConfig } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector, CrmName, FieldValue } from '../crm/types.js';
import { listSnapshot, sampleExternalViews, validateIdentities } from '../identity/index.js';
import { type Sample, drawSample, evaluateGate, labelSample, runMonitor } from '../monitor/index.js';
import { type FlowRunReport, runFlow } from '../runner/index.js';
import { type RunningSimulator, startSimulator } from '../simulators/index.js';
import { type Store, openStore } from '../store/index.js';
import { checkLive } from '../writeback/index.js';
import { generateWorld } from '../simulators/seed/index.js';
import { importActivities, readActivitySource } from '../signals/index.js';
import { worldFixtures } from '../signals/testdata/world-fixtures.js';
import { demoConfig } from './configs.js';

export interface DemoOptions {
  dataDir: string;
  /** Contacts in the HubSpot portal (default 20,000). */
  hubspotContacts?: number;
  /** People in the Salesforce org (default 1,400: ≥ 1,000 converted leads). */
  salesforcePeople?: number;
  /** Persons in the Pipedrive company (default 300). */
  pipedrivePersons?: number;
  crms?: CrmName[];
  identitySample?: number;
  repEdits?: number;
  onProgress?: (message: string) => void;
}

export interface DemoFlowReport {
  flow: string;
  explanation: string;
  records: number;
  shadowed: number;
  gate: { mode: string; reason: string; labelled: number; correct: number; lowerBound: number | null; threshold: number; simulatedLabels: true };
  written: number;
  unchanged: number;
  rejected: number;
  conflicts: number;
  failed: number;
  notApplied: number;
  writeCalls: number;
  minimumWriteCalls: number;
  runIds: string[];
}

export interface DemoCrmReport {
  crm: CrmName;
  available: boolean;
  note?: string;
  url?: string;
  identity?: { sampled: number; matched: number; correct: number; wrong: number; ambiguous: number; unmatched: number; reasons: Record<string, number> };
  flows: DemoFlowReport[];
  humanEdits?: { made: number; kept: number; flagged: number; lost: number };
  /** A mailbox and a calendar from the simulated company's own world, imported through identity. */
  activities?: { items: number; imported: number; ownDomain: number; unmatched: number; reviewItems: number; reimported: number; crmCalls: number };
  apiCalls?: number;
  recordPages: string[];
}

export interface DemoReport {
  store: string;
  startedAt: string;
  seconds: number;
  crms: DemoCrmReport[];
  drift: { flow: string; psi: number | null; level: string }[];
  deadLetters: number;
  reviewQueue: number;
}

export interface DemoRuntime {
  report: DemoReport;
  store: Store;
  config: InrecordConfig;
  connectors: Partial<Record<CrmName, CrmConnector>>;
  sims: RunningSimulator[];
  close(): Promise<void>;
}

/** Identity validation: a sample of CRM records, presented as an outside system would, resolved back. */
async function validateIdentity(connector: CrmConnector, size: number): Promise<NonNullable<DemoCrmReport['identity']>> {
  const snap = await listSnapshot(connector);
  const { report, results } = validateIdentities(snap, sampleExternalViews(snap, size, 7));
  const reasons: Record<string, number> = {};
  for (const r of results) {
    if (r.status === 'matched') continue;
    const why = r.reason.replace(/[\w.+-]+@[\w.-]+|\d+|"[^"]*"|\([^)]*\)/g, '…').slice(0, 70);
    reasons[why] = (reasons[why] ?? 0) + 1;
  }
  return {
    sampled: report.sampled,
    matched: report.matched + report.mismatches,
    correct: report.matched,
    wrong: report.mismatches,
    ambiguous: report.ambiguous,
    unmatched: report.misses,
    reasons,
  };
}

type Truth = (sample: Sample) => boolean;

function truthFor(crm: CrmName, sim: RunningSimulator): Truth {
  const gt = sim.groundTruth() as { leadOutcome?: Record<string, boolean> };
  if (crm === 'salesforce' && gt.leadOutcome) {
    // a score is judged right when its band matches the lead's known outcome so far
    return (s) => s.output.output !== 'score' || Number(s.output.value) >= 50 === Boolean(gt.leadOutcome?.[s.output.record_id]);
  }
  // elsewhere the seed has no outcome to judge a score by: a reviewer checks the value is sane
  return (s) => {
    if (s.output.output !== 'score') return typeof s.output.value === 'string' && s.output.value.length > 0;
    const v = Number(s.output.value);
    return Number.isFinite(v) && v >= 0 && v <= 100;
  };
}

async function openGate(store: Store, crm: CrmName, sim: RunningSimulator, report: FlowRunReport, config: InrecordConfig, truth: Truth) {
  const flow = config.flows.find((f) => f.name === report.flow)!;
  const versions = Object.keys(report.gate.gates).map((k) => k.slice(k.indexOf('@') + 1));
  let last: Awaited<ReturnType<typeof evaluateGate>> | null = null;
  for (const modelVersion of versions) {
    const samples = await drawSample(store, { flow: flow.name, modelVersion, size: flow.gate.sampleSize, drawnBy: 'demo (simulated reviewer)', seed: `${crm}-demo` });
    for (const s of samples) await labelSample(store, { sampleId: Number(s.id), label: truth(s) ? 'correct' : 'incorrect', by: 'demo (simulated from ground truth)' });
    last = await evaluateGate(store, { flow, modelVersion, by: 'demo' });
  }
  void sim;
  return last;
}

function flowSummary(runs: FlowRunReport[], gate: Awaited<ReturnType<typeof evaluateGate>> | null, threshold: number, batch: number): DemoFlowReport {
  const sum = (f: (r: FlowRunReport) => number) => runs.reduce((s, r) => s + f(r), 0);
  const a = (r: FlowRunReport) => r.apply?.fields;
  const recordsWritten = sum((r) => r.apply?.recordsWritten ?? 0);
  return {
    flow: runs[0].flow,
    explanation: runs[0].explanation,
    records: runs[0].records,
    shadowed: sum((r) => Object.values(r.gate.shadowed).reduce((x, y) => x + y, 0)),
    gate: {
      mode: gate?.mode ?? 'open',
      reason: gate?.reason ?? 'gate mode open in config',
      labelled: gate?.figures.n ?? 0,
      correct: gate?.figures.correct ?? 0,
      lowerBound: gate?.figures.lower ?? null,
      threshold,
      simulatedLabels: true,
    },
    written: sum((r) => a(r)?.written ?? 0),
    unchanged: sum((r) => a(r)?.unchanged ?? 0),
    rejected: sum((r) => (a(r)?.rejected ?? 0) + r.rejected.length),
    conflicts: sum((r) => (a(r)?.flagged ?? 0) + (a(r)?.conflict_skipped ?? 0)),
    failed: sum((r) => a(r)?.failed ?? 0),
    notApplied: sum((r) => a(r)?.not_applied ?? 0),
    writeCalls: sum((r) => r.apply?.writeBatches ?? 0),
    minimumWriteCalls: runs.reduce((s, r) => s + Math.ceil((r.apply?.recordsWritten ?? 0) / batch), 0),
    runIds: runs.map((r) => r.apply?.runId).filter((x): x is string => Boolean(x)),
  };
}

async function demoCrm(store: Store, crm: CrmName, opts: DemoOptions, say: (m: string) => void, sims: RunningSimulator[], connectors: Partial<Record<CrmName, CrmConnector>>, configs: InrecordConfig[]): Promise<DemoCrmReport> {
  const records = crm === 'hubspot' ? (opts.hubspotContacts ?? 20_000) : crm === 'salesforce' ? (opts.salesforcePeople ?? 1_400) : (opts.pipedrivePersons ?? 300);
  let sim: RunningSimulator;
  try {
    sim = await startSimulator(crm, { seed: 42, records, ...(crm === 'hubspot' ? { searchPerSecond: 20 } : {}) });
  } catch (err) {
    return { crm, available: false, note: (err as Error).message, flows: [], recordPages: [] };
  }
  sims.push(sim);
  say(`${crm}: simulator on ${sim.url} with ${records.toLocaleString('en-US')} seeded records`);
  const config = demoConfig(crm, sim);
  configs.push(config);
  const connector = await createConnector(config.crm, { store });
  connectors[crm] = connector;

  const check = await checkLive(connector, config, { fix: true });
  say(`${crm}: check --fix created ${check.created.length} field(s)${check.ok ? '' : `; ${check.problems.filter((p) => p.severity === 'error').length} problem(s) left`}`);

  const identity = await validateIdentity(connector, opts.identitySample ?? 500);
  say(`${crm}: identity validation on ${identity.sampled} records: ${identity.correct} matched correctly, ${identity.wrong} wrong, ${identity.ambiguous} ambiguous, ${identity.unmatched} unmatched`);

  const flows: DemoFlowReport[] = [];
  let repEditsMade = 0;
  let protectedEdits = 0;
  let lost = 0;
  for (const flow of config.flows) {
    const runs: FlowRunReport[] = [];
    const shadow = await runFlow({ store, connector, config }, flow);
    runs.push(shadow);
    let gate: Awaited<ReturnType<typeof evaluateGate>> | null = null;
    if (flow.gate.mode === 'gated') {
      gate = await openGate(store, crm, sim, shadow, config, truthFor(crm, sim));
      say(`${crm}/${flow.name}: ${gate?.mode === 'open' ? 'gate opened' : 'gate stays closed'} — ${gate?.reason ?? ''}`);
      if (gate?.mode === 'open') runs.push(await runFlow({ store, connector, config }, flow, { train: false }));
    }
    // reps edit hybrid fields the AI just wrote; the next run must not overwrite them
    const written = runs.at(-1)?.apply;
    const hybrid = Object.entries(config.objects[flow.object]?.fields ?? {}).find(([, r]) => r.owner === 'hybrid')?.[0];
    if (written && written.fields.written > 0 && hybrid) {
      const ledger = await store.query<{ record_id: string; field: string }>(
        `SELECT record_id, field FROM write_ledger WHERE run_id = $1 AND outcome = 'written' ORDER BY id LIMIT $2`,
        [written.runId, 200],
      );
      const schema = await connector.describe(flow.object);
      const byLabel = schema.fields.find((f) => f.name === hybrid || f.label === hybrid);
      const targets = ledger.filter((l) => l.field === byLabel?.name).slice(0, opts.repEdits ?? 25);
      const repValues = new Map<string, FieldValue>();
      for (const t of targets) {
        const value = byLabel?.type === 'number' || byLabel?.type === 'integer' || byLabel?.type === 'percent' ? 99 : 'set by rep';
        await sim.repEdit({ object: connector.objectName(flow.object), id: t.record_id, fields: { [t.field]: value } });
        repValues.set(t.record_id, value);
      }
      repEditsMade += targets.length;
      if (targets.length > 0) {
        // a second AI pass (e.g. after a model refresh) wants to write again
        const again = await runFlow({ store, connector, config }, flow, { train: false, ids: targets.map((t) => t.record_id) });
        runs.push(again);
        protectedEdits += (again.apply?.fields.flagged ?? 0) + (again.apply?.fields.conflict_skipped ?? 0);
        const after = await connector.read(flow.object, [...repValues.keys()], [byLabel!.name]);
        lost += after.filter((r) => String(r.fields[byLabel!.name]) !== String(repValues.get(r.id))).length;
      }
    }
    flows.push(flowSummary(runs, gate, flow.gate.threshold, connector.limits.write));
  }
  const activities = crm === 'pipedrive' ? await importMailbox(store, connector, crm, records, opts.dataDir, say) : undefined;
  const pages = await recordPages(sim, connector, store, config);
  return {
    crm,
    available: true,
    url: sim.url,
    identity,
    flows,
    humanEdits: { made: repEditsMade, kept: repEditsMade - lost, flagged: protectedEdits, lost },
    activities,
    apiCalls: connector.stats().calls,
    recordPages: pages,
  };
}

/** The simulated team's mailbox and calendar, imported twice: once lands each item, once creates nothing. */
async function importMailbox(store: Store, connector: CrmConnector, crm: CrmName, persons: number, dataDir: string, say: (m: string) => void) {
  // the same world the simulator was seeded from (deterministic in seed and size)
  const world = generateWorld({ seed: 42, contacts: persons, leads: Math.min(50, persons), convertedLeads: Math.min(5, persons), messages: 40, outsiders: 20 });
  const fx = worldFixtures(world, { limit: 40 });
  const dir = join(dataDir, 'demo', 'mailbox');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'inbox.mbox'), fx.mbox);
  writeFileSync(join(dir, 'calendar.ics'), fx.ics);
  const ownDomains = [...new Set(world.owners.map((o) => o.email.split('@')[1]))];
  const mail = await readActivitySource('emails', join(dir, 'inbox.mbox'));
  const cal = await readActivitySource('calendar', join(dir, 'calendar.ics'));
  const items = [...mail.items, ...cal.items];
  const first = await importActivities(store, connector, items, { crm, ownDomains, storeBodies: false, source: 'demo mailbox' });
  const again = await importActivities(store, connector, items, { crm, ownDomains, storeBodies: false, source: 'demo mailbox' });
  const s = first.summary;
  say(`${crm}: mailbox and calendar: ${s.imported} activities on the right records, ${s.unmatched} unknown senders to review, ${s.skippedOwnDomain} internal skipped; re-import created ${again.summary.imported}`);
  return { items: items.length, imported: s.imported, ownDomain: s.skippedOwnDomain, unmatched: s.unmatched, reviewItems: s.reviewItems, reimported: again.summary.imported, crmCalls: s.crmCalls };
}

async function recordPages(sim: RunningSimulator, connector: CrmConnector, store: Store, config: InrecordConfig): Promise<string[]> {
  const flow = config.flows[0];
  if (!flow) return [];
  const rows = await store.query<{ record_id: string }>(
    `SELECT DISTINCT record_id FROM write_ledger WHERE crm = $1 AND outcome = 'written' LIMIT 3`,
    [connector.crm],
  );
  const pages = rows.map((r) => `${sim.url}/ui/${connector.objectName(flow.object)}/${r.record_id}`);
  const live = [];
  for (const p of pages) {
    const res = await fetch(p).catch(() => null);
    if (res?.ok) live.push(p);
  }
  return live;
}

export async function runDemo(opts: DemoOptions): Promise<DemoRuntime> {
  const say = opts.onProgress ?? (() => {});
  const started = Date.now();
  const dir = join(opts.dataDir, 'demo');
  rmSync(dir, { recursive: true, force: true });
  const store = await openStore({ dataDir: dir, databaseUrl: '' });
  say(`store: embedded Postgres in ${dir}`);
  const sims: RunningSimulator[] = [];
  const connectors: Partial<Record<CrmName, CrmConnector>> = {};
  const configs: InrecordConfig[] = [];
  const crms: DemoCrmReport[] = [];
  // the CRMs are independent: they run side by side and share the store
  const order = opts.crms ?? (['salesforce', 'pipedrive', 'hubspot'] as CrmName[]);
  crms.push(...(await Promise.all(order.map((crm) => demoCrm(store, crm, opts, say, sims, connectors, configs)))));
  configs.sort((a, b) => order.indexOf(a.crm.kind) - order.indexOf(b.crm.kind));
  const merged: InrecordConfig = { ...(configs[0] ?? demoConfig('salesforce', sims[0])), flows: configs.flatMap((c) => c.flows), objects: {} };
  const monitor = await runMonitor(store, merged, { by: 'demo', trigger: 'demand' } as never).catch(() => null);
  const [{ dl }] = await store.query<{ dl: number }>("SELECT count(*) AS dl FROM dead_letters WHERE status = 'open'");
  const [{ rq }] = await store.query<{ rq: number }>("SELECT count(*) AS rq FROM review_items WHERE status = 'open'");
  const report: DemoReport = {
    store: dir,
    startedAt: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    crms,
    drift: (monitor?.flows ?? []).map((f) => ({ flow: f.flow, psi: f.drift.psi ?? null, level: f.drift.level ?? 'ok' })),
    deadLetters: dl,
    reviewQueue: rq,
  };
  return {
    report,
    store,
    config: merged,
    connectors,
    sims,
    async close() {
      for (const c of Object.values(connectors)) await c?.close().catch(() => {});
      for (const s of sims) await s.close().catch(() => {});
      await store.close().catch(() => {});
    },
  };
}
