import { describe, expect, it } from 'vitest';
import type { FieldSchema, FieldValue } from '../crm/types.js';
import { type HistoryNeed, historyNeed, isBlank, recheckPays } from './recheck.js';

const score: FieldSchema = {
  name: 'score',
  label: 'Score',
  type: 'number',
  crmType: 'number',
  required: false,
  writable: true,
  custom: true,
};
const tier: FieldSchema = {
  name: 'tier',
  label: 'Tier',
  type: 'picklist',
  crmType: 'enumeration',
  required: false,
  writable: true,
  custom: true,
  options: [
    { value: 'a', label: 'A' },
    { value: 'b', label: 'B' },
  ],
};

interface Case {
  name: string;
  planned: Record<string, FieldValue>;
  current: Record<string, FieldValue> | null;
  last?: Record<string, FieldValue>;
  atReadAt?: boolean;
  fields?: FieldSchema[];
  want: HistoryNeed | null;
}

describe('historyNeed: which records of a batch have their field history read before the write', () => {
  const cases: Case[] = [
    {
      name: 'never written, empty then and now',
      planned: { score: null },
      current: { score: null },
      want: null,
    },
    {
      name: 'never written, blank text counts as empty',
      planned: { score: null },
      current: { score: '' },
      want: null,
    },
    {
      name: 'never written, a value appeared since the read (a racing edit)',
      planned: { score: null },
      current: { score: 99 },
      want: 'changed-since-read',
    },
    {
      name: 'never written, a value was there before: who set it decides',
      planned: { score: 40 },
      current: { score: 40 },
      want: 'value-before-first-write',
    },
    {
      name: 'never written, empty, but read after the outputs were made',
      planned: { score: null },
      current: { score: null },
      atReadAt: false,
      want: 'read-after-outputs',
    },
    {
      name: 'never written, cleared since the read',
      planned: { score: 40 },
      current: { score: null },
      want: 'changed-since-read',
    },
    {
      name: 'written before and untouched since',
      planned: { score: 61 },
      current: { score: '61' },
      last: { score: 61 },
      want: null,
    },
    {
      name: 'written before, untouched, read after the outputs (no matter)',
      planned: { score: 61 },
      current: { score: 61 },
      last: { score: 61 },
      atReadAt: false,
      want: null,
    },
    {
      name: 'written before, another value now (set before the read)',
      planned: { score: 99 },
      current: { score: 99 },
      last: { score: 61 },
      want: 'differs-from-last-write',
    },
    {
      name: 'written before, edited since the read',
      planned: { score: 61 },
      current: { score: 99 },
      last: { score: 61 },
      want: 'changed-since-read',
    },
    {
      name: 'written before, emptied by someone',
      planned: { score: null },
      current: { score: null },
      last: { score: 61 },
      want: 'differs-from-last-write',
    },
    {
      name: 'written before, the same value in another form',
      planned: { score: '61.0' },
      current: { score: 61 },
      last: { score: '61' },
      want: null,
    },
    { name: 'record gone from the re-read', planned: { score: null }, current: null, want: 'not-reread' },
    {
      name: 'one field untouched, the other set before the first write',
      fields: [score, tier],
      planned: { score: 61, tier: 'b' },
      current: { score: 61, tier: 'b' },
      last: { score: 61 },
      want: 'value-before-first-write',
    },
    {
      name: 'a picklist label read back as its value',
      fields: [tier],
      planned: { tier: 'a' },
      current: { tier: 'A' },
      last: { tier: 'a' },
      want: null,
    },
  ];
  it.each(cases)('$name', (c) => {
    const lastWritten = c.last
      ? Object.fromEntries(Object.entries(c.last).map(([k, value]) => [k, { value }]))
      : undefined;
    expect(
      historyNeed({
        fields: c.fields ?? [score],
        planned: c.planned,
        current: c.current,
        lastWritten,
        plannedAtReadAt: c.atReadAt ?? true,
      }),
    ).toBe(c.want);
  });

  it('blank: nothing, blank text, no options; zero and false are values', () => {
    expect([null, '', '  ', []].map((v) => isBlank(v as FieldValue))).toEqual([true, true, true, true]);
    expect([0, false, 'x', ['a']].map((v) => isBlank(v as FieldValue))).toEqual([false, false, false, false]);
  });
});

describe('recheckPays: a re-read and some history against the whole batch history', () => {
  it.each([
    { records: 100, limits: { read: 100, history: 50 }, want: true }, // HubSpot: 1 read instead of 2 history calls
    { records: 50, limits: { read: 100, history: 50 }, want: false }, // one history call either way
    { records: 51, limits: { read: 100, history: 50 }, want: true },
    { records: 50, limits: { read: 100, history: 1 }, want: true }, // Pipedrive: 1 read instead of 50 changelogs
    { records: 1, limits: { read: 100, history: 1 }, want: false },
    { records: 200, limits: { read: 2000 }, want: false }, // no history limit: the history costs no more
    { records: 0, limits: { read: 100, history: 50 }, want: false },
  ])('$records records at $limits: $want', ({ records, limits, want }) => {
    expect(recheckPays(records, limits)).toBe(want);
  });
});
