/** signals' SQL on both backends: the pending → done claim, release, and usage events deduplicated by key. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestStore, openTestStore } from '../store/testing/index.js';
import {
  claimActivity,
  completeActivity,
  insertUsageEvents,
  readCursor,
  releaseActivity,
  selectActivityRows,
  selectUsageEventsByKeys,
  writeCursor,
} from './queries.js';

describe.each(BACKENDS)('signals queries on %s', (backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(backend);
  });
  afterAll(async () => {
    await store?.destroy();
  });

  it('claims an item once, completes it, and releases only pending claims', async () => {
    const row = { crm: 'pipedrive', externalId: '<m1@x>', kind: 'email', contactId: '7', companyId: null, source: 't' };
    expect(await claimActivity(store, row)).toBe(true);
    expect(await claimActivity(store, row)).toBe(false);
    expect(await selectActivityRows(store, 'pipedrive', ['<m1@x>'])).toEqual([{ external_id: '<m1@x>', status: 'pending', activity_id: null }]);
    await completeActivity(store, 'pipedrive', '<m1@x>', '42');
    await releaseActivity(store, 'pipedrive', '<m1@x>');
    expect(await selectActivityRows(store, 'pipedrive', ['<m1@x>', '<none>'])).toEqual([{ external_id: '<m1@x>', status: 'done', activity_id: '42' }]);
    expect(await claimActivity(store, { ...row, crm: 'salesforce' })).toBe(true);
    await releaseActivity(store, 'salesforce', '<m1@x>');
    expect(await selectActivityRows(store, 'salesforce', ['<m1@x>'])).toEqual([]);
  });

  it('stores usage events once per key and reads them back by identity key; cursors upsert', async () => {
    const ev = (key: string, at: string) => ({ key, userEmail: 'a@x.example', accountId: null, domain: 'x.example', feature: 'f', at, contactKey: 'email:a@x.example', companyKey: 'domain:x.example' });
    expect(await insertUsageEvents(store, 's', [ev('1', '2026-11-01T10:00:00.000Z'), ev('2', '2026-11-02T10:00:00.000Z')])).toEqual(['1', '2']);
    expect(await insertUsageEvents(store, 's', [ev('2', '2026-11-02T10:00:00.000Z'), ev('3', '2026-11-03T10:00:00.000Z')])).toEqual(['3']);
    const rows = await selectUsageEventsByKeys(store, 's', [], ['domain:x.example']);
    expect(rows.map((r) => new Date(r.occurred_at).toISOString()).sort()).toEqual(['2026-11-01T10:00:00.000Z', '2026-11-02T10:00:00.000Z', '2026-11-03T10:00:00.000Z']);
    expect(await readCursor(store, 'c')).toBeNull();
    await writeCursor(store, 'c', 'a');
    await writeCursor(store, 'c', 'b');
    expect(await readCursor(store, 'c')).toBe('b');
  });
});
