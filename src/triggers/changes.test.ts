import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../crm/types.js';
import { advanceCursor, changeKey, pollSince, splitFuture, triageEvents } from './changes.js';

const ev = (over: Partial<ChangeEvent> = {}): ChangeEvent => ({
  crm: 'hubspot',
  object: 'contact',
  id: '101',
  kind: 'updated',
  fields: ['jobtitle'],
  occurredAt: '2026-11-28T09:00:00.000Z',
  actor: 'human',
  eventId: 'e1',
  ...over,
});

describe('changeKey', () => {
  it('is the same for a repeated delivery whatever its event id', () => {
    expect(changeKey(ev({ eventId: 'a' }))).toBe(changeKey(ev({ eventId: 'b' })));
  });
  it('does not depend on field order', () => {
    expect(changeKey(ev({ fields: ['a', 'b'] }))).toBe(changeKey(ev({ fields: ['b', 'a'] })));
  });
  it('tells different changes apart: record, fields, time, kind', () => {
    const base = changeKey(ev());
    for (const other of [ev({ id: '102' }), ev({ fields: ['phone'] }), ev({ occurredAt: '2026-11-28T09:00:01.000Z' }), ev({ kind: 'deleted' })]) {
      expect(changeKey(other)).not.toBe(base);
    }
  });
});

describe('triageEvents', () => {
  it('drops our own writes and duplicates within a batch, keeps human and system changes', () => {
    const out = triageEvents([ev(), ev({ eventId: 'dup' }), ev({ id: '7', actor: 'integration' }), ev({ id: '8', actor: 'system' })]);
    expect(out.map((o) => (o.verdict.act ? 'act' : o.verdict.reason))).toEqual(['act', 'duplicate-in-batch', 'own-write', 'act']);
  });
  it('acts on a deletion whoever made it', () => {
    expect(triageEvents([ev({ kind: 'deleted', actor: 'integration' })])[0].verdict.act).toBe(true);
  });
});

describe('poll cursor', () => {
  it('starts the next poll an overlap before the cursor', () => {
    expect(pollSince({ at: '2026-11-28T09:00:05.000Z' }, 5000)).toBe('2026-11-28T09:00:00.000Z');
    expect(pollSince({ at: null }, 5000)).toBeNull();
  });
  it('advances to the newest modifiedAt of the page and never moves back', () => {
    const c = advanceCursor({ at: '2026-11-28T09:00:05.000Z' }, ['2026-11-28T09:00:01.000Z', '2026-11-28T09:00:09.000Z']);
    expect(c.at).toBe('2026-11-28T09:00:09.000Z');
    expect(advanceCursor(c, ['2026-11-28T08:00:00.000Z']).at).toBe('2026-11-28T09:00:09.000Z');
    expect(advanceCursor({ at: null }, []).at).toBeNull();
  });
  it('never runs ahead of the CRM\'s current time, nor moves back to it', () => {
    expect(advanceCursor({ at: null }, ['2027-02-11T00:00:00.000Z'], '2026-12-06T07:00:00.000Z').at).toBe('2026-12-06T07:00:00.000Z');
    expect(advanceCursor({ at: '2026-12-06T08:00:00.000Z' }, [], '2026-12-06T07:00:00.000Z').at).toBe('2026-12-06T08:00:00.000Z');
  });
  it('sets aside versions modified after the clock plus the tolerance', () => {
    const now = Date.parse('2026-12-06T07:00:00.000Z');
    const page = [{ modifiedAt: '2026-12-06T07:04:00.000Z' }, { modifiedAt: '2062-12-06T07:00:00.000Z' }];
    expect(splitFuture(page, now, 5 * 60_000)).toEqual({ trusted: [page[0]], future: [page[1]] });
  });
});
