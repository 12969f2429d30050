/**
 * The identity decision: given one outside record and the CRM's candidates, exactly one CRM record
 * (matched), several (ambiguous) or none (unmatched) — always with the reason. Rules that hold
 * whatever else the data says:
 * - an email several CRM records share (a role inbox, CRM duplicates) is not a unique match unless
 *   other evidence (name, phone, company) singles one record out;
 * - a domain that belongs to several companies does not identify a company on its own;
 * - a person is never matched by name alone across companies;
 * - nothing is guessed and nothing is created: what is not certain goes to review.
 */
import {
  firstNamesAgree,
  normaliseCompanyName,
  normaliseDomain,
  normaliseEmail,
  normaliseName,
  phoneKey,
} from './normalise.js';
import type { CrmSnapshot, IndexedContact } from './snapshot.js';
import type { IdentityInput, IdentityResult } from './types.js';

type Name = { first: string; last: string } | null;

const nameAgrees = (n: Name, ic: IndexedContact) =>
  Boolean(n?.last) && n!.last === ic.last && (!n!.first || !ic.first || firstNamesAgree(n!.first, ic.first));
const nameConflicts = (n: Name, ic: IndexedContact) =>
  Boolean(n?.last && ic.last) &&
  n!.last !== ic.last &&
  !(n!.first && ic.first && firstNamesAgree(n!.first, ic.first));
const show = (n: Name) => (n ? `${n.first} ${n.last}`.trim() : '');
const label = (ic: IndexedContact) => `${ic.c.first_name ?? ''} ${ic.c.last_name ?? ''}`.trim() || ic.c.id;

