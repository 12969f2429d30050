/** Outsiders: people and companies not in the CRM, some deliberately close to CRM records. */
import type { WorldDraws } from './draws.js';
import type { SeedCompany, SeedContact, SeedOutsider } from './types.js';
import { NICK, NOUNS, WORDS, ascii, pad } from './vocab.js';

export function generateOutsiders(
  d: WorldDraws,
  opts: { outsiders: number; contacts: SeedContact[]; companies: SeedCompany[] },
): SeedOutsider[] {
  const { rnd, pick, int, chance, first, last, uniqueDomain, companyName, stripLegal, phoneFor, workEmail } =
    d;
  const { contacts, companies } = opts;
  const nOutsiders = opts.outsiders;
  const outsiders: SeedOutsider[] = [];
  const freshDomain = (name: string) =>
    uniqueDomain(`${ascii(stripLegal(name)).slice(0, 18) || 'co'}x`, pick(['com', 'io', 'de', 'co.uk']));
  const companyNamesInCrm = new Set(companies.map((c) => stripLegal(c.name).toLowerCase()));
  for (let i = 0; i < nOutsiders; i++) {
    const id = `ou_${pad(i + 1)}`;
    const r = rnd();
    const someone = contacts.length > 0 ? (contacts[int(0, contacts.length - 1)] as SeedContact) : null;
    const someCompany = companies[int(0, companies.length - 1)] as SeedCompany;
    if (r < 0.35 || !someone) {
      let name = companyName();
      for (let k = 0; k < 5 && companyNamesInCrm.has(stripLegal(name).toLowerCase()); k++)
        name = `${pick(WORDS)} ${last()} ${pick(NOUNS)}`;
      const d = freshDomain(name);
      const f = first();
      const l = last();
      outsiders.push({
        id,
        kind: 'person',
        firstName: f,
        lastName: l,
        email: workEmail(f, l, d),
        phone: chance(0.5) ? phoneFor('US') : null,
        companyName: name,
        companyDomain: d,
        nearNamesakeOf: null,
        pattern: 'stranger',
      });
    } else if (r < 0.55) {
      const name = `${pick(WORDS)} ${last()} ${pick(NOUNS)}`;
      const d = freshDomain(name);
      outsiders.push({
        id,
        kind: 'person',
        firstName: someone.trueFirstName,
        lastName: someone.trueLastName,
        email: workEmail(someone.trueFirstName, someone.trueLastName, d),
        phone: null,
        companyName: name,
        companyDomain: d,
        nearNamesakeOf: someone.id,
        pattern: 'same_name_other_company',
      });
    } else if (r < 0.7) {
      const co = companies[Number(someone.companyId.slice(3)) - 1] as SeedCompany;
      const nick = NICK.find(([a, b]) => a === someone.trueFirstName || b === someone.trueFirstName);
      const f = nick
        ? nick[0] === someone.trueFirstName
          ? nick[1]
          : nick[0]
        : `${someone.trueFirstName}${pick(['a', 'e', 'y'])}`;
      outsiders.push({
        id,
        kind: 'person',
        firstName: f,
        lastName: someone.trueLastName,
        email: workEmail(f, someone.trueLastName, co.trueDomain),
        phone: null,
        companyName: stripLegal(co.name),
        companyDomain: co.trueDomain,
        nearNamesakeOf: someone.id,
        pattern: 'similar_name_same_company',
      });
    } else if (r < 0.87) {
      outsiders.push({
        id,
        kind: 'company',
        firstName: null,
        lastName: null,
        email: null,
        phone: null,
        companyName: someCompany.name,
        companyDomain: freshDomain(someCompany.name),
        nearNamesakeOf: someCompany.id,
        pattern: 'same_company_name',
      });
    } else {
      const name = `${stripLegal(someCompany.name)} ${pick(['Holdings', 'Digital', 'Consulting', 'Ventures', 'Labs'])}`;
      outsiders.push({
        id,
        kind: 'company',
        firstName: null,
        lastName: null,
        email: null,
        phone: null,
        companyName: name,
        companyDomain: freshDomain(name),
        nearNamesakeOf: someCompany.id,
        pattern: 'similar_company_name',
      });
    }
  }
  return outsiders;
}
