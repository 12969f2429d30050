/**
 * The identity decision: given one outside record and the CRM's candidates, exactly one CRM record
 * (matched), several (ambiguous: review) or none (unmatched) — always with the reason.
 *
 * A person is decided by evidence weights in the manner of Fellegi and Sunter: candidates come from
 * blocking (block.ts), each is compared attribute by attribute into levels (compare.ts), and each
 * level adds log2(m/u) — how much likelier that outcome is for the same person (m) than for two
 * different people (u) — from the judged model or a trained one (model.ts, train.ts). A missing
 * value adds nothing: it is not a difference. The sum is matched at MATCH_AT or above, a review
 * candidate from REVIEW_AT, not this record below. Rules that hold whatever the sum and the model:
 * - an email, phone or street address that agrees while the name does not (another first name on a
 *   household mailbox or at the address, another name altogether) goes to review, unless the birth
 *   date agrees too;
 * - an email on one record and a phone on another go to review;
 * - several records that fit as well as the best (CRM duplicates, namesakes at one company), and
 *   that nothing the best agrees on contradicts, go to review: never an arbitrary pick;
 * - a match needs something of the person's own (email, phone, profile, id, birth date, address) or
 *   the whole name exact; a person is never matched by name alone;
 * - a domain that belongs to several companies does not identify a company on its own;
 * - nothing is guessed and nothing is created.
 */
import { contactCompanies, contactKeys, staffCandidates } from './block.js';
import { type ContactComparison, type ContactEvidence, type Scoring, compareContact } from './compare.js';
import { resolveCompany } from './decide-company.js';
import { DEFAULT_MODEL, DEFAULT_WEIGHTS } from './model.js';
import { agreementText, confidenceOf, evidenceOf, label, named, result, show } from './reasons.js';
import {
  MARGIN,
  MATCH_AT,
  REVIEW_AT,
  contradicted,
  explainedBy,
  householdOwner,
  identifies,
  isRival,
  openConflict,
  settledByBirth,
} from './rules.js';
import type { CrmSnapshot, IndexedContact } from './snapshot.js';
import type { IdentityInput, IdentityResult } from './types.js';

/**
 * The judged model (model.ts), as it stands: the same decision whether the candidates come from a
 * full snapshot or from a live lookup (term frequencies come with a trained model, train.ts).
 */
export const DEFAULT_SCORING: Scoring = { model: DEFAULT_MODEL, weights: DEFAULT_WEIGHTS, tf: false };

