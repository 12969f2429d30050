import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../types.js';
import { readFeature } from './features.js';
import type { LogisticModel } from './logistic.js';
import { trainLogistic } from './logistic-train.js';
import { type TrainedModel, predictProbability, scoreWithTrained } from './trained.js';
import type { FeatureSpec } from './settings.js';
import { type Design, fitLogistic } from './solver.js';
import { mulberry32 } from '../../random/index.js';

const nowMs = Date.parse('2026-11-28T09:00:00.000Z');

const FEATURES: Record<string, FeatureSpec> = {
  meetings: { field: 'meetings', type: 'number', label: '{value} meetings' },
  opens: { field: 'opens', type: 'number', label: '{value} email opens' },
  boats: { field: 'boats', type: 'number', label: '{value} boat policies' },
  boat_premium: { field: 'boat_premium', type: 'number', label: 'boat premium {value}' },
  region: { field: 'region', type: 'category', label: 'region {value}' },
};

/**
 * About 12 in 3,000 records hold a boat policy; those nearly all convert. `boats` and
 * `boat_premium` are two near-duplicate rare columns: non-zero on the same records but for a
 * stray one or two. Then a random 80% of the records, as a training split would take them.
 */
function boatLeads(seed: number): { records: FlowRecord[]; labels: number[] } {
  const rnd = mulberry32(seed);
  const records: FlowRecord[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const meetings = Math.floor(rnd() * 4);
    const opens = Math.floor(rnd() * 10);
    const boat = rnd() < 12 / 3000;
    const boatPremium = boat ? (rnd() < 0.9 ? 3 : 4) : rnd() < 2 / 3000 ? 3 : 0;
    const region = ['north', 'south', 'east', 'west'][Math.floor(rnd() * 4)];
    const eta = -3 + 0.4 * meetings + 0.03 * opens;
    const y = boat ? (rnd() < 0.9 ? 1 : 0) : rnd() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    records.push({
      id: `b${seed}-${i}`,
      fields: { meetings, opens, boats: boat ? 1 : 0, boat_premium: boatPremium, region },
    });
    labels.push(y);
  }
  const split = mulberry32(seed * 7);
  const keep = records.map((_, i) => i).filter(() => split() < 0.8);
  return { records: keep.map((i) => records[i]), labels: keep.map((i) => labels[i]) };
}

/**
 * The model's own columns, read back from its JSON: every column it kept, centred on its training
 * mean and divided by the scale it was fitted on (the one the penalty applies to), with its weight.
 */
function columnsOf(model: LogisticModel, records: FlowRecord[]): { x: number[][]; weights: number[] } {
  const x: number[][] = records.map(() => []);
  const weights: number[] = [];
  for (const e of model.json.encodings) {
    const spec = model.json.features[e.feature];
    const vals = records.map((r) => readFeature(spec, r.fields, nowMs));
    const add = (raw: number[], mean: number, sd: number, weight: number) => {
      if (sd === 0) return;
      raw.forEach((v, i) => {
        x[i].push((v - mean) / sd);
      });
      weights.push(weight);
    };
    if (e.kind === 'numeric') {
      add(
        vals.map((v) => (typeof v === 'number' ? (e.log ? Math.log1p(Math.max(0, v)) : v) : e.impute)),
        e.mean,
        e.sd,
        e.weight,
      );
      if (e.missing)
        add(
          vals.map((v) => (v === null ? 1 : 0)),
          e.missing.mean,
          e.missing.sd,
          e.missing.weight,
        );
    } else {
      for (const l of e.levels)
        add(
          vals.map((v) => (v !== null && String(v).toLowerCase() === l.level ? 1 : 0)),
          l.mean,
          l.sd,
          l.weight,
        );
    }
  }
  return { x, weights };
}

