/**
 * `npm run bench -- triggers [seconds] [rate] [runs]`: webhook → AI field written latency on loopback
 * (issue 7: p99 < 1 s at ~200 events/s). Rep edits go through the Pipedrive simulator's control API
 * at `rate` per second, each on a different person, for `seconds`; the daemon receives the webhooks,
 * runs the scoring flow and writes 'Lead score' back.
 *
 * Two latencies per record, both from Postgres timestamps on this one machine:
 *  - receipt → written: webhook_receipts.received_at → write_ledger.created_at (outcome 'written');
 *    this is inrecord's own share (queue, read, flow, write);
 *  - edit → written: the moment the bench issued the rep edit → write_ledger.created_at; this adds
 *    the simulator's webhook dispatch.
 * The ledger row is inserted once the CRM accepted the write, so the field is readable by then.
 * Usage: `npm run bench -- triggers [seconds=10] [rate=200] [runs=3] [lifted|real] [concurrency=16]`.
 * Figures are medians over `runs` runs (fresh simulator, schema and daemon each run).
 */
import { configSchema } from '../src/config/index.js';
import { createConnector } from '../src/crm/registry.js';
import { demoConfig } from '../src/demo/index.js';
import { startDaemon } from '../src/server/index.js';
import { startSimulator } from '../src/simulators/index.js';
import { openTestStore } from '../src/store/testing/index.js';
import { checkLive } from '../src/writeback/index.js';
import type { BenchResult, BenchRow } from './run.js';

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const median = (xs: number[]) => pct(xs, 50);

interface RunFigures {
  edits: number;
  written: number;
  receiptP50: number;
  receiptP99: number;
  editP50: number;
  editP99: number;
  achievedRate: number;
  /** The simulator's 429s (its real rate limit): a backlog behind them is CRM-bound, not inrecord-bound. */
  rateLimited: number;
  apiCalls: number;
}

