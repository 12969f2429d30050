/**
 * Fitting the boosted trees: second-order gradient boosting of the log loss (each tree fits the
 * loss's gradient and curvature, leaf value −G/(H+λ)) on histogram bins — up to 32 quantile bins
 * per number, one per frequent level of a category (rare levels together as "other") — with
 * categories split by the levels' gradient order and empty values sent to the better side.
 * Deterministic: no sampling; the number of trees is chosen on a stable share of the training rows
 * (by a hash of the record id) held back from the fit, then the model is fitted on every row.
 */
import type { FlowRecord } from '../types.js';
import { compileFeatures, type FeatureValue, readFeature } from './features.js';
import { type BoostedColumn, type BoostedModel, type BoostedModelJson, type BoostedNode, type BoostReport, boostedLogOdds, compileBoostedModel, encodeValues } from './boosted.js';
import { digest } from './rules.js';
import type { FeatureSpec } from './settings.js';
import { splitKey } from './logistic-train.js';

export interface BoostOptions {
  reasons: number;
  /** Fixed number of trees (a refit); when absent it is chosen by early stopping. */
  trees?: number;
  /** Trees at most when choosing (default 300). */
  maxTrees?: number;
  /** Depth of each tree (default 3). */
  depth?: number;
  /** Shrinkage: each tree's step is scaled by it (default 0.1). */
  learningRate?: number;
  /** L2 penalty on leaf values (default 1). */
  lambda?: number;
  /** A child needs at least this much curvature (Σ p(1−p)) (default 1). */
  minChildWeight?: number;
  /** Share of rows held back to choose the number of trees (default 0.2). */
  validation?: number;
  /** Stop when the held-back loss has not improved for this many trees (default 30). */
  patience?: number;
  minLevelCount?: number;
  maxLevels?: number;
}

const MAX_BINS = 32;

interface Binned {
  columns: BoostedColumn[];
  /** Per column: the upper edge of each number bin (bin b holds values ≤ cuts[b], the last bin the rest). */
  cuts: Float64Array[];
  /** Per column, per row: bin id; the missing bin is the last (id bins[c] − 1). */
  bins: Uint8Array[];
  /** Bins per column, the missing bin included. */
  count: number[];
}

function binColumns(features: Record<string, FeatureSpec>, raw: FeatureValue[][], minLevel: number, maxLevels: number): Binned {
  const compiled = compileFeatures(features);
  const n = raw.length;
  const columns: BoostedColumn[] = [];
  const cuts: Float64Array[] = [];
  const bins: Uint8Array[] = [];
  const count: number[] = [];
  compiled.forEach((f, fi) => {
    const b = new Uint8Array(n);
    if (f.spec.type === 'category') {
      const counts = new Map<string, number>();
      for (const row of raw) {
        const v = row[fi];
        if (v !== null) counts.set(String(v).toLowerCase(), (counts.get(String(v).toLowerCase()) ?? 0) + 1);
      }
      const levels = [...counts.entries()]
        .filter(([, c]) => c >= minLevel)
        .sort((a, b2) => b2[1] - a[1] || (a[0] < b2[0] ? -1 : 1))
        .slice(0, Math.min(maxLevels, MAX_BINS * 4))
        .map(([l]) => l);
      const ids = new Map(levels.map((l, i) => [l, i]));
      // ids: levels 0..L−1, other L, missing L+1
      for (let i = 0; i < n; i++) {
        const v = raw[i][fi];
        b[i] = v === null ? levels.length + 1 : (ids.get(String(v).toLowerCase()) ?? levels.length);
      }
      columns.push({ feature: f.name, kind: 'category', levels });
      cuts.push(new Float64Array(0));
      count.push(levels.length + 2);
    } else {
      const present: number[] = [];
      for (const row of raw) if (typeof row[fi] === 'number') present.push(row[fi] as number);
      present.sort((a, c) => a - c);
      const edges: number[] = [];
      for (let q = 1; q < MAX_BINS; q++) {
        const v = present[Math.min(present.length - 1, Math.floor((q * present.length) / MAX_BINS))];
        if (v !== undefined && (edges.length === 0 || v > edges[edges.length - 1])) edges.push(v);
      }
      // the top edge would leave the last bin empty
      if (edges.length > 0 && edges[edges.length - 1] >= (present[present.length - 1] ?? 0)) edges.pop();
      const e = Float64Array.from(edges);
      for (let i = 0; i < n; i++) {
        const v = raw[i][fi];
        if (typeof v !== 'number') b[i] = e.length + 1;
        else {
          let lo = 0;
          let hi = e.length;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (v <= e[mid]) hi = mid;
            else lo = mid + 1;
          }
          b[i] = lo;
        }
      }
      columns.push({ feature: f.name, kind: 'number', levels: [] });
      cuts.push(e);
      count.push(e.length + 2);
    }
    bins.push(b);
  });
  return { columns, cuts, bins, count };
}

interface Split {
  gain: number;
  column: number;
  /** Bins that go left (the missing bin included when it goes left). */
  leftBins: Uint8Array;
}

interface Params {
  depth: number;
  lr: number;
  lambda: number;
  minChild: number;
}