const log1pExp = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/** Penalised log-likelihood and its gradient, written out plainly (intercept first, unpenalised). */
function objective(
  x: number[][],
  y: number[],
  b: number,
  w: number[],
  lambda: number,
): { f: number; grad: number[] } {
  let f = 0;
  const grad = new Array<number>(w.length + 1).fill(0);
  x.forEach((row, i) => {
    let eta = b;
    for (let j = 0; j < w.length; j++) eta += row[j] * w[j];
    f += y[i] * eta - log1pExp(eta);
    const r = y[i] - 1 / (1 + Math.exp(-eta));
    grad[0] += r;
    for (let j = 0; j < w.length; j++) grad[j + 1] += r * row[j];
  });
  for (let j = 0; j < w.length; j++) {
    f -= 0.5 * lambda * w[j] ** 2;
    grad[j + 1] -= lambda * w[j];
  }
  return { f, grad };
}

/** A slow, careful reference: Nesterov-accelerated gradient ascent with a fixed safe step, many iterations. */
function referenceOptimum(x: number[][], y: number[], lambda: number, iterations: number): number {
  const p = x[0].length;
  let trace = x.length;
  for (const row of x) for (const v of row) trace += v * v;
  const step = 1 / (0.25 * trace + lambda);
  const kappa = (0.25 * trace + lambda) / lambda;
  const momentum = (Math.sqrt(kappa) - 1) / (Math.sqrt(kappa) + 1);
  let cur = new Array<number>(p + 1).fill(0);
  let prev = cur;
  for (let it = 0; it < iterations; it++) {
    const look = cur.map((v, j) => v + momentum * (v - prev[j]));
    const { grad } = objective(x, y, look[0], look.slice(1), lambda);
    prev = cur;
    cur = look.map((v, j) => v + step * grad[j]);
  }
  return objective(x, y, cur[0], cur.slice(1), lambda).f;
}

describe('training on two near-duplicate rare columns', () => {
  // Before the line search and the per-scale penalty, full Newton steps ran these splits off to
  // boat weights near −1,000 and reasons such as "+9 no boat policies".
  it.each([1, 2, 3, 4, 5])(
    'split %i converges to a point where the gradient is ~0, with sane reasons',
    (seed) => {
      const { records, labels } = boatLeads(seed);
      const { model, fit } = trainLogistic(FEATURES, records, labels, nowMs, { l2: 1, reasons: 3 });
      expect(fit.converged).toBe(true);
      expect(fit.iterations).toBeLessThan(20);
      const { x, weights } = columnsOf(model, records);
      // The intercept in the fitted parametrisation, from the model's own probabilities on one record.
      const eta0 = Math.log(
        predictProbability(model, records[0], nowMs) / (1 - predictProbability(model, records[0], nowMs)),
      );
      const b = eta0 - x[0].reduce((s, v, j) => s + v * weights[j], 0);
      const { grad } = objective(x, labels, b, weights, 1);
      expect(Math.max(...grad.map(Math.abs))).toBeLessThan(1e-3);
      // A record without a boat is a little below average on boats: a point or less, never a reason to call.
      for (const r of records.filter((r) => r.fields.boats === 0).slice(0, 200)) {
        for (const f of scoreWithTrained(model, r, nowMs).factors)
          if (f.feature.startsWith('boat')) expect(Math.abs(f.points)).toBeLessThanOrEqual(1);
      }
      // Boat owners nearly all convert: the two boat columns together say so.
      const mean = (rs: FlowRecord[]) =>
        rs.reduce((s, r) => s + predictProbability(model, r, nowMs), 0) / rs.length;
      const owners = records.filter((r) => r.fields.boats === 1);
      expect(owners.length).toBeGreaterThan(3);
      expect(mean(owners)).toBeGreaterThan(2 * mean(records.filter((r) => r.fields.boats === 0)));
    },
  );

  it('reaches the same penalised log-likelihood as a slow reference optimiser', () => {
    const { records, labels } = boatLeads(2);
    const { model, fit } = trainLogistic(FEATURES, records, labels, nowMs, { l2: 1, reasons: 3 });
    const { x, weights } = columnsOf(model, records);
    const probs = records.map((r) => predictProbability(model, r, nowMs));
    let served = 0;
    probs.forEach((p, i) => {
      served += labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
    });
    served -= 0.5 * weights.reduce((s, w) => s + w * w, 0);
    const reference = referenceOptimum(x, labels, 1, 3000);
    expect(served).toBeGreaterThanOrEqual(reference - 1e-6 * Math.abs(reference));
    expect(Math.abs(served - reference)).toBeLessThan(1e-6 * Math.abs(reference));
    expect(fit.objective).toBeCloseTo(served, 4);
  });

  it('chooses the penalty by cross-validation when settings do not fix it', () => {
    const { records, labels } = boatLeads(3);
    const { fit } = trainLogistic(FEATURES, records, labels, nowMs, { reasons: 3 });
    expect(fit.lambdaChosenBy).toBe('cross-validation');
    expect(fit.crossValidation.map((r) => r.lambda)).toEqual([0.1, 0.3, 1, 3, 10, 30, 100]);
    const best = Math.min(...fit.crossValidation.map((r) => r.logLoss));
    expect(fit.crossValidation.find((r) => r.lambda === fit.lambda)?.logLoss).toBe(best);
    expect(fit.converged).toBe(true);
  });
});

