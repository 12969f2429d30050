/**
 * Identity against outside truth: FEBRL 4, 5,000 original person records and 5,000 duplicates, one
 * per original, corrupted by Febrl's generator the way typed and scanned records are (typos, OCR
 * and phonetic errors, swapped, missing and extra letters, missing values). bench/data/febrl4-names.csv
 * holds its rec_id, given_name, surname and soc_sec_id columns (source and licence:
 * bench/data/README.md).
 *
 * The originals are the CRM (a seeded fifth held out: their duplicates are outsiders, and a match
 * for one is wrong); the duplicates are the inputs. FEBRL has no emails, phones or employers, so a
 * seeded layer adds them: each person an employer (400 companies, a few large), a work or free-mail
 * address made from the original's name, a mobile number made from soc_sec_id (the duplicate's
 * number carries FEBRL's own corruption). Each input carries its email (55%), a new address at its
 * employer (10%), its phone (35%), its employer's name (50%) — and 4% write from the mailbox of a
 * CRM person with the same surname (a household mailbox), which must never match that person.
 *   npm run bench -- identity-febrl [seed=4]
 */
import { readFileSync } from 'node:fs';
import type { CompanyCandidate, ContactCandidate } from '../src/crm/types.js';
import { type Expectation, type IdentityInput, reconcile, scoreIdentity } from '../src/identity/index.js';
import { prng } from '../src/simulators/seed/index.js';
import type { BenchResult } from './run.js';

interface FebrlPerson {
  rec: number;
  given: string;
  surname: string;
  soc: string;
}

function readFebrl(): { originals: FebrlPerson[]; duplicates: Map<number, FebrlPerson> } {
  const text = readFileSync(new URL('./data/febrl4-names.csv', import.meta.url), 'utf8');
  const originals: FebrlPerson[] = [];
  const duplicates = new Map<number, FebrlPerson>();
  for (const line of text.split('\n').slice(1)) {
    if (!line) continue;
    const [id = '', given = '', surname = '', soc = ''] = line.split(',');
    const rec = Number(id.split('-')[1]);
    const p = { rec, given, surname, soc };
    if (id.endsWith('-org')) originals.push(p);
    else duplicates.set(rec, p);
  }
  return { originals, duplicates };
}

