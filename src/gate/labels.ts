/**
 * Labelling samples in batches, the one way the CLI (`review label s1-s100 correct`, `--from-file`)
 * and the console's batch form do it: which samples a spec names (pure), then every sample checked
 * to exist before any is labelled — a typo in a range labels nothing — and each touched gate
 * evaluated once.
 */
import type { FlowConfig } from '../config/index.js';
import { InrecordError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { type GateDecisionRecord, type Sample, evaluateGate, getSample, labelSample } from './gate.js';

export type Verdict = 'correct' | 'incorrect';

export interface WantedLabel {
  sampleId: number;
  label: Verdict;
  note?: string;
}

function sampleId(spec: string): number {
  const n = Number(spec.replace(/^s/i, ''));
  if (!Number.isInteger(n) || n <= 0)
    throw new InrecordError('IR_USAGE', `sample id must be a positive integer, got "${spec}"`, {
      fix: 'Name samples as s12, or a range as s1-s100.',
    });
  return n;
}

/** Sample ids from "s12", "12", "s1-s100" or "1-100"; a range is at most 10,000 samples. */
export function sampleIds(spec: string): number[] {
  const range = /^s?(\d+)-s?(\d+)$/i.exec(spec);
  if (!range) return [sampleId(spec)];
  const [from, to] = [Number(range[1]), Number(range[2])];
  if (from <= 0 || to < from || to - from >= 10_000)
    throw new InrecordError('IR_USAGE', `sample range "${spec}" must run upwards from 1 and cover at most 10,000 samples`, {
      fix: 'Write the range as s<first>-s<last>, e.g. s1-s100.',
    });
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Every sample a list of specs names ("s1-s9 s12, s14"), each once, in order. */
export function samplesOf(specs: string): number[] {
  const parts = specs.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0)
    throw new InrecordError('IR_USAGE', 'no samples named', { fix: 'Name samples as s12, or a range as s1-s100 (several: "s1-s20 s25").' });
  return [...new Set(parts.flatMap(sampleIds))];
}

export function verdictOf(v: string | undefined, where: string): Verdict {
  if (v === 'correct' || v === 'incorrect') return v;
  throw new InrecordError('IR_USAGE', `${where}: the label must be correct or incorrect, got "${v ?? ''}"`, {
    fix: 'Write `inrecord review label s12 s14 s20-s30 correct`, or one "s12 correct" line a sample with --from-file.',
  });
}

/** Lines "s12 correct", "s12,incorrect,why" or "s1-s9 correct"; blank lines and "#" comments skipped. */
export function parseLabelLines(text: string, origin: string): WantedLabel[] {
  const out = new Map<number, WantedLabel>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const [spec = '', verdict, ...rest] = line.includes(',') ? line.split(',').map((x) => x.trim()) : line.split(/\s+/);
    const where = `${origin} line ${i + 1}`;
    const label = verdictOf(verdict, where);
    const note = rest.join(line.includes(',') ? ',' : ' ').trim();
    let ids: number[];
    try {
      ids = sampleIds(spec);
    } catch (err) {
      throw new InrecordError('IR_USAGE', `${where}: ${(err as Error).message}`, { fix: 'Start each line with a sample id (s12) or range (s1-s9).' });
    }
    for (const id of ids) out.set(id, { sampleId: id, label, ...(note ? { note } : {}) });
  }
  if (out.size === 0) throw new InrecordError('IR_USAGE', `${origin} holds no labels`, { fix: 'Write one "s12 correct" line a sample.' });
  return [...out.values()];
}

export interface LabelledBatch {
  labelled: Sample[];
  /** One decision per flow and model version the batch touched. */
  gates: { flow: string; modelVersion: string; config: FlowConfig | null; decision: GateDecisionRecord }[];
}

/** Labels every wanted sample (all checked first), then evaluates each touched gate once. */
export async function labelSamples(
  store: Store,
  flows: readonly FlowConfig[],
  wanted: readonly WantedLabel[],
  by: string,
): Promise<LabelledBatch> {
  for (const w of wanted) await getSample(store, w.sampleId);
  const labelled: Sample[] = [];
  for (const w of wanted) labelled.push(await labelSample(store, { ...w, by }));
  const touched = new Map<string, { flow: string; modelVersion: string }>();
  for (const s of labelled) touched.set(`${s.flow}@${s.model_version}`, { flow: s.flow, modelVersion: s.model_version });
  const gates: LabelledBatch['gates'] = [];
  for (const t of touched.values()) {
    const config = flows.find((f) => f.name === t.flow) ?? null;
    const decision = await evaluateGate(store, { flow: config ?? t.flow, modelVersion: t.modelVersion, by });
    gates.push({ ...t, config, decision });
  }
  return { labelled, gates };
}
