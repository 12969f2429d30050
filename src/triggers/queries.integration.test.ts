import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestStore, type TestStore } from '../store/testing/index.js';
import { admitVersions, claimRecord, completeRecord, insertReceipts, markDeleted } from './queries.js';

describe.each(BACKENDS)('trigger bookkeeping on %s', (backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(backend);
  });
  afterAll(async () => store.destroy());

  it('admits a record version once, and never one not newer than what was processed', async () => {
    const v1 = '2026-11-28T09:00:00.000Z';
    const v2 = '2026-11-28T09:00:01.000Z';
    expect(await admitVersions(store, 'hubspot', 'contact', [{ id: 'a', modifiedAt: v1 }, { id: 'b', modifiedAt: v1 }])).toEqual(new Set(['a', 'b']));
    // the overlap window shows the same versions again
    expect(await admitVersions(store, 'hubspot', 'contact', [{ id: 'a', modifiedAt: v1 }])).toEqual(new Set());
    expect(await admitVersions(store, 'hubspot', 'contact', [{ id: 'a', modifiedAt: v2 }])).toEqual(new Set(['a']));
    // our own write moved b to v2 and was recorded as processed: the poll must not re-trigger it
    expect(await claimRecord(store, 'hubspot', 'contact', 'b', 'w1', 60_000)).not.toBeNull();
    await completeRecord(store, 'hubspot', 'contact', 'b', 'w1', v2);
    expect(await admitVersions(store, 'hubspot', 'contact', [{ id: 'b', modifiedAt: v2 }])).toEqual(new Set());
  });

  it('lets one worker at a time claim a record', async () => {
    expect(await claimRecord(store, 'hubspot', 'contact', 'c', 'w1', 60_000)).not.toBeNull();
    expect(await claimRecord(store, 'hubspot', 'contact', 'c', 'w2', 60_000)).toBeNull();
    await completeRecord(store, 'hubspot', 'contact', 'c', 'w1', '2026-11-28T09:00:00.000Z');
    const claim = await claimRecord(store, 'hubspot', 'contact', 'c', 'w2', 60_000);
    expect(claim?.processedVersion?.toISOString()).toBe('2026-11-28T09:00:00.000Z');
  });

  it('takes over an expired claim (a killed worker)', async () => {
    expect(await claimRecord(store, 'hubspot', 'contact', 'd', 'dead', 1)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    expect(await claimRecord(store, 'hubspot', 'contact', 'd', 'w2', 60_000)).not.toBeNull();
  });

  it('stores a repeated delivery once', async () => {
    const first = await insertReceipts(store, 'hubspot', [{ key: 'k1', payload: { a: 1 } }, { key: 'k2', payload: {} }]);
    const again = await insertReceipts(store, 'hubspot', [{ key: 'k1', payload: { a: 1 } }, { key: 'k3', payload: {} }]);
    expect(first).toEqual(new Set(['k1', 'k2']));
    expect(again).toEqual(new Set(['k3']));
  });

  it('admits a deleted record only for a version changed after its deletion (a restore)', async () => {
    await markDeleted(store, 'hubspot', 'contact', 'gone', '2026-11-28T09:00:00.000Z');
    expect(await admitVersions(store, 'hubspot', 'contact', [{ id: 'gone', modifiedAt: '2026-11-28T08:00:00.000Z' }])).toEqual(new Set());
    expect(await admitVersions(store, 'hubspot', 'contact', [{ id: 'gone', modifiedAt: '2026-11-28T10:00:00.000Z' }])).toEqual(new Set(['gone']));
  });
});
