/**
 * Live mode: the candidates for a batch of inputs are fetched through the CrmConnector interface
 * only (batched findContacts / findCompanies; listContacts / listCompanies for a full snapshot),
 * then the same pure decision runs on them. Emails, phones and external ids are looked up first;
 * names only for inputs whose email found nothing (or that have none), so a batch costs a handful
 * of calls, not one search per record.
 */
import type { CrmConnector } from '../crm/types.js';
import { foldText, normaliseDomain, normaliseEmail, phoneKey } from './normalise.js';
import { CrmSnapshot } from './snapshot.js';
import type { IdentityInput } from './types.js';

export type CandidateSource = Pick<CrmConnector, 'findContacts' | 'findCompanies'>;

const TITLES = new Set(['dr', 'mr', 'mrs', 'ms', 'miss', 'mx', 'prof', 'sir', 'dame', 'rev']);

/** The name as a CRM search takes it (its own spelling, titles and middle initials dropped). */
export function searchName(i: IdentityInput): { firstName?: string; lastName: string } | null {
  const words = (s: string) => s.split(/\s+/).filter((w) => w && !TITLES.has(foldText(w)));
  if (i.last_name) {
    const last =
      i.last_name.includes(',') && !i.first_name ? i.last_name.split(',')[0]!.trim() : i.last_name.trim();
    const first = i.first_name
      ? words(i.first_name)[0]
      : i.last_name.includes(',')
        ? words(i.last_name.split(',')[1] ?? '')[0]
        : undefined;
    return last ? { firstName: first, lastName: last } : null;
  }
  const full = i.full_name ?? (i.first_name && !i.last_name ? i.first_name : undefined);
  if (!full) return null;
  if (full.includes(',')) {
    const [last, rest] = full.split(',', 2);
    return last?.trim() ? { lastName: last.trim(), firstName: words(rest ?? '')[0] } : null;
  }
  const ws = words(full).filter((w, k) => k === 0 || !/^\p{L}\.?$/u.test(w));
  if (ws.length < 2) return null;
  return { firstName: ws[0], lastName: ws[ws.length - 1] as string };
}

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export interface LiveSnapshot {
  snapshot: CrmSnapshot;
  /** Connector calls made (findContacts + findCompanies). */
  calls: number;
}

/** The candidates of these inputs, fetched in batches of `batchSize` values per call. */
export async function fetchCandidates(
  source: CandidateSource,
  inputs: readonly IdentityInput[],
  opts: { batchSize?: number } = {},
): Promise<LiveSnapshot> {
  const size = opts.batchSize ?? 100;
  // the candidates asked for, not the CRM: their value counts are no frequencies
  const snapshot = new CrmSnapshot([], [], { complete: false });
  let calls = 0;
  const addContacts = (cs: Awaited<ReturnType<CandidateSource['findContacts']>>) => {
    for (const c of cs) if (!snapshot.contacts.has(c.id)) snapshot.addContact(c);
  };

  const domains = new Set<string>();
  const companyNames = new Set<string>();
  const emails = new Set<string>();
  for (const i of inputs) {
    const d = normaliseDomain(
      i.type === 'company' ? (i.domain ?? i.website ?? i.company_domain) : i.company_domain,
    );
    if (d) domains.add(d);
    const name = i.type === 'company' ? (i.name ?? i.company_name) : i.company_name;
    if (name?.trim()) companyNames.add(name.trim());
    if (i.type !== 'contact') continue;
    const e = normaliseEmail(i.email);
    if (!e) continue;
    // as written and as the mailbox it reaches (gmail dots and +tags): the CRM stores either
    emails.add(e.address);
    emails.add(e.canonical);
    if (!e.freeMail) domains.add(normaliseDomain(e.domain) ?? e.domain);
  }
  for (const part of chunk([...emails], size)) {
    calls++;
    addContacts(await source.findContacts({ emails: part }));
  }
  // Every phone, not only those of inputs whose email found nothing: a phone on another record
  // than the email's is evidence the decision needs (the household, the duplicate).
  const phones = new Map<string, string>();
  for (const i of inputs) {
    const key = i.type === 'contact' ? phoneKey(i.phone) : null;
    if (key && i.phone && !phones.has(key)) phones.set(key, i.phone.trim());
  }
  for (const part of chunk([...phones.values()], size)) {
    calls++;
    addContacts(await source.findContacts({ phones: part }));
  }
  const externalIds = new Set<string>();
  for (const i of inputs) if (i.type === 'contact' && i.external_id?.trim()) externalIds.add(i.external_id.trim());
  for (const part of chunk([...externalIds], size)) {
    calls++;
    addContacts(await source.findContacts({ externalIds: part }));
  }
  const names = new Map<string, { firstName?: string; lastName: string }>();
  for (const i of inputs) {
    if (i.type !== 'contact') continue;
    const e = normaliseEmail(i.email);
    if (e && (snapshot.byEmail.get(e.canonical)?.length ?? 0) > 0) continue;
    const n = searchName(i);
    if (n) names.set(`${n.firstName ?? ''}|${n.lastName}`.toLowerCase(), n);
  }
  for (const part of chunk([...names.values()], size)) {
    calls++;
    addContacts(await source.findContacts({ names: part }));
  }
  const companies = [
    ...chunk([...domains], size).map((d) => ({ domains: d })),
    ...chunk([...companyNames], size).map((n) => ({ names: n })),
  ];
  for (const q of companies) {
    calls++;
    for (const co of await source.findCompanies(q))
      if (!snapshot.companies.has(co.id)) snapshot.addCompany(co);
  }
  return { snapshot, calls };
}

/** Every contact and company of the CRM (validation, full offline snapshots). */
export async function listSnapshot(
  connector: Pick<CrmConnector, 'listContacts' | 'listCompanies'>,
): Promise<CrmSnapshot> {
  const snapshot = new CrmSnapshot();
  for await (const page of connector.listCompanies()) for (const co of page) snapshot.addCompany(co);
  for await (const page of connector.listContacts()) for (const c of page) snapshot.addContact(c);
  return snapshot;
}
