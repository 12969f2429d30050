/**
 * Offline reconciliation in process: `reconcile(inputs, snapshot)` resolves every input against a
 * CRM snapshot with the pure decision (decide.ts). Also the line codec of `inrecord reconcile`:
 * input lines are validated one by one; a malformed line becomes an `unmatched` result with its
 * line number and the reason, never dropped.
 */
import type { CompanyCandidate, ContactCandidate } from '../crm/types.js';
import type { Scoring } from './compare.js';
import { DEFAULT_SCORING, resolveIdentity } from './decide.js';
import { CrmSnapshot } from './snapshot.js';
import {
  type IdentityInput,
  type IdentityResult,
  type IdentityStatus,
  identityInputSchema,
} from './types.js';

export interface SnapshotData {
  contacts: Iterable<ContactCandidate>;
  companies: Iterable<CompanyCandidate>;
}

export function toSnapshot(s: CrmSnapshot | SnapshotData): CrmSnapshot {
  return s instanceof CrmSnapshot ? s : new CrmSnapshot(s.contacts, s.companies);
}

/** One result per input, in input order (`scoring`: a trained model, train.ts; default the judged one). */
export function reconcile(
  inputs: readonly IdentityInput[],
  snapshot: CrmSnapshot | SnapshotData,
  opts: { scoring?: Scoring } = {},
): IdentityResult[] {
  const snap = toSnapshot(snapshot);
  const scoring = opts.scoring ?? DEFAULT_SCORING;
  const out: IdentityResult[] = new Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) out[i] = resolveIdentity(inputs[i] as IdentityInput, snap, scoring);
  return out;
}

export interface InputProblem {
  line: number;
  key: string | null;
  message: string;
}

/**
 * Parses JSONL input. Valid lines become inputs; each invalid one becomes an `unmatched` result
 * (key from the line when it has one, else `line:N`) and a problem naming the line.
 */
export function parseInputLines(text: string): {
  inputs: IdentityInput[];
  rejected: IdentityResult[];
  problems: InputProblem[];
} {
  const inputs: IdentityInput[] = [];
  const rejected: IdentityResult[] = [];
  const problems: InputProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).trim();
    if (!raw) continue;
    const line = i + 1;
    let value: unknown;
    let message: string | null = null;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      message = `not JSON (${(err as Error).message})`;
    }
    const obj =
      value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
    const rawKey =
      obj && (typeof obj.key === 'string' || typeof obj.key === 'number') ? String(obj.key) : null;
    if (!message) {
      // a numeric key is still a key
      if (obj && typeof obj.key === 'number') obj.key = String(obj.key);
      const parsed = identityInputSchema.safeParse(value);
      if (parsed.success) {
        inputs.push(parsed.data);
        continue;
      }
      message = parsed.error.issues
        .map((iss) => `${iss.path.join('.') || 'line'}: ${iss.message}`)
        .join('; ');
    }
    const key = rawKey ?? `line:${line}`;
    problems.push({ line, key: rawKey, message: message as string });
    rejected.push({
      key,
      status: 'unmatched',
      id: null,
      candidates: [],
      confidence: 0,
      reason: `input line ${line} is malformed: ${message}`,
      evidence: 'input',
    });
  }
  return { inputs, rejected, problems };
}

/** Parses CRM contact / company JSONL; a malformed line is a fault here (the snapshot must be whole). */
export function parseSnapshotLines<T extends { id: string }>(text: string, what: string): T[] {
  const out: T[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).trim();
    if (!raw) continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (err) {
      throw new Error(`${what} line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
    const o = v as Record<string, unknown>;
    if (!o || typeof o !== 'object' || (typeof o.id !== 'string' && typeof o.id !== 'number'))
      throw new Error(`${what} line ${i + 1} has no "id"`);
    o.id = String(o.id);
    if (what === 'contacts') {
      o.additional_emails = Array.isArray(o.additional_emails) ? o.additional_emails : [];
      for (const f of ['email', 'first_name', 'last_name', 'company_id', 'company_name', 'phone'])
        o[f] ??= null;
      if (o.company_id != null) o.company_id = String(o.company_id);
    } else {
      o.additional_domains = Array.isArray(o.additional_domains) ? o.additional_domains : [];
      for (const f of ['name', 'domain']) o[f] ??= null;
    }
    out.push(o as unknown as T);
  }
  return out;
}

/** The output line of `inrecord reconcile`: exactly the documented fields. */
export function resultLine(r: IdentityResult): {
  key: string;
  status: IdentityStatus;
  id: string | null;
  candidates: string[];
  confidence: number;
  reason: string;
} {
  return {
    key: r.key,
    status: r.status,
    id: r.id,
    candidates: r.candidates,
    confidence: r.confidence,
    reason: r.reason,
  };
}

export interface ReconcileSummary {
  total: number;
  matched: number;
  ambiguous: number;
  unmatched: number;
  malformed: number;
}

export function summarise(results: readonly IdentityResult[], malformed = 0): ReconcileSummary {
  const s: ReconcileSummary = { total: results.length, matched: 0, ambiguous: 0, unmatched: 0, malformed };
  for (const r of results) s[r.status]++;
  return s;
}
