import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestStore, openTestStore } from '../store/testing/index.js';
import { reviewResolvers } from '../pipeline/index.js';
import { getReviewItem, listReviewItems, resolveReviewItem } from './queue.js';

describe.each(BACKENDS)('review queue on %s', (backend) => {
  let store: TestStore;
  let ids: Record<string, number>;
  beforeAll(async () => {
    store = await openTestStore(backend);
    const rows = await store.query<{ id: number; subject_key: string }>(
      `INSERT INTO review_items (kind, crm, object, subject_key, reason, payload) VALUES
         ('identity', 'hubspot', 'contact', 'email:jo@acme.test', 'ambiguous: 2 contacts', '{"candidates":[{"id":"101"},{"id":"102"}]}'),
         ('identity', 'hubspot', 'contact', 'email:x@nowhere.test', 'unmatched', '{}'),
         ('conflict', 'hubspot', 'contact', '101:lifecyclestage', 'human-edit-since-read', '{"recordId":"101","field":"lifecyclestage","repValue":"customer","aiValue":"lead"}'),
         ('conflict', 'hubspot', 'contact', '102:lifecyclestage', 'human-edit-since-read', '{"recordId":"102","field":"lifecyclestage","repValue":"lead","aiValue":"customer"}')
       RETURNING id, subject_key`,
    );
    ids = Object.fromEntries(rows.map((r) => [r.subject_key, Number(r.id)]));
  });
  afterAll(async () => {
    await store?.destroy();
  });

  it('lists open items by kind', async () => {
    expect((await listReviewItems(store)).length).toBe(4);
    expect((await listReviewItems(store, { kind: 'conflict' })).map((i) => i.subjectKey)).toEqual([
      '101:lifecyclestage',
      '102:lifecyclestage',
    ]);
  });

  it('picking a record for an identity item records a reviewer link', async () => {
    const item = await resolveReviewItem(store, {
      resolvers: reviewResolvers(),
      id: ids['email:jo@acme.test'],
      decision: { action: 'pick', candidateId: '102', note: 'same person, new job' },
      by: 'ana',
    });
    expect(item).toMatchObject({
      status: 'resolved',
      resolvedBy: 'ana',
      resolution: { action: 'pick', crmId: '102', note: 'same person, new job' },
    });
    const links = await store.query(
      'SELECT crm_id, provenance, decided_by FROM identity_links WHERE external_key = $1',
      ['email:jo@acme.test'],
    );
    expect(links).toEqual([{ crm_id: '102', provenance: 'reviewer', decided_by: 'ana' }]);
    await expect(
      resolveReviewItem(store, {
        resolvers: reviewResolvers(),
        id: item.id,
        decision: { action: 'dismiss' },
        by: 'bo',
      }),
    ).rejects.toMatchObject({ code: 'IR_REVIEW_ALREADY_RESOLVED' });
  });

  it('refuses actions that do not fit the item, and accept_ai without write-back', async () => {
    await expect(
      resolveReviewItem(store, {
        resolvers: reviewResolvers(),
        id: ids['email:x@nowhere.test'],
        decision: { action: 'keep_rep' },
        by: 'ana',
      }),
    ).rejects.toMatchObject({ code: 'IR_USAGE' });
    await expect(
      resolveReviewItem(store, {
        resolvers: reviewResolvers(),
        id: ids['email:x@nowhere.test'],
        decision: { action: 'pick' },
        by: 'ana',
      }),
    ).rejects.toMatchObject({ code: 'IR_USAGE' });
    await expect(
      resolveReviewItem(store, {
        resolvers: reviewResolvers(),
        id: ids['101:lifecyclestage'],
        decision: { action: 'accept_ai' },
        by: 'ana',
      }),
    ).rejects.toMatchObject({ code: 'IR_NOT_IMPLEMENTED' });
    expect((await getReviewItem(store, ids['101:lifecyclestage'])).status).toBe('open');
    await expect(getReviewItem(store, 999999)).rejects.toMatchObject({ code: 'IR_REVIEW_NOT_FOUND' });
  });

  it('keeps the rep value, dismisses, and calls a module resolver when given one', async () => {
    expect(
      await resolveReviewItem(store, {
        resolvers: reviewResolvers(),
        id: ids['101:lifecyclestage'],
        decision: { action: 'keep_rep' },
        by: 'ana',
      }),
    ).toMatchObject({
      status: 'resolved',
      resolution: { action: 'keep_rep', repValue: 'customer' },
    });
    expect(
      (
        await resolveReviewItem(store, {
          resolvers: reviewResolvers(),
          id: ids['email:x@nowhere.test'],
          decision: { action: 'dismiss' },
          by: 'ana',
        })
      ).status,
    ).toBe('dismissed');
    const seen: string[] = [];
    const item = await resolveReviewItem(store, {
      id: ids['102:lifecyclestage'],
      decision: { action: 'accept_ai' },
      by: 'ana',
      resolvers: {
        conflictAcceptAi: async (_tx, it) => {
          seen.push(it.subjectKey);
          return { action: 'accept_ai', written: true };
        },
      },
    });
    expect(seen).toEqual(['102:lifecyclestage']);
    expect(item.resolution).toEqual({ action: 'accept_ai', written: true });
    expect(await listReviewItems(store)).toEqual([]);
  });
});