async function once(seconds: number, rate: number, unlimited: boolean, concurrency: number): Promise<RunFigures> {
  const total = Math.round(seconds * rate);
  // Pipedrive's real burst limit (100 calls / 2 s, reference/pipedrive.md) caps a token at ~7
  // records/s with ~7 calls each, far below 200/s: the bench lifts it on both sides (`unlimited`)
  // to measure inrecord's own latency, or keeps it to show the CRM-bound figure.
  const limit = unlimited ? { callsPerWindow: 100_000, windowMs: 2_000 } : undefined;
  const sim = await startSimulator('pipedrive', { seed: 3, records: total + 10, webhookRetryScale: 0.01, ...(limit ? { rateLimit: limit } : {}) });
  const store = await openTestStore('postgres');
  const base = demoConfig('pipedrive', sim);
  const config = configSchema.parse({
    ...base,
    crm: { ...base.crm, ...(limit ? { rateLimit: limit } : {}), webhooks: { basicUser: 'inrecord', basicPassword: 'bench-secret' } },
    server: { port: 0 },
    flows: base.flows
      .filter((f) => f.name === 'person-scoring')
      .map((f) => ({ ...f, gate: { ...f.gate, mode: 'open' }, trigger: { webhook: true, poll: '1h' } })),
    jobs: { retryLimit: 3, retryDelaySeconds: 1, concurrency },
  });
  const setup = await createConnector(config.crm, {});
  await checkLive(setup, config, { fix: true });
  await setup.close();
  const daemon = await startDaemon(store, config, { port: 0, poll: false });
  try {
    await daemon.connector.webhooks.subscribe(`${daemon.url}/webhooks/pipedrive`, ['contact']);
    const schema = await daemon.connector.describe('contact');
    const seniority = schema.fields.find((f) => f.label === 'Seniority')!;
    const options = seniority.options!.map((o) => Number(o.value));
    const ids = Array.from({ length: total }, (_, i) => String(i + 1));
    const current = new Map<string, number>();
    for (let i = 0; i < ids.length; i += 100) {
      for (const r of await daemon.connector.read('contact', ids.slice(i, i + 100), [seniority.name])) {
        current.set(r.id, Number(r.fields[seniority.name]));
      }
    }
    const editedAt = new Map<string, number>();
    const start = Date.now();
    for (let i = 0; i < total; i++) {
      // pace: edit i is due at start + i / rate
      const due = start + (i * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const id = ids[i];
      const next = options.find((o) => o !== current.get(id))!;
      editedAt.set(id, Date.now());
      await sim.repEdit({ object: 'persons', id, fields: { [seniority.name]: next } });
    }
    const achievedRate = total / ((Date.now() - start) / 1000);
    // wait for the tail, then collect
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [{ n }] = await store.query<{ n: number }>("SELECT count(DISTINCT record_id) AS n FROM write_ledger WHERE outcome = 'written'");
      if (n >= total || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const rows = await store.query<{ record_id: string; received: number; written: number }>(
      `SELECT l.record_id,
              extract(epoch FROM min(r.received_at)) * 1000 AS received,
              extract(epoch FROM min(l.created_at)) * 1000 AS written
         FROM write_ledger l
         LEFT JOIN webhook_receipts r ON r.crm = l.crm AND r.payload->>'id' = l.record_id AND r.payload->>'actor' = 'human'
        WHERE l.outcome = 'written'
        GROUP BY l.record_id`,
    );
    const receipt: number[] = [];
    const edit: number[] = [];
    for (const r of rows) {
      if (r.received) receipt.push(r.written - r.received);
      const e = editedAt.get(r.record_id);
      if (e) edit.push(r.written - e);
    }
    return {
      edits: total,
      written: rows.length,
      receiptP50: pct(receipt, 50),
      receiptP99: pct(receipt, 99),
      editP50: pct(edit, 50),
      editP99: pct(edit, 99),
      achievedRate,
      rateLimited: sim.stats().rateLimited,
      apiCalls: sim.stats().totalCalls,
    };
  } finally {
    await daemon.stop();
    await store.destroy();
    await sim.close();
  }
}

export async function run(args: string[]): Promise<BenchResult> {
  const seconds = Number(args[0] ?? 10);
  const rate = Number(args[1] ?? 200);
  const runs = Number(args[2] ?? 3);
  // 'real' keeps Pipedrive's real rate limit
  const unlimited = args[3] !== 'real';
  // jobs.concurrency of the daemon's record worker
  const concurrency = Number(args[4] ?? 16);
  const results: RunFigures[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await once(seconds, rate, unlimited, concurrency);
    console.error(`run ${i + 1}: ${JSON.stringify(r)}`);
    results.push(r);
  }
  const m = (k: Exclude<keyof RunFigures, never>) => median(results.map((r) => r[k]));
  const rows: BenchRow[] = [
    { metric: `edits/s achieved (target ${rate})`, value: m('achievedRate'), unit: 'events/s' },
    { metric: 'records written / edited', value: m('written') / m('edits'), unit: 'ratio', target: '= 1', pass: m('written') === m('edits') },
    { metric: 'webhook receipt → field written, p50', value: m('receiptP50'), unit: 'ms' },
    { metric: 'webhook receipt → field written, p99', value: m('receiptP99'), unit: 'ms', target: '< 1000', pass: m('receiptP99') < 1000 },
    { metric: 'rep edit → field written, p50', value: m('editP50'), unit: 'ms' },
    { metric: 'rep edit → field written, p99', value: m('editP99'), unit: 'ms', target: '< 1000', pass: m('editP99') < 1000 },
    { metric: 'CRM API calls per record', value: m('apiCalls') / m('edits'), unit: 'calls', note: unlimited ? 'rate limit lifted' : 'real rate limit' },
  ];
  return { name: 'triggers', rows, meta: { seconds, rate, runs, concurrency, rateLimit: unlimited ? 'lifted' : 'pipedrive default 100/2s', results, loadAverage: (await import('node:os')).loadavg() } };
}
