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
 * A second run adds FEBRL's own street address, postcode, suburb and date of birth to both sides
 * (each side as FEBRL has it, corruptions and gaps included).
 * Each set is decided twice: with the judged model, and with the model trained (train.ts) on the
 * CRM and the inputs, without their labels.
 *   npm run bench -- identity-febrl [seed=4]
 */
import { readFileSync } from 'node:fs';
import type { CompanyCandidate, ContactCandidate } from '../src/crm/types.js';
import {
  type Expectation,
  type IdentityInput,
  type Scoring,
  reconcile,
  scoreIdentity,
  toSnapshot,
  trainModel,
  trainedScoring,
} from '../src/identity/index.js';
import { prng } from '../src/simulators/seed/index.js';
import type { BenchResult } from './run.js';

interface FebrlPerson {
  rec: number;
  given: string;
  surname: string;
  soc: string;
  address: string;
  suburb: string;
  postcode: string;
  dob: string;
}

function readFebrl(): { originals: FebrlPerson[]; duplicates: Map<number, FebrlPerson> } {
  const text = readFileSync(new URL('./data/febrl4.csv', import.meta.url), 'utf8');
  const originals: FebrlPerson[] = [];
  const duplicates = new Map<number, FebrlPerson>();
  for (const line of text.split('\n').slice(1)) {
    if (!line) continue;
    const [
      id = '',
      given = '',
      surname = '',
      num = '',
      a1 = '',
      ,
      suburb = '',
      postcode = '',
      ,
      dob = '',
      soc = '',
    ] = line.split(',');
    const rec = Number(id.split('-')[1]);
    const address = [num, a1].filter(Boolean).join(' ');
    const p = { rec, given, surname, soc, address, suburb, postcode, dob };
    if (id.endsWith('-org')) originals.push(p);
    else duplicates.set(rec, p);
  }
  return { originals, duplicates };
}

/** FEBRL's street address, suburb, postcode and date of birth, as the record has them. */
function placeAndBirth(p: FebrlPerson) {
  return {
    address: p.address || null,
    city: p.suburb || null,
    postcode: p.postcode || null,
    birth_date: p.dob || null,
  };
}

export function buildFebrlSet(
  seed: number,
  opts: { attributes?: boolean } = {},
): {
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
      ...(opts.attributes ? placeAndBirth(o) : {}),
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
    if (opts.attributes) Object.assign(input, placeAndBirth(d));
    const identifier = Boolean(
      input.email || input.phone || input.company_name || input.birth_date || input.postcode,
    );
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

type Row = BenchResult['rows'][number];

/** Decides one set with one scoring and scores it against FEBRL's truth. */
function measure(
  set: ReturnType<typeof buildFebrlSet>,
  label: string,
  scoring?: Scoring,
): { rows: Row[]; meta: object } {
  const results = reconcile(set.inputs, set, { scoring });
  const s = scoreIdentity(results, set.expected);
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
    rows: [
      {
        metric: `${label}: wrong matches (${s.inputs} inputs vs ${set.contacts.length} CRM records)`,
        value: s.wrong,
        unit: 'inputs',
        target: '= 0',
        pass: s.wrong === 0,
        note: s.wrongExamples
          .slice(0, 3)
          .map((w) => `${w.key}→${w.got} (${w.pattern})`)
          .join(' '),
      },
      {
        metric: `${label}: recall on ${s.singledOut} in-CRM inputs with an identifier`,
        value: s.recall * 100,
        unit: '%',
        note: missed ? `missed: ${missed}` : undefined,
      },
      {
        metric: `${label}: record matched or offered in review`,
        value: (offered / reachable) * 100,
        unit: '%',
      },
      {
        metric: `${label}: matched / review / unmatched`,
        value: s.matched,
        unit: 'inputs',
        note: `review ${s.ambiguous}, unmatched ${s.unmatched}`,
      },
    ],
    meta: { byPattern: s.byPattern, missedByPattern: s.missedByPattern, wrongExamples: s.wrongExamples },
  };
}

export async function run(args: string[]): Promise<BenchResult> {
  // "4" or "seed=4"
  const seed = Number((args[0] ?? '4').replace(/^seed=/, ''));
  if (!Number.isInteger(seed)) throw new Error(`identity-febrl: seed must be a whole number, got "${args[0]}"`);
  const rows: Row[] = [];
  const meta: Record<string, object> = {};
  for (const [name, attributes] of [
    ['names + email/phone/company', false],
    ['+ address, postcode, suburb, birth date', true],
  ] as const) {
    const set = buildFebrlSet(seed, { attributes });
    const judged = measure(set, `${name}, judged model`);
    const t0 = performance.now();
    const training = trainModel(set.inputs, toSnapshot(set));
    const ms = performance.now() - t0;
    const trained = measure(set, `${name}, trained model`, trainedScoring(training));
    rows.push(...judged.rows, ...trained.rows, {
      metric: `${name}: training (u from ${training.randomPairs} random CRM pairs, m from ${training.anchors} anchor pairs)`,
      value: ms / 1000,
      unit: 's',
      note: `${training.iterations} iterations over ${training.pairs} blocked pairs`,
    });
    meta[`${name} judged`] = judged.meta;
    meta[`${name} trained`] = trained.meta;
  }
  return { name: 'identity-febrl', rows, meta };
}
