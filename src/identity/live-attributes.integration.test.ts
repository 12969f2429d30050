/**
 * Live mode reads the identifying attributes from each CRM's own fields and finds people by phone:
 * against each simulator through its real connector, an input with a name and a birth date, a
 * misspelt name and a phone in another writing, or a (misspelt) name and an id held in a field the
 * config names, is matched to its record; the same input with the attribute of someone else is not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { ContactCandidate, CrmConnector, CrmName } from '../crm/types.js';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';
import { resolveIdentity } from './decide.js';
import { fetchCandidates, listSnapshot } from './live.js';
import { normaliseName, phoneKey } from './normalise.js';
import type { CrmSnapshot } from './snapshot.js';
import type { IdentityInput } from './types.js';

const CRMS: CrmName[] = ['hubspot', 'salesforce', 'pipedrive'];

/** Contacts the tests can name: a plain first and last name no other record has, and no duplicate's birth date or phone. */
function plainPeople(full: CrmSnapshot): ContactCandidate[] {
  const all = [...full.contacts.values()].map((ic) => ic.c);
  const count = (key: (c: ContactCandidate) => string | null) => {
    const n = new Map<string, number>();
    for (const c of all) {
      const k = key(c);
      if (k) n.set(k, (n.get(k) ?? 0) + 1);
    }
    return (c: ContactCandidate) => n.get(key(c) ?? '') ?? 0;
  };
  const byName = count((c) => {
    const n = normaliseName(c.first_name, c.last_name);
    return n ? `${n.first}|${n.last}` : null;
  });
  const byLast = count((c) => normaliseName(c.first_name, c.last_name)?.last ?? null);
  const byBirth = count((c) => c.birth_date ?? null);
  const byPhone = count((c) => phoneKey(c.phone));
  return all.filter(
    (c) =>
      /^[A-Z][a-z]{4,}$/.test(c.first_name ?? '') &&
      /^[A-Z][a-z]{3,}$/.test(c.last_name ?? '') &&
      byName(c) === 1 &&
      byLast(c) === 1 &&
      (!c.birth_date || byBirth(c) === 1) &&
      (!c.phone || byPhone(c) === 1),
  );
}

/** One slip in a first name: two inner letters swapped ("Daniel" → "Dnaiel"). */
const slip = (s: string) => `${s[0]}${s[2]}${s[1]}${s.slice(3)}`;
/** The number in another writing: its digits, a leading + kept. */
const rewrite = (phone: string) => `${phone.trim().startsWith('+') ? '+' : ''}${phone.replace(/\D/g, '')}`;