describe('columns', () => {
  it('leaves constant columns out of the fit and scores them as nothing', () => {
    const { records, labels } = boatLeads(1);
    const flat = records.map((r) => ({ ...r, fields: { ...r.fields, plan: 'pro' } }));
    const { model, fit } = trainLogistic(
      { ...FEATURES, plan: { field: 'plan', type: 'category' } },
      flat,
      labels,
      nowMs,
      { l2: 1, reasons: 3 },
    );
    expect(fit.constantColumns).toEqual(['plan=pro']);
    const plan = model.json.encodings.find((e) => e.feature === 'plan');
    expect(plan).toMatchObject({ kind: 'category', levels: [{ level: 'pro', mean: 1, sd: 0, weight: 0 }] });
  });

  it('stores the standardisation with the model: scoring a raw record applies it', () => {
    const { records, labels } = boatLeads(4);
    const { model } = trainLogistic(FEATURES, records, labels, nowMs, { l2: 1, reasons: 3 });
    const meetings = model.json.encodings.find((e) => e.feature === 'meetings');
    if (meetings?.kind !== 'numeric') throw new Error('meetings is numeric');
    expect(meetings.sd).toBeGreaterThan(0.3);
    const r = records[0];
    const logit = (p: number) => Math.log(p / (1 - p));
    const more = { ...r, fields: { ...r.fields, meetings: 3 } };
    const none = { ...r, fields: { ...r.fields, meetings: 0 } };
    const shift =
      logit(predictProbability(model, more, nowMs)) - logit(predictProbability(model, none, nowMs));
    expect(shift).toBeCloseTo((meetings.weight / meetings.sd) * Math.log1p(3), 10);
  });
});

/** A design with an intercept and one column that separates the classes exactly. */
function separable(): { design: Design; y: number[] } {
  const n = 200;
  const start = new Int32Array(n + 1);
  const col: number[] = [];
  const val: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    start[i] = col.length;
    const x = i < n / 2 ? -1 - (i % 7) / 10 : 1 + (i % 5) / 10;
    col.push(0, 1);
    val.push(1, x);
    y.push(x > 0 ? 1 : 0);
  }
  start[n] = col.length;
  return {
    design: { rows: n, columns: 2, start, col: Int32Array.from(col), val: Float64Array.from(val) },
    y,
  };
}

describe('solver', () => {
  it('reports non-convergence: unpenalised separable data has no optimum', () => {
    const { design, y } = separable();
    const fit = fitLogistic(design, y, null, { lambda: 0 });
    expect(fit.converged).toBe(false);
    expect(['iteration cap', 'line search failed']).toContain(fit.stopped);
  });

  it('reports the iteration cap', () => {
    const { design, y } = separable();
    const fit = fitLogistic(design, y, null, { lambda: 1, maxIterations: 1 });
    expect(fit).toMatchObject({ converged: false, stopped: 'iteration cap', iterations: 1 });
  });

  it('converges on the same separable data once penalised, every step raising the objective', () => {
    const { design, y } = separable();
    const fit = fitLogistic(design, y, null, { lambda: 1 });
    expect(fit).toMatchObject({ converged: true, stopped: 'converged' });
    expect(fit.gradientNorm).toBeLessThan(1e-7 * 200);
  });
});
