/**
 * The CoIL 2000 Insurance Company Benchmark (TIC) as the scoring benchmark uses it: the CSV that
 * scripts/tic-data.sh writes from Debian's r-cran-kernlab (`data(ticdata)`), read into rows, and the
 * reference model the trained one is compared with. See bench/data/README.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { aucInterval } from '../src/flows/scoring/metrics.js';
import { type Design, fitLogistic } from '../src/flows/scoring/solver.js';

export const TIC_CSV = fileURLToPath(new URL('./data/ticdata.csv', import.meta.url));
export const TIC_SCRIPT = fileURLToPath(new URL('../scripts/tic-data.sh', import.meta.url));
/** The challenge's own split: the first 5,822 rows trained on, the last 4,000 judged. */
export const TIC_TRAIN_ROWS = 5822;

/** What each field holds (kernlab's `?ticdata`); M… fields describe the customer's postcode area. */
export const TIC_LABELS: Record<string, string> = {
  STYPE: 'customer subtype', MAANTHUI: 'number of houses', MGEMOMV: 'average household size', MGEMLEEF: 'average age',
  MOSHOOFD: 'customer main type', MGODRK: 'Roman catholic', MGODPR: 'Protestant', MGODOV: 'other religion', MGODGE: 'no religion',
  MRELGE: 'married', MRELSA: 'living together', MRELOV: 'other relation', MFALLEEN: 'singles', MFGEKIND: 'households without children',
  MFWEKIND: 'households with children', MOPLHOOG: 'high education', MOPLMIDD: 'medium education', MOPLLAAG: 'lower education',
  MBERHOOG: 'high status', MBERZELF: 'entrepreneurs', MBERBOER: 'farmers', MBERMIDD: 'middle management', MBERARBG: 'skilled labourers',
  MBERARBO: 'unskilled labourers', MSKA: 'social class A', MSKB1: 'social class B1', MSKB2: 'social class B2', MSKC: 'social class C',
  MSKD: 'social class D', MHHUUR: 'rented houses', MHKOOP: 'home owners', MAUT1: '1 car', MAUT2: '2 cars', MAUT0: 'no car',
  MZFONDS: 'national health service', MZPART: 'private health insurance', MINKM30: 'income < 30,000', MINK3045: 'income 30–45,000',
  MINK4575: 'income 45–75,000', MINK7512: 'income 75–122,000', MINK123M: 'income > 123,000', MINKGEM: 'average income',
  MKOOPKLA: 'purchasing power class', PWAPART: 'private third party insurance', PWABEDR: 'third party insurance (firms)',
  PWALAND: 'third party insurance (agriculture)', PPERSAUT: 'car policies', PBESAUT: 'delivery van policies',
  PMOTSCO: 'motorcycle/scooter policies', AAUT: 'lorry policies', PAANHANG: 'trailer policies', PTRACTOR: 'tractor policies',
  PWERKT: 'agricultural machine policies', PBROM: 'moped policies', PLEVEN: 'life insurance', PPERSONG: 'private accident insurance',
  PGEZONG: 'family accident insurance', PWAOREG: 'disability insurance', PBRAND: 'fire policies', PZEILPL: 'surfboard policies',
  PPLEZIER: 'boat policies', PFIETS: 'bicycle policies', PINBOED: 'property insurance', PBYSTAND: 'social security insurance',
  AWAPART: 'private third party insurances', AWABEDR: 'third party insurances (firms)', AWALAND: 'third party insurances (agriculture)',
  APERSAUT: 'car policies', ABESAUT: 'delivery van policies', AMOTSCO: 'motorcycle/scooter policies', AVRAAUT: 'lorry policies',
  AAANHANG: 'trailer policies', ATRACTOR: 'tractor policies', AWERKT: 'agricultural machine policies', ABROM: 'moped policies',
  ALEVEN: 'life insurances', APERSONG: 'private accident insurances', AGEZONG: 'family accident insurances',
  AWAOREG: 'disability insurances', ABRAND: 'fire policies', AZEILPL: 'surfboard policies', APLEZIER: 'boat policies',
  AFIETS: 'bicycle policies', AINBOED: 'property insurances', ABYSTAND: 'social security insurances',
};

export interface TicData {
  /** The 85 fields, in the file's order. */
  columns: { name: string; kind: 'number' | 'category'; levels: string[] }[];
  /** Per row, each field's value (a number, or a category's text). */
  rows: (number | string)[][];
  /** 1: bought caravan insurance. */
  labels: number[];
}

