/**
 * `inrecord demo`: the whole promise with no credentials. Starts the simulated CRMs (each in a
 * process of its own), validates identity on a sample of their records, runs the flows in shadow
 * mode, opens each gate on a labelled sample (labels taken from the simulator's ground truth —
 * simulated, and said so), writes back while simulated reps edit the same records, imports a
 * mailbox and product usage, notes deal-risk changes, and reports figures computed from the store
 * and the simulators. Each phase is timed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FlowConfig, InrecordConfig } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector, CrmName, CrmRecord, FieldValue } from '../crm/types.js';
import { listSnapshot, sampleExternalViews, validateIdentities } from '../identity/index.js';
import { countOpenDeadLetters } from '../jobs/index.js';
import { drawSample, evaluateGate, labelSample, shadowRecordIds, shadowValues } from '../gate/index.js';
import { runMonitor } from '../monitor/index.js';
import type { ModelSummary } from '../flows/index.js';
import { type FlowRunReport, checkConfig, prepareFlow, runFlow } from '../pipeline/index.js';
import { type World, generateWorld, prng } from '../simulators/seed/index.js';
import { countReviewItems } from '../review/index.js';
import { countRiskNotes, importActivities, importUsage, noteDealRiskChanges, readActivitySource, selectRiskLevels } from '../signals/index.js';
import { worldFixtures } from '../signals/testdata/world-fixtures.js';
import { type Store, openStore } from '../store/index.js';
import { ledgerForRun, resolveField, writtenRecordIds } from '../writeback/index.js';
import { demoConfig, demoSignalConfig } from './configs.js';
import { type AucFigure, type DemoTruth, type OutcomeJudge, numericOutputOf, outcomeAuc, outcomeJudge, rulesScores } from './labels.js';
import { type DemoSimulator, startDemoSimulator } from './sims.js';

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
  /** Rep edits per flow and scenario (racing the write, then after it). */
  repEdits?: number;
  /** 'process' (default): each simulator in a child process; 'in-process': on this event loop. */
  simulators?: 'process' | 'in-process';
  /** The command that runs the inrecord CLI for the simulator processes (default: this one). */
  simulatorCommand?: string[];
  onProgress?: (message: string) => void;
}

