/**
 * The local intent classifier: multinomial naive Bayes on word and bigram presence (each term
 * counted once per text, which suits short emails), Laplace-smoothed. No network, trains in
 * milliseconds on the bundled set (data/intent/train.jsonl) and serialises to plain JSON.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { dataPath } from '../data-path.js';
import { digest } from '../scoring/rules.js';
import { cleanInbound } from './clean.js';
import { CUE_WORDS } from './lexicon.js';

export const INTENT_LABELS = ['high', 'medium', 'low', 'not_sales'] as const;
export type IntentLabel = (typeof INTENT_LABELS)[number];

export const labelledTextSchema = z.object({ text: z.string().min(1), label: z.enum(INTENT_LABELS) });
export type LabelledText = z.infer<typeof labelledTextSchema>;

export interface IntentPrediction {
  label: IntentLabel;
  /** Posterior probability of the label (naive Bayes is overconfident: read it as a ranking). */
  confidence: number;
  probabilities: Record<IntentLabel, number>;
  /** An out-of-office or other automatic reply: not_sales by rule, not by the model. */
  autoReply?: boolean;
}

export interface NaiveBayesJson {
  kind: 'naive-bayes';
  version: string;
  labels: string[];
  logPrior: number[];
  /** term → log P(term | label) per label */
  logLikelihood: Record<string, number[]>;
  /** log P(unseen term | label) */
  logUnseen: number[];
}