export function resolveContact(
  input: IdentityInput,
  snap: CrmSnapshot,
  scoring: Scoring = DEFAULT_SCORING,
): IdentityResult {
  const keys = contactKeys(input, snap);
  const { email, name, phone, attrs, byEmail, byPhone, strong } = keys;
  // the email is on one record and the phone on another
  const split =
    email !== null &&
    !email.role &&
    byEmail.length > 0 &&
    byPhone.length > 0 &&
    !byEmail.some((id) => byPhone.includes(id));
  const splitReview = () => {
    const e = snap.contacts.get(byEmail[0] as string) as IndexedContact;
    const p = snap.contacts.get(byPhone[0] as string) as IndexedContact;
    return result(
      input,
      'ambiguous',
      [...new Set([...byEmail, ...byPhone])],
      0,
      `email ${email?.address} is on ${named(e)} but phone ${input.phone} is on ${named(p)}: the evidence points at different records; confirm in review`,
    );
  };

  const rank = (ids: Iterable<string>, companies: readonly string[]) => {
    const ev: ContactEvidence = { email, name, phone, companies, attrs };
    const out: ContactComparison[] = [];
    for (const id of ids)
      out.push(compareContact(ev, snap.contacts.get(id) as IndexedContact, snap, scoring));
    return out.length < 2 ? out : out.sort((a, b) => b.score - a.score || (a.ic.c.id < b.ic.c.id ? -1 : 1));
  };
  // When they single out one record so firmly that the company could neither pull it under
  // MATCH_AT nor bring another record within MARGIN of it — nor anyone found through the company
  // alone come close — the company need not be looked at.
  const first = rank(strong, []);
  const top = first[0];
  const w = scoring.weights;
  const swing = w.company.agree - w.company.differ;
  const companyAlone = w.first.exact + w.last.exact + w.company.agree;
  const sure =
    top !== undefined &&
    top.score + w.company.differ >= MATCH_AT &&
    (!name?.last || top.score >= companyAlone + MARGIN) &&
    !openConflict(first) &&
    first
      .slice(1)
      .every((c) => contradicted(c, top) || (!isRival(c, top) && top.score - c.score >= MARGIN + swing));

  // The email's work domain speaks for the company only when the email found no one: an address
  // on record already says everything its domain does, and is not counted twice.
  const companyFields = Boolean(input.company_name || input.company_domain || input.domain || input.website);
  const company =
    !sure && (companyFields || byEmail.length === 0)
      ? contactCompanies(input, snap, keys)
      : { ids: [], how: '' };
  const where = company.ids.length === 1 ? company.how : `${company.how} (${company.ids.length} companies)`;
  // Candidates come from an identifier or a company (block.ts): never from a name alone.
  const ids = staffCandidates(name, company.ids, snap, new Set(strong));
  const scored = sure ? first : rank(ids, company.ids);
  const reviewable = scored.filter((c) => c.score >= REVIEW_AT || c.conflict);
  const viableIds = reviewable.slice(0, 20).map((c) => c.ic.c.id);
  // a household's mailbox or phone on another record: the person's own record explains it
  const owner = householdOwner(reviewable);
  const viable = owner ? reviewable.filter((c) => !explainedBy(c, owner)) : reviewable;
  // an email on one record and a phone on another: review, unless the phone's record is the
  // person's own and every record of the email is a household member's, or the birth date agrees
  // on one side and differs on every record of the other
  const settled = split ? settledByBirth(scored, byEmail, byPhone) : undefined;
  if (
    split &&
    !settled &&
    !(
      owner &&
      byPhone.includes(owner.ic.c.id) &&
      byEmail.every((id) => reviewable.some((c) => c.ic.c.id === id && explainedBy(c, owner)))
    )
  )
    return splitReview();

  const conflicted = openConflict(viable);
  if (conflicted) {
    const c = conflicted;
    const via =
      c.conflictVia === 'email'
        ? `email ${email?.address}`
        : c.conflictVia === 'phone'
          ? `phone ${input.phone}`
          : c.conflictVia === 'address'
            ? `address ${input.address}`
            : `${c.conflictVia}`;
    const household = c.conflictVia === 'address' ? 'household' : 'shared or household mailbox';
    return result(
      input,
      'ambiguous',
      viableIds,
      0,
      c.conflict === 'first name'
        ? `${via} is on ${named(c.ic)} but the first name "${name?.first}" is another person's (a ${household}?) and no birth date confirms the person: confirm in review`
        : `${via} is on ${named(c.ic)} but the name "${show(name)}" differs: confirm in review`,
      c.conflictVia ?? undefined,
    );
  }

  const best = viable[0];
  if (best && best.score >= MATCH_AT && identifies(best)) {
    const rivals = viable.slice(1).filter((c) => !contradicted(c, best) && isRival(c, best));
    if (rivals.length === 0) {
      const what = agreementText(best, name);
      const shared = byEmail.length > 1 && best.email !== 'missing';
      const reason =
        best.email === 'agree' && !shared
          ? `${what} match${what === 'email' ? 'es' : ''} one record`
          : shared
            ? `${email?.role ? `role inbox ${email.address}` : `email ${email?.address}`} is on ${byEmail.length} records; ${what} single out one`
            : best.company === 'agree' && best.first === 'exact' && best.last === 'exact' && !best.swapped
              ? `${show(name)} is the one person of that name at ${where}${best.phone === 'agree' ? ', and the phone agrees' : ''}`
              : `${what} match one record`;
      const household = reviewable.find((c) => c !== best && explainedBy(c, best));
      const other = settled === best ? (best.email === 'agree' ? byPhone : byEmail) : [];
      const also =
        other.length > 0
          ? `; ${best.email === 'agree' ? `phone ${input.phone}` : `email ${email?.address}`} is on ${other.map((id) => named(snap.contacts.get(id) as IndexedContact)).join(', ')}, whose birth date differs (the household's)`
          : household
            ? `; the ${household.conflictVia === 'email' ? `email ${email?.address}` : household.conflictVia} is on ${named(household.ic)}, another first name of the household`
            : '';
      return result(
        input,
        'matched',
        [best.ic.c.id],
        confidenceOf(best.score),
        reason + also,
        evidenceOf(best),
      );
    }
    const group = [best, ...rivals];
    const ids2 = group.map((c) => c.ic.c.id);
    const sameName = group.every((c) => (c.first === 'exact' || c.first === 'missing') && c.last === 'exact');
    const strongShared = group.every(
      (c) => c.email === 'agree' || c.phone === 'agree' || c.birth === 'agree',
    );
    const sharedWhat =
      best.email === 'agree'
        ? email?.address
        : best.phone === 'agree'
          ? `phone ${input.phone}`
          : 'a birth date';
    return result(
      input,
      'ambiguous',
      ids2,
      0,
      sameName && strongShared
        ? `CRM duplicates: ${group.length} records for ${label(best.ic)} share ${sharedWhat}; merge them in the CRM or pick one in review`
        : sameName && best.company === 'agree'
          ? `${group.length} people named ${show(name)} at ${where}`
          : `${group.length} records fit about equally (${group.map((c) => named(c.ic)).join(', ')}) and nothing singles one out: pick one in review`,
    );
  }
  if (best) {
    return result(
      input,
      'ambiguous',
      viableIds,
      0,
      `closest: ${named(best.ic)}, on ${agreementText(best, name)}; not enough to match on${viable.length > 1 ? ` (${viable.length} candidates)` : ''}: confirm in review`,
    );
  }

  // No record reaches review.
  if (email?.role && byEmail.length > 0) {
    if (!name && !phone && company.ids.length === 0)
      return result(
        input,
        'ambiguous',
        [...byEmail],
        0,
        byEmail.length === 1
          ? `role inbox ${email.address} is a shared inbox (on ${named(snap.contacts.get(byEmail[0] as string) as IndexedContact)}) and the input has no name, phone or company to confirm the person: confirm in review`
          : `role inbox ${email.address} is on ${byEmail.length} records and nothing singles one out`,
      );
    return result(
      input,
      'unmatched',
      [],
      0,
      `role inbox ${email.address} is on ${byEmail.length} record(s), none of them ${show(name) || 'identifiable'}: a shared inbox identifies nobody`,
    );
  }
  if (name?.last && company.ids.length > 0)
    return result(
      input,
      'unmatched',
      [],
      0,
      `no one named ${show(name)} at ${where}${email && byEmail.length === 0 ? `, and ${email.address} is not in the CRM` : ''}`,
    );
  if (name?.last) {
    const namesakes = snap.byName.get(`${name.first}|${name.last}`) ?? [];
    return result(
      input,
      'unmatched',
      namesakes.slice(0, 20),
      0,
      `${email && byEmail.length === 0 ? `${email.address} is not in the CRM; ` : ''}${namesakes.length} record(s) named ${show(name)}, but a person is never matched by name alone: give an email or a company`,
    );
  }
  if (input.email && !email)
    return result(
      input,
      'unmatched',
      [],
      0,
      `"${input.email}" is not an email address, and there is no name to match on`,
    );
  // What the input gave, and why it is not enough.
  const gave = [
    email &&
      `email ${email.address} (${byEmail.length === 0 ? 'not in the CRM' : 'on a record nothing else confirms'})`,
    phone &&
      `phone ${input.phone} (${byPhone.length === 0 ? 'on no record' : 'on a record nothing else confirms'})`,
    name?.first && `first name "${name.first}"`,
    company.how && `${company.how}${company.ids.length === 0 ? ' (not in the CRM)' : ''}`,
    !company.how && input.company_name && `company "${input.company_name}" (not in the CRM)`,
    attrs.birth && 'birth date',
    attrs.postcode && `postcode ${input.postcode}`,
    attrs.address && 'address',
    attrs.linkedin && 'LinkedIn profile',
    attrs.external && `external id ${input.external_id}`,
  ].filter(Boolean);
  return result(
    input,
    'unmatched',
    [],
    0,
    gave.length === 0
      ? 'no email, phone, name, company or other identifying field to match on'
      : `no CRM record fits ${gave.join(', ')}${name?.first ? '; without a last name, a first name identifies no one' : ''}`,
  );
}

export function resolveIdentity(
  input: IdentityInput,
  snap: CrmSnapshot,
  scoring: Scoring = DEFAULT_SCORING,
): IdentityResult {
  return input.type === 'company' ? resolveCompany(input, snap) : resolveContact(input, snap, scoring);
}
