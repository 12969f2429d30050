/**
 * Noise for person records, the way typed, scanned and copied records go wrong: a typo of each kind
 * (a letter inserted, dropped, replaced by a keyboard neighbour, two neighbours swapped), a
 * nickname for the given name, first and last name swapped, values missing, a household member's
 * mailbox. Pure: the caller's seeded generator decides everything, so the same seed gives the same
 * noise, and every change made is named (`applied`) for the tests that score it.
 */

export type TypoKind = 'insert' | 'delete' | 'keyboard' | 'transpose';
export const TYPO_KINDS: readonly TypoKind[] = ['insert', 'delete', 'keyboard', 'transpose'];

/** Letters next to each other on a QWERTY keyboard. */
const NEIGHBOURS: Record<string, string> = {
  q: 'wa',
  w: 'qes',
  e: 'wrd',
  r: 'etf',
  t: 'ryg',
  y: 'tuh',
  u: 'yij',
  i: 'uok',
  o: 'ipl',
  p: 'ol',
  a: 'qsz',
  s: 'adwx',
  d: 'sfec',
  f: 'dgrv',
  g: 'fhtb',
  h: 'gjyn',
  j: 'hkum',
  k: 'jli',
  l: 'ko',
  z: 'xa',
  x: 'zcs',
  c: 'xvd',
  v: 'cbf',
  b: 'vng',
  n: 'bmh',
  m: 'nj',
};

/** Given names and a nickname people write instead. */
export const NICKNAMES: readonly (readonly [string, string])[] = [
  ['robert', 'bob'],
  ['william', 'bill'],
  ['james', 'jim'],
  ['michael', 'mike'],
  ['elizabeth', 'liz'],
  ['katherine', 'kate'],
  ['thomas', 'tom'],
  ['david', 'dave'],
  ['christopher', 'chris'],
  ['alexander', 'alex'],
  ['daniel', 'dan'],
  ['joseph', 'joe'],
  ['matthew', 'matt'],
  ['nicholas', 'nick'],
  ['samuel', 'sam'],
  ['anthony', 'tony'],
  ['richard', 'rick'],
  ['jennifer', 'jen'],
  ['andrew', 'andy'],
  ['benjamin', 'ben'],
  ['margaret', 'maggie'],
  ['timothy', 'tim'],
];

const pick = <T>(xs: readonly T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)] as T;

/**
 * One typo of the given kind, never on the first letter (people rarely get that wrong), keeping the
 * case of the letter it touches. A word of fewer than three letters (or with nothing to swap) is
 * returned as it is.
 */
export function typo(word: string, kind: TypoKind, rnd: () => number): string {
  if (word.length < 3) return word;
  const i = 1 + Math.floor(rnd() * (word.length - 1));
  const ch = word[i] as string;
  const lower = ch.toLowerCase();
  const near = NEIGHBOURS[lower] ?? 'e';
  const swapCase = (c: string) => (ch === lower ? c : c.toUpperCase());
  switch (kind) {
    case 'insert':
      return word.slice(0, i) + swapCase(pick([...near], rnd)) + word.slice(i);
    case 'delete':
      return word.slice(0, i) + word.slice(i + 1);
    case 'keyboard':
      return word.slice(0, i) + swapCase(pick([...near], rnd)) + word.slice(i + 1);
    case 'transpose': {
      // two different neighbours after the first letter, swapped ("bridget" → "bridegt")
      const pairs: number[] = [];
      for (let j = 2; j < word.length; j++) if (word[j - 1] !== word[j]) pairs.push(j);
      if (pairs.length === 0) return word;
      const j = pick(pairs, rnd);
      return word.slice(0, j - 1) + word[j] + word[j - 1] + word.slice(j + 1);
    }
  }
}

/** The nickname of a given name, or the full name of a nickname; null when it has neither. */
export function nicknameOf(given: string): string | null {
  const g = given.toLowerCase();
  const pair = NICKNAMES.find(([full, nick]) => full === g || nick === g);
  if (!pair) return null;
  const other = pair[0] === g ? pair[1] : pair[0];
  return given[0] === given[0]?.toUpperCase() ? other[0]?.toUpperCase() + other.slice(1) : other;
}

/** How often each kind of noise strikes one record (each a probability in [0, 1]). */
export interface NoiseRates {
  /** A typo in the given name, and separately in the surname. */
  typo: number;
  nickname: number;
  /** Given name and surname written the other way round. */
  swap: number;
  /** The given name, the phone, or the company left out (each). */
  missing: number;
  /** The email replaced by a household member's (when one is offered). */
  householdMailbox: number;
}

export const DEFAULT_NOISE: NoiseRates = {
  typo: 0.15,
  nickname: 0.05,
  swap: 0.02,
  missing: 0.05,
  householdMailbox: 0.02,
};

/** The fields of a person record that noise touches. */
export interface PersonFields {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  companyName: string | null;
}

/**
 * A noisy copy of a person record and the names of the changes made ('typo:first:keyboard',
 * 'nickname', 'swap', 'missing:phone', 'household_mailbox', …). `householdEmail` is the mailbox of
 * another person of the household, if there is one.
 */
export function addNoise(
  p: PersonFields,
  rnd: () => number,
  rates: NoiseRates = DEFAULT_NOISE,
  householdEmail: string | null = null,
): { person: PersonFields; applied: string[] } {
  const out = { ...p };
  const applied: string[] = [];
  const nick = out.firstName ? nicknameOf(out.firstName) : null;
  if (nick && rnd() < rates.nickname) {
    out.firstName = nick;
    applied.push('nickname');
  }
  for (const field of ['firstName', 'lastName'] as const) {
    const v = out[field];
    if (v && v.length >= 4 && rnd() < rates.typo) {
      const kind = pick(TYPO_KINDS, rnd);
      out[field] = typo(v, kind, rnd);
      applied.push(`typo:${field === 'firstName' ? 'first' : 'last'}:${kind}`);
    }
  }
  if (out.firstName && out.lastName && rnd() < rates.swap) {
    [out.firstName, out.lastName] = [out.lastName, out.firstName];
    applied.push('swap');
  }
  for (const field of ['firstName', 'phone', 'companyName'] as const) {
    if (out[field] && rnd() < rates.missing) {
      out[field] = null;
      applied.push(`missing:${field === 'firstName' ? 'first' : field === 'phone' ? 'phone' : 'company'}`);
    }
  }
  if (householdEmail && rnd() < rates.householdMailbox) {
    out.email = householdEmail;
    applied.push('household_mailbox');
  }
  return { person: out, applied };
}
