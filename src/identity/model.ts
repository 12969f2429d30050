/**
 * The evidence model of a person match, in the manner of Fellegi and Sunter: each attribute of an
 * input compared with a CRM record comes out at one level (agree, similar, differ, …, missing), and
 * each level has m — how often a person's own record compares this way — and u — how often another
 * person's record does. The level adds log2(m/u) bits; a missing value adds nothing. DEFAULT_MODEL
 * holds judged values; `trainModel` (train.ts) estimates them from the CRM and the inputs without
 * labels. Term frequencies adjust the agreeing levels per value: a common surname, a big employer or
 * a mailbox on several records agrees by chance more often than the average one.
 */

export const LEVELS = {
  /** 'role': a shared inbox (info@, sales@); 'colleague': another address at the same work domain. */
  email: ['agree', 'role', 'colleague', 'differ'],
  /** 'similar': one digit mistyped or two neighbours swapped. */
  phone: ['agree', 'similar', 'differ'],
  first: ['exact', 'similar', 'initial', 'different'],
  last: ['exact', 'similar', 'initial', 'different'],
  company: ['agree', 'differ'],
  /** 'swapped': day and month the other way round; 'similar': one digit off or two swapped. */
  birth: ['agree', 'swapped', 'similar', 'differ'],
  postcode: ['agree', 'differ'],
  address: ['agree', 'similar', 'differ'],
  city: ['agree', 'similar', 'differ'],
  linkedin: ['agree', 'differ'],
  external: ['agree', 'differ'],
} as const;

export type Attribute = keyof typeof LEVELS;
export type Level<A extends Attribute> = (typeof LEVELS)[A][number];
export const ATTRIBUTES = Object.keys(LEVELS) as Attribute[];

export interface Probabilities {
  m: number;
  u: number;
}
/** m and u of every level of every attribute ('missing' is not a level: it weighs nothing). */
export type Model = { [A in Attribute]: Record<Level<A>, Probabilities> };
/** The bits log2(m/u) of every level, and 0 for 'missing'. */
export type Weights = { [A in Attribute]: Record<Level<A> | 'missing', number> };

/** m, and the u that makes log2(m/u) the given weight. */
const mw = (m: number, bits: number): Probabilities => ({ m, u: m / 2 ** bits });

/**
 * Judged values. Email: a mailbox is one person's (m 0.9, u 1 in 260,000); a role inbox tells the
 * company, not the person; people have several addresses (differ: m 0.35); another address at the
 * same work domain is rare for the same person (m 0.09). Phone: switchboards are shared (u 1 in
 * 20,000). Names: exact or nickname m 0.9, u 1 in 36 (first) and 1 in 140 (last); a typo m 0.05,
 * u 1 in 110 (first: many first names are one letter from another — Daniel, Daniela; Jon, John)
 * and 1 in 2,600 (last: between strangers, surnames one typo apart are some 75 times rarer than
 * equal ones — in FEBRL 4's 5,000 originals 108 pairs against 8,028 of 1.75 million — which would
 * make a typo weigh more than an exact surname; it weighs as much, no more).
 * Company: m 0.8, u 1 in 80; people move and records lag (differ m 0.5). Birth date: u 1 in 20,000;
 * postcode 1 in 500; street address 1 in 8,000, shared within a household (its weight stays below a
 * birth date's). LinkedIn profile and external id: one person's each.
 */
export const DEFAULT_MODEL: Model = {
  email: { agree: mw(0.9, 18), role: mw(0.05, 6), colleague: mw(0.09, -3.5), differ: mw(0.35, -1.5) },
  phone: { agree: mw(0.8, 14), similar: mw(0.04, 6), differ: mw(0.2, -2) },
  first: { exact: mw(0.9, 5), similar: mw(0.05, 2.5), initial: mw(0.03, 1.5), different: mw(0.06, -4) },
  last: { exact: mw(0.9, 7), similar: mw(0.05, 7), initial: mw(0.02, 1), different: mw(0.03, -5) },
  company: { agree: mw(0.8, 6), differ: mw(0.5, -1) },
  birth: { agree: mw(0.92, 14), swapped: mw(0.01, 7), similar: mw(0.04, 6), differ: mw(0.03, -5) },
  postcode: { agree: mw(0.9, 8), differ: mw(0.1, -3) },
  address: { agree: mw(0.75, 10), similar: mw(0.1, 7), differ: mw(0.15, -2.5) },
  city: { agree: mw(0.9, 5), similar: mw(0.03, 3), differ: mw(0.07, -2) },
  linkedin: { agree: mw(0.9, 18), differ: mw(0.1, -3) },
  external: { agree: mw(0.95, 20), differ: mw(0.05, -6) },
};

/**
 * Bits per level of a model. Levels are listed strongest first, and a weaker one never weighs more
 * than the one before it (an email's: than an agreeing address): a typo is rarer than an exact agreement among strangers, but it is not
 * better evidence (an estimate that says so has seen too few of them).
 */
export function weightsOf(model: Model): Weights {
  const out = {} as Record<Attribute, Record<string, number>>;
  for (const a of ATTRIBUTES) {
    const levels: Record<string, number> = { missing: 0 };
    let above = Number.POSITIVE_INFINITY;
    for (const l of LEVELS[a]) {
      const p = (model[a] as Record<string, Probabilities>)[l] as Probabilities;
      const bits = Math.min(above, Math.round(Math.log2(p.m / p.u) * 100) / 100);
      levels[l] = bits;
      // an email's other levels (a role inbox, a colleague's address, another address) are not
      // weaker and stronger forms of one another: each is only capped by an agreeing address
      if (a !== 'email' || l === 'agree') above = bits;
    }
    out[a] = levels;
  }
  return out as Weights;
}

export const DEFAULT_WEIGHTS: Weights = weightsOf(DEFAULT_MODEL);

/** The most bits a rare value adds above its level's weight: none (a typo makes any name rare; a near-namesake at a small company must not match on it). */
export const TF_CAP_UP = 0;
/** Pseudo-records at the level's average rate: a value seen a few times says little. */
const TF_PRIOR = 20;
/** Below this many records, value counts are not frequencies: no adjustment. */
export const TF_MIN_RECORDS = 1000;

/**
 * The weight of an agreement on one value: log2(m / u_value), u_value the share of the CRM holding
 * the value — shrunk towards the level's average u by TF_PRIOR pseudo-records, and never more than
 * TF_CAP_UP above the level's weight.
 */
export function tfWeight(p: Probabilities, count: number, total: number): number {
  if (total < TF_MIN_RECORDS || count <= 0) return Math.log2(p.m / p.u);
  const u = (count + TF_PRIOR) / (total + TF_PRIOR / p.u);
  return Math.min(Math.log2(p.m / p.u) + TF_CAP_UP, Math.log2(p.m / u));
}
