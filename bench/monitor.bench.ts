/**
 * Monitoring figures: drift statistics speed, a monitoring run over a large store, how often drift
 * alerts fire on unchanged vs shifted data, and how the validation gate behaves for a good and a
 * poor model. `npm run bench -- monitor [--rows N]`.
 */
import { decideGate } from '../src/gate/decision.js';
import { recordShadowOutputs } from '../src/gate/gate.js';
import { runMonitor } from '../src/monitor/run.js';
import { SCORE_BINNING, ksTest, psi } from '../src/monitor/stats.js';
import { normalScores } from '../src/monitor/testing/distributions.js';
import { mulberry32 } from '../src/random/index.js';
import { parseConfig } from '../src/config/index.js';
import { openTestStore } from '../src/store/testing/index.js';
import type { BenchResult, BenchRow } from './run.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn: () => unknown | Promise<unknown>, runs: number): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}

export async function run(args: string[]): Promise<BenchResult> {
  const rowsArg = args.indexOf('--rows');
  const rows = rowsArg >= 0 ? Number(args[rowsArg + 1]) : 100_000;
  const out: BenchRow[] = [];

  // 1. statistics speed on large samples
  const ref = normalScores(100_000, 50, 15, 1);
  const cur = normalScores(100_000, 55, 15, 2);
  out.push({
    metric: 'PSI · 100k vs 100k · 0–100 bins',
    value: await time(() => psi(ref, cur, SCORE_BINNING), 5),
    unit: 'ms',
    note: 'median of 5',
  });
  out.push({
    metric: 'PSI · 100k vs 100k · quantile bins',
    value: await time(() => psi(ref, cur), 5),
    unit: 'ms',
    note: 'median of 5',
  });
  out.push({
    metric: 'KS · 100k vs 100k',
    value: await time(() => ksTest(ref, cur), 5),
    unit: 'ms',
    note: 'median of 5',
  });

  // 2. alert rates: 200 windows of 500 scores each against a 5000-score training distribution
  const training = normalScores(5000, 50, 15, 7);
  const trials = 200;
  const rate = (shift: number, level: number) => {
    let hits = 0;
    for (let t = 0; t < trials; t++)
      if (psi(training, normalScores(500, 50 + shift, 15, 1000 + t), SCORE_BINNING).psi >= level) hits++;
    return hits / trials;
  };
  out.push({
    metric: 'PSI ≥ 0.1 on unchanged data (n=500)',
    value: rate(0, 0.1),
    unit: 'share',
    target: '<= 0.01',
    pass: rate(0, 0.1) <= 0.01,
    note: `${trials} windows`,
  });
  out.push({
    metric: 'PSI ≥ 0.25 on unchanged data (n=500)',
    value: rate(0, 0.25),
    unit: 'share',
    target: '0',
    pass: rate(0, 0.25) === 0,
  });
  out.push({ metric: 'PSI ≥ 0.1 with mean +5 (n=500)', value: rate(5, 0.1), unit: 'share' });
  out.push({ metric: 'PSI ≥ 0.25 with mean +10 (n=500)', value: rate(10, 0.25), unit: 'share' });

  // 3. the gate: how often it opens for a model of given true accuracy (threshold 0.9, 100 labels)
  const gate = { threshold: 0.9, sampleSize: 100 };
  const openRate = (accuracy: number, n: number) => {
    const rnd = mulberry32(Math.round(accuracy * 1000) + n);
    let opened = 0;
    for (let t = 0; t < 2000; t++) {
      let correct = 0;
      for (let i = 0; i < n; i++) if (rnd() < accuracy) correct++;
      if (decideGate({ n, correct }, gate).mode === 'open') opened++;
    }
    return opened / 2000;
  };
  const poor = openRate(0.85, 100);
  out.push({
    metric: 'gate opens · true accuracy 85% · 100 labels',
    value: poor,
    unit: 'share',
    target: '<= 0.025',
    pass: poor <= 0.025,
    note: 'a model below threshold is let through',
  });
  // At exactly the threshold the one-sided nominal error of a 95% two-sided bound is 2.5%; Wilson's
  // coverage on a discrete binomial is close to, not exactly, nominal.
  out.push({
    metric: 'gate opens · true accuracy 90% (= threshold) · 100 labels',
    value: openRate(0.9, 100),
    unit: 'share',
    target: '≈ 0.025 nominal',
  });
  out.push({
    metric: 'gate opens · true accuracy 97% · 100 labels',
    value: openRate(0.97, 100),
    unit: 'share',
  });
  out.push({
    metric: 'gate opens · true accuracy 97% · 200 labels',
    value: openRate(0.97, 200),
    unit: 'share',
  });

  // 4. one monitoring run over a large store (embedded PGlite)
  const store = await openTestStore('pglite');
  try {
    const config = parseConfig(`
crm: { kind: hubspot, auth: { token: t } }
flows: [{ name: lead-score, kind: scoring, object: contact, outputs: { score: ai_score } }]
`);
    const scores = normalScores(rows, 55, 15, 3);
    const t0 = performance.now();
    for (let i = 0; i < rows; i += 5000) {
      await recordShadowOutputs(store, {
        flow: 'lead-score',
        modelVersion: 'v1',
        outputs: scores
          .slice(i, i + 5000)
          .map((v, j) => ({
            crm: 'hubspot',
            object: 'contact',
            recordId: `c${i + j}`,
            output: 'score',
            field: 'ai_score',
            value: v,
          })),
      });
    }
    out.push({
      metric: `record ${rows} shadow outputs · pglite`,
      value: (rows / (performance.now() - t0)) * 1000,
      unit: 'rows/s',
    });
    await store.query(`INSERT INTO runs (id, kind) VALUES ('bench', 'apply')`);
    await store.query(
      `INSERT INTO write_ledger (run_id, crm, object, record_id, field, after_value, outcome, flow)
       SELECT 'bench', 'hubspot', 'contact', 'c' || g, 'ai_score', to_jsonb(g % 100), CASE WHEN g % 50 = 0 THEN 'failed' ELSE 'written' END, 'lead-score'
       FROM generate_series(1, $1::int) g`,
      [rows],
    );
    const ms = await time(
      () => runMonitor(store, config, { references: { 'lead-score': ref }, notify: false, persist: false }),
      3,
    );
    out.push({
      metric: `monitoring run · ${rows} shadow + ${rows} ledger rows · pglite`,
      value: ms,
      unit: 'ms',
      note: 'median of 3',
    });
  } finally {
    await store.destroy();
  }
  return { name: 'monitor', rows: out, meta: { rows } };
}
