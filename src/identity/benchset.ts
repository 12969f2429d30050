/**
 * The identity benchmark set, built from the seeded world's ground truth: the CRM snapshot (its
 * contacts and companies as identity candidates) and outside-style inputs — email variants, name
 * formats, company names instead of ids, outsiders and near-namesakes — each with the CRM ids it
 * truly belongs to and whether the data singles one record out. Used by the acceptance test and
 * bench/identity.bench.ts; scoring is `scoreIdentity`.
 */
import type { CompanyCandidate, ContactCandidate } from '../crm/types.js';
import { type World, prng } from '../simulators/seed/index.js';
import { normaliseCompanyName, normaliseDomain, normaliseEmail, normaliseName } from './normalise.js';
import type { IdentityInput, IdentityResult } from './types.js';

export interface Expectation {
  key: string;
  /** The CRM ids this input truly is (several: CRM duplicates); empty: not in the CRM. */
  truth: string[];
  /** The data identifies exactly one record: a correct decision is `matched` to truth[0]. */
  singledOut: boolean;
  /** The pathology the input exercises. */
  pattern: string;
}

export interface IdentityBenchSet {
  contacts: ContactCandidate[];
  companies: CompanyCandidate[];
  inputs: IdentityInput[];
  expected: Map<string, Expectation>;
}

export function snapshotOfWorld(world: World): {
  contacts: ContactCandidate[];
  companies: CompanyCandidate[];
} {
  const companyName = new Map(world.companies.map((c) => [c.id, c.name]));
  return {
    contacts: world.contacts.map((c) => ({
      id: c.id,
      email: c.email,
      additional_emails: c.additionalEmails,
      first_name: c.firstName,
      last_name: c.lastName,
      company_id: c.companyId,
      company_name: companyName.get(c.companyId) ?? null,
      phone: c.phone,
    })),
    companies: world.companies.map((c) => ({
      id: c.id,
      name: c.name,
      domain: c.domain,
      additional_domains: c.additionalDomains,
    })),
  };
}

/**
 * Inputs for every contact person and company of the world (or the first `limit` of each kind)
 * plus every outsider. Deterministic for the world's seed.
 */
