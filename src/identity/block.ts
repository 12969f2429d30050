/**
 * Blocking: the CRM contacts worth comparing with one input. Candidates come from an identifier —
 * email, phone, LinkedIn profile, external id, birth date, street address, a name at the input's postcode — or
 * from a company the input points at, by name keys and the surname's Soundex code, so that a misspelt
 * name is still found. Never from a name alone.
 */
import { type PersonAttributes, personAttributes } from './attributes.js';
import {
  type NormalEmail,
  type NormalName,
  normaliseCompanyName,
  normaliseDomain,
  normaliseEmail,
  normaliseName,
  phoneKey,
  soundex,
} from './normalise.js';
import type { CrmSnapshot } from './snapshot.js';
import type { IdentityInput } from './types.js';

/** What the input says about a person, normalised, and the records its identifiers point at. */
export interface ContactKeys {
  email: NormalEmail | null;
  name: NormalName | null;
  phone: string | null;
  attrs: PersonAttributes;
  byEmail: readonly string[];
  byPhone: readonly string[];
  /** Records an identifier of the input is on (email, phone, profile, id, birth date, postcode + name). */
  strong: Set<string>;
}

export function contactKeys(input: IdentityInput, snap: CrmSnapshot): ContactKeys {
  const email = normaliseEmail(input.email);
  const name = normaliseName(input.first_name, input.last_name, input.full_name);
  const phone = phoneKey(input.phone);
  const attrs = personAttributes(input);
  const byEmail = email ? (snap.byEmail.get(email.canonical) ?? []) : [];
  const byPhone = phone ? (snap.byPhone.get(phone) ?? []) : [];
  const strong = new Set([...byEmail, ...byPhone]);
  for (const id of attrs.linkedin ? (snap.byLinkedIn.get(attrs.linkedin) ?? []) : []) strong.add(id);
  for (const id of attrs.external ? (snap.byExternal.get(attrs.external) ?? []) : []) strong.add(id);
  if (attrs.birth) {
    const b = attrs.birth;
    // and with day and month the other way round
    for (const key of [b, `${b.slice(0, 4)}${b.slice(6, 8)}${b.slice(4, 6)}`])
      for (const id of snap.byBirth.get(key) ?? []) strong.add(id);
  }
  for (const id of attrs.address ? (snap.byAddress.get(attrs.address) ?? []) : []) strong.add(id);
  if (attrs.postcode && name)
    for (const key of [name.first, name.last])
      if (key) for (const id of snap.byPostcodeName.get(`${attrs.postcode}|${key}`) ?? []) strong.add(id);
  return { email, name, phone, attrs, byEmail, byPhone, strong };
}

/** Companies the input points at, and how firmly (`how`: in words, for reasons). */
export function companyEvidence(
  input: IdentityInput,
  snap: CrmSnapshot,
  emailDomain: string | null,
): { ids: string[]; how: string } {
  const domain = normaliseDomain(input.company_domain ?? input.domain ?? input.website) ?? emailDomain;
  const nn = normaliseCompanyName(input.company_name ?? input.name);
  const byDomain = domain ? (snap.companiesByDomain.get(domain) ?? []) : [];
  const byName = nn ? (snap.companiesByName.get(nn) ?? []) : [];
  if (byDomain.length > 0) {
    const both = byName.length > 0 ? byDomain.filter((id) => byName.includes(id)) : [];
    return both.length > 0
      ? { ids: both, how: `domain ${domain} and name` }
      : { ids: byDomain, how: `domain ${domain}` };
  }
  return { ids: byName, how: nn ? `company name "${input.company_name ?? input.name}"` : '' };
}

/** The companies of a contact input: the email's work domain counts only when the email found no one. */
export function contactCompanies(input: IdentityInput, snap: CrmSnapshot, keys: ContactKeys) {
  const e = keys.email;
  return companyEvidence(
    input,
    snap,
    keys.byEmail.length === 0 && e && !e.freeMail ? normaliseDomain(e.domain) : null,
  );
}

/**
 * The people of these companies worth comparing with a name: those whose first or last name key,
 * or whose last name's Soundex, is one of the input's — crosswise too, for first and last written
 * the other way round. A misspelt name ("brigdet knopf", "amy urenea", "jon smyth") still shares a
 * key or the surname's Soundex with the record; first names' Soundex is not used (too many first
 * names sound alike: John, Joan, Jane).
 */
export function staffCandidates(
  name: { first: string; last: string } | null,
  companyIds: readonly string[],
  snap: CrmSnapshot,
  into: Set<string>,
): Set<string> {
  if (!name) return into;
  for (const cid of companyIds)
    for (const key of [name.first, name.last]) {
      if (!key) continue;
      for (const id of snap.byCompanyLast.get(`${cid}|${key}`) ?? []) into.add(id);
      for (const id of snap.byCompanyFirst.get(`${cid}|${key}`) ?? []) into.add(id);
      if (key.length >= 3)
        for (const id of snap.byCompanySound.get(`${cid}|${soundex(key)}`) ?? []) into.add(id);
    }
  return into;
}