describe.each(CRMS)('identifying attributes and phones, live on the %s simulator', (crm) => {
  let sim: RunningSimulator | undefined;
  let connector: CrmConnector;
  let people: ContactCandidate[];

  const decide = async (c: CrmConnector, input: IdentityInput) => {
    const { snapshot } = await fetchCandidates(c, [input]);
    return resolveIdentity(input, snapshot);
  };

  beforeAll(async () => {
    sim = await startSimulator(crm, { records: 160, seed: 7 });
    connector = await createConnector(
      crmConnectionSchema.parse({ kind: crm, baseUrl: sim.apiBase, auth: { token: sim.token } }),
    );
    people = plainPeople(await listSnapshot(connector));
  }, 60_000);
  afterAll(async () => {
    await sim?.close();
  });

  it("reads the birth date, street address, postcode and city from the CRM's own fields", () => {
    const withAll = people.filter((c) => c.birth_date && c.address && c.postcode && c.city);
    expect(withAll.length).toBeGreaterThan(5);
  });

  it('matches a name and a birth date; the same name with another birth date is not matched', async () => {
    const c = people.find((p) => p.birth_date) as ContactCandidate;
    const input: IdentityInput = {
      key: 'b1',
      type: 'contact',
      first_name: c.first_name,
      last_name: c.last_name,
      birth_date: c.birth_date,
    };
    const hit = await decide(connector, input);
    expect(hit.status, hit.reason).toBe('matched');
    expect(hit.id).toBe(c.id);
    const year = Number(c.birth_date?.slice(0, 4));
    const other = await decide(connector, {
      ...input,
      key: 'b2',
      birth_date: `${year + 7}${c.birth_date?.slice(4)}`,
    });
    expect(other.status, other.reason).not.toBe('matched');
  });

  it('matches a name and a street address at its postcode', async () => {
    const c =
      people.find((p) => p.address && p.postcode && !p.birth_date) ??
      (people.find((p) => p.address && p.postcode) as ContactCandidate);
    const hit = await decide(connector, {
      key: 'a1',
      type: 'contact',
      first_name: c.first_name,
      last_name: c.last_name,
      address: c.address,
      postcode: c.postcode,
    });
    expect(hit.status, hit.reason).toBe('matched');
    expect(hit.id).toBe(c.id);
  });

  it('finds a misspelt name by its phone written another way; another person’s phone matches no one', async () => {
    const withPhone = people.filter((p) => p.phone);
    const c = withPhone[0] as ContactCandidate;
    const hit = await decide(connector, {
      key: 'p1',
      type: 'contact',
      first_name: slip(c.first_name as string),
      last_name: c.last_name,
      phone: rewrite(c.phone as string),
    });
    expect(hit.status, hit.reason).toBe('matched');
    expect(hit.id).toBe(c.id);
    const b = withPhone[1] as ContactCandidate;
    const wrong = await decide(connector, {
      key: 'p2',
      type: 'contact',
      first_name: c.first_name,
      last_name: c.last_name,
      phone: b.phone,
    });
    expect(wrong.status, wrong.reason).not.toBe('matched');
  });

  it('reads an external id from the field the config names, by its label', async () => {
    const field = await connector.createField('contact', { name: 'erp_id', label: 'ERP Id', type: 'text' });
    const [c, other] = people.filter((p) => !p.birth_date && !p.address) as [
      ContactCandidate,
      ContactCandidate,
    ];
    const written = await connector.writeBatch('contact', [
      { id: c.id, fields: { [field.name]: 'ERP-40711' } },
      { id: other.id, fields: { [field.name]: 'ERP-40712' } },
    ]);
    expect(written.every((w) => w.ok)).toBe(true);
    const mapped = await createConnector(
      crmConnectionSchema.parse({ kind: crm, baseUrl: sim?.apiBase, auth: { token: sim?.token } }),
      {
        identityAttributes: { external_id: 'ERP Id' },
      },
    );
    const input: IdentityInput = {
      key: 'e1',
      type: 'contact',
      first_name: c.first_name,
      last_name: c.last_name,
      external_id: 'erp-40711',
    };
    // without the mapping the id is missing on the CRM side: a name alone matches no one
    expect((await decide(connector, input)).status).not.toBe('matched');
    const hit = await decide(mapped, input);
    expect(hit.status, hit.reason).toBe('matched');
    expect(hit.id).toBe(c.id);
    const wrong = await decide(mapped, { ...input, key: 'e2', external_id: 'ERP-40712' });
    expect(wrong.status, wrong.reason).not.toBe('matched');
    // a misspelt name that no name search finds: the record is looked up by the id itself
    const misspelt: IdentityInput = { ...input, key: 'e3', first_name: slip(c.first_name as string) };
    expect((await decide(connector, misspelt)).status).not.toBe('matched');
    const found = await decide(mapped, misspelt);
    expect(found.status, found.reason).toBe('matched');
    expect(found.id).toBe(c.id);
    await expect(
      (
        await createConnector(
          crmConnectionSchema.parse({ kind: crm, baseUrl: sim?.apiBase, auth: { token: sim?.token } }),
          { identityAttributes: { external_id: 'No Such Field' } },
        )
      ).findContacts({ emails: ['x@example.com'] }),
    ).rejects.toMatchObject({ code: 'IR_FIELD_NOT_FOUND' });
  }, 30_000);
});
