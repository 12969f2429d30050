import { describe, expect, it } from 'vitest';
import { activityFor, chooseOpenDeal, planItem } from './capture.js';
import type { ActivityItem } from './types.js';

const item: ActivityItem = {
  externalId: '<m1@buyer.example>',
  kind: 'email',
  subject: 'Pricing',
  body: 'Tiers?',
  occurredAt: '2026-11-20T10:00:00.000Z',
  endsAt: null,
  participants: [
    { email: 'ann@buyer.example', name: 'Ann Lee', role: 'from' },
    { email: 'rep@team.example', name: null, role: 'to' },
  ],
  origin: 'inbox.mbox#1',
};

describe('chooseOpenDeal', () => {
  it.each([
    ['no open deal', undefined, null],
    ['none in the list', [], null],
    ['the only one', [{ id: '7', modifiedAt: '2026-01-01T00:00:00.000Z' }], '7'],
    [
      'the most recently updated of several',
      [
        { id: '7', modifiedAt: '2026-01-01T00:00:00.000Z' },
        { id: '9', modifiedAt: '2026-03-01T00:00:00.000Z' },
        { id: '8', modifiedAt: '2026-02-01T00:00:00.000Z' },
      ],
      '9',
    ],
    [
      'the lowest id on a tie, whatever the order',
      [
        { id: 'b', modifiedAt: '2026-03-01T00:00:00.000Z' },
        { id: 'a', modifiedAt: '2026-03-01T00:00:00.000Z' },
      ],
      'a',
    ],
  ])('%s', (_, deals, expected) => {
    expect(chooseOpenDeal(deals)).toBe(expected);
  });
});

describe('activityFor', () => {
  it('associates the contact first, then its company and its open deal; body only when stored', () => {
    const plan = planItem(item, ['team.example']);
    expect(plan.direction).toBe('inbound');
    const a = activityFor(plan, ['c1'], 'co1', false, 'd1');
    expect(a.associations).toEqual([
      { object: 'contact', id: 'c1' },
      { object: 'company', id: 'co1' },
      { object: 'deal', id: 'd1' },
    ]);
    expect(a.body).toBeUndefined();
    expect(activityFor(plan, ['c1'], null, true, null)).toMatchObject({ body: 'Tiers?', associations: [{ object: 'contact', id: 'c1' }] });
  });
});
