/**
 * The company decision: one CRM company for an input's domain, website and name, several (review)
 * or none — always with the reason. A domain that belongs to several companies does not identify a
 * company on its own; a name alone matches only when one company has it and the input gives no
 * domain the CRM does not hold.
 */
import { normaliseCompanyName, normaliseDomain } from './normalise.js';
import { result } from './reasons.js';
import type { CrmSnapshot } from './snapshot.js';
import type { IdentityInput, IdentityResult } from './types.js';

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
