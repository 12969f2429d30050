/**
 * Estimates the evidence model (model.ts) from the data, without labels:
 * - u, how often two different people compare at each level, from random pairs of CRM records
 *   (almost all of them are two different people);
 * - m, how often a person's own record compares at each level, by expectation–maximisation over
 *   the pairs blocking brings up for the inputs: each pair is a match with a probability that the
 *   current m and u give, and m is re-estimated from those probabilities until it settles.
 * Identical level patterns are counted once with their multiplicity, so an iteration costs the
 * number of distinct patterns (hundreds), not of pairs. The judged model is the prior: an
 * attribute the data never shows keeps its judged values.
 */
import { contactCompanies, contactKeys, staffCandidates } from './block.js';
import {
  type ContactComparison,
  type ContactEvidence,
  type Levels,
  type Scoring,
  compareContact,
} from './compare.js';
import { MARGIN } from './rules.js';
import {
  ATTRIBUTES,
  type Attribute,
  DEFAULT_MODEL,
  DEFAULT_WEIGHTS,
  LEVELS,
  type Model,
  type Probabilities,
  weightsOf,
} from './model.js';
import { normaliseEmail } from './normalise.js';
import type { CrmSnapshot, IndexedContact } from './snapshot.js';
import type { IdentityInput } from './types.js';
import { mulberry32 } from '../random/index.js';

export interface TrainOptions {
  /** Random CRM pairs u is counted on (default 100,000, or every pair of a small CRM). */
  randomPairs?: number;
  /** At most this many inputs (every k-th) are blocked for m (default 20,000). */
  inputs?: number;
  /** Most iterations (default 20; it stops earlier once no m moves by 1e-4). */
  iterations?: number;
  seed?: number;
  /** The model EM starts from and shrinks towards (default: the judged one). */
  prior?: Model;
}

export interface Training {
  model: Model;
  /** Pairs that the other attributes single out, m was counted on (last iteration). */
  anchors: number;
  /** Blocked pairs of the inputs. */
  pairs: number;
  iterations: number;
  randomPairs: number;
}

/** Pseudo-observations at the prior's values: an m seen rarely stays near the judgement. */
const M_PRIOR = 10;
/** Bits the other attributes must give a pair for it to count towards one attribute's m. */
const ANCHOR_AT = 20;

const JUDGED: Scoring = { model: DEFAULT_MODEL, weights: DEFAULT_WEIGHTS, tf: false };

/** Level index per attribute (-1: missing), in ATTRIBUTES order. */
function levelIndexes(l: Levels): number[] {
  return ATTRIBUTES.map((a) => (LEVELS[a] as readonly string[]).indexOf(l[a]));
}

/** A CRM record seen the way an input is (its own email, name, phone, companies and attributes). */
function evidenceOfRecord(ic: IndexedContact, snap: CrmSnapshot): ContactEvidence {
  return {
    email: normaliseEmail(ic.c.email ?? ic.c.additional_emails[0]),
    name: ic.first || ic.last ? { first: ic.first, last: ic.last } : null,
    phone: ic.phone,
    companies: snap.companiesOf(ic),
    attrs: ic.attrs,
  };
}

/** u per level from random pairs of CRM records, with one pseudo-pair at the prior's u. */
function estimateU(snap: CrmSnapshot, pairs: number, seed: number, prior: Model): Model {
  const all = [...snap.contacts.values()];
  const counts = ATTRIBUTES.map((a) => new Array<number>(LEVELS[a].length).fill(0));
  const rnd = mulberry32(seed);
  const n = all.length;
  let done = 0;
  if (n >= 2) {
    const exhaustive = (n * (n - 1)) / 2 <= pairs;
    const seen = new Map<IndexedContact, ContactEvidence>();
    const evidence = (x: IndexedContact) => {
      const known = seen.get(x);
      if (known) return known;
      const ev = evidenceOfRecord(x, snap);
      seen.set(x, ev);
      return ev;
    };
    const visit = (x: IndexedContact, y: IndexedContact) => {
      const idx = levelIndexes(compareContact(evidence(x), y, snap, JUDGED));
      for (let k = 0; k < idx.length; k++)
        if ((idx[k] as number) >= 0) (counts[k] as number[])[idx[k] as number]++;
      done++;
    };
    if (exhaustive) {
      for (let i = 0; i < n; i++)
        for (let j = i + 1; j < n; j++) visit(all[i] as IndexedContact, all[j] as IndexedContact);
    } else {
      while (done < pairs) {
        const i = Math.floor(rnd() * n);
        const j = Math.floor(rnd() * n);
        if (i !== j) visit(all[i] as IndexedContact, all[j] as IndexedContact);
      }
    }
  }
  const model = structuredClone(prior) as Model;
  ATTRIBUTES.forEach((a, k) => {
    const c = counts[k] as number[];
    const total = c.reduce((s, x) => s + x, 0);
    const levels = model[a] as Record<string, Probabilities>;
    // one pseudo-pair per level at the prior's rate, in a sample as large as that rate needs
    for (const [i, l] of (LEVELS[a] as readonly string[]).entries()) {
      const u0 = (prior[a] as Record<string, Probabilities>)[l]?.u as number;
      (levels[l] as Probabilities).u = ((c[i] as number) + 1) / (total + 1 / u0);
    }
  });
  return model;
}

