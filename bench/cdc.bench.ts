/**
 * `npm run bench -- cdc [edits=1000] [rate=200] [runs=3]`: Salesforce Change Data Capture as a
 * trigger. Rep edits go to the Salesforce simulator at `rate` per second, each on a different lead;
 * the change-stream trigger (jsforce's streaming client, Bayeux long polling) stores each message's
 * job and replay id in one Postgres transaction. Halfway through, the stream is stopped and started
 * again (a restart mid-stream), so the figures include resuming from the stored replay id.
 *
 * Reports, medians over the runs: edit → job stored latency (p50, p99: from the moment the bench
 * made the edit to the commit of the transaction holding its job), messages stored per second,
 * changes lost and changes enqueued twice (both must be 0). The simulator runs in this process.
 */
import pino from 'pino';
import { createConnector } from '../src/crm/registry.js';
import { demoConfig } from '../src/demo/index.js';
import { startSimulator } from '../src/simulators/index.js';
import type { RunningSimulator } from '../src/simulators/types.js';
import { openTestStore } from '../src/store/testing/index.js';
import { type RecordJob, pollOnce, startChangeStreams } from '../src/triggers/index.js';
import type { BenchResult } from './run.js';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
};
const median = (xs: number[]) => pct(xs, 50);

interface Figures {
  p50: number;
  p99: number;
  perSecond: number;
  lost: number;
  twice: number;
}

async function once(edits: number, rate: number): Promise<Figures> {
  const sim = (await startSimulator('salesforce', { seed: 9, records: Math.ceil(edits / 0.6) + 100 })) as RunningSimulator & { org: { rows(o: string): Map<string, unknown> } };
  const store = await openTestStore('postgres');
  const connector = await createConnector(demoConfig('salesforce', sim).crm, { store });
  const ids = [...sim.org.rows('Lead').keys()].slice(0, edits);
  if (ids.length < edits) throw new Error(`the simulator seeded ${ids.length} leads, fewer than ${edits}`);
  const editedAt = new Map<string, number>();
  const storedAt = new Map<string, number>();
  const counted = new Map<string, number>();
  let pending: RecordJob[] = [];
  const queue = {
    async enqueue(jobs: RecordJob[]) {
      pending.push(...jobs);
    },
    committed() {
      const now = performance.now();
      for (const j of pending) {
        counted.set(j.id, (counted.get(j.id) ?? 0) + 1);
        if (!storedAt.has(j.id)) storedAt.set(j.id, now);
      }
      pending = [];
    },
  };
  const deps = {
    connector,
    store,
    queue,
    logger: pino({ level: 'silent' }),
    poll: (kind: 'lead') => pollOnce({ connector, store, queue }, { name: `poll:salesforce:${kind}`, kind, fields: [], startFrom: new Date().toISOString() }),
  };
  try {
    let streams = startChangeStreams(deps, ['lead']);
    await streams.ready;
    const started = performance.now();
    const gap = 1000 / rate;
    for (const [i, id] of ids.entries()) {
      const due = started + i * gap;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      editedAt.set(id, performance.now());
      await sim.repEdit({ object: 'Lead', id, fields: { Web_Visits__c: 1000 + i } });
      if (i === Math.floor(edits / 2)) {
        // a restart mid-stream: the next run resumes from the stored replay id
        await streams.stop();
        streams = startChangeStreams(deps, ['lead']);
        await streams.ready;
      }
    }
    const end = performance.now() + 60_000;
    while (storedAt.size < edits && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
    const elapsed = (Math.max(...storedAt.values()) - started) / 1000;
    await new Promise((r) => setTimeout(r, 500));
    await streams.stop();
    const latencies = ids.filter((id) => storedAt.has(id)).map((id) => (storedAt.get(id) as number) - (editedAt.get(id) as number));
    return {
      p50: median(latencies),
      p99: pct(latencies, 99),
      perSecond: storedAt.size / elapsed,
      lost: ids.filter((id) => !storedAt.has(id)).length,
      twice: [...counted.values()].filter((n) => n > 1).length,
    };
  } finally {
    await connector.close();
    await store.destroy();
    await sim.close();
  }
}

export async function run(args: string[]): Promise<BenchResult> {
  const edits = Number(args[0] ?? 1000);
  const rate = Number(args[1] ?? 200);
  const runs = Number(args[2] ?? 3);
  const samples: Figures[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once(edits, rate));
  const m = (k: keyof Figures) => median(samples.map((s) => s[k]));
  const note = `${edits} edits at ${rate}/s, restart halfway, median of ${runs}`;
  return {
    name: 'cdc',
    rows: [
      { metric: 'edit → job stored p50', value: m('p50'), unit: 'ms', note },
      { metric: 'edit → job stored p99', value: m('p99'), unit: 'ms', note },
      { metric: 'messages stored', value: m('perSecond'), unit: '/s', note },
      { metric: 'changes lost', value: Math.max(...samples.map((s) => s.lost)), unit: 'changes', target: '0', pass: samples.every((s) => s.lost === 0) },
      { metric: 'changes enqueued twice', value: Math.max(...samples.map((s) => s.twice)), unit: 'changes', target: '0', pass: samples.every((s) => s.twice === 0) },
    ],
    meta: { edits, rate, runs, samples },
  };
}
