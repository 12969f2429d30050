/**
 * Intent on realistic mail: the local classifier's recall, precision and one-vs-rest accuracy per
 * class, with Wilson 95 % intervals, on seeded inbound mail carrying the noise of a real inbox
 * (quoted replies, signatures, disclaimers, out-of-office notices, forwards, German/French/Spanish,
 * HTML, typos), pooled over several seeds; accuracy per kind of noise; the same mail without noise;
 * the hand-written hold-out set and the seeded world's messages; throughput (messages per CPU
 * second, median of the seeds). Then the LLM path on the same mail against the local fake
 * OpenAI-compatible server, in the same report beside the local classifier's.
 * `npm run bench -- intent [messages per seed=2000] [seeds=5] [llm messages=400]`
 */
import {
  bundledIntentModel,
  classifyIntent,
  evaluateIntent,
  type IntentLabel,
  readLabelled,
} from '../src/flows/intent/classifier.js';
import { intentOutput, textFlowContext } from '../src/flows/intent/flow.js';
import {
  type IntentReport,
  confusionOf,
  emptyConfusion,
  formatIntentReport,
  intentReport,
  measureIntent,
} from '../src/flows/intent/measure.js';
import { dataPath } from '../src/flows/data-path.js';
import { fakeLlm } from '../src/flows/testing/fake-llm.js';
import { generateWorld, worldMessages } from '../src/flows/testing/world.js';
import type { FieldSchema } from '../src/crm/types.js';
import {
  CLEAN_RATES,
  type InboundMessage,
  inboundText,
  realisticInboundSet,
} from '../src/simulators/seed/inbound.js';
import { INTENT_LABELS } from '../src/flows/intent/classifier.js';
import type { BenchResult, BenchRow } from './run.js';

const INTENT_FIELD: FieldSchema = {
  name: 'AI_Intent__c',
  label: 'AI intent',
  type: 'picklist',
  crmType: 'picklist',
  options: INTENT_LABELS.map((l) => ({ value: l, label: l })),
  restricted: true,
  required: false,
  writable: true,
  custom: true,
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
}

const pctNote = (r: { lower: number; upper: number; k: number; n: number }) =>
  `${(r.lower * 100).toFixed(1)}–${(r.upper * 100).toFixed(1)} % (${r.k}/${r.n})`;

function reportRows(path: string, r: IntentReport): BenchRow[] {
  const rows: BenchRow[] = [
    { metric: `${path} · accuracy`, value: r.accuracy.value * 100, unit: '%', note: pctNote(r.accuracy) },
  ];
  for (const c of r.perClass) {
    rows.push({
      metric: `${path} · ${c.label} · recall`,
      value: c.recall.value * 100,
      unit: '%',
      note: pctNote(c.recall),
    });
    rows.push({
      metric: `${path} · ${c.label} · precision`,
      value: c.precision.value * 100,
      unit: '%',
      note: pctNote(c.precision),
    });
    rows.push({
      metric: `${path} · ${c.label} · accuracy 1-vs-rest`,
      value: c.accuracy.value * 100,
      unit: '%',
      note: pctNote(c.accuracy),
    });
  }
  return rows;
}

