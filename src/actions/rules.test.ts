import { describe, expect, it } from 'vitest';
import type { CrmUser } from '../crm/types.js';
import { type ActionRule, actionKey, decideActions, fillTemplate, nextRuleState, type RuleState } from './rules.js';

const users: CrmUser[] = [
  { id: 'u1', name: 'Ana', email: 'ana@team.test', active: true },
  { id: 'u2', name: 'Ben', email: 'ben@team.test', active: true },
  { id: 'u3', name: 'Cy', email: 'cy@team.test', active: false },
];
const now = new Date('2026-11-28T09:00:00Z');
const ctx = (outputs: Record<string, string | number>, position = 0, record: Record<string, string> = { firstname: 'Jo', country: 'DE' }) => ({
  object: 'contact' as const,
  recordId: '42',
  record,
  outputs,
  now,
  users,
  position,
});

const hot: ActionRule = {
  name: 'hot-inbound',
  when: { output: 'intent', equals: 'high' },
  assign: { roundRobin: ['u1', 'u3', 'u2'] },
  task: { subject: 'Call {{firstname}} today ({{intent}} intent)', dueInHours: 4 },
};

describe('decideActions', () => {
  it('fires nothing when the condition does not hold', () => {
    expect(decideActions(hot, ctx({ intent: 'low' })).actions).toEqual([]);
  });

  it('assigns round-robin over active owners only and creates a task with a due time for the new owner', () => {
    const a = decideActions(hot, ctx({ intent: 'high' }, 0));
    const b = decideActions(hot, ctx({ intent: 'high' }, a.nextPosition));
    const c = decideActions(hot, ctx({ intent: 'high' }, b.nextPosition));
    const owners = [a, b, c].map((d) => (d.actions[0] as { ownerId: string }).ownerId);
    expect(owners).toEqual(['u1', 'u2', 'u1']);
    expect(a.actions[1]).toEqual({
      type: 'create_task',
      object: 'contact',
      id: '42',
      subject: 'Call Jo today (high intent)',
      body: undefined,
      dueAt: '2026-11-28T13:00:00.000Z',
      ownerId: 'u1',
    });
  });

  it('assigns by territory with a fallback, and never to an inactive owner', () => {
    const rule: ActionRule = { name: 't', when: { output: 'score', gte: 80 }, assign: { territory: { field: 'country', owners: { DE: 'u2', FR: 'u3' }, fallback: 'u1' } } };
    expect((decideActions(rule, ctx({ score: 90 })).actions[0] as { ownerId: string }).ownerId).toBe('u2');
    expect((decideActions(rule, ctx({ score: 90 }, 0, { country: 'US' })).actions[0] as { ownerId: string }).ownerId).toBe('u1');
    const fr = decideActions(rule, ctx({ score: 90 }, 0, { country: 'FR' }));
    expect(fr.actions).toEqual([]);
    expect(fr.skipped[0]).toContain('not an active user');
    expect(decideActions(rule, ctx({ score: 79 })).actions).toEqual([]);
  });

  it('keys an action by rule episode, so a retry or a re-run is the same action and a new episode is not', () => {
    const [task] = decideActions({ ...hot, assign: undefined }, ctx({ intent: 'high' })).actions;
    expect(actionKey('f', 'r', task, 1)).toBe(actionKey('f', 'r', task, 1));
    expect(actionKey('f', 'r', task, 1)).not.toBe(actionKey('f', 'r', task, 2));
  });

  it('moves to a new episode only when the condition turns true again after being false', () => {
    const steps = [true, true, false, false, true, true, false, true];
    let s: RuleState | null = null;
    const episodes: number[] = [];
    for (const holds of steps) {
      s = nextRuleState(s, holds);
      episodes.push(s.episode);
    }
    expect(episodes).toEqual([1, 1, 1, 1, 2, 2, 2, 3]);
    // first seen not holding: the first time it holds is a new episode too
    expect(nextRuleState(nextRuleState(null, false), true)).toEqual({ holds: true, episode: 2 });
  });

  it('keeps the owner an episode already assigned instead of taking the next in the round-robin', () => {
    const d = decideActions(hot, { ...ctx({ intent: 'high' }, 1), assigned: 'u1' });
    expect(d.actions.map((a) => (a as { ownerId?: string }).ownerId)).toEqual(['u1', 'u1']);
    expect(d.nextPosition).toBe(1);
  });

  it('fills templates from record and outputs, blank for missing values', () => {
    expect(fillTemplate('{{a}}-{{ b }}-{{missing}}', { a: 1, b: ['x', 'y'] })).toBe('1-x, y-');
  });
});