/** Grows one tree on `rows` and returns its nodes (values with shrinkage applied). */
function growTree(data: Binned, rows: Int32Array, g: Float64Array, h: Float64Array, p: Params): BoostedNode[] {
  const nodes: BoostedNode[] = [];
  const hg = data.count.map((c) => new Float64Array(c));
  const hh = data.count.map((c) => new Float64Array(c));
  const leafValue = (G: number, H: number) => (-G / (H + p.lambda)) * p.lr;
  const grow = (idx: Int32Array, G: number, H: number, depth: number): number => {
    const me = nodes.length;
    nodes.push({ value: leafValue(G, H) });
    if (depth >= p.depth || H < 2 * p.minChild) return me;
    const best = findSplit(data, idx, g, h, G, H, hg, hh, p);
    if (!best) return me;
    const b = data.bins[best.column];
    let nl = 0;
    for (let k = 0; k < idx.length; k++) if (best.leftBins[b[idx[k]]]) nl++;
    const left = new Int32Array(nl);
    const right = new Int32Array(idx.length - nl);
    let GL = 0;
    let HL = 0;
    let a = 0;
    let c = 0;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      if (best.leftBins[b[i]]) {
        left[a++] = i;
        GL += g[i];
        HL += h[i];
      } else right[c++] = i;
    }
    const col = data.columns[best.column];
    const missingBin = data.count[best.column] - 1;
    const node = nodes[me];
    node.column = best.column;
    node.missingLeft = best.leftBins[missingBin] === 1;
    if (col.kind === 'number') {
      // left = bins 0..k: the threshold is bin k's upper edge
      let k = -1;
      for (let bin = 0; bin < missingBin; bin++) if (best.leftBins[bin]) k = bin;
      node.threshold = data.cuts[best.column][k];
    } else {
      const ids: number[] = [];
      for (let bin = 0; bin < missingBin; bin++) if (best.leftBins[bin]) ids.push(bin);
      node.left = ids;
    }
    node.yes = grow(left, GL, HL, depth + 1);
    node.no = grow(right, G - GL, H - HL, depth + 1);
    return me;
  };
  let G = 0;
  let H = 0;
  for (let k = 0; k < rows.length; k++) {
    G += g[rows[k]];
    H += h[rows[k]];
  }
  grow(rows, G, H, 0);
  return nodes;
}

function findSplit(
  data: Binned,
  idx: Int32Array,
  g: Float64Array,
  h: Float64Array,
  G: number,
  H: number,
  hg: Float64Array[],
  hh: Float64Array[],
  p: Params,
): Split | null {
  const score = (gg: number, hhh: number) => (gg * gg) / (hhh + p.lambda);
  const parent = score(G, H);
  let best: Split | null = null;
  for (let c = 0; c < data.columns.length; c++) {
    const bg = hg[c];
    const bh = hh[c];
    bg.fill(0);
    bh.fill(0);
    const b = data.bins[c];
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      bg[b[i]] += g[i];
      bh[b[i]] += h[i];
    }
    const m = data.count[c];
    const missing = m - 1;
    let order: number[];
    if (data.columns[c].kind === 'number') {
      order = [];
      for (let bin = 0; bin < missing; bin++) order.push(bin);
    } else {
      // categories: by gradient ratio, the order in which a prefix split is optimal (Fisher 1958)
      order = [];
      for (let bin = 0; bin < missing; bin++) if (bh[bin] > 0) order.push(bin);
      order.sort((x, y) => bg[x] / (bh[x] + p.lambda) - bg[y] / (bh[y] + p.lambda) || x - y);
    }
    const Gm = bg[missing];
    const Hm = bh[missing];
    let GL = 0;
    let HL = 0;
    for (let k = 0; k < order.length - 1; k++) {
      GL += bg[order[k]];
      HL += bh[order[k]];
      for (const withMissing of [false, true]) {
        if (withMissing && Hm === 0) continue;
        const gl = withMissing ? GL + Gm : GL;
        const hl = withMissing ? HL + Hm : HL;
        const hr = H - hl;
        if (hl < p.minChild || hr < p.minChild) continue;
        const gain = score(gl, hl) + score(G - gl, hr) - parent;
        if (gain > 1e-9 && (best === null || gain > best.gain)) {
          const leftBins = new Uint8Array(m);
          for (let q = 0; q <= k; q++) leftBins[order[q]] = 1;
          if (withMissing) leftBins[missing] = 1;
          best = { gain, column: c, leftBins };
        }
      }
    }
  }
  return best;
}

/** Adds one tree's output to `eta` for the given rows (on bins: the same decisions as on values). */
function applyTree(data: Binned, tree: BoostedNode[], rows: Int32Array, eta: Float64Array): void {
  const sets = tree.map((node) => {
    if (node.column === undefined) return null;
    const m = data.count[node.column];
    const set = new Uint8Array(m);
    if (data.columns[node.column].kind === 'number') {
      const e = data.cuts[node.column];
      for (let bin = 0; bin < m - 1; bin++) set[bin] = bin < e.length && e[bin] <= (node.threshold as number) ? 1 : 0;
    } else for (const id of node.left ?? []) set[id] = 1;
    set[m - 1] = node.missingLeft ? 1 : 0;
    return set;
  });
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    let at = 0;
    let node = tree[0];
    while (node.column !== undefined) {
      at = (sets[at] as Uint8Array)[data.bins[node.column][i]] ? (node.yes as number) : (node.no as number);
      node = tree[at];
    }
    eta[i] += node.value;
  }
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export interface BoostResult {
  model: BoostedModel;
  fit: BoostReport;
}

