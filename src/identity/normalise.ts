/**
 * Normalisation: the same person or company written two ways must produce the same keys, and two
 * different ones must not. Pure functions over strings.
 */
import { createRequire } from 'node:module';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { getDomain, getHostname } from 'tldts';

const require = createRequire(import.meta.url);
/** Free and consumer mail domains (maintained list: email-providers). */
const FREE_MAIL: ReadonlySet<string> = new Set(require('email-providers/all.json') as string[]);

/** Providers that ignore dots in the local part (and googlemail.com is gmail.com). */
const DOTLESS = new Set(['gmail.com', 'googlemail.com']);
/** Providers that deliver `name+tag@` to `name@`. Work domains are never folded: their routing is their own. */
const PLUS_TAGS = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'icloud.com',
  'me.com',
  'fastmail.com',
  'protonmail.com',
  'proton.me',
]);

/** Local parts of shared inboxes: several people read them, so they identify nobody on their own. */
const ROLE_LOCALS = new Set(
  'info sales support admin contact hello team office marketing billing accounts accounting hr jobs careers noreply no-reply help service enquiries inquiries press media webmaster postmaster finance orders partners partnerships legal privacy security feedback bookings reception general mail inbox it ops operations'.split(
    ' ',
  ),
);

export interface NormalEmail {
  /** Lower-cased, trimmed, NFKC address as written. */
  address: string;
  /** The mailbox it reaches: dots and +tags folded only where the provider ignores them. */
  canonical: string;
  local: string;
  domain: string;
  freeMail: boolean;
  role: boolean;
}

export function normaliseEmail(raw: string | null | undefined): NormalEmail | null {
  if (!raw) return null;
  const address = raw
    .normalize('NFKC')
    .trim()
    .replace(/^mailto:/i, '')
    .replace(/^<|>$/g, '')
    .toLowerCase();
  const m = /^([^@\s]+)@([^@\s]+\.[^@\s]+)$/.exec(address);
  if (!m) return null;
  let [, local, domain] = m;
  domain = domain.replace(/\.$/, '');
  let canonLocal = local;
  let canonDomain = domain;
  if (PLUS_TAGS.has(domain)) canonLocal = canonLocal.split('+')[0];
  if (DOTLESS.has(domain)) {
    canonLocal = canonLocal.replace(/\./g, '');
    canonDomain = 'gmail.com';
  }
  return {
    address: `${local}@${domain}`,
    canonical: `${canonLocal}@${canonDomain}`,
    local,
    domain,
    freeMail: FREE_MAIL.has(domain),
    role: ROLE_LOCALS.has(local.split('+')[0]),
  };
}

