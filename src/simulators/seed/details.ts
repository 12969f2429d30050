/**
 * A person's identifying details in the seeded world (birth date, street address, postcode, city),
 * drawn from the person's own id rather than the world's stream, so every other draw of the world
 * stays where it was and a CRM duplicate of the person carries the same details.
 */
import { WORDS, pad, prng } from './vocab.js';

export interface PersonDetails {
  /** YYYY-MM-DD. */
  birthDate: string | null;
  /** Number and street. */
  street: string | null;
  postcode: string | null;
  city: string | null;
}

const STREETS = ['Street', 'Road', 'Avenue', 'Lane', 'Way'];
const CITIES = [
  'Springfield',
  'Riverton',
  'Lakewood',
  'Fairview',
  'Greenville',
  'Kingsport',
  'Ashford',
  'Milton',
  'Bristow',
  'Dunmore',
];

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The details of one person (`personId`) of the world of `seed`; about a third of people have none recorded. */
export function personDetails(seed: number, personId: string): PersonDetails {
  const rnd = prng(hash(`${seed}|${personId}`));
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const street = `${int(1, 240)} ${pick(WORDS)} ${pick(STREETS)}`;
  const birth = `${int(1950, 2002)}-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}`;
  const recorded = rnd() < 0.65;
  return {
    birthDate: recorded && rnd() < 0.8 ? birth : null,
    street: recorded ? street : null,
    postcode: recorded ? String(int(10000, 99999)) : null,
    city: recorded ? pick(CITIES) : null,
  };
}