export interface DemoFlowReport {
  flow: string;
  kind: string;
  explanation: string;
  records: number;
  shadowed: number;
  /**
   * The validation gate on outcome labels: `correct` of `labelled` (for scores and deal risk, ranked
   * right against a record of the opposite outcome), its Wilson 95 % interval, the threshold the
   * lower bound must reach on `sampleSize` labels, and where the labels came from.
   */
  gate: { mode: string; reason: string; labelled: number; correct: number; lowerBound: number | null; upperBound: number | null; threshold: number; sampleSize: number; simulatedLabels: true; labelsFrom: string };
  /**
   * Scores and deal risk: the flow's numbers against every later outcome known (not only the
   * sample), AUC with DeLong 95 % intervals — the served model, and for scoring the hand-written
   * rules on the same records — plus the training hold-out figures when a model was trained.
   */
  outcomes?: {
    records: number;
    positives: number;
    served: AucFigure & { model: string };
    rules: AucFigure | null;
    holdout: { trainedAuc: number | null; trainedLower: number | null; trainedUpper: number | null; rulesAuc: number | null; chosen: string; why: string } | null;
  };
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

/** Rep edits of the AI's hybrid fields, and what became of them — read back from the ledger and the CRM. */
export interface DemoRepEdits {
  /** Edits made during the write run, after inrecord read the record and before it wrote it. */
  race: { made: number; caught: number; landedAfterWrite: number; kept: number; lost: number };
  /** Edits made after the AI wrote, followed by another AI run over the same records. */
  afterWrite: { made: number; flagged: number; kept: number; lost: number };
}

export interface DemoCrmReport {
  crm: CrmName;
  available: boolean;
  note?: string;
  url?: string;
  /** Where the simulator ran: its process id, or 'in-process'. */
  simulatorPid?: number | 'in-process';
  records?: number;
  identity?: { sampled: number; matched: number; correct: number; wrong: number; ambiguous: number; unmatched: number; reasons: Record<string, number> };
  flows: DemoFlowReport[];
  repEdits?: DemoRepEdits;
  /** Inbound messages a rep filed in the contact's description, classified by the intent flow. */
  inbound?: { messages: number; contacts: number };
  /** A mailbox and a calendar from the simulated company's own world, imported through identity. */
  activities?: { items: number; imported: number; ownDomain: number; unmatched: number; reviewItems: number; reimported: number; crmCalls: number };
  activitiesNote?: string;
  /** Product usage written from the seeded world to a file, imported through identity and write-back. */
  usage?: { file: string; rows: number; events: number; contacts: number; companies: number; unmatched: number; written: number; unchanged: number; failed: number; verified: number; reimportEvents: number };
  /** Deal-risk levels noted on the deals' timelines: a baseline, reps move close dates, the changes noted. */
  dealRisk?: { deals: number; baseline: number; levels: Record<string, number>; repEdits: number; changed: number; notes: number; failed: number; notesInStore: number };
  apiCalls?: number;
  /** The CRM's API rate limit the connector keeps to (the simulator enforces the same). */
  rateLimit?: { callsPerWindow: number; windowMs: number };
  recordPages: string[];
  /** Seconds per phase, in the order run. */
  phases: Record<string, number>;
}

export interface DemoReport {
  store: string;
  startedAt: string;
  seconds: number;
  /** Where the CRMs' simulators ran. */
  simulators: 'process' | 'in-process';
  crms: DemoCrmReport[];
  drift: { flow: string; psi: number | null; level: string }[];
  deadLetters: number;
  reviewQueue: number;
  phases: Record<string, number>;
}

export interface DemoRuntime {
  report: DemoReport;
  store: Store;
  config: InrecordConfig;
  connectors: Partial<Record<CrmName, CrmConnector>>;
  sims: DemoSimulator[];
  close(): Promise<void>;
}

/** Seconds per named phase; a phase run twice adds up. */
function phaseClock() {
  const phases: Record<string, number> = {};
  return {
    phases,
    async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const t = performance.now();
      try {
        return await fn();
      } finally {
        phases[name] = Math.round(((phases[name] ?? 0) + (performance.now() - t) / 1000) * 10) / 10;
      }
    },
  };
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

/**
 * Draws samples of the flow's shadow outputs and labels those whose record has a known outcome,
 * drawing again until the gate's sample size is labelled or no outputs are left; then the gate decides.
 */
async function openGate(store: Store, crm: CrmName, modelVersion: string, flow: FlowConfig, judge: OutcomeJudge) {
  let labelled = 0;
  for (let round = 0; round < 50 && labelled < flow.gate.sampleSize; round++) {
    const samples = await drawSample(store, { flow: flow.name, modelVersion, size: flow.gate.sampleSize - labelled, drawnBy: 'demo (simulated reviewer)', seed: `${crm}-demo-${round}` });
    if (samples.length === 0) break;
    for (const s of samples) {
      const label = judge.judge(s);
      if (label === null) continue;
      await labelSample(store, { sampleId: Number(s.id), label, by: 'demo (simulated from the later outcome)' });
      labelled++;
    }
  }
  return evaluateGate(store, { flow, modelVersion, by: 'demo' });
}

function flowSummary(runs: FlowRunReport[], gate: Awaited<ReturnType<typeof evaluateGate>> | null, flow: FlowConfig, batch: number, labelsFrom: string, outcomes: DemoFlowReport['outcomes']): DemoFlowReport {
  const sum = (f: (r: FlowRunReport) => number) => runs.reduce((s, r) => s + f(r), 0);
  const a = (r: FlowRunReport) => r.apply?.fields;
  return {
    flow: flow.name,
    kind: flow.kind,
    explanation: runs[0].explanation,
    records: runs[0].records,
    shadowed: sum((r) => Object.values(r.gate.shadowed).reduce((x, y) => x + y, 0)),
    gate: {
      mode: gate?.mode ?? (flow.gate.mode === 'open' ? 'open' : 'shadow'),
      reason: gate?.reason ?? `gate mode ${flow.gate.mode} in config`,
      labelled: gate?.figures.n ?? 0,
      correct: gate?.figures.correct ?? 0,
      lowerBound: gate?.figures.lower ?? null,
      upperBound: gate?.figures.upper ?? null,
      threshold: flow.gate.threshold,
      sampleSize: flow.gate.sampleSize,
      simulatedLabels: true,
      labelsFrom,
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
    ...(outcomes ? { outcomes } : {}),
  };
}

const PAGE = 500;

/**
 * The simulated HubSpot portal: Enterprise with the API Limit Increase pack (250 calls / 10 s, the
 * most HubSpot sells) and 20 search calls a second (a real portal: 5).
 */
const HUBSPOT_PORTAL = { searchPerSecond: 20, rateLimit: { callsPerWindow: 250, windowMs: 10_000 } };

function repValueFor(type: string | undefined): FieldValue {
  return type === 'number' || type === 'integer' || type === 'percent' || type === 'currency' ? 99 : 'set by rep';
}

/** The world the simulator was seeded from: its ground truth's, else regenerated (deterministic in seed and size). */
function worldOf(gt: DemoTruth, records: number): World {
  // HubSpot's and Pipedrive's ground truth keep the world's truth only, not the world
  return Array.isArray(gt.world?.contacts) ? (gt.world as World) : generateWorld({ seed: 42, contacts: records, leads: Math.min(50, records), convertedLeads: Math.min(5, records), messages: 40, outsiders: 20 });
}

async function demoCrm(storeReady: Promise<Store>, crm: CrmName, opts: DemoOptions, say: (m: string) => void, sims: DemoSimulator[], connectors: Partial<Record<CrmName, CrmConnector>>, configs: InrecordConfig[]): Promise<DemoCrmReport> {
  const records = crm === 'hubspot' ? (opts.hubspotContacts ?? 20_000) : crm === 'salesforce' ? (opts.salesforcePeople ?? 1_400) : (opts.pipedrivePersons ?? 300);
  const clock = phaseClock();
  const time = clock.time;
  let sim: DemoSimulator;
  try {
    sim = await time('simulator start and seed', () =>
      startDemoSimulator(crm, { seed: 42, records, mode: opts.simulators ?? 'process', ...(opts.simulatorCommand ? { command: opts.simulatorCommand } : {}), ...(crm === 'hubspot' ? HUBSPOT_PORTAL : {}) }),
    );
  } catch (err) {
    return { crm, available: false, note: (err as Error).message, flows: [], recordPages: [], phases: clock.phases };
  }
  sims.push(sim);
  const store = await storeReady;
  say(`${crm}: simulator on ${sim.url} (${sim.pid === 'in-process' ? 'in process' : `process ${sim.pid}`}) with ${records.toLocaleString('en-US')} seeded records`);
  const base = demoConfig(crm, sim);
  if (crm === 'hubspot') base.crm.rateLimit = { ...base.crm.rateLimit, callsPerWindow: HUBSPOT_PORTAL.rateLimit.callsPerWindow, windowMs: HUBSPOT_PORTAL.rateLimit.windowMs };
  const { config, fields: demoFields } = demoSignalConfig(base);
  configs.push(config);
  const connector = await createConnector(config.crm, { store });
  connectors[crm] = connector;

  let created = 0;
  const check = await time('check --fix', async () => {
    // fields the demo names by label (Pipedrive), which `check --fix` does not create from a label
    for (const f of demoFields) {
      const schema = await connector.describe(f.object);
      if (schema.fields.some((x) => x.name === f.name || x.label === f.label)) continue;
      created++;
      await connector.createField(f.object, { name: f.name, label: f.label, type: f.type, ...(f.options ? { options: f.options.map((o) => ({ value: o, label: o })) } : {}), ...(f.type === 'string' ? { maxLength: 255 } : {}) });
    }
    return checkConfig(connector, config, { fix: true });
  });
  say(`${crm}: check --fix created ${check.created.length + created} field(s)${check.ok ? '' : `; ${check.problems.filter((p) => p.severity === 'error').length} problem(s) left`}`);

  // identity validation only reads: it runs beside the flows, sharing the CRM's rate limit with them
  const identityRun = time('identity validation', () => validateIdentity(connector, opts.identitySample ?? 500)).then((identity) => {
    say(`${crm}: identity validation on ${identity.sampled} records: ${identity.correct} matched correctly, ${identity.wrong} wrong, ${identity.ambiguous} ambiguous, ${identity.unmatched} unmatched`);
    return identity;
  });
  identityRun.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled

  // the outcomes the gates are judged on: what the CRM records after the shadow run (simulated)
  const gt = await time('ground truth', () => sim.groundTruth<DemoTruth>());
  const intentOf = new Map<string, string>();
  let inbound: DemoCrmReport['inbound'];
  if (config.flows.some((f) => f.kind === 'intent') && gt.world && gt.idOf) {
    // the prospects' inbound emails and call notes, filed by their rep in the contact's description
    const idOf = gt.idOf;
    const latest = new Map<string, { text: string; intent: string }>();
    for (const m of gt.world.messages) if (m.contactId && idOf[m.contactId]) latest.set(idOf[m.contactId] as string, { text: `${m.subject}\n\n${m.body}`, intent: m.intent });
    await time('inbound messages filed', async () => {
      const list = [...latest];
      for (let i = 0; i < list.length; i += 20)
        await Promise.all(list.slice(i, i + 20).map(([id, m]) => sim.repEdit({ object: connector.objectName('contact'), id, fields: { Description: m.text } })));
    });
    for (const [id, m] of latest) intentOf.set(id, m.intent);
    inbound = { messages: gt.world.messages.filter((m) => m.contactId && idOf[m.contactId]).length, contacts: latest.size };
    say(`${crm}: ${latest.size} contacts' latest inbound message filed in their description`);
  }

  const flows: DemoFlowReport[] = [];
  const repEdits: DemoRepEdits = { race: { made: 0, caught: 0, landedAfterWrite: 0, kept: 0, lost: 0 }, afterWrite: { made: 0, flagged: 0, kept: 0, lost: 0 } };
  const budget = opts.repEdits ?? 25;
  const deps = { store, connector, config };
  for (const flow of config.flows.filter((f) => f.kind !== 'usage')) {
    const runs: FlowRunReport[] = [];
    // one read of the flow's records serves training, the shadow run and the write run
    // with the outputs' stamp fields: write-back plans on these records instead of reading them again
    const reads = (await prepareFlow({ store, connector, now: new Date(), train: false, objects: config.objects }, flow)).reads;
    const readAt = new Date().toISOString();
    const recs = await time(`${flow.name}: read`, async () => {
      const out: CrmRecord[] = [];
      for await (const page of connector.readChanged(flow.object, null, reads)) out.push(...page);
      return out;
    });
    const prepared = await time(`${flow.name}: prepare`, () => prepareFlow({ store, connector, now: new Date(), history: recs.map((r) => ({ id: r.id, fields: r.fields })) }, flow));
    const preparedMap = new Map([[flow.name, prepared]]);
    const shadow = await time(`${flow.name}: shadow run`, () => runFlow(deps, flow, { prepared: preparedMap, records: recs, readAt }));
    runs.push(shadow);
    let gate: Awaited<ReturnType<typeof evaluateGate>> | null = null;
    const modelVersion = Object.keys(shadow.gate.gates).map((k) => k.slice(k.indexOf('@') + 1)).at(-1);
    const numeric = numericOutputOf(flow);
    const values = numeric && modelVersion ? await shadowValues(store, { flow: flow.name, crm, output: numeric, modelVersion }) : new Map<string, number>();
    const judge = outcomeJudge(crm, flow, gt, intentOf, values);
    const outcomes = numeric ? outcomeFigures(flow, gt, values, recs, prepared.model) : undefined;
    if (flow.gate.mode === 'gated' && modelVersion) {
      gate = await time(`${flow.name}: gate`, () => openGate(store, crm, modelVersion, flow, judge));
      say(`${crm}/${flow.name}: ${gate?.mode === 'open' ? 'gate opened' : 'gate stays closed'} — ${gate?.reason ?? ''}`);
    }
    const schema = await connector.describe(flow.object);
    const hybridName = Object.entries(config.objects[flow.object]?.fields ?? {}).find(([name, r]) => r.owner === 'hybrid' && Object.values(flow.outputs).includes(name))?.[0];
    const hybrid = hybridName ? schema.fields.find((f) => f.name === hybridName || f.label === hybridName) : undefined;
    if (gate?.mode === 'open' || flow.gate.mode === 'open') {
      // simulated reps edit the hybrid field of records inrecord has read and not yet written: as
      // each page goes to write-back, a few records of the next page
      const scored = hybrid ? new Set(await shadowRecordIds(store, flow.name, crm)) : new Set<string>();
      const perPage = Math.max(1, Math.ceil(budget / Math.max(1, Math.ceil(recs.length / PAGE))));
      const race = new Map<string, FieldValue>();
      const edits: Promise<void>[] = [];
      const editPage = (from: number) => {
        if (!hybrid || race.size >= budget) return;
        const page = recs.slice(from, from + PAGE).filter((r) => scored.has(r.id));
        for (const r of page.slice(0, Math.min(perPage, budget - race.size))) {
          const value = repValueFor(hybrid.type);
          race.set(r.id, value);
          edits.push(sim.repEdit({ object: connector.objectName(flow.object), id: r.id, fields: { [hybrid.name]: value } }));
        }
      };
      const onProgress = (_flow: string, done: number) => editPage(done);
      editPage(0);
      await Promise.all(edits);
      const write = await time(`${flow.name}: write run`, () => runFlow(deps, flow, { prepared: preparedMap, records: recs, readAt, onProgress }));
      await Promise.all(edits);
      runs.push(write);
      if (hybrid && race.size > 0 && write.apply) {
        const fate = await fateOf(store, connector, flow, hybrid.name, write.apply.runId, race);
        repEdits.race.made += race.size;
        repEdits.race.caught += fate.caught;
        repEdits.race.landedAfterWrite += fate.writtenThenKept;
        repEdits.race.kept += fate.kept;
        repEdits.race.lost += fate.lost;
      }
      // reps edit hybrid fields the AI just wrote; the next AI run must not overwrite them
      if (hybrid && write.apply && write.apply.fields.written > 0) {
        await time(`${flow.name}: rep edits after the write`, async () => {
          const ledger = (await ledgerForRun(store, write.apply?.runId as string)).filter((l) => l.outcome === 'written' && l.field === hybrid.name).slice(0, budget);
          const after = new Map<string, FieldValue>();
          for (const t of ledger) {
            const value = repValueFor(hybrid.type);
            await sim.repEdit({ object: connector.objectName(flow.object), id: t.record_id, fields: { [hybrid.name]: value } });
            after.set(t.record_id, value);
          }
          if (after.size === 0) return;
          // a second AI pass (e.g. after a model refresh) wants to write again
          const again = await runFlow(deps, flow, { prepared: preparedMap, ids: [...after.keys()] });
          runs.push(again);
          const fate = await fateOf(store, connector, flow, hybrid.name, again.apply?.runId ?? '', after);
          repEdits.afterWrite.made += after.size;
          repEdits.afterWrite.flagged += fate.caught;
          repEdits.afterWrite.kept += fate.kept;
          repEdits.afterWrite.lost += fate.lost;
        });
      }
    }
    flows.push(flowSummary(runs, gate, flow, connector.limits.write, judge.from, outcomes));
    const last = flows.at(-1) as DemoFlowReport;
    say(`${crm}/${flow.name}: ${last.records} records read, ${last.written} fields written, ${last.conflicts} conflicts`);
  }

  const dealFlow = config.flows.find((f) => f.kind === 'deal-risk');
  const dealRisk = dealFlow ? await time('deal-risk notes', () => dealRiskNotes(store, connector, sim, dealFlow, say)) : undefined;
  const usage = config.flows.some((f) => f.kind === 'usage') ? await time('usage import', () => usageImport(store, connector, config, worldOf(gt, records), opts.dataDir, say)) : undefined;
  let activities: DemoCrmReport['activities'];
  let activitiesNote: string | undefined;
  try {
    activities = await time('mailbox import', () => importMailbox(store, connector, crm, worldOf(gt, records), opts.dataDir, say));
  } catch (err) {
    activitiesNote = `mailbox not imported: ${(err as Error).message.split('\n')[0]}`;
    say(`${crm}: ${activitiesNote}`);
  }
  const identity = await identityRun;
  const pages = await recordPages(sim, connector, store, config);
  return {
    crm,
    available: true,
    url: sim.url,
    simulatorPid: sim.pid,
    records,
    identity,
    flows,
    repEdits,
    ...(inbound ? { inbound } : {}),
    ...(activities ? { activities } : {}),
    ...(activitiesNote ? { activitiesNote } : {}),
    ...(usage ? { usage } : {}),
    ...(dealRisk ? { dealRisk } : {}),
    apiCalls: connector.stats().calls,
    rateLimit: { callsPerWindow: connector.rateLimit.callsPerWindow, windowMs: connector.rateLimit.windowMs },
    recordPages: pages,
    phases: clock.phases,
  };
}

/** A score or risk flow's numbers against the later outcomes; scoring adds the rules on the same records and the training hold-out. */
function outcomeFigures(flow: FlowConfig, gt: DemoTruth, values: Map<string, number>, recs: CrmRecord[], model: ModelSummary | undefined): DemoFlowReport['outcomes'] {
  const later = gt.laterOutcomes?.[flow.object];
  const served = later ? outcomeAuc(values, later) : null;
  if (!later || !served) return undefined;
  const known = Object.keys(later).filter((id) => values.has(id));
  const rules = flow.kind === 'scoring' ? outcomeAuc(rulesScores(flow, recs, known, new Date()), later) : null;
  return {
    records: served.n,
    positives: served.positives,
    served: { model: model?.chosen ?? flow.kind, auc: served.auc, lower: served.lower, upper: served.upper },
    rules: rules ? { auc: rules.auc, lower: rules.lower, upper: rules.upper } : null,
    holdout: model ? { trainedAuc: model.holdoutAuc, trainedLower: model.aucLower, trainedUpper: model.aucUpper, rulesAuc: model.rulesAuc, chosen: model.chosen, why: model.why } : null,
  };
}

/** What became of rep edits: the run's ledger outcome for the field, and the value in the CRM now. */
async function fateOf(store: Store, connector: CrmConnector, flow: FlowConfig, field: string, runId: string, edits: Map<string, FieldValue>) {
  const ids = [...edits.keys()];
  const wanted = new Set(ids);
  const ledger = (await ledgerForRun(store, runId)).filter((l) => l.field === field && wanted.has(l.record_id));
  const outcome = new Map(ledger.map((l) => [l.record_id, l.outcome]));
  const now = await connector.read(flow.object, ids, [field]);
  const held = new Set(now.filter((r) => String(r.fields[field]) === String(edits.get(r.id))).map((r) => r.id));
  let caught = 0;
  let writtenThenKept = 0;
  for (const id of ids) {
    const o = outcome.get(id);
    if (o === 'flagged' || o === 'conflict_skipped') caught++;
    else if (o === 'written' && held.has(id)) writtenThenKept++;
  }
  return { caught, writtenThenKept, kept: held.size, lost: ids.length - held.size };
}

/** Deal risk on the deals' timelines: a baseline, reps move some close dates, the level changes noted. */
async function dealRiskNotes(store: Store, connector: CrmConnector, sim: DemoSimulator, flow: FlowConfig, say: (m: string) => void): Promise<NonNullable<DemoCrmReport['dealRisk']>> {
  const first = await noteDealRiskChanges(store, connector, flow);
  const levels = [...(await selectRiskLevels(store, connector.crm))].map(([deal_id, level]) => ({ deal_id, level })).sort((a, b) => (a.deal_id < b.deal_id ? -1 : a.deal_id > b.deal_id ? 1 : 0));
  const count: Record<string, number> = {};
  for (const l of levels) count[l.level] = (count[l.level] ?? 0) + 1;
  // reps push two high-risk deals' close dates a quarter out, and let one other deal's date pass
  const future = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
  const past = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
  const edits = [
    ...levels.filter((l) => l.level === 'high').slice(0, 2).map((l) => ({ id: l.deal_id, date: future })),
    ...levels.filter((l) => l.level === 'low').slice(0, 1).map((l) => ({ id: l.deal_id, date: past })),
  ];
  for (const e of edits) await sim.repEdit({ object: connector.objectName('deal'), id: e.id, fields: { expected_close_date: e.date } });
  const second = await noteDealRiskChanges(store, connector, flow);
  // the notes the store links to a deal: each is a note id the CRM returned
  const n = await countRiskNotes(store, connector.crm);
  say(`${connector.crm}: deal risk on ${first.deals} deals (baseline); after ${edits.length} rep edits of close dates, ${second.notes} timeline notes`);
  return { deals: first.deals, baseline: first.baseline, levels: count, repEdits: edits.length, changed: second.changed, notes: second.notes, failed: first.failed.length + second.failed.length, notesInStore: n };
}

const FEATURES = ['reports', 'dashboards', 'export', 'api', 'alerts', 'sso'];

/** Product usage from the seeded world: events for some of the people (and a few strangers) in a CSV file, imported twice. */
async function usageImport(store: Store, connector: CrmConnector, config: InrecordConfig, world: World, dataDir: string, say: (m: string) => void): Promise<NonNullable<DemoCrmReport['usage']>> {
  const rnd = prng(4242);
  const now = Date.now();
  const rows: string[] = ['event_id,user_email,feature,occurred_at'];
  let k = 0;
  const users = [...world.contacts.filter((c) => c.email).slice(0, 120).map((c) => c.email as string), ...world.outsiders.flatMap((o) => (o.email ? [o.email] : [])).slice(0, 5)];
  for (const email of users) {
    if (rnd() < 0.3) continue;
    const n = 1 + Math.floor(rnd() * 10);
    for (let i = 0; i < n; i++) {
      const at = new Date(now - Math.floor(rnd() * 45 * 86_400_000)).toISOString();
      rows.push(`ev${++k},${email},${FEATURES[Math.floor(rnd() * FEATURES.length)]},${at}`);
    }
  }
  const dir = join(dataDir, 'demo', 'usage');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'usage.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  const first = await importUsage(store, connector, config, { source: { kind: 'file', path: file } });
  const again = await importUsage(store, connector, config, { source: { kind: 'file', path: file } });
  // read back what the ledger says was written
  const written = [];
  for (const runId of first.runIds) written.push(...(await ledgerForRun(store, runId)).filter((l) => l.outcome === 'written'));
  let verified = 0;
  for (const object of ['contact', 'company'] as const) {
    const mine = written.filter((w) => w.object === object);
    if (mine.length === 0) continue;
    const fields = [...new Set(mine.map((w) => w.field))];
    const recs = new Map((await connector.read(object, [...new Set(mine.map((w) => w.record_id))], fields)).map((r) => [r.id, r.fields]));
    for (const w of mine) if (String(recs.get(w.record_id)?.[w.field]) === String(w.after_value)) verified++;
  }
  say(`${connector.crm}: usage file of ${rows.length - 1} events: ${first.contacts} contacts and ${first.companies} companies updated, ${first.written} fields written (${verified} read back), ${first.unmatched} unknown users in review; re-import added ${again.events} events`);
  return {
    file,
    rows: first.rows,
    events: first.events,
    contacts: first.contacts,
    companies: first.companies,
    unmatched: first.unmatched,
    written: written.length,
    unchanged: first.unchanged,
    failed: first.failed,
    verified,
    reimportEvents: again.events,
  };
}

/** The simulated team's mailbox and calendar, imported twice: once lands each item, once creates nothing. */
async function importMailbox(store: Store, connector: CrmConnector, crm: CrmName, world: World, dataDir: string, say: (m: string) => void) {
  const fx = worldFixtures(world, { limit: 40 });
  const dir = join(dataDir, 'demo', 'mailbox', crm);
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

async function recordPages(sim: DemoSimulator, connector: CrmConnector, store: Store, config: InrecordConfig): Promise<string[]> {
  const flow = config.flows[0];
  if (!flow) return [];
  const ids = await writtenRecordIds(store, connector.crm, flow.object, 3);
  const pages = ids.map((id) => `${sim.url}/ui/${connector.objectName(flow.object)}/${id}`);
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
  const clock = phaseClock();
  const dir = join(opts.dataDir, 'demo');
  rmSync(dir, { recursive: true, force: true });
  // the store opens while the simulators start and seed in their own processes
  const storeReady = clock.time('store open', () => openStore({ dataDir: dir, databaseUrl: '' }));
  storeReady.then(() => say(`store: embedded Postgres in ${dir}`)).catch(() => {});
  const sims: DemoSimulator[] = [];
  const connectors: Partial<Record<CrmName, CrmConnector>> = {};
  const configs: InrecordConfig[] = [];
  // the CRMs are independent: they run side by side and share the store
  const order = opts.crms ?? (['salesforce', 'pipedrive', 'hubspot'] as CrmName[]);
  // a failure in one CRM stops the demo: everything started is closed (the other CRMs then fail
  // fast and are waited for), so no simulator or store is left running with nothing to stop it
  const runs = order.map((crm) => demoCrm(storeReady, crm, opts, say, sims, connectors, configs));
  let crms: Awaited<(typeof runs)[number]>[];
  try {
    crms = await clock.time('CRMs side by side', () => Promise.all(runs));
  } catch (err) {
    for (const c of Object.values(connectors)) await c?.close().catch(() => {});
    for (const s of sims) await s.close().catch(() => {});
    await storeReady.then((st) => st.close()).catch(() => {});
    await Promise.allSettled(runs);
    for (const s of sims) await s.close().catch(() => {});
    throw err;
  }
  const store = await storeReady;
  configs.sort((a, b) => order.indexOf(a.crm.kind) - order.indexOf(b.crm.kind));
  const first = configs[0];
  const merged: InrecordConfig | null = first ? { ...first, flows: configs.flatMap((c) => c.flows), objects: {} } : null;
  const monitor = merged ? await clock.time('monitor', () => runMonitor(store, merged, { by: 'demo', trigger: 'demand' } as never).catch(() => null)) : null;
  const dl = await countOpenDeadLetters(store);
  const rq = await countReviewItems(store, { status: 'open' });
  const report: DemoReport = {
    store: dir,
    startedAt: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    simulators: opts.simulators ?? 'process',
    crms,
    drift: (monitor?.flows ?? []).map((f) => ({ flow: f.flow, psi: f.drift.psi ?? null, level: f.drift.level ?? 'ok' })),
    deadLetters: dl,
    reviewQueue: rq,
    phases: clock.phases,
  };
  return {
    report,
    store,
    config: merged ?? (configs[0] as InrecordConfig),
    connectors,
    sims,
    async close() {
      for (const c of Object.values(connectors)) await c?.close().catch(() => {});
      for (const s of sims) await s.close().catch(() => {});
      await store.close().catch(() => {});
    },
  };
}