export function buildFebrlSet(seed: number): {
  contacts: ContactCandidate[];
  companies: CompanyCandidate[];
  inputs: IdentityInput[];
  expected: Map<string, Expectation>;
} {
  const rnd = prng(seed);
  const { originals, duplicates } = readFebrl();
  const companies: CompanyCandidate[] = Array.from({ length: 400 }, (_, i) => ({
    id: `co${i}`,
    name: `${['Harbour', 'Southern', 'Coastal', 'Summit', 'Pioneer'][i % 5]} ${['Logistics', 'Health', 'Mining', 'Software', 'Foods'][Math.floor(i / 5) % 5]} ${i} Pty Ltd`,
    domain: `employer${i}.com.au`,
    additional_domains: [],
  }));
  const local = (p: FebrlPerson) => [p.given, p.surname].filter(Boolean).join('.') || `person${p.rec}`;
  const taken = new Set<string>();
  const mailbox = (p: FebrlPerson, domain: string) => {
    let e = `${local(p)}@${domain}`;
    for (let k = 2; taken.has(e); k++) e = `${local(p)}${k}@${domain}`;
    taken.add(e);
    return e;
  };
  const phone = (soc: string, rec: number) => (soc ? `04${rec % 10}${soc}` : null);

  const contacts: ContactCandidate[] = [];
  const person = new Map<number, { crmId: string | null; company: CompanyCandidate; email: string | null }>();
  const bySurname = new Map<string, { id: string; given: string }[]>();
  for (const o of originals) {
    const company = companies[Math.min(399, Math.floor(400 * rnd() ** 2))] as CompanyCandidate;
    const inCrm = rnd() >= 0.2;
    const email = rnd() < 0.92 ? mailbox(o, rnd() < 0.25 ? 'gmail.com' : (company.domain as string)) : null;
    const crmId = inCrm ? `c${o.rec}` : null;
    person.set(o.rec, { crmId, company, email });
    if (!crmId) continue;
    const p = phone(o.soc, o.rec);
    contacts.push({
      id: crmId,
      email,
      additional_emails: [],
      first_name: o.given || null,
      last_name: o.surname || null,
      company_id: company.id,
      company_name: company.name,
      phone: p && rnd() < 0.7 ? `+61 ${p.slice(1)}` : null,
    });
    if (o.surname && email)
      bySurname.set(o.surname, [...(bySurname.get(o.surname) ?? []), { id: crmId, given: o.given }]);
  }
  const emailOf = new Map(contacts.map((c) => [c.id, c.email]));

  const inputs: IdentityInput[] = [];
  const expected = new Map<string, Expectation>();
  for (const o of originals) {
    const d = duplicates.get(o.rec);
    const p = person.get(o.rec);
    if (!d || !p) continue;
    const key = `febrl:${o.rec}`;
    const input: IdentityInput = { key, type: 'contact' };
    if (d.given) input.first_name = d.given;
    if (d.surname) input.last_name = d.surname;
    // another person of the household: same surname, another first name (the input gives its own)
    const household = d.given
      ? (bySurname.get(o.surname) ?? []).filter((h) => h.id !== p.crmId && h.given && h.given !== o.given)
      : [];
    let pattern = p.crmId ? 'in_crm' : 'outsider';
    const r = rnd();
    if (r < 0.04 && household.length > 0) {
      input.email = emailOf.get(household[Math.floor(rnd() * household.length)]!.id) as string;
      pattern = p.crmId ? 'household_mailbox' : 'outsider_household_mailbox';
    } else if (r < 0.59 && p.email) input.email = rnd() < 0.2 ? p.email.toUpperCase() : p.email;
    else if (r < 0.69) input.email = `${local(d)}.new@${p.company.domain}`;
    const ph = phone(d.soc, o.rec);
    if (ph && rnd() < 0.35) input.phone = ph;
    if (rnd() < 0.5) input.company_name = (p.company.name as string).replace(/ Pty Ltd$/, '');
    const identifier = Boolean(input.email || input.phone || input.company_name);
    inputs.push(input);
    expected.set(key, {
      key,
      truth: p.crmId ? [p.crmId] : [],
      singledOut: p.crmId !== null && identifier,
      pattern,
    });
  }
  return { contacts, companies, inputs, expected };
}

export async function run(args: string[]): Promise<BenchResult> {
  const seed = Number(args[0] ?? 4);
  const set = buildFebrlSet(seed);
  const results = reconcile(set.inputs, set);
  const s = scoreIdentity(results, set.expected);
  const inCrm = [...set.expected.values()].filter((e) => e.truth.length > 0).length;
  // in-CRM inputs whose record is matched, or offered as a candidate in review
  let reachable = 0;
  let offered = 0;
  for (const r of results) {
    const e = set.expected.get(r.key);
    if (!e?.singledOut) continue;
    reachable++;
    if (r.status !== 'unmatched' && r.candidates.includes(e.truth[0] as string)) offered++;
  }
  const missed = Object.entries(s.missedByPattern)
    .map(([p, n]) => `${p} ${n}`)
    .join(', ');
  return {
    name: 'identity-febrl',
    rows: [
      {
        metric: `wrong matches (${s.inputs} FEBRL 4 duplicates vs ${set.contacts.length} CRM records)`,
        value: s.wrong,
        unit: 'inputs',
        target: '= 0',
        pass: s.wrong === 0,
        note: s.wrongExamples
          .slice(0, 4)
          .map((w) => `${w.key}→${w.got} (${w.pattern})`)
          .join(' '),
      },
      {
        metric: `recall on ${s.singledOut} in-CRM inputs with an email, phone or employer`,
        value: s.recall * 100,
        unit: '%',
        note: missed ? `missed: ${missed}` : undefined,
      },
      { metric: `recall on all ${inCrm} in-CRM inputs`, value: (s.found / inCrm) * 100, unit: '%' },
      {
        metric: `in-CRM inputs with an identifier: record matched or offered in review`,
        value: (offered / reachable) * 100,
        unit: '%',
      },
      { metric: 'matched', value: s.matched, unit: 'inputs' },
      { metric: 'review (ambiguous)', value: s.ambiguous, unit: 'inputs' },
      { metric: 'unmatched', value: s.unmatched, unit: 'inputs' },
    ],
    meta: { byPattern: s.byPattern, missedByPattern: s.missedByPattern, wrongExamples: s.wrongExamples },
  };
}