export function buildIdentityBenchSet(
  world: World,
  opts: { contactInputs?: number; companyInputs?: number } = {},
): IdentityBenchSet {
  const rnd = prng(world.seed * 7919 + 17);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const { contacts, companies } = snapshotOfWorld(world);
  const inputs: IdentityInput[] = [];
  const expected = new Map<string, Expectation>();

  // Data-level facts the expectations rest on (what the CRM holds, not what the resolver decides).
  const recordsByEmail = new Map<string, string[]>();
  for (const c of contacts)
    for (const e of [c.email, ...c.additional_emails]) {
      const k = normaliseEmail(e)?.canonical;
      if (k) recordsByEmail.set(k, [...(recordsByEmail.get(k) ?? []), c.id]);
    }
  const holders = new Map<string, string[]>();
  const coNameCount = new Map<string, number>();
  const namesakes = new Map<string, string[]>();
  const coById = new Map(world.companies.map((c) => [c.id, c]));
  for (const c of world.companies) {
    for (const d of new Set(
      [c.domain, ...c.additionalDomains]
        .map((x) => normaliseDomain(x))
        .filter((x): x is string => Boolean(x)),
    ))
      holders.set(d, [...(holders.get(d) ?? []), c.id]);
    const nk = normaliseCompanyName(c.name) ?? '';
    coNameCount.set(nk, (coNameCount.get(nk) ?? 0) + 1);
    namesakes.set(nk, [...(namesakes.get(nk) ?? []), c.id]);
  }
  /** The company a (name, domain) pair presents is the only one the data can point at. */
  const companySingledOut = (id: string): boolean => {
    const co = coById.get(id);
    if (!co) return false;
    const nk = normaliseCompanyName(co.name) ?? '';
    const hs = holders.get(co.trueDomain) ?? [];
    // A domain the CRM does not hold for this company cannot confirm it (a namesake elsewhere looks the same).
    if (!hs.includes(id)) return false;
    if (hs.length > 1 && hs.filter((h) => normaliseCompanyName(coById.get(h)?.name) === nk).length !== 1)
      return false;
    // …nor rule out a company of the same name that has no domain on record.
    return !(namesakes.get(nk) ?? []).some(
      (o) =>
        o !== id &&
        (coById.get(o)?.domain ?? null) === null &&
        (coById.get(o)?.additionalDomains.length ?? 0) === 0,
    );
  };
  const folded = (f: string, l: string) => {
    const n = normaliseName(f, l);
    return n ? `${n.first}|${n.last}` : '';
  };
  const namesakesAt = new Map<string, number>();
  for (const c of world.contacts) {
    if (c.duplicateOf) continue;
    const k = `${c.companyId}#${folded(c.trueFirstName, c.trueLastName)}`;
    namesakesAt.set(k, (namesakesAt.get(k) ?? 0) + 1);
  }

  const nameVariant = (f: string, l: string): Partial<IdentityInput> => {
    const r = rnd();
    if (r < 0.3) return { first_name: f, last_name: l };
    if (r < 0.5) return { full_name: `${f} ${l}` };
    if (r < 0.65) return { full_name: `${l.toUpperCase()}, ${f}` };
    if (r < 0.75) return { full_name: `Dr. ${f.toLowerCase()} ${l.toLowerCase()}` };
    if (r < 0.85)
      return { first_name: `${f} ${String.fromCharCode(65 + Math.floor(rnd() * 26))}.`, last_name: l };
    return { first_name: f.toUpperCase(), last_name: l.toUpperCase() };
  };
  const emailVariant = (e: string): string => {
    const r = rnd();
    const at = e.indexOf('@');
    const local = e.slice(0, at);
    const domain = e.slice(at + 1);
    if ((domain === 'gmail.com' || domain === 'googlemail.com') && r < 0.5)
      return rnd() < 0.5
        ? `${local.replace(/\./g, '')}+crm@${domain === 'gmail.com' ? 'googlemail.com' : 'gmail.com'}`
        : `${local[0]}.${local.slice(1)}@${domain}`;
    if (r < 0.3) return e.toUpperCase();
    if (r < 0.5) return ` ${local[0]?.toUpperCase()}${local.slice(1)}@${domain.toUpperCase()} `;
    return e;
  };
  const companyNameVariant = (n: string): string => {
    const r = rnd();
    const bare = n.replace(/\s+(Inc\.?|LLC|Ltd\.?|GmbH|Corp|Corporation|Co\.|S\.A\.|B\.V\.|AB|PLC)$/i, '');
    if (r < 0.3) return bare;
    if (r < 0.45) return `${bare}, Inc.`;
    if (r < 0.6) return n.toUpperCase();
    if (r < 0.7) return n.toLowerCase();
    return n;
  };
  const domainVariant = (d: string): Partial<IdentityInput> => {
    const r = rnd();
    if (r < 0.3) return { website: `https://www.${d}/${pick(['', 'about', 'contact-us'])}` };
    if (r < 0.45) return { domain: `WWW.${d.toUpperCase()}` };
    return { domain: d };
  };

  // Contacts: one input per person (first record), email-led or name + company.
  const people = world.contacts.filter((c) => c.duplicateOf === null);
  const nContacts = Math.min(people.length, opts.contactInputs ?? people.length);
  for (let i = 0; i < nContacts; i++) {
    const c = people[i] as (typeof people)[number];
    const truth = world.truth.persons[c.personId] ?? [c.id];
    const co = coById.get(c.companyId);
    const key = `p:${c.id}`;
    const onRecord = [c.email, ...c.additionalEmails].filter((e): e is string => Boolean(e));
    const own = onRecord.filter((e) => !normaliseEmail(e)?.role);
    const byEmail = rnd() < 0.7 && onRecord.length > 0;
    const input: IdentityInput = { key, type: 'contact', ...nameVariant(c.trueFirstName, c.trueLastName) };
    if (co && rnd() < 0.6) input.company_name = companyNameVariant(co.name);
    if (c.phone && rnd() < 0.3) input.phone = c.phone;
    let singledOut: boolean;
    let pattern: string;
    if (byEmail) {
      const address = own.length > 0 && rnd() < 0.9 ? pick(own) : pick(onRecord);
      input.email = emailVariant(address);
      const ne = normaliseEmail(address);
      const sharing = ne ? (recordsByEmail.get(ne.canonical) ?? []) : [];
      if (ne?.role) {
        // A shared inbox: singled out only when the name picks one person among its holders.
        const nk = folded(c.trueFirstName, c.trueLastName);
        const same = sharing.filter((id) => {
          const x = world.contacts[Number(id.slice(3)) - 1];
          return x && folded(x.trueFirstName, x.trueLastName) === nk;
        });
        singledOut = same.length === 1 && truth.length === 1;
        pattern = 'role_inbox';
      } else {
        singledOut = sharing.length === 1 && truth.length === 1;
        pattern = truth.length > 1 ? 'crm_duplicate' : ne?.freeMail ? 'personal_email' : 'work_email';
      }
    } else {
      if (co) {
        input.company_name = companyNameVariant(co.name);
        Object.assign(input, { company_domain: rnd() < 0.5 ? co.trueDomain : undefined });
      }
      const unique = namesakesAt.get(`${c.companyId}#${folded(c.trueFirstName, c.trueLastName)}`) === 1;
      singledOut =
        unique && truth.length === 1 && companySingledOut(c.companyId) && input.company_domain !== undefined;
      pattern = !unique ? 'namesakes_same_company' : truth.length > 1 ? 'crm_duplicate' : 'name_company';
    }
    if (input.company_domain === undefined) input.company_domain = undefined;
    inputs.push(input);
    expected.set(key, { key, truth: singledOut ? [c.id] : truth, singledOut, pattern });
  }

  // Companies: name variant + domain or website.
  const nCompanies = Math.min(world.companies.length, opts.companyInputs ?? world.companies.length);
  for (let i = 0; i < nCompanies; i++) {
    const co = world.companies[i] as (typeof world.companies)[number];
    const key = `c:${co.id}`;
    inputs.push({ key, type: 'company', name: companyNameVariant(co.name), ...domainVariant(co.trueDomain) });
    const sub = co.parentId !== null || world.truth.subsidiaries[co.id] !== undefined;
    expected.set(key, {
      key,
      truth: [co.id],
      singledOut: companySingledOut(co.id),
      pattern: sub
        ? 'shared_domain'
        : coNameCount.get(normaliseCompanyName(co.name) ?? '')! > 1
          ? 'same_name_company'
          : 'company',
    });
  }

  // Outsiders: not in the CRM, some of them near-namesakes of CRM records.
  for (const o of world.outsiders) {
    const key = `o:${o.id}`;
    if (o.kind === 'person') {
      inputs.push({
        key,
        type: 'contact',
        ...nameVariant(o.firstName ?? '', o.lastName ?? ''),
        email: o.email ? emailVariant(o.email) : undefined,
        company_name: o.companyName,
        company_domain: rnd() < 0.5 ? o.companyDomain : undefined,
      });
    } else {
      inputs.push({ key, type: 'company', name: o.companyName, ...domainVariant(o.companyDomain) });
    }
    expected.set(key, { key, truth: [], singledOut: false, pattern: `outsider_${o.pattern}` });
  }
  for (const input of inputs)
    for (const k of Object.keys(input) as (keyof IdentityInput)[])
      if (input[k] === undefined) delete input[k];
  return { contacts, companies, inputs, expected };
}

