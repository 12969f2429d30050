import { describe, expect, it } from 'vitest';
import { isSnapshotSource, latestSnapshots, usageSnapshotsOf } from './usage-snapshot.js';

const AS_OF = new Date('2026-11-28T12:00:00.000Z');

describe('usage snapshots', () => {
  it('tells a snapshot source from an event source by its columns', () => {
    expect(isSnapshotSource(['account_id', 'active_users_30d'])).toBe(true);
    expect(isSnapshotSource(['user_email', 'LAST_ACTIVE'])).toBe(true);
    expect(isSnapshotSource(['event_id', 'user_email', 'feature', 'occurred_at'])).toBe(false);
  });

  it('takes the figures as stated: numbers, last active, features, trend; user rows are contacts, account rows companies', () => {
    const { snapshots, problems } = usageSnapshotsOf(
      [
        { account_id: 'A-1', domain: 'https://www.Acme.com/', active_users_7d: '4', active_users_30d: 9, feature_adoption: '37.5%', features: 'reports; export', snapshot_at: '2026-11-27' },
        { user_email: 'Ann@Acme.com', last_active: '1764240000', events_30d: '12', trend: 'Rising', features_30d: '["reports","sso"]' },
      ],
      'snap.csv',
      AS_OF,
    );
    expect(problems).toEqual([]);
    expect(snapshots[0]).toMatchObject({
      object: 'company',
      accountId: 'A-1',
      domain: 'acme.com',
      at: '2026-11-27T00:00:00.000Z',
      values: { active_users_7d: 4, active_users_30d: 9, feature_adoption: 37.5, features_30d: 'reports, export' },
    });
    expect(snapshots[1]).toMatchObject({
      object: 'contact',
      userEmail: 'ann@acme.com',
      at: AS_OF.toISOString(),
      values: { last_active: '2025-11-27T10:40:00.000Z', events_30d: 12, trend: 'rising', features_30d: 'reports, sso' },
    });
  });

  it.each([
    [{ active_users_30d: 3 }, 'no user_email, account_id or domain'],
    [{ account_id: 'A', active_users_30d: 'many' }, 'active_users_30d "many" is not a whole number'],
    [{ account_id: 'A', active_users_7d: '2.5' }, 'active_users_7d "2.5" is not a whole number'],
    [{ account_id: 'A', last_active: 'yesterday' }, 'last_active "yesterday" is not a date'],
    [{ account_id: 'A', trend: 'up', active_users_7d: 1 }, 'trend "up" is not one of'],
    [{ account_id: 'A', snapshot_at: 'soon', active_users_7d: 1 }, 'snapshot time "soon"'],
    [{ user_email: 'not-an-address', active_users_7d: 1 }, 'is not an email address'],
    [{ account_id: 'A', plan: 'pro' }, 'no figures'],
  ])('reports a bad row, naming it and the column: %o', (row, message) => {
    const { snapshots, problems } = usageSnapshotsOf([row], 'snap.csv', AS_OF, 2);
    expect(snapshots).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.origin).toBe('snap.csv row 2');
    expect(problems[0]?.message).toContain(message);
  });

  it('keeps the latest snapshot per record; a later row wins a tie', () => {
    const s = (at: string, n: number) => ({ at, n });
    const latest = latestSnapshots([
      ['c1', s('2026-11-01T00:00:00.000Z', 1)],
      ['c1', s('2026-11-03T00:00:00.000Z', 2)],
      ['c1', s('2026-11-02T00:00:00.000Z', 3)],
      ['c2', s('2026-11-02T00:00:00.000Z', 4)],
      ['c2', s('2026-11-02T00:00:00.000Z', 5)],
    ]);
    expect(latest.get('c1')?.n).toBe(2);
    expect(latest.get('c2')?.n).toBe(5);
  });
});
