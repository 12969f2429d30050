/**
 * `inrecord demo`: the whole promise with no credentials. Starts the simulated CRMs (each in a
 * process of its own), validates identity on a sample of their records, runs the flows in shadow
 * mode, opens each gate on a labelled sample (labels taken from the simulator's ground truth —
 * simulated, and said so), writes back while simulated reps edit the same records, imports a
 * mailbox and product usage, notes deal-risk changes, and reports figures computed from the store
 * and the simulators. Each phase is timed.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { InrecordConfig } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector, CrmName, CrmRecord, FieldValue } from '../crm/types.js';
import { countOpenDeadLetters } from '../jobs/index.js';
import { type evaluateGate, shadowRecordIds, shadowValues } from '../gate/index.js';
import { runMonitor } from '../monitor/index.js';
import { type FlowRunReport, checkConfig, prepareFlow, runFlow } from '../pipeline/index.js';
import { simulatorOf } from '../simulators/index.js';
import { type World, generateWorld } from '../simulators/seed/index.js';
import { countReviewItems } from '../review/index.js';
import { type Store, openStore } from '../store/index.js';
import { ledgerForRun } from '../writeback/index.js';
import { demoConfig, demoSignalConfig } from './configs.js';
import { type DemoTruth, inboundAsReceived, numericOutputOf, outcomeJudge } from './labels.js';
import type { DemoCrmReport, DemoFlowReport, DemoOptions, DemoRepEdits, DemoReport, DemoRuntime } from './report.js';
import { dealRiskNotes, importMailbox, usageImport } from './signals.js';
import { type DemoSimulator, startDemoSimulator } from './sims.js';
import { fateOf, flowSummary, openGate, outcomeFigures, recordPages, validateIdentity } from './steps.js';

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

const PAGE = 500;

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
  // the simulator as the demo runs it (HubSpot: a portal with a larger rate limit), and the connector to match
  const portal = simulatorOf(crm).demo.simulator ?? {};
  const clock = phaseClock();
  const time = clock.time;
  let sim: DemoSimulator;
  try {
    sim = await time('simulator start and seed', () =>
      startDemoSimulator(crm, { seed: 42, records, mode: opts.simulators ?? 'process', ...(opts.simulatorCommand ? { command: opts.simulatorCommand } : {}), ...portal }),
    );
  } catch (err) {
    return { crm, available: false, note: (err as Error).message, flows: [], recordPages: [], phases: clock.phases };
  }
  sims.push(sim);
  const store = await storeReady;
  say(`${crm}: simulator on ${sim.url} (${sim.pid === 'in-process' ? 'in process' : `process ${sim.pid}`}) with ${records.toLocaleString('en-US')} seeded records`);
  const base = demoConfig(crm, sim);
  if (portal.rateLimit) base.crm.rateLimit = { ...base.crm.rateLimit, callsPerWindow: portal.rateLimit.callsPerWindow, windowMs: portal.rateLimit.windowMs };
  const { config, fields: demoFields } = demoSignalConfig(base);
  configs.push(config);
  const connector = await createConnector(config.crm, {
    store,
    identityAttributes: config.identity.attributes,
  });
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
    // the prospects' inbound emails (as a sales inbox receives them) and call notes, filed by their rep in the contact's description
    const idOf = gt.idOf;
    const latest = new Map<string, { text: string; intent: string }>();
    for (const m of gt.world.messages) if (m.contactId && idOf[m.contactId]) latest.set(idOf[m.contactId] as string, inboundAsReceived(m));
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
