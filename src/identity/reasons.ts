/**
 * The words of an identity decision: the result record, the confidence a score gives, and what
 * agreed, in words a reviewer reads ("email and name", "phone, name (written "riy howie", on record
 * "Roy Howie") and company"). Pure.
 */
import type { ContactComparison } from './compare.js';
import type { IndexedContact } from './snapshot.js';
import type { IdentityInput, IdentityResult } from './types.js';

export type Name = { first: string; last: string } | null;

/** Prior log2-odds that a candidate is the person, turning a score into a confidence. */
const PRIOR = -12;

export const show = (n: Name) => (n ? `${n.first} ${n.last}`.trim() : '');
export const label = (ic: IndexedContact) =>
  `${ic.c.first_name ?? ''} ${ic.c.last_name ?? ''}`.trim() || ic.c.id;
export const named = (ic: IndexedContact) => `${label(ic)} (${ic.c.id})`;
export const confidenceOf = (score: number) => Math.min(0.99, 1 / (1 + 2 ** -(score + PRIOR)));

export function result(
  input: IdentityInput,
  status: IdentityResult['status'],
  ids: string[],
  confidence: number,
  reason: string,
  evidence?: string,
): IdentityResult {
  return {
    key: input.key,
    status,
    id: status === 'matched' ? ids[0] : null,
    candidates: [...ids].sort(),
    confidence: Math.round(confidence * 100) / 100,
    reason,
    evidence,
  };
}

/**
 * What agrees, in words ("email and name", "phone, name (written "riy howie", on record "Roy
 * Howie") and company", "birth date (day and month swapped), address and name").
 */
export function agreementText(c: ContactComparison, name: Name): string {
  const parts: string[] = [];
  if (c.email === 'agree') parts.push('email');
  if (c.email === 'role') parts.push('role inbox');
  if (c.phone === 'agree') parts.push('phone');
  if (c.phone === 'similar') parts.push('phone (one digit off)');
  if (c.linkedin === 'agree') parts.push('LinkedIn profile');
  if (c.external === 'agree') parts.push('external id');
  if (c.birth === 'agree') parts.push('birth date');
  if (c.birth === 'swapped') parts.push('birth date (day and month swapped)');
  if (c.birth === 'similar') parts.push('birth date (nearly: a digit off or two swapped)');
  if (c.address === 'agree' || c.address === 'similar')
    parts.push(c.address === 'agree' ? 'address' : 'address (nearly)');
  if (c.postcode === 'agree') parts.push('postcode');
  const nameOk = (c.first === 'exact' || c.first === 'missing') && c.last === 'exact';
  if (nameOk && !c.swapped) parts.push('name');
  else if (c.first !== 'missing' || c.last !== 'missing')
    parts.push(`name (written "${show(name)}", on record "${label(c.ic)}")`);
  if (c.company === 'agree') parts.push('company');
  return parts.length <= 1 ? (parts[0] ?? 'nothing') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

export function evidenceOf(c: ContactComparison): string {
  const parts: string[] = [];
  if (c.email === 'agree' || c.email === 'role') parts.push('email');
  if (c.first !== 'missing' || c.last !== 'missing')
    if (c.first !== 'different' && c.last !== 'different') parts.push('name');
  if (c.phone === 'agree') parts.push('phone');
  if (c.company === 'agree') parts.push('company');
  if (c.birth === 'agree') parts.push('birth');
  if (c.address === 'agree') parts.push('address');
  if (c.postcode === 'agree') parts.push('postcode');
  if (c.linkedin === 'agree') parts.push('linkedin');
  if (c.external === 'agree') parts.push('external_id');
  return parts.join('+');
}
