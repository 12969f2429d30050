/**
 * One CRM contact compared with one input, attribute by attribute, into agreement levels, and the
 * evidence they add up to (model.ts: bits per level, adjusted by how common the agreeing value is).
 * Also the conflicts no sum outweighs: an email, phone or street address that agrees while the
 * first name is another person's (a household), an email or phone that agrees while the whole name
 * is another's. Pure: plain values in, plain values out.
 */
import {
  type DateAgreement,
  type IdAgreement,
  type PersonAttributes,
  type PlaceAgreement,
  compareAddresses,
  compareDates,
  compareIds,
  comparePlaces,
} from './attributes.js';
import { type Model, type Weights, tfWeight } from './model.js';
import {
  type NameAgreement,
  type NormalEmail,
  type NormalName,
  compareNameKeys,
  editDistance,
  nearlySameName,
} from './normalise.js';
import type { CrmSnapshot, IndexedContact } from './snapshot.js';

export type Agreement = 'agree' | 'differ' | 'missing';
export type EmailAgreement = 'agree' | 'role' | 'colleague' | 'differ' | 'missing';
export type PhoneAgreement = 'agree' | 'similar' | 'differ' | 'missing';

/** The levels of one comparison, attribute by attribute. */
export interface Levels {
  email: EmailAgreement;
  phone: PhoneAgreement;
  first: NameAgreement;
  last: NameAgreement;
  company: Agreement;
  birth: DateAgreement;
  postcode: IdAgreement;
  address: PlaceAgreement;
  city: PlaceAgreement;
  linkedin: IdAgreement;
  external: IdAgreement;
}

/** How one CRM contact compares with the input, and what that adds up to. */
export interface ContactComparison extends Levels {
  ic: IndexedContact;
  /** The first and last name agree only the other way round ("Smith John"). */
  swapped: boolean;
  /** The first name agrees only as a nickname ("Bob" for "Robert"). */
  nickname: boolean;
  score: number;
  /**
   * Something another person could share agrees but the name is another person's: never matched
   * without review. 'first name': same surname, another first name (a household); 'name': another
   * name altogether.
   */
  conflict: 'first name' | 'name' | null;
  /** What the conflict rests on, in words ("email", "phone", "address"). */
  conflictVia: string | null;
}

/** What the input says about a person, normalised once. */
export interface ContactEvidence {
  email: NormalEmail | null;
  name: NormalName | null;
  phone: string | null;
  /** Companies the input points at (empty: none). */
  companies: readonly string[];
  attrs: PersonAttributes;
}

/** The model a decision weighs with, its weights, and whether value counts adjust them. */
export interface Scoring {
  model: Model;
  weights: Weights;
  /** Term-frequency adjustment (only on a snapshot that is the whole CRM). */
  tf: boolean;
}

function phoneLevel(a: string | null, b: string | null): PhoneAgreement {
  if (!a || !b) return 'missing';
  if (a === b) return 'agree';
  return a.length === b.length && editDistance(a, b) === 1 ? 'similar' : 'differ';
}

function emailLevel(e: NormalEmail | null, ic: IndexedContact): EmailAgreement {
  if (!e) return 'missing';
  if (ic.emails.includes(e.canonical)) return e.role ? 'role' : 'agree';
  if (ic.emails.length === 0) return 'missing';
  return !e.freeMail && !e.role && ic.emails.some((x) => x.endsWith(`@${e.domain}`)) ? 'colleague' : 'differ';
}