/** Word tokens of text already cleaned: lower case, accents off, numbers as '#', foreign cue words in English. */
function wordTokens(text: string): string[] {
  const plain = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    // French and Italian elision ("l'intégration", "d'informations") is two words; English contractions one
    .replace(/\b(l|d|m|s|j|n|c|t|qu)[’'](?=[a-z])/g, '$1 ')
    .replace(/[’']/g, '');
  return plain.match(/[a-z]+|\d+/g)?.map((t) => (/^\d+$/.test(t) ? '#' : (CUE_WORDS.get(t) ?? t))) ?? [];
}

/** The sender's own words as tokens: quoted replies, forwarded headers, signatures, disclaimers and HTML dropped (clean.ts). */
export function tokenize(text: string): string[] {
  return wordTokens(cleanInbound(text).text);
}

function termsOf(toks: string[]): Set<string> {
  const out = new Set<string>(toks);
  for (let i = 0; i + 1 < toks.length; i++) out.add(`${toks[i]} ${toks[i + 1]}`);
  return out;
}

/** Unigrams and bigrams, each once. */
export function terms(text: string): Set<string> {
  return termsOf(tokenize(text));
}

export function trainNaiveBayes(examples: LabelledText[], alpha = 0.5): NaiveBayesJson {
  const labels = [...INTENT_LABELS];
  const docCount = labels.map(() => 0);
  const termCount = new Map<string, number[]>();
  const totals = labels.map(() => 0);
  for (const ex of examples) {
    const li = labels.indexOf(ex.label);
    docCount[li]++;
    for (const t of terms(ex.text)) {
      let c = termCount.get(t);
      if (!c) {
        c = labels.map(() => 0);
        termCount.set(t, c);
      }
      c[li]++;
      totals[li]++;
    }
  }
  const v = termCount.size;
  const denom = totals.map((t) => Math.log(t + alpha * (v + 1)));
  const logLikelihood: Record<string, number[]> = {};
  for (const [t, c] of termCount) logLikelihood[t] = c.map((n, i) => Math.log(n + alpha) - denom[i]);
  const n = examples.length;
  const json: NaiveBayesJson = {
    kind: 'naive-bayes',
    version: '',
    labels,
    logPrior: docCount.map((d) => Math.log((d + 1) / (n + labels.length))),
    logLikelihood,
    logUnseen: denom.map((d) => Math.log(alpha) - d),
  };
  json.version = `nb-intent-${digest({ p: json.logPrior, n, v })}`;
  return json;
}

/** A word the model never saw, read as a word it saw one typo away (a letter added, dropped, changed or two swapped). */
const SPELLING = new WeakMap<NaiveBayesJson, Map<string, string>>();
const MIN_CORRECTED = 5;

function deletions(w: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < w.length; i++) out.push(w.slice(0, i) + w.slice(i + 1));
  return out;
}

function spellingIndex(model: NaiveBayesJson): Map<string, string> {
  let index = SPELLING.get(model);
  if (index) return index;
  index = new Map();
  // the first word (in the model's order) claims a key; an exact word always claims its own
  for (const t of Object.keys(model.logLikelihood)) {
    if (t.includes(' ') || t.length < MIN_CORRECTED - 1) continue;
    index.set(t, t);
    for (const d of deletions(t)) if (!index.has(d)) index.set(d, t);
  }
  SPELLING.set(model, index);
  return index;
}

function corrected(model: NaiveBayesJson, tok: string): string {
  if (tok.length < MIN_CORRECTED || model.logLikelihood[tok]) return tok;
  const index = spellingIndex(model);
  // symmetric deletions: an inserted letter (tok minus one = word), a dropped one (word minus one =
  // tok), a changed or swapped one (both minus one agree)
  const hit =
    index.get(tok) ??
    deletions(tok)
      .map((d) => index.get(d))
      .find((w) => w !== undefined);
  return hit ?? tok;
}

/** The terms the model reads in text it has cleaned: words one typo from a known word read as that word. */
export function modelTerms(model: NaiveBayesJson, cleanedText: string): Set<string> {
  return termsOf(wordTokens(cleanedText).map((w) => corrected(model, w)));
}

export function classifyIntent(model: NaiveBayesJson, text: string): IntentPrediction {
  const cleaned = cleanInbound(text);
  if (cleaned.autoReply) {
    const probabilities = Object.fromEntries(
      model.labels.map((l) => [l, l === 'not_sales' ? 1 : 0]),
    ) as Record<IntentLabel, number>;
    return { label: 'not_sales', confidence: 1, probabilities, autoReply: true };
  }
  const scores = [...model.logPrior];
  for (const t of modelTerms(model, cleaned.text)) {
    const ll = model.logLikelihood[t];
    // Terms never seen in training carry no evidence; skipping them keeps long texts from drifting.
    if (!ll) continue;
    for (let i = 0; i < scores.length; i++) scores[i] += ll[i];
  }
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const probabilities = Object.fromEntries(model.labels.map((l, i) => [l, exps[i] / sum])) as Record<IntentLabel, number>;
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return { label: model.labels[best] as IntentLabel, confidence: exps[best] / sum, probabilities };
}

export function readLabelled(file: string): LabelledText[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const r = labelledTextSchema.safeParse(JSON.parse(l));
      if (!r.success) throw new Error(`${file}:${i + 1}: ${r.error.issues[0]?.message}`);
      return r.data;
    });
}

let bundled: NaiveBayesJson | null = null;

/** The classifier trained on the bundled set (once per process). */
export function bundledIntentModel(): NaiveBayesJson {
  bundled ??= trainNaiveBayes(readLabelled(dataPath('intent', 'train.jsonl')));
  return bundled;
}

export interface Evaluation {
  accuracy: number;
  n: number;
  /** confusion[actual][predicted] */
  confusion: Record<IntentLabel, Record<IntentLabel, number>>;
}

export function evaluateIntent(model: NaiveBayesJson, examples: LabelledText[]): Evaluation {
  const confusion = Object.fromEntries(
    INTENT_LABELS.map((a) => [a, Object.fromEntries(INTENT_LABELS.map((p) => [p, 0]))]),
  ) as Evaluation['confusion'];
  let right = 0;
  for (const ex of examples) {
    const p = classifyIntent(model, ex.text).label;
    confusion[ex.label][p]++;
    if (p === ex.label) right++;
  }
  return { accuracy: examples.length ? right / examples.length : Number.NaN, n: examples.length, confusion };
}
