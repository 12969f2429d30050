/**
 * Identity reconciliation offline: 100,000 inputs (people by email variants or name + company,
 * companies by name + domain, outsiders and near-namesakes) against 100,000 CRM contacts and
 * 20,000 companies of the seeded world. Prints wrong matches, recall on the inputs the data singles
 * out, ambiguous / unmatched counts, the time (wall and CPU: the machines are shared) of building
 * the candidate index and deciding, and the process's peak RSS (world included: an upper bound);
 * then trains the model (train.ts) on the CRM and the inputs and decides again with it.
 *   npm run bench -- identity [contacts=100000] [runs=3]
 */
import {
  buildIdentityBenchSet,
  reconcile,
  scoreIdentity,
  toSnapshot,
  trainModel,
  trainedScoring,
} from '../src/identity/index.js';
import { generateWorld } from '../src/simulators/seed/index.js';
import type { BenchResult } from './run.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export async function run(args: string[]): Promise<BenchResult> {
  const contacts = Number(args[0] ?? 100_000);
  const runs = Number(args[1] ?? 3);
  const t0 = performance.now();
  const c0 = cpuMs();
  const world = generateWorld({ seed: 2026, contacts, companies: contacts / 5, outsiders: contacts / 10 });
  const genWall = performance.now() - t0;
  const genCpu = cpuMs() - c0;
  const companies = world.companies.length;
  const outsiders = world.outsiders.length;
  const set = buildIdentityBenchSet(world, { contactInputs: contacts - companies - outsiders, companyInputs: companies });

  const walls: number[] = [];
  const cpus: number[] = [];
  let results = reconcile([], set);
  for (let i = 0; i < runs; i++) {
    const w = performance.now();
    const c = cpuMs();
    results = reconcile(set.inputs, set); // builds the candidate index, then decides every input
    walls.push(performance.now() - w);
    cpus.push(cpuMs() - c);
  }
  const s = scoreIdentity(results, set.expected);
  const snap = toSnapshot(set);
  const tw = performance.now();
  const tc = cpuMs();
  const training = trainModel(set.inputs, snap);
  const trainWall = performance.now() - tw;
  const trainCpu = cpuMs() - tc;
  const t = scoreIdentity(reconcile(set.inputs, snap, { scoring: trainedScoring(training) }), set.expected);
  const rssMb = process.resourceUsage().maxRSS / 1024;
  const missed = Object.entries(s.missedByPattern)
    .map(([p, n]) => `${p} ${n}`)
    .join(', ');
  return {
    name: 'identity',
    rows: [
      { metric: `seed world ${contacts} contacts (wall)`, value: genWall / 1000, unit: 's', target: '< 5', pass: genWall < 5000, note: `cpu ${(genCpu / 1000).toFixed(2)} s` },
      { metric: `reconcile ${s.inputs} inputs vs ${set.contacts.length} contacts + ${set.companies.length} companies (median wall)`, value: median(walls) / 1000, unit: 's', target: '< 10', pass: median(walls) < 10_000, note: `cpu ${(median(cpus) / 1000).toFixed(2)} s; runs ${walls.map((w) => (w / 1000).toFixed(2)).join(' ')}` },
      { metric: 'peak RSS (world + index + results)', value: rssMb, unit: 'MB', target: '< 1536', pass: rssMb < 1536 },
      { metric: 'wrong matches', value: s.wrong, unit: 'inputs', target: '= 0', pass: s.wrong === 0, note: s.wrongExamples.slice(0, 3).map((w) => `${w.key}→${w.got}`).join(' ') },
      { metric: `recall on ${s.singledOut} singled-out inputs`, value: s.recall * 100, unit: '%', target: '>= 97', pass: s.recall >= 0.97, note: missed ? `missed: ${missed}` : undefined },
      { metric: 'matched', value: s.matched, unit: 'inputs' },
      { metric: 'ambiguous', value: s.ambiguous, unit: 'inputs' },
      { metric: 'unmatched', value: s.unmatched, unit: 'inputs' },
      { metric: 'ambiguous/unmatched without a reason', value: s.withoutReason, unit: 'inputs', target: '= 0', pass: s.withoutReason === 0 },
      { metric: `train the model on ${set.contacts.length} CRM records (wall)`, value: trainWall / 1000, unit: 's', target: '< 10', pass: trainWall < 10_000, note: `cpu ${(trainCpu / 1000).toFixed(2)} s; u from ${training.randomPairs} random pairs, m from ${training.anchors} anchor pairs of ${training.pairs}` },
      { metric: 'trained model: wrong matches', value: t.wrong, unit: 'inputs', target: '= 0', pass: t.wrong === 0, note: t.wrongExamples.slice(0, 3).map((w) => `${w.key}→${w.got}`).join(' ') },
      { metric: 'trained model: recall on singled-out inputs', value: t.recall * 100, unit: '%', target: '>= 97', pass: t.recall >= 0.97 },
    ],
    meta: { byPattern: s.byPattern, missedByPattern: s.missedByPattern, wrongExamples: s.wrongExamples },
  };
}