/** Compares one candidate with the input. */
export function compareContact(
  ev: ContactEvidence,
  ic: IndexedContact,
  snap: CrmSnapshot,
  scoring: Scoring,
): ContactComparison {
  const email = emailLevel(ev.email, ic);
  const phone = phoneLevel(ev.phone, ic.phone);
  let given = ev.name?.first ?? '';
  let first = compareNameKeys(given, ic.first, 'first');
  // a given name in two words ("Ja yde", "Mary Ann") against one ("Jayde", "Maryann")
  const joined = ev.name?.joined;
  if (joined && first !== 'exact') {
    const alt = compareNameKeys(joined, ic.first, 'first');
    if (alt === 'exact' || (alt === 'similar' && first !== 'similar')) {
      first = alt;
      given = joined;
    }
  }
  let last = compareNameKeys(ev.name?.last ?? '', ic.last, 'last');
  let swapped = false;
  if (first === 'different' && last === 'different') {
    const f = compareNameKeys(ev.name?.last ?? '', ic.first, 'first');
    const l = compareNameKeys(ev.name?.first ?? '', ic.last, 'last');
    if ((f === 'exact' || f === 'similar') && (l === 'exact' || l === 'similar')) {
      first = f;
      last = l;
      swapped = true;
    }
  }
  let company: Agreement = 'missing';
  let staff = 0;
  if (ev.companies.length > 0) {
    const own = snap.companiesOf(ic);
    if (own.length > 0) {
      const hit = own.find((c) => ev.companies.includes(c));
      company = hit ? 'agree' : 'differ';
      if (hit) staff = snap.byCompany.get(hit)?.length ?? 0;
    }
  }
  const a = ev.attrs;
  const b = ic.attrs;
  const levels: Levels = {
    email,
    phone,
    first,
    last,
    company,
    birth: compareDates(a.birth, b.birth),
    postcode: compareIds(a.postcode, b.postcode),
    address: compareAddresses(a.address, b.address),
    city: comparePlaces(a.city, b.city),
    linkedin: compareIds(a.linkedin, b.linkedin),
    external: compareIds(a.external, b.external),
  };
  // the first name agrees only as a nickname ("Bob" for "Robert")
  const nickname = first === 'exact' && !swapped && given !== ic.first;
  const score = scoreOf(levels, swapped, ic, snap, scoring, staff);

  // An email, phone, profile or id that agrees says "this record"; a name that disagrees says
  // "another person". A birth date is a person's own: with it, the name is a typo or a new name.
  const strong =
    email === 'agree' || phone === 'agree' || levels.linkedin === 'agree' || levels.external === 'agree';
  const birthAgrees = levels.birth === 'agree';
  const shared = strong || levels.address === 'agree';
  // with both an email and a phone agreeing, a first name one slip away is a typo, not a person
  const slip =
    birthAgrees || (email === 'agree' && phone === 'agree' && nearlySameName(ev.name?.first ?? '', ic.first));
  const conflict: ContactComparison['conflict'] =
    strong && last === 'different' && first !== 'exact' && !birthAgrees
      ? 'name'
      : shared && first === 'different' && !slip
        ? 'first name'
        : null;
  const conflictVia = !conflict
    ? null
    : email === 'agree'
      ? 'email'
      : phone === 'agree'
        ? 'phone'
        : levels.linkedin === 'agree'
          ? 'LinkedIn profile'
          : levels.external === 'agree'
            ? 'external id'
            : 'address';
  return { ic, ...levels, swapped, nickname, score, conflict, conflictVia };
}

/**
 * The sum of the levels' weights. The street address, postcode and city say one thing — where the
 * household lives — and together count at most as much as a birth date minus one bit.
 */
function scoreOf(
  l: Levels,
  swapped: boolean,
  ic: IndexedContact,
  snap: CrmSnapshot,
  s: Scoring,
  staff: number,
): number {
  const w = s.weights;
  const n = snap.contacts.size;
  const tf = s.tf && snap.complete;
  // another address at the company's domain says what the company says: it never adds to it
  const email =
    l.email === 'colleague' && l.company === 'agree' ? Math.min(0, w.email.colleague) : w.email[l.email];
  let score = email + w.phone[l.phone] + w.birth[l.birth] + w.linkedin[l.linkedin] + w.external[l.external];
  score +=
    tf && l.first === 'exact' && !swapped
      ? tfWeight(s.model.first.exact, snap.firstCount.get(ic.first) ?? 0, n)
      : w.first[l.first];
  score +=
    tf && l.last === 'exact' && !swapped
      ? tfWeight(s.model.last.exact, snap.lastCount.get(ic.last) ?? 0, n)
      : w.last[l.last];
  score += tf && l.company === 'agree' ? tfWeight(s.model.company.agree, staff, n) : w.company[l.company];
  const place = w.address[l.address] + w.postcode[l.postcode] + w.city[l.city];
  score += Math.min(place, w.birth.agree - 1);
  return score;
}
