/**
 * The rules of a person match that hold whatever the sum and whatever the model: the thresholds,
 * what a match needs of the person's own, which records are as good as the best (rivals), which
 * ones the best leaves behind (contradicted), and which conflict stands. Pure: comparisons in,
 * decisions out.
 */
import type { ContactComparison } from './compare.js';

/** At or above: matched (name + company alone reach it only with both names exact). */
export const MATCH_AT = 16;
/** At or above, below MATCH_AT: a review candidate. Below: not this record. */
export const REVIEW_AT = 10;
/** A second record within this many bits of the best, not contradicted, makes the decision a review. */
export const MARGIN = 4;

const agrees = (a: string) => a === 'agree' || a === 'exact';
const differs = (a: string) => a === 'differ' || a === 'different' || a === 'colleague';

/** An email, phone, profile, id, birth date or street address of the person's own agrees. */
const ownEvidence = (c: ContactComparison) =>
  [c.email, c.phone, c.linkedin, c.external, c.birth, c.address].includes('agree');

const close = (a: string) => a === 'exact' || a === 'similar';

/**
 * The person's own, one slip off, under a name that nearly agrees (first and last name each as on
 * record or one typo off, one of them as on record): the street address nearly (a typo in the
 * street, the house number missing or one digit off) with the postcode, or a birth date one digit
 * off, two digits or day and month swapped, with the postcode or the street address nearly. Each is
 * rarer between two people than the exact name alone, which already identifies.
 */
const nearlyOwn = (c: ContactComparison) =>
  close(c.first) &&
  close(c.last) &&
  (c.first === 'exact' || c.last === 'exact') &&
  ((c.address === 'similar' && c.postcode === 'agree') ||
    ((c.birth === 'similar' || c.birth === 'swapped') &&
      (c.postcode === 'agree' || c.address === 'similar')));

/**
 * Whatever the sum and whatever the model, a match needs something of the person's own: an email,
 * phone, profile, id, birth date or street address that agrees, or one of them nearly under a name
 * that nearly agrees ("Chleo Coleman" at "50 Mina Wylie Crscent" in Chloe Coleman's postcode) — or,
 * at a company, the whole name exactly (a nickname counts), or the first name as on record and the
 * surname one typo off, and no other mailbox at the company's domain. A first name and an employer
 * are not a person; "Nettiea Doyle" at Nettie Doyle's company may be a typo or a colleague (first
 * names one letter apart are often two names), and so may "Darrell Blanda" writing from
 * darrella.blanda@ at Darrell Blanda's company, one letter lost: that is for review.
 */
export function identifies(c: ContactComparison): boolean {
  if (ownEvidence(c) || nearlyOwn(c)) return true;
  // another mailbox at the company's domain is what a colleague has, whatever a model weighs it
  if (c.email === 'colleague') return false;
  return (
    (c.first === 'exact' && c.last === 'exact') ||
    (c.first === 'exact' && !c.nickname && c.last === 'similar')
  );
}

/**
 * A record as good as the best: within MARGIN of it, or holding the same email or phone (CRM
 * duplicates: a missing phone on one of them is no reason to pick the other).
 */
export function isRival(c: ContactComparison, best: ContactComparison): boolean {
  return (
    best.score - c.score < MARGIN ||
    (best.email === 'agree' && c.email === 'agree') ||
    (best.phone === 'agree' && c.phone === 'agree')
  );
}

/**
 * The candidate whose conflict stands: one not outscored by a record without a conflict that it
 * contradicts (a phone that, by its last digits, is also on a stranger's record who has another
 * email and name, does not stop the record that email, phone and name all agree on).
 */
export function openConflict(ranked: readonly ContactComparison[]): ContactComparison | undefined {
  const clean = ranked.find((c) => !c.conflict);
  return ranked.find((c) => c.conflict && !(clean && clean.score > c.score && contradicted(c, clean)));
}

/** Records another record leaves behind: it differs where the best one agrees. */
export function contradicted(c: ContactComparison, best: ContactComparison): boolean {
  return (
    (agrees(best.email) && differs(c.email)) ||
    // a phone or birth date one digit off is left behind by the record that has it exactly
    (agrees(best.phone) && c.phone !== 'agree' && c.phone !== 'missing') ||
    (agrees(best.birth) && c.birth !== 'agree' && c.birth !== 'missing') ||
    (agrees(best.linkedin) && differs(c.linkedin)) ||
    (agrees(best.external) && differs(c.external)) ||
    (agrees(best.first) && differs(c.first)) ||
    (agrees(best.last) && differs(c.last)) ||
    (agrees(best.company) && differs(c.company))
  );
}

/**
 * The person's own record among the candidates when another one's conflict is a household's: it
 * carries the input's name (one typo at most, no nickname), has no conflict, reaches MATCH_AT, and
 * something of the person's own agrees on it too. "Georgia Campbell" with her own phone, writing
 * from jordan.campbell@, is Georgia's record, not a question about Jordan's. A name and an employer
 * are not enough to explain the mailbox away: "Joshua Webb" from ruby.webb@ at a company where a
 * Joshua Webb works may be Ruby's record under another given name.
 */
export function householdOwner(ranked: readonly ContactComparison[]): ContactComparison | undefined {
  return ranked.find(
    (c) =>
      !c.conflict &&
      !c.nickname &&
      !c.swapped &&
      (c.first === 'exact' || c.first === 'similar') &&
      (c.last === 'exact' || c.last === 'similar') &&
      (c.first === 'exact' || c.last === 'exact') &&
      c.score >= MATCH_AT &&
      ownEvidence(c),
  );
}

/** A record whose conflict the owner explains: same surname, another first name (a household). */
export function explainedBy(c: ContactComparison, owner: ContactComparison | undefined): boolean {
  return owner !== undefined && c.conflict === 'first name' && contradicted(c, owner);
}

/**
 * Of the records an email points at and those a phone points at, the one the birth date settles
 * on: its birth date agrees, and every record on the other side has a birth date that differs. A
 * mailbox or a phone may be a household's; a birth date is the person's own, so the record that has
 * it is the person, and the other side is another member of the household. Twins, or a birth date
 * missing on the other side, settle nothing.
 */
export function settledByBirth(
  scored: readonly ContactComparison[],
  byEmail: readonly string[],
  byPhone: readonly string[],
): ContactComparison | undefined {
  const of = (ids: readonly string[]) => scored.filter((c) => ids.includes(c.ic.c.id));
  for (const [own, other] of [
    [byPhone, byEmail],
    [byEmail, byPhone],
  ] as const) {
    const agreeing = of(own).filter((c) => c.birth === 'agree');
    const others = of(other);
    if (
      agreeing.length === 1 &&
      others.length === other.length &&
      others.every((c) => c.birth !== 'agree' && c.birth !== 'missing')
    )
      return agreeing[0];
  }
  return undefined;
}