/**
 * Fits boosted trees to labelled records (1 converted, 0 not). With `trees` unset, a stable share of
 * the rows is held back, trees are added while the held-back log loss improves (at most maxTrees,
 * stopping `patience` trees after the best), and the model is then fitted on every row with the
 * best count.
 */
export function trainBoosted(
  features: Record<string, FeatureSpec>,
  records: FlowRecord[],
  labels: ArrayLike<number>,
  nowMs: number,
  opts: BoostOptions,
): BoostResult {
  const n = records.length;
  const compiled = compileFeatures(features);
  const raw = records.map((r) => compiled.map((f) => readFeature(f.spec, r.fields, nowMs)));
  const minLevel = opts.minLevelCount ?? Math.max(10, Math.ceil(n * 0.005));
  const data = binColumns(features, raw, minLevel, opts.maxLevels ?? 30);
  const p: Params = { depth: opts.depth ?? 3, lr: opts.learningRate ?? 0.1, lambda: opts.lambda ?? 1, minChild: opts.minChildWeight ?? 1 };
  const y = Float64Array.from({ length: n }, (_, i) => labels[i]);
  const fitOn = (rows: Int32Array, count: number, watch: Int32Array | null) => {
    let pos = 0;
    for (const i of rows) pos += y[i];
    const rate = Math.min(1 - 1e-6, Math.max(1e-6, pos / Math.max(1, rows.length)));
    const base = Math.log(rate / (1 - rate));
    const eta = new Float64Array(n).fill(base);
    const g = new Float64Array(n);
    const h = new Float64Array(n);
    const trees: BoostedNode[][] = [];
    let bestLoss = Number.POSITIVE_INFINITY;
    let bestCount = 0;
    for (let t = 0; t < count; t++) {
      for (const i of rows) {
        const q = sigmoid(eta[i]);
        g[i] = q - y[i];
        h[i] = Math.max(q * (1 - q), 1e-6);
      }
      const tree = growTree(data, rows, g, h, p);
      trees.push(tree);
      applyTree(data, tree, rows, eta);
      if (watch) {
        applyTree(data, tree, watch, eta);
        let loss = 0;
        for (const i of watch) loss += Math.log1p(Math.exp(-Math.abs(eta[i]))) + Math.max(eta[i], 0) - y[i] * eta[i];
        loss /= Math.max(1, watch.length);
        if (loss < bestLoss - 1e-9) {
          bestLoss = loss;
          bestCount = t + 1;
        } else if (t + 1 - bestCount >= (opts.patience ?? 30)) break;
      }
    }
    return { base, trees, bestCount, bestLoss };
  };
  const all = Int32Array.from({ length: n }, (_, i) => i);
  let count = opts.trees;
  let validationLogLoss: number | null = null;
  if (count === undefined) {
    const share = opts.validation ?? 0.2;
    const held = records.map((r) => splitKey(`${r.id}#boost`) < share);
    const fitRows = Int32Array.from(all.filter((i) => !held[i]));
    const watch = Int32Array.from(all.filter((i) => held[i]));
    const chosen = fitOn(fitRows, opts.maxTrees ?? 300, watch);
    count = Math.max(1, chosen.bestCount);
    validationLogLoss = Number.isFinite(chosen.bestLoss) ? chosen.bestLoss : null;
  }
  const final = fitOn(all, count, null);
  const fit: BoostReport = {
    trees: final.trees.length,
    depth: p.depth,
    learningRate: p.lr,
    treesChosenBy: opts.trees === undefined ? 'early stopping' : 'given',
    validationLogLoss,
    rows: n,
  };
  const json: BoostedModelJson = {
    kind: 'trained',
    family: 'boosted',
    version: '',
    features,
    base: final.base,
    columns: data.columns,
    trees: final.trees,
    reasons: opts.reasons,
    fit: { ...fit, converged: true },
    importance: [],
  };
  json.version = `gb-${digest({ b: json.base, c: json.columns, t: json.trees })}`;
  const model = compileBoostedModel(json);
  const sum = new Float64Array(data.columns.length);
  for (const row of raw) {
    const contrib = new Float64Array(data.columns.length);
    boostedLogOdds(model, encodeValues(model, row), contrib);
    for (let c = 0; c < contrib.length; c++) sum[c] += Math.abs(contrib[c]);
  }
  json.importance = data.columns
    .map((c, i) => ({ feature: c.feature, meanAbs: n > 0 ? sum[i] / n : 0 }))
    .filter((x) => x.meanAbs > 0)
    .sort((a, b) => b.meanAbs - a.meanAbs || (a.feature < b.feature ? -1 : 1));
  return { model, fit };
}