/** The registrable domain of a URL, host or address ('https://www.Shop.acme.co.uk/x' → 'acme.co.uk'). */
export function normaliseDomain(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let s = raw.normalize('NFKC').trim().toLowerCase();
  if (!s) return null;
  if (s.includes('@')) s = s.slice(s.lastIndexOf('@') + 1);
  const host = getHostname(/^[a-z]+:\/\//.test(s) ? s : `http://${s}`) ?? s;
  const domain = getDomain(host.replace(/^www\./, ''), { allowPrivateDomains: true });
  return domain ?? null;
}

const TITLES = new Set(['dr', 'mr', 'mrs', 'ms', 'miss', 'mx', 'prof', 'sir', 'dame', 'rev', 'herr', 'frau']);
const PARTICLES = new Set([
  'van',
  'von',
  'der',
  'den',
  'de',
  'la',
  'le',
  'di',
  'da',
  'del',
  'du',
  'dos',
  'st',
  'ten',
  'ter',
]);
const SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md', 'mba', 'esq', 'cpa']);

/** Lower case, accents removed, letters and spaces only ("O'Néil-Smith" → "oneil smith"). */
const FOLD_EXTRA: Record<string, string> = {
  ß: 'ss',
  ø: 'o',
  Ø: 'o',
  ł: 'l',
  Ł: 'l',
  đ: 'd',
  Đ: 'd',
  æ: 'ae',
  Æ: 'ae',
  œ: 'oe',
  Œ: 'oe',
  þ: 'th',
  ı: 'i',
};

const PLAIN = /^[a-z0-9]*$/;

export function foldText(s: string): string {
  const lower = s.toLowerCase();
  if (PLAIN.test(lower)) return lower;
  return (
    s
      // letters NFKD does not decompose ("Østergaard", "Groß", "Łukasz")
      .replace(/[ßøØłŁđĐæÆœŒþı]/g, (ch) => FOLD_EXTRA[ch] ?? ch)
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/['’`]/g, '')
      .replace(/[^a-z0-9]+/g, ' ')
      .trim()
  );
}

export interface NormalName {
  first: string;
  last: string;
  /**
   * The given name's words run together, when it has several of two letters or more ("Mary Ann" →
   * "maryann", "Ja yde" → "jayde", "Mary-Kate" → "marykate"): a name written in two words, or split
   * by a stray space.
   */
  joined?: string;
}

/**
 * A person's first and last name from whatever the input has: separate fields, "First Last",
 * "LAST, First", titles, suffixes and middle names or initials.
 */
export function normaliseName(
  first?: string | null,
  last?: string | null,
  full?: string | null,
): NormalName | null {
  let f = first ?? '';
  let l = last ?? '';
  // words are split on spaces only: a hyphenated name ("Runte-Bergstrom") stays one word
  const clean = (s: string) =>
    s
      .split(/\s+/)
      .map((t) => foldText(t).replace(/ /g, ''))
      .filter((t) => t && !TITLES.has(t) && !SUFFIXES.has(t));
  if (!f && !l && full) {
    const comma = full.indexOf(',');
    if (comma > 0 && !SUFFIXES.has(foldText(full.slice(comma + 1)))) {
      l = full.slice(0, comma);
      f = full.slice(comma + 1);
    } else {
      // raw words (titles and suffixes dropped) so the first and last name are cleaned below like separate fields
      const parts = full.split(/\s+/).filter((t) => {
        const k = foldText(t).replace(/ /g, '');
        return k && !TITLES.has(k) && !SUFFIXES.has(k);
      });
      // the last name is the last word with the particles before it ("van der Berg")
      let i = parts.length - 1;
      while (i > 1 && PARTICLES.has(foldText(parts[i - 1]))) i--;
      l = parts.length > 1 ? parts.slice(i).join(' ') : '';
      f = parts.length > 1 ? parts.slice(0, i).join(' ') : (parts[0] ?? '');
    }
  } else if (!l && f.includes(',')) {
    [l, f] = f.split(',', 2);
  } else if (!f && l.includes(',')) {
    // imported as "SMITH, John" in the last-name field with no first name
    [l, f] = l.split(',', 2);
  }
  const fs = clean(f);
  const ls = clean(l);
  // middle names and initials belong to neither key; of a hyphenated first name ("Mary-Kate") the first part
  const firstKey =
    (f.split(/\s+/).find((t) => fs.includes(foldText(t).replace(/ /g, ''))) ?? '')
      .split('-')
      .map((t) => foldText(t).replace(/ /g, ''))
      .find(Boolean) ?? '';
  const lastKey = ls.filter((t) => t.length > 1).join('') || ls.join('');
  if (!firstKey && !lastKey) return null;
  const joined = fs.join('');
  return joined !== firstKey && fs.every((t) => t.length > 1)
    ? { first: firstKey, last: lastKey, joined }
    : { first: firstKey, last: lastKey };
}

const NICKNAMES: Record<string, string> = {
  bob: 'robert',
  rob: 'robert',
  bobby: 'robert',
  bill: 'william',
  will: 'william',
  billy: 'william',
  liam: 'william',
  jim: 'james',
  jimmy: 'james',
  mike: 'michael',
  mick: 'michael',
  liz: 'elizabeth',
  beth: 'elizabeth',
  betty: 'elizabeth',
  kate: 'katherine',
  katie: 'katherine',
  kathy: 'katherine',
  tom: 'thomas',
  tommy: 'thomas',
  dave: 'david',
  chris: 'christopher',
  alex: 'alexander',
  dan: 'daniel',
  danny: 'daniel',
  joe: 'joseph',
  joey: 'joseph',
  matt: 'matthew',
  nick: 'nicholas',
  sam: 'samuel',
  tony: 'anthony',
  steve: 'steven',
  stephen: 'steven',
  rick: 'richard',
  dick: 'richard',
  rich: 'richard',
  jen: 'jennifer',
  jenny: 'jennifer',
  andy: 'andrew',
  drew: 'andrew',
  ben: 'benjamin',
  pat: 'patricia',
  sue: 'susan',
  jon: 'jonathan',
  johnny: 'john',
  jack: 'john',
  greg: 'gregory',
  ed: 'edward',
  eddie: 'edward',
  ted: 'edward',
  peggy: 'margaret',
  maggie: 'margaret',
  meg: 'margaret',
  ron: 'ronald',
  tim: 'timothy',
  vicky: 'victoria',
  abby: 'abigail',
};

/** First names that are the same person's: equal, or a known nickname of one another. */
export function firstNamesAgree(a: string, b: string): boolean {
  if (!a || !b) return false;
  if (a === b) return true;
  return (NICKNAMES[a] ?? a) === (NICKNAMES[b] ?? b);
}

/**
 * Optimal-string-alignment distance (Damerau–Levenshtein where no substring is edited twice):
 * insertions, deletions, substitutions and transpositions of neighbours each cost one
 * ("bridegt" → "bridget" is 1, "urenea" → "urena" is 1).
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (!a) return b.length;
  if (!b) return a.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (prev2[j - 2] as number) + 1);
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length] as number;
}

/** Jaro–Winkler similarity in [0, 1] (Winkler's prefix bonus: 0.1 per common letter, up to 4). */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return a ? 1 : 0;
  if (!a || !b) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aHit = new Array<boolean>(a.length).fill(false);
  const bHit = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = Math.max(0, i - window); j < Math.min(b.length, i + window + 1); j++) {
      if (bHit[j] || a[i] !== b[j]) continue;
      aHit[i] = bHit[j] = true;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let k = 0;
  let halfTranspositions = 0;
  for (let i = 0; i < a.length; i++) {
    if (!aHit[i]) continue;
    while (!bHit[k]) k++;
    if (a[i] !== b[k]) halfTranspositions++;
    k++;
  }
  const m = matches;
  const jaro = (m / a.length + m / b.length + (m - halfTranspositions / 2) / m) / 3;
  let prefix = 0;
  while (prefix < 4 && a[prefix] !== undefined && a[prefix] === b[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/** How two name keys (as normaliseName gives them) compare. */
export type NameAgreement = 'exact' | 'similar' | 'initial' | 'different' | 'missing';

/**
 * Exact (for first names: equal or a known nickname), similar (a typo: one edit on names of four
 * letters or more, two on names of eight or more, with a Jaro–Winkler similarity of at least 0.9),
 * initial (one side is the other's initial), different or missing. "Jon" / "John" and "Ann" / "Anne"
 * are not typos of one another: under four letters one letter is a different name.
 */
export function compareNameKeys(a: string, b: string, kind: 'first' | 'last'): NameAgreement {
  if (!a || !b) return 'missing';
  if (a === b || (kind === 'first' && firstNamesAgree(a, b))) return 'exact';
  if (a.length === 1 || b.length === 1) return a[0] === b[0] ? 'initial' : 'different';
  const shorter = Math.min(a.length, b.length);
  if (shorter < 4 || Math.abs(a.length - b.length) > 2) return 'different';
  const d = editDistance(a, b);
  if (d === 1 || (d === 2 && shorter >= 8)) return jaroWinkler(a, b) >= 0.9 ? 'similar' : 'different';
  return 'different';
}

/**
 * Two first names that could be one name mistyped, though too far apart to count as similar:
 * one edit ("riy" / "roy"), a cut-off ending ("jac" / "jack"), or two edits on a long name. Not
 * enough to agree on; enough not to call the name another person's when an email and a phone both
 * agree.
 */
export function nearlySameName(a: string, b: string): boolean {
  if (!a || !b) return false;
  const shorter = Math.min(a.length, b.length);
  if (shorter >= 3 && (a.startsWith(b) || b.startsWith(a))) return true;
  const d = editDistance(a, b);
  return (d <= 1 && shorter >= 3) || (d <= 2 && shorter >= 6 && jaroWinkler(a, b) >= 0.85);
}

const LEGAL = new Set(
  'inc incorporated llc l l c ltd limited gmbh ag sa sas sarl bv nv plc corp corporation co company pty srl spa oy ab as kk lp llp pllc pc se kg ohg ug holdings holding group'.split(
    ' ',
  ),
);

/** A company name without case, accents, punctuation, "the" and legal suffixes ("The ACME, Inc." → "acme"). */
export function normaliseCompanyName(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let lastWasLetter = false;
  const tokens: string[] = [];
  // "S.A." and "L.L.C." fold to single letters: join each run of them back into one word
  for (const t of foldText(raw.replace(/&/g, ' and ')).split(' ').filter(Boolean)) {
    const prev = tokens[tokens.length - 1];
    if (t.length === 1 && prev !== undefined && prev.length >= 1 && /^[a-z]+$/.test(prev) && lastWasLetter)
      tokens[tokens.length - 1] = prev + t;
    else tokens.push(t);
    lastWasLetter = t.length === 1;
  }
  while (tokens.length > 1 && LEGAL.has(tokens[tokens.length - 1])) tokens.pop();
  if (tokens[0] === 'the' && tokens.length > 1) tokens.shift();
  const out = tokens.join(' ');
  return out || null;
}

/** E.164 where the number parses (default region US), else its last ten digits. */
export function normalisePhone(
  raw: string | null | undefined,
  region: 'US' | 'GB' | 'DE' | 'FR' = 'US',
): string | null {
  if (!raw) return null;
  const parsed = parsePhoneNumberFromString(raw, region);
  if (parsed?.isValid()) return parsed.number;
  const digits = raw.replace(/\D/g, '');
  return digits.length >= 7 ? digits.slice(-10) : null;
}

/**
 * The comparison key of a phone: its last 9 digits, so national and international writings of one
 * number ('020 7946 0958', '+44 20 7946 0958', '(415) 555-0101', '+1 415 555 0101') agree without
 * knowing the country, and without a full parse per record.
 */
export function phoneKey(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const digits = raw.replace(/\D/g, '');
  return digits.length >= 7 ? digits.slice(-9) : null;
}

const SOUNDEX: Record<string, string> = {
  b: '1',
  f: '1',
  p: '1',
  v: '1',
  c: '2',
  g: '2',
  j: '2',
  k: '2',
  q: '2',
  s: '2',
  x: '2',
  z: '2',
  d: '3',
  t: '3',
  l: '4',
  m: '5',
  n: '5',
  r: '6',
};

/**
 * American Soundex of a name key ("robert", "rupert" → "r163"): names that sound alike share it,
 * so a misspelt name ("smyth", "smith") is found without comparing it with everyone.
 */
export function soundex(key: string): string {
  if (!key) return '';
  let out = key[0] as string;
  let prev = SOUNDEX[out] ?? '';
  for (let i = 1; i < key.length && out.length < 4; i++) {
    const ch = key[i] as string;
    const code = SOUNDEX[ch] ?? '';
    if (code && code !== prev) out += code;
    // h and w do not separate letters of one code; vowels do
    if (ch !== 'h' && ch !== 'w') prev = code;
  }
  return out.padEnd(4, '0');
}