/** Comparisons of every input with the records blocking brings up for it. */
function blockedComparisons(inputs: readonly IdentityInput[], snap: CrmSnapshot): ContactComparison[][] {
  const out: ContactComparison[][] = [];
  for (const input of inputs) {
    if (input.type !== 'contact') continue;
    const keys = contactKeys(input, snap);
    const company = contactCompanies(input, snap, keys);
    const ids = staffCandidates(keys.name, company.ids, snap, new Set(keys.strong));
    const ev: ContactEvidence = {
      email: keys.email,
      name: keys.name,
      phone: keys.phone,
      companies: company.ids,
      attrs: keys.attrs,
    };
    const group: ContactComparison[] = [];
    for (const id of ids)
      group.push(compareContact(ev, snap.contacts.get(id) as IndexedContact, snap, JUDGED));
    out.push(group);
  }
  return out;
}

/**
 * Trains the model on this CRM snapshot and these inputs. Pure and repeatable: the same snapshot,
 * inputs and seed give the same model.
 *
 * m of an attribute is counted on anchor pairs: pairs that the *other* attributes alone single out
 * (ANCHOR_AT bits or more without this attribute, no conflict, and no other candidate of the input
 * within MARGIN), so an attribute never vouches for itself. The estimate is repeated with the
 * re-estimated weights until no m moves by 1e-4 — expectation–maximisation with hard, leave-one-out
 * assignments, which does not drift to "everything matches" where blocking leaves few non-matches.
 */
export function trainModel(
  inputs: readonly IdentityInput[],
  snap: CrmSnapshot,
  opts: TrainOptions = {},
): Training {
  const prior = opts.prior ?? DEFAULT_MODEL;
  const randomPairs = opts.randomPairs ?? 100_000;
  const model = estimateU(snap, randomPairs, opts.seed ?? 1, prior);
  const step = Math.max(1, Math.ceil(inputs.length / (opts.inputs ?? 20_000)));
  const groups = blockedComparisons(step === 1 ? inputs : inputs.filter((_, i) => i % step === 0), snap);
  const pairs = groups.reduce((s, g) => s + g.length, 0);
  // the prior's m of one attribute, as shares of the pairs where both sides have it
  const m0 = ATTRIBUTES.map((a) => {
    const ms = (LEVELS[a] as readonly string[]).map(
      (l) => (prior[a] as Record<string, Probabilities>)[l]?.m as number,
    );
    const sum = ms.reduce((x, y) => x + y, 0);
    return ms.map((x) => x / sum);
  });
  const m = m0.map((ms) => [...ms]);
  const u = ATTRIBUTES.map((a) =>
    (LEVELS[a] as readonly string[]).map((l) => (model[a] as Record<string, Probabilities>)[l]?.u as number),
  );
  const bits = (k: number, i: number) =>
    Math.log2(((m[k] as number[])[i] as number) / ((u[k] as number[])[i] as number));
  const maxIter = opts.iterations ?? 20;
  let iterations = 0;
  let anchors = 0;
  for (; iterations < maxIter && pairs > 0; iterations++) {
    const hit = ATTRIBUTES.map((a) => new Array<number>(LEVELS[a].length).fill(0));
    const seen = ATTRIBUTES.map(() => 0);
    anchors = 0;
    for (const group of groups) {
      const rows = group.map((c) => {
        const idx = levelIndexes(c);
        const w = idx.map((i, k) => (i >= 0 ? bits(k, i) : 0));
        return { c, idx, w, total: w.reduce((x, y) => x + y, 0) };
      });
      for (const row of rows) {
        if (row.c.conflict) continue;
        let anchored = false;
        for (let k = 0; k < ATTRIBUTES.length; k++) {
          const i = row.idx[k] as number;
          if (i < 0) continue;
          const without = row.total - (row.w[k] as number);
          // the best by a margin on the other attributes too
          if (without < ANCHOR_AT) continue;
          if (rows.some((o) => o !== row && o.total - (o.w[k] as number) > without - MARGIN)) continue;
          (hit[k] as number[])[i]++;
          seen[k]++;
          anchored = true;
        }
        if (anchored) anchors++;
      }
    }
    let moved = 0;
    ATTRIBUTES.forEach((a, k) => {
      (LEVELS[a] as readonly string[]).forEach((_, i) => {
        const prior0 = (m0[k] as number[])[i] as number;
        const next =
          (((hit[k] as number[])[i] as number) + M_PRIOR * prior0) / ((seen[k] as number) + M_PRIOR);
        moved = Math.max(moved, Math.abs(next - ((m[k] as number[])[i] as number)));
        (m[k] as number[])[i] = next;
      });
    });
    if (moved < 1e-4) {
      iterations++;
      break;
    }
  }
  ATTRIBUTES.forEach((a: Attribute, k) => {
    (LEVELS[a] as readonly string[]).forEach((l, i) => {
      ((model[a] as Record<string, Probabilities>)[l] as Probabilities).m = (m[k] as number[])[i] as number;
    });
  });
  const n = snap.contacts.size;
  return { model, anchors, pairs, iterations, randomPairs: Math.min(randomPairs, (n * (n - 1)) / 2) };
}

/** The scoring a decision uses with a trained model (term-frequency adjustment on). */
export function trainedScoring(t: Training): Scoring {
  return { model: t.model, weights: weightsOf(t.model), tf: true };
}
