/**
 * The demo's HubSpot write run with its race, gate open: the demo's portal (20,000 contacts, 250
 * calls per 10 s, 20 searches a second), the demo's config (hybrid score with a stamp, ai reason),
 * the flow's records read once, 25 rep edits of the score made as each 500-record page goes to
 * write-back, the write through the pipeline. Reports API calls per 100 written records, the write
 * run's seconds against its rate-limit floor (calls / 250 × 10 s), and the rep edits kept.
 * `npm run bench -- hubspot-writeback [contacts] [runs]`.
 */
import type { FlowConfig } from '../src/config/index.js';
import { createConnector } from '../src/crm/registry.js';
import type { CrmRecord, FieldValue } from '../src/crm/types.js';
import { demoConfig } from '../src/demo/index.js';
import { prepareFlow, runFlow } from '../src/pipeline/index.js';
import { startHubspotSimulator } from '../src/simulators/hubspot/index.js';
import { openTestStore } from '../src/store/testing/index.js';
import { checkLive } from '../src/writeback/check.js';
import type { BenchResult, BenchRow } from './run.js';

const PORTAL = { searchPerSecond: 20, rateLimit: { callsPerWindow: 250, windowMs: 10_000 } };
const PAGE = 500;
const EDITS = 25;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface WriteRun {
  calls: number;
  written: number;
  historyReads: number;
  seconds: number;
  inCrm: number;
  floor: number;
  edits: number;
  kept: number;
  flagged: number;
}

async function once(contacts: number, seed: number): Promise<WriteRun> {
  const sim = await startHubspotSimulator({ records: contacts, seed, ...PORTAL });
  const store = await openTestStore('pglite');
  const base = demoConfig('hubspot', sim);
  // the gate open: the write run is what is measured (the demo's gate decides on its labels)
  const flows = base.flows.map((f) => ({ ...f, gate: { ...f.gate, mode: 'open' as const } }));
  const config = { ...base, flows, crm: { ...base.crm, rateLimit: { ...base.crm.rateLimit, ...PORTAL.rateLimit } } };
  const connector = await createConnector(config.crm, { store });
  try {
    await checkLive(connector, config, { fix: true });
    const flow = config.flows[0] as FlowConfig;
    const deps = { store, connector, config };
    const reads = (await prepareFlow({ store, connector, now: new Date(), train: false, objects: config.objects }, flow)).reads;
    const readAt = new Date().toISOString();
    const recs: CrmRecord[] = [];
    for await (const page of connector.readChanged(flow.object, null, reads)) recs.push(...page);
    const prepared = await prepareFlow({ store, connector, now: new Date(), history: recs.map((r) => ({ id: r.id, fields: r.fields })) }, flow);
    // as the demo: as each page goes to write-back, reps edit the score of a few records of the next
    const perPage = Math.max(1, Math.ceil(EDITS / Math.ceil(recs.length / PAGE)));
    const race = new Map<string, FieldValue>();
    const edits: Promise<void>[] = [];
    const editPage = (from: number) => {
      for (const r of recs.slice(from, from + PAGE).slice(0, Math.min(perPage, EDITS - race.size))) {
        race.set(r.id, 99);
        edits.push(sim.repEdit({ object: 'contacts', id: r.id, fields: { inrecord_score: '99' } }));
      }
    };
    editPage(0);
    await Promise.all(edits);
    // time spent waiting on the CRM (calls and the rate limiter) against the rest of the run
    let inCrm = 0;
    for (const m of ['read', 'history', 'writeBatch'] as const) {
      const fn = connector[m].bind(connector) as (...a: unknown[]) => Promise<unknown>;
      (connector as unknown as Record<string, unknown>)[m] = async (...a: unknown[]) => {
        const t = performance.now();
        try {
          return await fn(...a);
        } finally {
          inCrm += performance.now() - t;
        }
      };
    }
    const t0 = performance.now();
    const report = await runFlow(deps, flow, { prepared: new Map([[flow.name, prepared]]), records: recs, readAt, onProgress: (_f, done) => editPage(done) });
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(edits);
    const apply = report.apply;
    if (!apply || apply.status !== 'succeeded') throw new Error(`write run ${apply?.status ?? 'missing'}: ${apply?.error?.message ?? ''}`);
    const now = await connector.read('contact', [...race.keys()], ['inrecord_score']);
    const kept = now.filter((r) => Number(r.fields.inrecord_score) === 99).length;
    return {
      calls: apply.apiCalls,
      written: apply.recordsWritten,
      historyReads: apply.historyReads,
      seconds,
      inCrm: inCrm / 1000,
      floor: (apply.apiCalls / PORTAL.rateLimit.callsPerWindow) * (PORTAL.rateLimit.windowMs / 1000),
      edits: race.size,
      kept,
      flagged: apply.fields.flagged,
    };
  } finally {
    await connector.close();
    await sim.close();
    await store.destroy();
  }
}

export async function run(args: string[]): Promise<BenchResult> {
  const contacts = Number(args[0] ?? 20_000);
  const runs = Number(args[1] ?? 3);
  const all: WriteRun[] = [];
  for (let i = 0; i < runs; i++) all.push(await once(contacts, 42));
  const per100 = median(all.map((r) => (r.calls / r.written) * 100));
  const over = median(all.map((r) => r.seconds / r.floor - 1));
  const lost = Math.max(...all.map((r) => r.edits - r.kept));
  const rows: BenchRow[] = [
    { metric: 'API calls per 100 written records', value: Number(per100.toFixed(2)), unit: 'calls', target: '<= 3.2', pass: per100 <= 3.2, note: `calls ${all.map((r) => r.calls).join(' / ')}, records written ${all[0]?.written}` },
    { metric: 'records whose history was read', value: median(all.map((r) => r.historyReads)), unit: 'records' },
    { metric: 'write run', value: Number(median(all.map((r) => r.seconds)).toFixed(1)), unit: 's', note: `floor ${median(all.map((r) => r.floor)).toFixed(1)} s (calls at 250 / 10 s)` },
    { metric: 'write run: waiting on the CRM', value: Number(median(all.map((r) => r.inCrm)).toFixed(1)), unit: 's', note: 'calls and the rate limiter; the rest is flows, planning, the store' },
    { metric: 'write run over its rate-limit floor', value: Number((over * 100).toFixed(1)), unit: '%', target: '<= 10', pass: over <= 0.1 },
    { metric: 'rep edits racing the write, lost', value: lost, unit: 'edits', target: '0', pass: lost === 0, note: `${all[0]?.edits} made, flagged ${all.map((r) => r.flagged).join(' / ')}` },
  ];
  return { name: 'hubspot-writeback', rows, meta: { contacts, runs } };
}
