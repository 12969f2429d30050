/**
 * The world's draws: every value generateWorld picks comes from its one mulberry32 stream through
 * these helpers, in a fixed order — names, company names, unique domains and e-mail addresses,
 * phones in national and international formats, and names and domains stored the messy ways CRM
 * data holds them. Making them draws nothing; each call draws.
 */
import {
  ACCENTED_FIRST,
  ACCENTED_LAST,
  FREE_MAIL,
  LEGAL,
  LEGAL_TAIL,
  NOUNS,
  WORDS,
  ascii,
  pad,
} from './vocab.js';

export interface WorldDraws {
  rnd: () => number;
  pick: <T>(xs: readonly T[]) => T;
  int: (min: number, max: number) => number;
  chance: (p: number) => boolean;
  first: () => string;
  last: () => string;
  /** A domain no other company of the world has: `base.tld`, numbered when taken. */
  uniqueDomain: (base: string, tld: string) => string;
  companyName: () => string;
  stripLegal: (name: string) => string;
  messyDomain: (domain: string) => string | null;
  phoneFor: (country: string) => string;
  /** An address no other person of the world has, at `domain`. */
  workEmail: (first: string, last: string, domain: string) => string;
  personalEmail: (first: string, last: string) => string;
  messyFirst: (first: string) => string;
  messyLast: (last: string) => string;
}

/** The draws on `rnd`, first and last names from the given pools (and a few accented ones). */
export function worldDraws(
  rnd: () => number,
  firstPool: readonly string[],
  lastPool: readonly string[],
): WorldDraws {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
  const chance = (p: number) => rnd() < p;
  const first = () => (chance(0.04) ? pick(ACCENTED_FIRST) : pick(firstPool));
  const last = () => (chance(0.05) ? pick(ACCENTED_LAST) : pick(lastPool));

  const usedDomains = new Set<string>();
  // Unique names with a numbered suffix; the next number per stem is remembered (no rescans).
  const nextNumber = new Map<string, number>();
  const unique = (used: Set<string>, stem: string, tail: string) => {
    let v = `${stem}${tail}`;
    if (used.has(v)) {
      let k = nextNumber.get(v) ?? 2;
      while (used.has(`${stem}${k}${tail}`)) k++;
      nextNumber.set(v, k + 1);
      v = `${stem}${k}${tail}`;
    }
    used.add(v);
    return v;
  };
  const uniqueDomain = (base: string, tld: string) => {
    return unique(usedDomains, `${base || 'company'}`, `.${tld}`);
  };
  const companyName = () => {
    const r = rnd();
    const suffix = pick(LEGAL);
    const base = r < 0.45 ? last() : r < 0.7 ? `${last()} & ${last()}` : `${pick(WORDS)} ${pick(NOUNS)}`;
    return suffix ? `${base} ${suffix}` : base;
  };
  const stripLegal = (n: string) => n.replace(LEGAL_TAIL, '');
  const messyDomain = (d: string): string | null => {
    const r = rnd();
    if (r < 0.04) return `https://www.${d}/`;
    if (r < 0.07) return d.toUpperCase();
    if (r < 0.1) return `www.${d}`;
    if (r < 0.13) return null;
    return d;
  };
  const phoneFor = (country: string): string => {
    const a = int(200, 989);
    const b = int(200, 999);
    const c = pad(int(0, 9999), 4);
    switch (country) {
      case 'US':
      case 'CA': {
        const f = int(0, 3);
        return f === 0
          ? `+1 ${a}-${b}-${c}`
          : f === 1
            ? `(${a}) ${b}-${c}`
            : f === 2
              ? `${a}.${b}.${c}`
              : `1${a}${b}${c}`;
      }
      case 'GB':
        return chance(0.5) ? `+44 20 7${int(100, 999)} ${c}` : `020 7${int(100, 999)} ${c}`;
      case 'DE':
        return chance(0.5) ? `+49 30 ${int(1000000, 9999999)}` : `030 ${int(1000000, 9999999)}`;
      case 'FR':
        return `+33 1 ${int(10, 99)} ${int(10, 99)} ${int(10, 99)} ${int(10, 99)}`;
      default:
        return `+${int(30, 49)} ${a} ${b} ${c}`;
    }
  };
  const usedEmails = new Set<string>();
  const workEmail = (f: string, l: string, domain: string) => {
    const fa = ascii(f) || 'x';
    const la = ascii(l) || 'x';
    const r = rnd();
    const local =
      r < 0.55
        ? `${fa}.${la}`
        : r < 0.75
          ? `${fa[0]}${la}`
          : r < 0.85
            ? fa
            : r < 0.95
              ? `${fa}${la[0]}`
              : `${fa}_${la}`;
    return unique(usedEmails, local, `@${domain}`);
  };
  const personalEmail = (f: string, l: string) => {
    const fa = ascii(f) || 'x';
    const la = ascii(l) || 'x';
    const provider = pick(FREE_MAIL);
    const local = chance(0.5) ? `${fa}.${la}` : `${fa}${la}${int(1, 99)}`;
    return unique(usedEmails, local, `@${provider}`);
  };
  const messyFirst = (f: string): string => {
    const r = rnd();
    if (r < 0.03) return `Dr. ${f}`;
    if (r < 0.07) return `${f} ${String.fromCharCode(65 + int(0, 25))}.`;
    if (r < 0.1) return f.toLowerCase();
    if (r < 0.12) return f.toUpperCase();
    return f;
  };
  const messyLast = (l: string): string => {
    const r = rnd();
    if (r < 0.06) return l.toUpperCase();
    if (r < 0.09) return l.toLowerCase();
    return l;
  };
  return {
    rnd,
    pick,
    int,
    chance,
    first,
    last,
    uniqueDomain,
    companyName,
    stripLegal,
    messyDomain,
    phoneFor,
    workEmail,
    personalEmail,
    messyFirst,
    messyLast,
  };
}