/** One CSV line (R's write.csv: fields quoted when text, "" inside quotes). */
function csvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let s = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          s += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else s += line[i++];
      }
      out.push(s);
      i++; // the comma
    } else {
      const end = line.indexOf(',', i);
      const stop = end < 0 ? line.length : end;
      out.push(line.slice(i, stop));
      i = stop + 1;
    }
  }
  return out;
}

/** The data set, or null when the CSV is not there. */
export function readTic(file = TIC_CSV): TicData | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = csvLine(lines[0]);
  const body = lines.slice(1).map(csvLine);
  const target = header.indexOf('CARAVAN');
  const names = header.filter((_, j) => j !== target);
  const index = names.map((n) => header.indexOf(n));
  const columns = names.map((name, c) => {
    const values = body.map((r) => r[index[c]]);
    const numeric = values.every((v) => v !== '' && Number.isFinite(Number(v)));
    return { name, kind: numeric ? ('number' as const) : ('category' as const), levels: numeric ? [] : [...new Set(values)].sort() };
  });
  const rows = body.map((r) => columns.map((c, j) => (c.kind === 'number' ? Number(r[index[j]]) : r[index[j]])));
  const labels = body.map((r) => (r[target] === 'insurance' ? 1 : 0));
  return { columns, rows, labels };
}

/**
 * The reference: plain L2 logistic regression on every category level one-hot (0/1) and each
 * numeric field standardised (training mean and standard deviation), fitted by the project's
 * Newton solver (solver.ts) without the engine's feature pipeline (no level merging, no log
 * transform). Its penalty λ is `lambda` when given, else chosen from 1, 10, 100 by 5-fold
 * cross-validated log loss on the training rows (λ = 1 is a default scikit-learn
 * LogisticRegression). Returns the held-out AUC with its 95% DeLong interval.
 */
export function referenceAuc(
  data: TicData,
  train: number[],
  test: number[],
  given?: number,
): { auc: number; lower: number; upper: number; lambda: number; converged: boolean } {
  const colOf: { j: number; level?: string; mean: number; sd: number }[] = [];
  for (const [j, c] of data.columns.entries()) {
    if (c.kind === 'category') {
      const seen = new Set(train.map((i) => data.rows[i][j] as string));
      for (const level of c.levels) if (seen.has(level)) colOf.push({ j, level, mean: 0, sd: 1 });
    } else {
      const xs = train.map((i) => data.rows[i][j] as number);
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
      if (sd > 0) colOf.push({ j, mean, sd });
    }
  }
  const design = (rows: number[]): Design => {
    const start = new Int32Array(rows.length + 1);
    const col: number[] = [];
    const val: number[] = [];
    rows.forEach((i, r) => {
      start[r] = col.length;
      col.push(0);
      val.push(1);
      colOf.forEach((c, k) => {
        const v = data.rows[i][c.j];
        const x = c.level !== undefined ? (v === c.level ? 1 : 0) : ((v as number) - c.mean) / c.sd;
        if (x !== 0) {
          col.push(k + 1);
          val.push(x);
        }
      });
    });
    start[rows.length] = col.length;
    return { rows: rows.length, columns: colOf.length + 1, start, col: Int32Array.from(col), val: Float64Array.from(val) };
  };
  const etaOf = (d: Design, r: number, w: Float64Array) => {
    let eta = 0;
    for (let q = d.start[r]; q < d.start[r + 1]; q++) eta += d.val[q] * w[d.col[q]];
    return eta;
  };
  const d = design(train);
  const y = train.map((i) => data.labels[i]);
  // 5-fold choice of λ, strong to weak penalty, each fit warm-started from the last
  const grid = [100, 10, 1];
  const loss = grid.map(() => 0);
  for (let f = 0; f < (given === undefined ? 5 : 0); f++) {
    const fitRows = Int32Array.from(train.flatMap((_, r) => (r % 5 === f ? [] : [r])));
    let warm: Float64Array | undefined;
    grid.forEach((lambda, g) => {
      const fit = fitLogistic(d, y, fitRows, { lambda, start: warm });
      warm = fit.weights;
      for (let r = f; r < train.length; r += 5) {
        const eta = etaOf(d, r, fit.weights);
        loss[g] += Math.log1p(Math.exp(-Math.abs(eta))) + Math.max(eta, 0) - y[r] * eta;
      }
    });
  }
  const lambda = given ?? grid[loss.indexOf(Math.min(...loss))];
  const fit = fitLogistic(d, y, null, { lambda });
  const t = design(test);
  const scores = test.map((_, r) => etaOf(t, r, fit.weights));
  const ci = aucInterval(scores, test.map((i) => data.labels[i]));
  return { auc: ci.auc, lower: ci.lower, upper: ci.upper, lambda, converged: fit.converged };
}
