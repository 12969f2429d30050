import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanyCandidate, ContactCandidate } from '../crm/types.js';
import { BACKENDS, type TestStore, openTestStore } from '../store/testing/index.js';
import { decideIdentityReview, invalidateLinks, openIdentityReviews, resolveWithMap } from './map.js';
import { CrmSnapshot } from './snapshot.js';
import type { IdentityInput } from './types.js';

const ct = (
  id: string,
  first: string,
  last: string,
  email: string | null,
  company: string,
): ContactCandidate => ({
  id,
  email,
  additional_emails: [],
  first_name: first,
  last_name: last,
  company_id: company,
  company_name: null,
  phone: null,
});
const companies: CompanyCandidate[] = [
  { id: 'a1', name: 'Acme Inc', domain: 'acme.com', additional_domains: [] },
];
const contacts = [
  ct('c1', 'Ann', 'Lee', 'ann@acme.com', 'a1'),
  ct('c2', 'John', 'Smith', 'john.smith@acme.com', 'a1'),
  ct('c3', 'John', 'Smith', 'jsmith@acme.com', 'a1'),
  ct('c4', 'Bo', 'Ray', 'info@acme.com', 'a1'),
  ct('c5', 'Cy', 'Dee', 'info@acme.com', 'a1'),
];
const inputs: IdentityInput[] = [
  { key: 'e1', type: 'contact', email: 'ANN@acme.com' },
  { key: 'e2', type: 'contact', full_name: 'John Smith', company_domain: 'acme.com' },
  { key: 'e3', type: 'contact', email: 'info@acme.com' },
  { key: 'e4', type: 'contact', email: 'new.person@acme.com', full_name: 'New Person' },
];

describe.each(BACKENDS)('identity map and review queue on %s', (backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(backend);
  });
  afterAll(async () => {
    await store?.destroy();
  });

  it('links matches, opens review items with candidates and reasons, and reuses reviewers’ decisions', async () => {
    const snapshot = new CrmSnapshot(contacts, companies);
    const first = await resolveWithMap(store, { crm: 'hubspot', inputs, snapshot, complete: true });
    expect(first.map((r) => [r.key, r.status, r.id])).toEqual([
      ['e1', 'matched', 'c1'],
      ['e2', 'ambiguous', null],
      ['e3', 'ambiguous', null],
      ['e4', 'unmatched', null],
    ]);
    const links = await store.query<{ external_key: string; crm_id: string; provenance: string }>(
      'SELECT external_key, crm_id, provenance FROM identity_links ORDER BY 1',
    );
    expect(links).toEqual([{ external_key: 'e1', crm_id: 'c1', provenance: 'rule' }]);

    const open = await openIdentityReviews(store, 'hubspot');
    expect(open.map((i) => i.subject_key)).toEqual(['e2', 'e3', 'e4']);
    const e2 = open[0]!;
    expect(e2.reason).toContain('2 people named john smith');
    expect(e2.payload).toMatchObject({
      outcome: 'ambiguous',
      input: inputs[1],
      reasons: [expect.any(String)],
    });
    expect((e2.payload.candidates as ContactCandidate[]).map((c) => [c.id, c.email])).toEqual([
      ['c2', 'john.smith@acme.com'],
      ['c3', 'jsmith@acme.com'],
    ]);

    // A second run before any review: the same items stay open (no duplicates).
    await resolveWithMap(store, { crm: 'hubspot', inputs, snapshot, complete: true });
    expect((await openIdentityReviews(store, 'hubspot')).length).toBe(3);

    await decideIdentityReview(
      store,
      Number(e2.id),
      { action: 'pick', candidateId: 'c3' },
      'rita@example.com',
    );
    await decideIdentityReview(store, Number(open[1]!.id), { action: 'dismiss' }, 'rita@example.com');
    await decideIdentityReview(
      store,
      Number(open[2]!.id),
      { action: 'not_in_crm', note: 'a new hire' },
      'rita@example.com',
    );
    await expect(
      decideIdentityReview(store, Number(e2.id), { action: 'dismiss' }, 'x'),
    ).rejects.toMatchObject({ code: 'IR_REVIEW_ALREADY_RESOLVED' });

    const second = await resolveWithMap(store, { crm: 'hubspot', inputs, snapshot, complete: true });
    expect(second.map((r) => [r.key, r.status, r.id])).toEqual([
      ['e1', 'matched', 'c1'],
      ['e2', 'matched', 'c3'],
      ['e3', 'ambiguous', null],
      ['e4', 'unmatched', null],
    ]);
    expect(second[1]!.reason).toContain('reviewer rita@example.com');
    expect(second[3]!.reason).toContain('not in the CRM');
    // The dismissed one is asked again; the decided ones are not.
    expect((await openIdentityReviews(store, 'hubspot')).map((i) => i.subject_key)).toEqual(['e3']);
  });

  it('honours a "not in CRM" resolved through the review queue’s generic path (no link written)', async () => {
    const input: IdentityInput = { key: 'g1', type: 'contact', email: 'ghost@acme.com', full_name: 'Gho St' };
    const snapshot = new CrmSnapshot(contacts, companies);
    await resolveWithMap(store, { crm: 'pipedrive', inputs: [input], snapshot, complete: true });
    const [item] = await openIdentityReviews(store, 'pipedrive');
    await store.query(
      `UPDATE review_items SET status = 'resolved', resolution = '{"action":"not_in_crm"}'::jsonb, resolved_by = 'sam', resolved_at = now() WHERE id = $1`,
      [item!.id],
    );
    const again = await resolveWithMap(store, {
      crm: 'pipedrive',
      inputs: [input],
      snapshot,
      complete: true,
    });
    expect(again[0]).toMatchObject({
      status: 'unmatched',
      reason: expect.stringContaining('(sam) marked it not in the CRM'),
    });
    expect(await openIdentityReviews(store, 'pipedrive')).toEqual([]);
  });

  it('invalidates links when the record is merged or deleted, and decides afresh', async () => {
    expect(
      await invalidateLinks(store, {
        crm: 'hubspot',
        object: 'contact',
        crmIds: ['c3'],
        reason: 'merged',
        mergedInto: 'c2',
      }),
    ).toBe(1);
    const merged = new CrmSnapshot(
      contacts.filter((c) => c.id !== 'c3'),
      companies,
    );
    const third = await resolveWithMap(store, {
      crm: 'hubspot',
      inputs: [inputs[1]!],
      snapshot: merged,
      complete: true,
    });
    expect(third[0]).toMatchObject({ status: 'matched', id: 'c2' });
    const row = await store.query<{ invalidated_reason: string | null; crm_id: string }>(
      `SELECT crm_id, invalidated_reason FROM identity_links WHERE external_key = 'e2'`,
    );
    expect(row).toEqual([{ crm_id: 'c2', invalidated_reason: null }]);

    // A linked record missing from a complete snapshot (deleted) is invalidated on the run itself.
    const gone = new CrmSnapshot(
      contacts.filter((c) => c.id !== 'c1'),
      companies,
    );
    const fourth = await resolveWithMap(store, {
      crm: 'hubspot',
      inputs: [inputs[0]!],
      snapshot: gone,
      complete: true,
    });
    expect(fourth[0]).toMatchObject({ status: 'unmatched' });
    const e1 = await store.query<{ invalidated_reason: string | null }>(
      `SELECT invalidated_reason FROM identity_links WHERE external_key = 'e1'`,
    );
    expect(e1[0]?.invalidated_reason).toContain('no longer in the CRM');
  });
});
