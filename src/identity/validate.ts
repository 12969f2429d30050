/**
 * Identity validation (`inrecord validate identities`): draw a random sample of existing CRM
 * records, present each the way an outside system would (email in another case or Gmail form, the
 * name as "LAST, First" or with a title, the company by name and domain instead of its id), resolve
 * it through the identity layer, and report what came back to a different record (mismatch), to
 * several (ambiguous) or to none (miss), each with its reason. Pure: the caller brings the snapshot.
 */
import { mulberry32 } from '../random/index.js';
import { resolveIdentity } from './decide.js';
import { normaliseDomain } from './normalise.js';
import type { CrmSnapshot } from './snapshot.js';
import type { IdentityInput, IdentityResult } from './types.js';

/** A sample is reproducible from its seed (seed 0 taken as 1). */
const prng = (seed: number) => mulberry32(seed >>> 0 || 1);

export interface ValidationCase {
  /** The record the input was made from. */
  recordId: string;
  input: IdentityInput;
}

export interface ValidationFinding {
  recordId: string;
  object: 'contact' | 'company';
  kind: 'mismatch' | 'ambiguous' | 'miss';
  input: IdentityInput;
  got: string | null;
  candidates: string[];
  reason: string;
}

export interface ValidationReport {
  sampled: number;
  matched: number;
  mismatches: number;
  ambiguous: number;
  misses: number;
  /** matched / sampled. */
  matchRate: number;
  findings: ValidationFinding[];
}

function variantEmail(e: string, r: () => number): string {
  const at = e.lastIndexOf('@');
  const local = e.slice(0, at);
  const domain = e.slice(at + 1);
  const x = r();
  if (/^(gmail|googlemail)\.com$/i.test(domain) && x < 0.5)
    return `${local.replace(/\./g, '')}+news@${domain}`;
  if (x < 0.35) return e.toUpperCase();
  if (x < 0.7) return `${local.charAt(0).toUpperCase()}${local.slice(1)}@${domain.toUpperCase()}`;
  return ` ${e} `;
}

/** Outside-style inputs for a random sample of `size` records (contacts and companies in proportion). */
export function sampleExternalViews(snap: CrmSnapshot, size: number, seed = 1): ValidationCase[] {
  const r = prng(seed);
  const contacts = [...snap.contacts.values()];
  const companies = [...snap.companies.values()];
  const total = contacts.length + companies.length;
  const n = Math.min(size, total);
  // Partial Fisher–Yates over the index space: a uniform sample without replacement.
  const idx = Array.from({ length: total }, (_, i) => i);
  const out: ValidationCase[] = [];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(r() * (total - i));
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
    const k = idx[i] as number;
    if (k < contacts.length) {
      const { c } = contacts[k]!;
      const input: IdentityInput = { key: `validate:contact:${c.id}`, type: 'contact' };
      if (c.email) input.email = variantEmail(c.email, r);
      const first = (c.first_name ?? '').trim();
      const last = (c.last_name ?? '').trim();
      const f = r();
      if (first && last) {
        if (f < 0.35) input.full_name = `${last.toUpperCase()}, ${first}`;
        else if (f < 0.55) input.full_name = `Dr. ${first.toLowerCase()} ${last.toLowerCase()}`;
        else if (f < 0.8) input.full_name = `${first} ${last}`;
        else Object.assign(input, { first_name: first, last_name: last });
      } else if (last) input.last_name = last;
      const co = c.company_id ? snap.companies.get(c.company_id) : undefined;
      const companyName = co?.name ?? c.company_name;
      if (companyName) input.company_name = companyName;
      const d = normaliseDomain(co?.domain);
      if (d && r() < 0.5) input.company_domain = d;
      if (c.phone && r() < 0.3) input.phone = c.phone;
      out.push({ recordId: c.id, input });
    } else {
      const co = companies[k - contacts.length]!;
      const input: IdentityInput = { key: `validate:company:${co.id}`, type: 'company' };
      if (co.name) input.name = r() < 0.5 ? co.name.toUpperCase() : co.name;
      const d = normaliseDomain(co.domain);
      if (d) input.website = r() < 0.5 ? `https://www.${d}/` : d;
      out.push({ recordId: co.id, input });
    }
  }
  return out;
}

export function validateIdentities(
  snap: CrmSnapshot,
  cases: readonly ValidationCase[],
): { report: ValidationReport; results: IdentityResult[] } {
  const report: ValidationReport = {
    sampled: cases.length,
    matched: 0,
    mismatches: 0,
    ambiguous: 0,
    misses: 0,
    matchRate: 0,
    findings: [],
  };
  const results: IdentityResult[] = [];
  for (const c of cases) {
    const res = resolveIdentity(c.input, snap);
    results.push(res);
    const object = c.input.type;
    if (res.status === 'matched' && res.id === c.recordId) report.matched++;
    else if (res.status === 'matched') {
      report.mismatches++;
      report.findings.push({
        recordId: c.recordId,
        object,
        kind: 'mismatch',
        input: c.input,
        got: res.id,
        candidates: res.candidates,
        reason: `resolved to ${res.id}, not ${c.recordId}: ${res.reason}`,
      });
    } else if (res.status === 'ambiguous') {
      report.ambiguous++;
      report.findings.push({
        recordId: c.recordId,
        object,
        kind: 'ambiguous',
        input: c.input,
        got: null,
        candidates: res.candidates,
        reason: res.reason,
      });
    } else {
      report.misses++;
      report.findings.push({
        recordId: c.recordId,
        object,
        kind: 'miss',
        input: c.input,
        got: null,
        candidates: res.candidates,
        reason: res.reason,
      });
    }
  }
  report.matchRate = cases.length === 0 ? 1 : report.matched / cases.length;
  // mismatches first: they are what would write to the wrong record
  const order = { mismatch: 0, ambiguous: 1, miss: 2 } as const;
  report.findings.sort((a, b) => order[a.kind] - order[b.kind]);
  return { report, results };
}