function result(
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

/** Companies the input points at, and how firmly. */
function companyEvidence(
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

export function resolveContact(input: IdentityInput, snap: CrmSnapshot): IdentityResult {
  const email = normaliseEmail(input.email);
  const name: Name = normaliseName(input.first_name, input.last_name, input.full_name);
  const phone = phoneKey(input.phone);
  // computed only when an email alone does not decide (domain parsing is the costly part)
  let companyMemo: { ids: string[]; how: string } | undefined;
  const companyOf = () => {
    if (!companyMemo) {
      const workDomain = email && !email.freeMail ? normaliseDomain(email.domain) : null;
      companyMemo = companyEvidence(input, snap, workDomain);
    }
    return companyMemo;
  };

  if (input.email && !email) {
    // a malformed address is not evidence; fall through to name + company, and say so
  }
  const byEmail = email ? (snap.byEmail.get(email.canonical) ?? []) : [];
  if (byEmail.length === 1 && !email!.role) {
    const ic = snap.contacts.get(byEmail[0])!;
    if (name && nameConflicts(name, ic)) {
      return result(
        input,
        'ambiguous',
        byEmail,
        0.5,
        `email ${email!.address} is on ${label(ic)} (${ic.c.id}) but the name "${show(name)}" differs: confirm in review`,
        'email',
      );
    }
    const agrees = name ? nameAgrees(name, ic) : false;
    return result(
      input,
      'matched',
      byEmail,
      agrees ? 0.99 : 0.97,
      agrees ? 'email and name match one record' : 'email matches one record',
      agrees ? 'email+name' : 'email',
    );
  }
  if (byEmail.length >= 1) {
    const why = email!.role ? `role inbox ${email!.address}` : `email ${email!.address}`;
    let pool = byEmail.map((id) => snap.contacts.get(id)!);
    const steps: string[] = [];
    if (name?.last) {
      pool = pool.filter((ic) => nameAgrees(name, ic));
      steps.push('name');
    }
    if (pool.length > 1 && phone) {
      const p = pool.filter((ic) => ic.phone === phone);
      if (p.length > 0) {
        pool = p;
        steps.push('phone');
      }
    }
    if (pool.length > 1 && companyOf().ids.length > 0) {
      const company = companyOf();
      const p = pool.filter((ic) => snap.companiesOf(ic).some((c) => company.ids.includes(c)));
      if (p.length > 0) {
        pool = p;
        steps.push('company');
      }
    }
    const ids = pool.map((ic) => ic.c.id);
    if (pool.length === 1 && steps.length === 0) {
      // a role inbox on one record with nothing else to go on: the mailbox is known, the person is not
      return result(
        input,
        'ambiguous',
        ids,
        0,
        `${why} is a shared inbox (on ${label(pool[0])}, ${ids[0]}) and the input has no name, phone or company to confirm the person: confirm in review`,
      );
    }
    if (pool.length === 1) {
      return result(
        input,
        'matched',
        ids,
        0.9,
        `${why} is on ${byEmail.length} records; ${steps.join(' and ')} single out one`,
        `email+${steps.join('+')}`,
      );
    }
    if (pool.length === 0) {
      return result(
        input,
        email!.role ? 'unmatched' : 'ambiguous',
        email!.role ? [] : byEmail,
        0,
        `${why} is on ${byEmail.length} record(s), none of them ${show(name) || 'identifiable'}${email!.role ? ': a shared inbox identifies nobody' : ''}`,
      );
    }
    const sameName = pool.every((ic) => ic.last === pool[0].last && firstNamesAgree(ic.first, pool[0].first));
    return result(
      input,
      'ambiguous',
      ids,
      0,
      sameName && pool[0].last
        ? `CRM duplicates: ${pool.length} records for ${label(pool[0])} share ${email!.address}; merge them in the CRM or pick one in review`
        : `${why} is on ${pool.length} records and nothing singles one out`,
    );
  }

  // no email in the CRM: name + company, never name alone
  if (name?.last) {
    const company = companyOf();
    if (company.ids.length > 0) {
      // blocked on (company, last name): a large company's whole staff is never scanned
      const pool = company.ids
        .flatMap((cid) =>
          (snap.byCompanyLast.get(`${cid}|${name.last}`) ?? []).map((id) => snap.contacts.get(id)!),
        )
        .filter((ic) => nameAgrees(name, ic));
      let ids = [...new Set(pool.map((ic) => ic.c.id))];
      if (ids.length > 1 && phone) {
        const p = ids.filter((id) => snap.contacts.get(id)!.phone === phone);
        if (p.length === 1) ids = p;
      }
      const where =
        company.ids.length === 1 ? company.how : `${company.how} (${company.ids.length} companies)`;
      if (ids.length === 1)
        return result(
          input,
          'matched',
          ids,
          company.ids.length === 1 ? 0.85 : 0.8,
          `${show(name)} is the one person of that name at ${where}`,
          'name+company',
        );
      if (ids.length > 1)
        return result(input, 'ambiguous', ids, 0, `${ids.length} people named ${show(name)} at ${where}`);
      return result(
        input,
        'unmatched',
        [],
        0,
        `no one named ${show(name)} at ${where}${email ? `, and ${email.address} is not in the CRM` : ''}`,
      );
    }
    if (phone) {
      const byPhone = (snap.byPhone.get(phone) ?? []).filter((id) =>
        nameAgrees(name, snap.contacts.get(id)!),
      );
      if (byPhone.length === 1)
        return result(input, 'matched', byPhone, 0.85, `name and phone match one record`, 'name+phone');
    }
    const namesakes = snap.byName.get(`${name.first}|${name.last}`) ?? [];
    return result(
      input,
      'unmatched',
      namesakes.slice(0, 20),
      0,
      `${email ? `${email.address} is not in the CRM; ` : ''}${namesakes.length} record(s) named ${show(name)}, but a person is never matched by name alone: give an email or a company`,
    );
  }
  if (input.email && !email)
    return result(
      input,
      'unmatched',
      [],
      0,
      `"${input.email}" is not an email address, and there is no name to match on`,
    );
  return result(
    input,
    'unmatched',
    [],
    0,
    email
      ? `${email.address} is not in the CRM and there is no name to match on`
      : 'no email, name or company to match on',
  );
}

/** Other companies with this name key and no domain at all: the input's domain cannot rule them out. */
function namesakesWithoutDomain(snap: CrmSnapshot, nn: string, except: string): string[] {
  return (snap.companiesByName.get(nn) ?? []).filter((id) => {
    if (id === except) return false;
    return snap.companyDomains(id).length === 0;
  });
}

export function resolveCompany(input: IdentityInput, snap: CrmSnapshot): IdentityResult {
  const rawDomain = input.domain ?? input.website ?? input.company_domain;
  const domain = normaliseDomain(rawDomain);
  const rawName = input.name ?? input.company_name;
  const nn = normaliseCompanyName(rawName);
  const domainIds = domain ? (snap.companiesByDomain.get(domain) ?? []) : [];
  if (domainIds.length === 1) {
    const co = snap.companies.get(domainIds[0])!;
    const own = normaliseCompanyName(co.name);
    if (nn && own !== nn) {
      // The domain's one holder has another name, and a company of the input's name exists: a
      // subsidiary or namesake whose own record lacks the domain. The domain alone cannot decide.
      const named = (snap.companiesByName.get(nn) ?? []).filter((id) => id !== co.id);
      if (named.length > 0) {
        const ids = [co.id, ...named];
        return result(
          input,
          'ambiguous',
          ids,
          0,
          `domain ${domain} is on ${co.name} (${co.id}) but "${rawName}" names ${named.length === 1 ? `${snap.companies.get(named[0])!.name} (${named[0]})` : `${named.length} other companies`}: pick one in review`,
        );
      }
      return result(
        input,
        'matched',
        domainIds,
        0.85,
        `domain ${domain} belongs to one company (named "${co.name}", not "${rawName}")`,
        'domain',
      );
    }
    const twins = nn ? namesakesWithoutDomain(snap, nn, co.id) : [];
    if (twins.length > 0)
      return result(
        input,
        'ambiguous',
        [co.id, ...twins],
        0,
        `domain ${domain} is on ${co.name} (${co.id}), but ${twins.length} other compan${twins.length === 1 ? 'y' : 'ies'} of the same name ha${twins.length === 1 ? 's' : 've'} no domain on record (${twins.slice(0, 5).join(', ')}): pick one in review`,
      );
    return result(
      input,
      'matched',
      domainIds,
      nn ? 0.97 : 0.95,
      nn ? `domain ${domain} and name match one company` : `domain ${domain} belongs to one company`,
      nn ? 'domain+name' : 'domain',
    );
  }
  if (domainIds.length > 1) {
    const named = nn ? domainIds.filter((id) => snap.companyNameKey(id) === nn) : [];
    const twins = named.length === 1 && nn ? namesakesWithoutDomain(snap, nn, named[0]) : [];
    if (twins.length > 0)
      return result(
        input,
        'ambiguous',
        [named[0], ...twins],
        0,
        `domain ${domain} is shared by ${domainIds.length} companies and the name points at ${named[0]}, but ${twins.length} other compan${twins.length === 1 ? 'y' : 'ies'} of that name ha${twins.length === 1 ? 's' : 've'} no domain on record: pick one in review`,
      );
    if (named.length === 1)
      return result(
        input,
        'matched',
        named,
        0.9,
        `domain ${domain} is shared by ${domainIds.length} companies; the name singles out one`,
        'domain+name',
      );
    return result(
      input,
      'ambiguous',
      domainIds,
      0,
      `domain ${domain} belongs to ${domainIds.length} companies (a parent and its subsidiaries?) and ${nn ? 'the name does not single one out' : 'there is no name to tell them apart'}`,
    );
  }
  const nameIds = nn ? (snap.companiesByName.get(nn) ?? []) : [];
  if (nameIds.length === 1) {
    const co = snap.companies.get(nameIds[0])!;
    const own = snap.companyDomains(co.id);
    if (domain && own.length > 0) {
      return result(
        input,
        'unmatched',
        nameIds,
        0,
        `${co.name} (${co.id}) has the name but its domain is ${own.join(', ')}, not ${domain}: a different company of the same name?`,
      );
    }
    if (domain) {
      // Companies of the same name are common; a domain the CRM has never seen does not confirm this one.
      return result(
        input,
        'ambiguous',
        nameIds,
        0,
        `${co.name} (${co.id}) has the name but no domain on record, and ${domain} is not in the CRM: confirm it is the same company in review`,
      );
    }
    return result(
      input,
      'matched',
      nameIds,
      0.75,
      `one company is named "${rawName}"${domain ? ` (and ${domain} is not in the CRM)` : ''}`,
      'name',
    );
  }
  if (nameIds.length > 1)
    return result(
      input,
      'ambiguous',
      nameIds,
      0,
      `${nameIds.length} companies are named "${rawName}"${domain ? ` and ${domain} is on none of them` : ''}`,
    );
  if (!domain && !nn) return result(input, 'unmatched', [], 0, 'no domain, website or name to match on');
  return result(
    input,
    'unmatched',
    [],
    0,
    `${domain ? `domain ${domain}` : ''}${domain && nn ? ' and ' : ''}${nn ? `name "${rawName}"` : ''} not in the CRM`,
  );
}

export function resolveIdentity(input: IdentityInput, snap: CrmSnapshot): IdentityResult {
  return input.type === 'company' ? resolveCompany(input, snap) : resolveContact(input, snap);
}