export async function run(args: string[]): Promise<BenchResult> {
  const perSeed = Number(args[0] ?? 2000);
  const seeds = Number(args[1] ?? 5);
  const llmN = Number(args[2] ?? 400);
  const model = bundledIntentModel();
  const rows: BenchRow[] = [];

  // local classifier, realistic mail, pooled over the seeds
  const pooled = emptyConfusion();
  const rates: number[] = [];
  const seedAccuracy: number[] = [];
  const byNoise = new Map<string, { right: number; n: number }>();
  for (let seed = 1; seed <= seeds; seed++) {
    const set = realisticInboundSet(seed, perSeed);
    const texts = set.map(inboundText);
    const c0 = process.cpuUsage();
    const predicted = texts.map((t) => classifyIntent(model, t).label);
    const cpu = process.cpuUsage(c0);
    rates.push(set.length / ((cpu.user + cpu.system) / 1e6));
    const c = confusionOf(set.map((m, i) => ({ actual: m.intent, predicted: predicted[i] as IntentLabel })));
    for (const a of INTENT_LABELS)
      for (const p of [...INTENT_LABELS, 'none'] as const) pooled[a][p] += c[a][p];
    seedAccuracy.push(intentReport(c).accuracy.value);
    set.forEach((m: InboundMessage, i) => {
      for (const k of m.noise.length > 0 ? m.noise : ['none']) {
        const b = byNoise.get(k) ?? { right: 0, n: 0 };
        b.n++;
        if (predicted[i] === m.intent) b.right++;
        byNoise.set(k, b);
      }
    });
  }
  const local = intentReport(pooled);
  process.stdout.write(
    `\n${formatIntentReport(`local classifier, realistic mail (${seeds} seeds × ${perSeed})`, local)}\n`,
  );
  rows.push(...reportRows('local · realistic', local));
  rows.push({
    metric: 'local · realistic · accuracy per seed, min–max',
    value: Math.min(...seedAccuracy) * 100,
    unit: '%',
    note: `max ${(Math.max(...seedAccuracy) * 100).toFixed(1)} %`,
  });
  for (const [k, b] of [...byNoise].sort((a, b) => b[1].n - a[1].n))
    rows.push({
      metric: `local · noise ${k} · accuracy`,
      value: (b.right / b.n) * 100,
      unit: '%',
      note: `${b.right}/${b.n}`,
    });
  rows.push({
    metric: 'local · messages per CPU second (median of seeds)',
    value: median(rates),
    unit: 'msg/s',
  });

  // the same sentences without any noise, the hand-written hold-out and the seeded world
  const clean = realisticInboundSet(1, perSeed, CLEAN_RATES);
  const cleanReport = await measureIntent(
    clean.map((m) => ({ text: inboundText(m), label: m.intent })),
    (t) => classifyIntent(model, t).label,
  );
  rows.push({
    metric: 'local · without noise · accuracy',
    value: cleanReport.accuracy.value * 100,
    unit: '%',
    note: pctNote(cleanReport.accuracy),
  });
  const holdout = evaluateIntent(model, readLabelled(dataPath('intent', 'holdout.jsonl')));
  rows.push({
    metric: 'local · hand-written hold-out · accuracy',
    value: holdout.accuracy * 100,
    unit: '%',
    note: `n ${holdout.n}`,
  });
  const world = evaluateIntent(
    model,
    worldMessages(generateWorld({ seed: 42, contacts: 4000, messages: 800 })),
  );
  rows.push({
    metric: "local · seeded world's messages · accuracy",
    value: world.accuracy * 100,
    unit: '%',
    note: `n ${world.n}`,
  });

  // the LLM path and the local classifier on the same mail, against the fake server
  const seen: never[] = [];
  const server = await fakeLlm(() => 'good', seen);
  try {
    const set = realisticInboundSet(seeds + 1, llmN).map((m) => ({ text: inboundText(m), label: m.intent }));
    const ctx = textFlowContext({
      provider: 'llm',
      llm: { baseURL: server.url, model: 'fake-1', timeoutMs: 10_000, fallback: 'error' },
    });
    const llm = await measureIntent(
      set,
      async (text, i) => {
        const r = await intentOutput(ctx, `m${i}`, text, INTENT_FIELD);
        return r.ok ? (r.output.value as IntentLabel) : null;
      },
      8,
    );
    const localSame = await measureIntent(set, (t) => classifyIntent(model, t).label);
    process.stdout.write(
      `\n${formatIntentReport(`local classifier, the LLM's ${llmN} messages`, localSame)}\n`,
    );
    process.stdout.write(`\n${formatIntentReport('LLM path (fake OpenAI-compatible server)', llm)}\n`);
    rows.push(...reportRows('local · llm set', localSame), ...reportRows('llm (fake server)', llm));
    rows.push({ metric: 'llm (fake server) · unanswered', value: llm.unanswered, unit: 'msg' });
  } finally {
    await server.app.close();
  }
  return { name: 'intent', rows, meta: { perSeed, seeds, llmN, pooledN: local.n } };
}
