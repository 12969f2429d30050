/**
 * The trained scoring model on a real, public conversion data set: the CoIL 2000 Insurance Company
 * Benchmark (9,822 customers, 85 fields, 6 % bought caravan insurance; bench/data/README.md).
 * Loaded into the Salesforce simulator the way an admin would load it — a custom field per column
 * (picklists for the categories, numbers for the counts) created through the Tooling API, the
 * customers inserted as Leads through the REST collections API, 200 at a time — and trained by the
 * pipeline's own path (`inrecord train`: `trainFlow` reads the leads through the connector, splits,
 * fits, judges and stores). "Converted" is the custom checkbox Caravan_Policy__c: Salesforce sets
 * IsConverted only by converting a lead, so imported history carries its outcome in a field of its own.
 *
 * The split is the flow's time-aware hold-out over a custom date field (Split_Date__c): on the
 * data set's own split the first 5,822 customers are dated before the last 4,000; for each of 20
 * random 70/30 splits the dates are redrawn through the API. The trained model's held-out AUC is
 * compared with a reference logistic regression (bench/tic.ts: one-hot categories, standardised
 * numbers; λ chosen by cross-validation on the data set's own training rows and kept for the random
 * splits) fitted on exactly the same rows. Target: trained ≥ reference − 0.01 on the
 * data set's split, and in the median over the random splits.
 *
 * `npm run bench -- scoring-tic [splits=20]`; without the data it says how to get it and stops.
 */
import { execFileSync } from 'node:child_process';
import jsforce from 'jsforce';
import { configSchema, crmConnectionSchema } from '../src/config/index.js';
import { createConnector } from '../src/crm/registry.js';
import type { ModelReport } from '../src/flows/index.js';
import { trainFlow } from '../src/pipeline/index.js';
import { mulberry32 } from '../src/random/index.js';
import { startSimulator } from '../src/simulators/index.js';
import { openStore } from '../src/store/index.js';
import type { BenchResult, BenchRow } from './run.js';
import { readTic, referenceAuc, TIC_CSV, TIC_LABELS, TIC_SCRIPT, TIC_TRAIN_ROWS, type TicData } from './tic.js';

const DAY_MS = 86_400_000;
const EPOCH = Date.parse('1990-01-01T00:00:00Z');
const fieldOf = (name: string) => `${name}__c`;