export interface IdentityScore {
  inputs: number;
  matched: number;
  ambiguous: number;
  unmatched: number;
  /** Matched to a record the input is not. */
  wrong: number;
  singledOut: number;
  /** Singled-out inputs matched to their record. */
  found: number;
  recall: number;
  /** Ambiguous or unmatched results without a reason (must be 0). */
  withoutReason: number;
  wrongExamples: { key: string; got: string | null; truth: string[]; pattern: string; reason: string }[];
  missedByPattern: Record<string, number>;
  byPattern: Record<string, { n: number; matched: number; wrong: number }>;
}

export function scoreIdentity(results: IdentityResult[], expected: Map<string, Expectation>): IdentityScore {
  const s: IdentityScore = {
    inputs: results.length,
    matched: 0,
    ambiguous: 0,
    unmatched: 0,
    wrong: 0,
    singledOut: 0,
    found: 0,
    recall: 1,
    withoutReason: 0,
    wrongExamples: [],
    missedByPattern: {},
    byPattern: {},
  };
  for (const r of results) {
    const e = expected.get(r.key);
    s[r.status]++;
    if (!r.reason) s.withoutReason++;
    if (!e) continue;
    const p = s.byPattern[e.pattern] ?? { n: 0, matched: 0, wrong: 0 };
    s.byPattern[e.pattern] = p;
    p.n++;
    if (r.status === 'matched') {
      p.matched++;
      if (!r.id || !e.truth.includes(r.id)) {
        s.wrong++;
        p.wrong++;
        if (s.wrongExamples.length < 20)
          s.wrongExamples.push({
            key: r.key,
            got: r.id,
            truth: e.truth,
            pattern: e.pattern,
            reason: r.reason,
          });
      }
    }
    if (e.singledOut) {
      s.singledOut++;
      if (r.status === 'matched' && r.id === e.truth[0]) s.found++;
      else s.missedByPattern[e.pattern] = (s.missedByPattern[e.pattern] ?? 0) + 1;
    }
  }
  s.recall = s.singledOut === 0 ? 1 : s.found / s.singledOut;
  return s;
}
