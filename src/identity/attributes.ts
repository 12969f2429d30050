/**
 * The identifying attributes beyond email, phone, name and company: birth date, postcode, street
 * address, city, LinkedIn profile and an external id. Each is normalised once and compared into a
 * graded agreement level; a missing value on either side is its own level, never a difference.
 * Pure functions over strings.
 */
import { editDistance, foldText, jaroWinkler } from './normalise.js';

export type DateAgreement = 'agree' | 'swapped' | 'similar' | 'differ' | 'missing';
export type PlaceAgreement = 'agree' | 'similar' | 'differ' | 'missing';
export type IdAgreement = 'agree' | 'differ' | 'missing';

/** The attributes of one person, normalised: null where unknown. */
export interface PersonAttributes {
  /** YYYYMMDD. */
  birth: string | null;
  postcode: string | null;
  /** "<number> <street>", folded, the street without spaces (normaliseAddress). */
  address: string | null;
  city: string | null;
  /** The profile slug of a linkedin.com/in/ URL. */
  linkedin: string | null;
  /** An id the record carries in another system, as written (trimmed, lower case). */
  external: string | null;
}

export const NO_ATTRIBUTES: PersonAttributes = {
  birth: null,
  postcode: null,
  address: null,
  city: null,
  linkedin: null,
  external: null,
};

/** The raw fields the attributes come from (an input or a CRM record: the same names). */
export interface AttributeFields {
  birth_date?: string | null;
  postcode?: string | null;
  address?: string | null;
  city?: string | null;
  linkedin_url?: string | null;
  external_id?: string | null;
}

export function personAttributes(f: AttributeFields): PersonAttributes {
  if (!f.birth_date && !f.postcode && !f.address && !f.city && !f.linkedin_url && !f.external_id)
    return NO_ATTRIBUTES;
  return {
    birth: normaliseDate(f.birth_date),
    postcode: normalisePostcode(f.postcode),
    address: normaliseAddress(f.address),
    city: normalisePlace(f.city),
    linkedin: normaliseLinkedIn(f.linkedin_url),
    external: f.external_id?.trim().toLowerCase() || null,
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
const validDate = (y: number, m: number, d: number) =>
  y >= 1850 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31;

/**
 * A birth date as YYYYMMDD from "1985-03-07", "19850307", "1985/3/7" or "07/03/1985" (day first,
 * unless only month first can be: "12/31/1980"). Day and month read the other way round compare as
 * the swapped level, not as a difference. Eight digits with a plausible year but no such month or
 * day ("19851307", "19840025") are kept as written: a date with a digit mistyped or two swapped,
 * which compares with the true date as similar. Null when it is no date.
 */
export function normaliseDate(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const s = raw.trim();
  let m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return validDate(+m[1]!, 1, 1) ? `${m[1]}${m[2]}${m[3]}` : null;
  m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$/.exec(s);
  if (m) return validDate(+m[1]!, +m[2]!, +m[3]!) ? `${m[1]}${pad(+m[2]!)}${pad(+m[3]!)}` : null;
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(s);
  if (m) {
    const [a, b, y] = [+m[1]!, +m[2]!, +m[3]!];
    // day first, unless that cannot be (a US "12/31/1980")
    const [d, mo] = a > 12 || b <= 12 ? [a, b] : [b, a];
    return validDate(y, mo, d) ? `${y}${pad(mo)}${pad(d)}` : null;
  }
  return null;
}

/**
 * Agree; swapped (day and month the other way round); similar (one digit mistyped or two
 * neighbours transposed, the way dates are mistyped); differ; missing.
 */
export function compareDates(a: string | null, b: string | null): DateAgreement {
  if (!a || !b) return 'missing';
  if (a === b) return 'agree';
  if (a.slice(0, 4) === b.slice(0, 4) && a.slice(4, 6) === b.slice(6, 8) && a.slice(6, 8) === b.slice(4, 6))
    return 'swapped';
  return editDistance(a, b) === 1 ? 'similar' : 'differ';
}

export function normalisePostcode(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const s = raw
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  return s || null;
}

/** Street types, each in the one writing a street name is compared in. */
const STREET_TYPES: Record<string, string> = {
  st: 'street',
  str: 'street',
  rd: 'road',
  av: 'avenue',
  ave: 'avenue',
  dr: 'drive',
  pl: 'place',
  ct: 'court',
  cres: 'crescent',
  cct: 'circuit',
  ln: 'lane',
  blvd: 'boulevard',
  pde: 'parade',
  tce: 'terrace',
  hwy: 'highway',
  cl: 'close',
};

/**
 * "12 Pinkerton Cct" → "12 pinkertoncircuit": the house number, then the street's words folded,
 * street types written out, and the spaces between them dropped — a street is the same street
 * whether it is typed "Cutlack Street", "Cutlackstreet" or, scanned, "Cutlack S treet".
 */
export function normaliseAddress(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const words = foldText(raw).split(' ').filter(Boolean);
  if (words.length === 0) return null;
  const number = words.filter((w) => /\d/.test(w)).join(' ');
  const street = words
    .filter((w) => !/\d/.test(w))
    .map((w) => STREET_TYPES[w] ?? w)
    .join('');
  // a house number alone is no address
  if (!street) return null;
  return number ? `${number} ${street}` : street;
}

export function normalisePlace(raw: string | null | undefined): string | null {
  if (!raw) return null;
  return foldText(raw) || null;
}

/** The profile slug of a LinkedIn URL ("https://www.linkedin.com/in/Jane-Doe-12/" → "jane-doe-12"). */
export function normaliseLinkedIn(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const m = /linkedin\.com\/in\/([^/?#\s]+)/i.exec(raw.trim());
  const slug = m ? m[1] : /^[a-z0-9-]+$/i.test(raw.trim()) ? raw.trim() : null;
  return slug ? decodeURIComponent(slug).toLowerCase() : null;
}

/** The house number and the street of a normalised address (the street has no spaces). */
function splitAddress(a: string): { number: string; street: string } {
  const words = a.split(' ');
  const nums = words.filter((w) => /\d/.test(w));
  return { number: nums.join(' '), street: words.filter((w) => !/\d/.test(w)).join('') };
}

/**
 * Agree (same number and street, spaces aside); similar (same street, number missing or one digit
 * off; or the same number on a street name one typo away); differ; missing.
 */
export function compareAddresses(a: string | null, b: string | null): PlaceAgreement {
  if (!a || !b) return 'missing';
  if (a === b) return 'agree';
  const x = splitAddress(a);
  const y = splitAddress(b);
  const sameStreet =
    x.street === y.street || (x.street.length >= 5 && jaroWinkler(x.street, y.street) >= 0.92);
  if (!sameStreet) return 'differ';
  if (x.number === y.number) return x.street === y.street ? 'agree' : 'similar';
  if (!x.number || !y.number || (x.street === y.street && editDistance(x.number, y.number) === 1))
    return 'similar';
  return 'differ';
}

/** Agree; similar (one typo in a name of five letters or more); differ; missing. */
export function comparePlaces(a: string | null, b: string | null): PlaceAgreement {
  if (!a || !b) return 'missing';
  if (a === b) return 'agree';
  return Math.min(a.length, b.length) >= 5 && editDistance(a, b) === 1 ? 'similar' : 'differ';
}

export function compareIds(a: string | null, b: string | null): IdAgreement {
  if (!a || !b) return 'missing';
  return a === b ? 'agree' : 'differ';
}