/** One retry of a call whose kept-alive socket the server closed while training held the event loop. */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if ((err as { code?: string }).code !== 'ECONNRESET') throw err;
    return call();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function loadData(): TicData | null {
  const have = readTic();
  if (have) return have;
  try {
    execFileSync('bash', [TIC_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch {
    return null;
  }
  return readTic();
}

/** Hand-written rules a RevOps analyst could start from (the rules model the trained one must beat). */
const RULES = [
  { feature: 'PPERSAUT', equals: ['f 1000-4999', 'f 5000-9999', 'f 10000-19999'], points: 12, label: 'car policy contribution {value}' },
  { feature: 'APLEZIER', gte: 1, points: 20, label: '{value} boat policies' },
  { feature: 'PBRAND', equals: ['f 100-199', 'f 200-499'], points: 5, label: 'fire policy contribution {value}' },
  { feature: 'AWAPART', gte: 1, points: 4, label: 'private third party insurance' },
  { feature: 'MKOOPKLA', equals: ['63 - 75%', '76 - 88%', '89 - 99%', '100%'], points: 5, label: 'high purchasing power' },
  { feature: 'MOPLLAAG', equals: ['63 - 75%', '76 - 88%', '89 - 99%', '100%'], points: -5, label: 'mostly lower education in the area' },
];

export async function run(args: string[]): Promise<BenchResult> {
  const splits = Number(args[0] ?? 20);
  const data = loadData();
  if (!data) {
    process.stderr.write(
      `scoring-tic: the data set is not at ${TIC_CSV}.\n  Get it with: bash scripts/tic-data.sh (as root it installs Debian's r-cran-kernlab; elsewhere install R's kernlab package first), then run this benchmark again.\n`,
    );
    return { name: 'scoring-tic', rows: [], meta: { skipped: 'data set not available', how: 'bash scripts/tic-data.sh' } };
  }
  const n = data.rows.length;
  const sim = await startSimulator('salesforce', { seed: 1, records: 0, dailyApiRequests: 1e9 });
  const store = await openStore({ dataDir: 'memory://' });
  const crm = { kind: 'salesforce', baseUrl: sim.apiBase, auth: { token: sim.token } };
  const connector = await createConnector(crmConnectionSchema.parse(crm));
  try {
    const conn = new jsforce.Connection({ instanceUrl: sim.apiBase, accessToken: sim.token, version: '62.0' });
    // A sandbox holding only this data set: the few leads the simulator starts with are deleted.
    const seeded = await conn.query<{ Id: string }>('SELECT Id FROM Lead');
    if (seeded.records.length > 0) await conn.sobject('Lead').destroy(seeded.records.map((r) => r.Id), { allOrNone: true });
    const left = await conn.query('SELECT COUNT() FROM Lead');
    if (left.totalSize !== 0) throw new Error(`the simulator still holds ${left.totalSize} other leads`);

    // Custom fields, as an admin creates them (Tooling API CustomField).
    const tooling = (FullName: string, Metadata: Record<string, unknown>) =>
      conn.request({ method: 'POST', url: '/services/data/v62.0/tooling/sobjects/CustomField', body: JSON.stringify({ FullName, Metadata }), headers: { 'content-type': 'application/json' } });
    for (const c of data.columns) {
      const label = TIC_LABELS[c.name] ?? c.name;
      await tooling(
        `Lead.${fieldOf(c.name)}`,
        c.kind === 'category'
          ? { type: 'Picklist', label, valueSet: { restricted: true, valueSetDefinition: { value: c.levels.map((fullName) => ({ fullName })) } } }
          : { type: 'Number', label, precision: 18, scale: 0 },
      );
    }
    await tooling('Lead.Caravan_Policy__c', { type: 'Checkbox', label: 'Bought caravan insurance' });
    await tooling('Lead.Split_Date__c', { type: 'Date', label: 'Split date' });
    await tooling('Lead.TIC_Score__c', { type: 'Number', label: 'Caravan score', precision: 3, scale: 0 });

    // The customers as Leads, in the file's order, dated so the challenge's test set is the newest.
    const dateOf = (rank: number) => new Date(EPOCH + rank * DAY_MS).toISOString().slice(0, 10);
    const ids: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i += 200) {
      const batch = data.rows.slice(i, i + 200).map((row, k) => {
        const rec: Record<string, unknown> = { LastName: `Customer ${i + k + 1}`, Company: 'TIC', Caravan_Policy__c: data.labels[i + k] === 1, Split_Date__c: dateOf(i + k) };
        data.columns.forEach((c, j) => {
          rec[fieldOf(c.name)] = row[j];
        });
        return rec;
      });
      const res = (await conn.sobject('Lead').create(batch, { allOrNone: true })) as { id?: string; success: boolean; errors: unknown[] }[];
      for (const r of res) {
        if (!r.success || !r.id) throw new Error(`lead insert failed: ${JSON.stringify(r.errors)}`);
        ids.push(r.id);
      }
    }
    const loadMs = performance.now() - t0;

    const features = Object.fromEntries(
      data.columns.map((c) => [c.name, { field: fieldOf(c.name), type: c.kind, label: `${TIC_LABELS[c.name] ?? c.name}: {value}` }]),
    );
    const configFor = (holdout: number) =>
      configSchema.parse({
        crm,
        flows: [
          {
            name: 'caravan',
            kind: 'scoring',
            object: 'lead',
            outputs: { score: 'TIC_Score__c' },
            settings: {
              model: 'auto',
              minConversions: 100,
              label: { field: 'Caravan_Policy__c' },
              holdout,
              holdoutBy: { field: 'Split_Date__c' },
              features,
              base: 5,
              rules: RULES,
            },
          },
        ],
      });
    const train = async (holdout: number): Promise<{ report: ModelReport; ms: number }> => {
      const s = performance.now();
      const report = await trainFlow({ store, connector, config: configFor(holdout) }, 'caravan');
      return { report, ms: performance.now() - s };
    };
    const rows: BenchRow[] = [];
    const f3 = (x: number) => x.toFixed(3);
    const ci = (a: { auc: number; lower: number; upper: number }) => `${f3(a.auc)} (95% CI ${f3(a.lower)}–${f3(a.upper)})`;
    const heldOut = (h: ModelReport['holdout']) => {
      if (!h) throw new Error('the training judged no model on a hold-out');
      return { auc: h.auc, lower: h.aucLower, upper: h.aucUpper };
    };

    // The data set's own split.
    process.stderr.write(`loaded ${n} leads in ${(loadMs / 1000).toFixed(1)} s; training on the data set's own split …\n`);
    const own = await train(4000 / n);
    const ownTrain = Array.from({ length: TIC_TRAIN_ROWS }, (_, i) => i);
    const ownTest = Array.from({ length: n - TIC_TRAIN_ROWS }, (_, i) => TIC_TRAIN_ROWS + i);
    const ownRef = referenceAuc(data, ownTrain, ownTest);
    const ownAuc = heldOut(own.report.holdout);
    rows.push({ metric: 'rows held out · own split', value: own.report.holdout?.rows ?? 0, unit: 'leads', note: `${data.labels.slice(TIC_TRAIN_ROWS).reduce((s, y) => s + y, 0)} bought; loaded ${n.toLocaleString('en-US')} leads in ${(loadMs / 1000).toFixed(1)} s` });
    rows.push({
      metric: 'held-out AUC · own split · trained',
      value: ownAuc.auc,
      unit: 'AUC',
      target: `>= reference − 0.01 (${f3(ownRef.auc - 0.01)})`,
      pass: ownAuc.auc >= ownRef.auc - 0.01,
      note: `${ci(ownAuc)}; family ${own.report.family ?? '–'}; served ${own.report.chosen}; trained in ${(own.ms / 1000).toFixed(1)} s`,
    });
    rows.push({ metric: 'held-out AUC · own split · reference LR', value: ownRef.auc, unit: 'AUC', note: `${ci(ownRef)}; λ ${ownRef.lambda} (5-fold CV over 1, 10, 100); fit ${ownRef.converged ? 'converged' : 'did not converge'}` });
    rows.push({ metric: 'held-out AUC · own split · rules', value: own.report.holdout?.rulesAuc ?? Number.NaN, unit: 'AUC', note: 'hand-written rules (bench/scoring-tic.bench.ts)' });
    for (const f of own.report.families ?? []) rows.push({ metric: `held-out AUC · own split · ${f.family}`, value: f.auc, unit: 'AUC', note: `${ci({ auc: f.auc, lower: f.aucLower, upper: f.aucUpper })}; ${f.note}` });

    // Random 70/30 splits: the split date redrawn through the API, the same rows given to the reference.
    const rnd = mulberry32(2000);
    const diffs: number[] = [];
    const trained: number[] = [];
    const refs: number[] = [];
    const lowers: number[] = [];
    const uppers: number[] = [];
    const times: number[] = [];
    const chosen: Record<string, number> = {};
    for (let s = 0; s < splits; s++) {
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      const rank = new Int32Array(n);
      order.forEach((row, r) => {
        rank[row] = r;
      });
      for (let i = 0; i < n; i += 200) {
        const batch = ids.slice(i, i + 200).map((Id, k) => ({ Id, Split_Date__c: dateOf(rank[i + k]) }));
        const res = (await retried(() => conn.sobject('Lead').update(batch, { allOrNone: true }))) as { success: boolean }[];
        if (res.some((r) => !r.success)) throw new Error('split date update failed');
      }
      const cut = Math.round(n * 0.7);
      const r = await train(0.3);
      const ref = referenceAuc(data, order.slice(0, cut), order.slice(cut), ownRef.lambda);
      const a = heldOut(r.report.holdout);
      trained.push(a.auc);
      lowers.push(a.lower);
      uppers.push(a.upper);
      refs.push(ref.auc);
      diffs.push(a.auc - ref.auc);
      times.push(r.ms);
      const fam = r.report.family ?? 'none';
      chosen[fam] = (chosen[fam] ?? 0) + 1;
      process.stderr.write(`split ${s + 1}/${splits} (${(r.ms / 1000).toFixed(0)} s): trained ${f3(a.auc)} (${fam}) reference ${f3(ref.auc)} (λ ${ref.lambda}) rules ${f3(r.report.holdout?.rulesAuc ?? Number.NaN)}; ${r.report.familyWhy}\n`);
    }
    if (splits > 0) {
      const within = diffs.filter((d) => d >= -0.01).length;
      rows.push({
        metric: `held-out AUC · ${splits} random 70/30 · trained (median)`,
        value: median(trained),
        unit: 'AUC',
        target: `>= reference − 0.01 (${f3(median(refs) - 0.01)})`,
        pass: median(diffs) >= -0.01,
        note: `median 95% CI ${f3(median(lowers))}–${f3(median(uppers))}; range ${f3(Math.min(...trained))}–${f3(Math.max(...trained))}; family ${Object.entries(chosen).map(([k, v]) => `${k} ×${v}`).join(', ')}`,
      });
      rows.push({ metric: `held-out AUC · ${splits} random 70/30 · reference LR (median)`, value: median(refs), unit: 'AUC', note: `λ ${ownRef.lambda}; range ${f3(Math.min(...refs))}–${f3(Math.max(...refs))}` });
      rows.push({ metric: 'trained − reference · median over splits', value: median(diffs), unit: 'AUC', note: `worst ${f3(Math.min(...diffs))}, best ${f3(Math.max(...diffs))}; ${within}/${splits} splits within 0.01 or better` });
      rows.push({ metric: 'training time · median over splits', value: Math.round(median(times)), unit: 'ms', note: `read ${n.toLocaleString('en-US')} leads through the connector, split, fit the families, judge, refit, store` });
    }
    return { name: 'scoring-tic', rows, meta: { familyWhy: own.report.familyWhy, dataset: 'CoIL 2000 Insurance Company Benchmark (kernlab ticdata)', rows: n, features: data.columns.length, report: own.report } };
  } finally {
    await connector.close();
    await store.close();
    await sim.close();
  }
}
