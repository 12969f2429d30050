/**
 * How well an intent classifier does per class, with the gate's Wilson 95 % interval on every
 * figure: recall (the share of a class's messages labelled with it — the accuracy within the class),
 * precision (the share of messages labelled with a class that belong to it) and one-vs-rest
 * accuracy. Pure: a confusion matrix in, figures out; the same report for any classifier (the
 * local model, an LLM), so the two are compared on the same footing.
 */
import { type Interval, wilsonInterval } from '../../gate/decision.js';
import { INTENT_LABELS, type IntentLabel } from './classifier.js';

/** confusion[actual][predicted]; an unanswered message (an LLM failure) counts under `none`. */
export type IntentConfusion = Record<IntentLabel, Record<IntentLabel | 'none', number>>;

export interface Proportion extends Interval {
  value: number;
  /** successes out of n */
  k: number;
  n: number;
}

export interface ClassFigures {
  label: IntentLabel;
  recall: Proportion;
  precision: Proportion;
  /** (true positives + true negatives) / all */
  accuracy: Proportion;
}

export interface IntentReport {
  n: number;
  accuracy: Proportion;
  /** Messages with no answer (counted wrong). */
  unanswered: number;
  perClass: ClassFigures[];
  confusion: IntentConfusion;
}

export function emptyConfusion(): IntentConfusion {
  return Object.fromEntries(
    INTENT_LABELS.map((a) => [a, Object.fromEntries([...INTENT_LABELS, 'none'].map((p) => [p, 0]))]),
  ) as IntentConfusion;
}

export function confusionOf(
  pairs: Iterable<{ actual: IntentLabel; predicted: IntentLabel | null }>,
): IntentConfusion {
  const c = emptyConfusion();
  for (const p of pairs) c[p.actual][p.predicted ?? 'none']++;
  return c;
}

function proportion(k: number, n: number): Proportion {
  return { value: n === 0 ? Number.NaN : k / n, k, n, ...wilsonInterval(k, n) };
}

export function intentReport(confusion: IntentConfusion): IntentReport {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const n = sum(INTENT_LABELS.map((a) => sum(Object.values(confusion[a]))));
  const right = sum(INTENT_LABELS.map((a) => confusion[a][a]));
  const perClass = INTENT_LABELS.map((label) => {
    const tp = confusion[label][label];
    const actual = sum(Object.values(confusion[label]));
    const predicted = sum(INTENT_LABELS.map((a) => confusion[a][label]));
    const tn = n - actual - predicted + tp;
    return {
      label,
      recall: proportion(tp, actual),
      precision: proportion(tp, predicted),
      accuracy: proportion(tp + tn, n),
    };
  });
  return {
    n,
    accuracy: proportion(right, n),
    unanswered: sum(INTENT_LABELS.map((a) => confusion[a].none)),
    perClass,
    confusion,
  };
}

const pct = (p: Proportion) =>
  Number.isNaN(p.value)
    ? '—'
    : `${(p.value * 100).toFixed(1)} % (${(p.lower * 100).toFixed(1)}–${(p.upper * 100).toFixed(1)})`;

/** The report as a text table (figures in %, 95 % Wilson interval in brackets). */
export function formatIntentReport(title: string, r: IntentReport): string {
  const rows = r.perClass.map((c) => [
    c.label,
    String(c.recall.n),
    pct(c.recall),
    pct(c.precision),
    pct(c.accuracy),
  ]);
  const head = ['class', 'n', 'recall', 'precision', 'accuracy (one vs rest)'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => (x[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i] as number)).join('  ');
  const unanswered = r.unanswered > 0 ? `, ${r.unanswered} unanswered` : '';
  return [`${title}: accuracy ${pct(r.accuracy)} on ${r.n}${unanswered}`, line(head), ...rows.map(line)].join(
    '\n',
  );
}

/**
 * The report of one classifier over labelled texts: `predict` answers a label, or null when it has
 * none (an LLM's typed error). Texts are classified `concurrency` at a time, in order.
 */
export async function measureIntent(
  examples: readonly { text: string; label: IntentLabel }[],
  predict: (text: string, i: number) => Promise<IntentLabel | null> | IntentLabel | null,
  concurrency = 1,
): Promise<IntentReport> {
  const predicted: (IntentLabel | null)[] = new Array(examples.length).fill(null);
  for (let i = 0; i < examples.length; i += concurrency) {
    const batch = examples.slice(i, i + concurrency);
    const answers = await Promise.all(batch.map((ex, j) => predict(ex.text, i + j)));
    answers.forEach((a, j) => {
      predicted[i + j] = a;
    });
  }
  return intentReport(
    confusionOf(examples.map((ex, i) => ({ actual: ex.label, predicted: predicted[i] ?? null }))),
  );
}
