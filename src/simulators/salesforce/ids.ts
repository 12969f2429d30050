/**
 * Salesforce record ids (reference salesforce.md §5): 15-char case-sensitive base-62 ids and the
 * 18-char case-insensitive form whose 3-char suffix encodes the case of the first 15 characters.
 * The API accepts both and always answers 18.
 */

const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Key prefixes of the objects the simulator serves (§5.1). */
export const KEY_PREFIX: Record<string, string> = {
  Account: '001',
  Contact: '003',
  User: '005',
  Opportunity: '006',
  OpportunityContactRole: '00K',
  Lead: '00Q',
  Task: '00T',
  Event: '00U',
  Organization: '00D',
  LeadHistory: '017',
  ContactHistory: '017',
  AccountHistory: '017',
  OpportunityFieldHistory: '017',
  CustomField: '00N',
  QueryLocator: '0r8',
  OutboundMessage: '04k',
  Notification: '04l',
};

/** §5.2: the 18-char form of a 15-char id. */
export function to18(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') flags |= 1 << i;
    }
    suffix += SUFFIX.charAt(flags);
  }
  return id15 + suffix;
}

/**
 * The canonical 18-char id for an input id, or null when it is not a well-formed id. A 15-char id
 * is case-sensitive; an 18-char id may arrive in any case: its suffix restores the case, and a
 * suffix that does not match the restored id is malformed (§5.2, the guide's MALFORMED_ID example).
 */
export function normalizeId(input: string): string | null {
  if (!/^[0-9A-Za-z]+$/.test(input)) return null;
  if (input.length === 15) return to18(input);
  if (input.length !== 18) return null;
  const body = input.slice(0, 15);
  const suffix = input.slice(15).toUpperCase();
  if (to18(body).slice(15) === suffix) return body + suffix;
  // A case-folded id (all lower or all upper, as a case-insensitive system stores it) is restored
  // from its suffix; a mixed-case body whose suffix disagrees is malformed.
  if (body !== body.toLowerCase() && body !== body.toUpperCase()) return null;
  let restored = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const flags = SUFFIX.indexOf(suffix.charAt(chunk));
    if (flags < 0) return null;
    for (let i = 0; i < 5; i++) {
      const c = body.charAt(chunk * 5 + i);
      restored += (flags >> i) & 1 ? c.toUpperCase() : c.toLowerCase();
    }
  }
  const canonical = to18(restored);
  return canonical.slice(15) === suffix ? canonical : null;
}

/** Generates 18-char ids: prefix + pod char + base-62 sequence, mixed case as in reality (§5.3). */
export class IdGenerator {
  private seq = new Map<string, number>();
  constructor(private readonly pod = 'R') {}

  next(prefix: string): string {
    const n = (this.seq.get(prefix) ?? 0) + 1;
    this.seq.set(prefix, n);
    // Spread consecutive numbers over the base-62 alphabet so ids differ in case, not only digits.
    let v = n * 7919 + 1000;
    let body = '';
    for (let i = 0; i < 11; i++) {
      body = BASE62.charAt(v % 62) + body;
      v = Math.floor(v / 62);
    }
    return to18(prefix + this.pod + body);
  }
}

/** The object an id belongs to, from its key prefix (history ids share 017 and return null). */
export function objectOfId(id: string): string | null {
  const prefix = id.slice(0, 3);
  for (const [obj, p] of Object.entries(KEY_PREFIX)) if (p === prefix && p !== '017') return obj;
  return null;
}
