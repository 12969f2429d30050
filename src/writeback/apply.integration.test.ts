/**
 * apply / verification / ledger / rollback against a real store (PGlite and the Postgres server)
 * and an in-memory CRM with history. The same scenarios run against each simulator in
 * writeback.<crm>.integration.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FieldRule } from '../config/index.js';
import type { FieldSchema, ObjectSchema } from '../crm/types.js';
import { BACKENDS, type TestStore, openTestStore } from '../store/testing/index.js';
import { applyRun, planRun } from './apply.js';
import { ledgerForRun } from './queries.js';
import { rollbackRun } from './rollback.js';
import { type MemoryCrm, memoryCrm } from './testing/memory-crm.js';
import type { RecordOutputs } from './types.js';

const f = (name: string, type: FieldSchema['type'], extra: Partial<FieldSchema> = {}): FieldSchema => ({
  name,
  label: name,
  type,
  crmType: type,
  required: false,
  writable: true,
  custom: true,
  ...extra,
});

const schema: ObjectSchema = {
  object: 'contacts',
  fields: [
    f('score', 'integer'),
    f('score_stamp', 'string', { maxLength: 255 }),
    f('tier', 'picklist', { options: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }] }),
    f('summary', 'text'),
    f('title', 'string'),
  ],
};

const objects: Record<string, { fields: Record<string, FieldRule> }> = {
  contact: {
    fields: {
      score: { owner: 'ai', onConflict: 'flag', firstWrite: 'protect', truncate: false, stamp: 'score_stamp' },
      tier: { owner: 'hybrid', onConflict: 'flag', firstWrite: 'protect', truncate: false },
      summary: { owner: 'hybrid', onConflict: 'skip', firstWrite: 'protect', truncate: false },
      title: { owner: 'rep', onConflict: 'flag', firstWrite: 'protect', truncate: false },
    },
  },
};

const N = 12;
function outputs(score: (i: number) => number, readAt?: string): RecordOutputs[] {
  return Array.from({ length: N }, (_, i) => ({
    object: 'contact' as const,
    recordId: `c${i}`,
    ...(readAt ? { readAt } : {}),
    outputs: [
      { name: 'score', field: 'score', value: score(i), flow: 'scoring', modelVersion: 'v1', confidence: 0.9 },
      { name: 'tier', field: 'tier', value: i % 2 ? 'A' : 'b', flow: 'scoring' },
      { name: 'summary', field: 'summary', value: `summary ${i}`, flow: 'scoring' },
    ],
  }));
}

describe.each(BACKENDS)('apply and rollback on %s', (backend) => {
  let store: TestStore;
  let crm: MemoryCrm;
  beforeAll(async () => {
    store = await openTestStore(backend);
  });
  afterAll(async () => {
    await store?.destroy();
  });
  beforeEach(() => {
    crm = memoryCrm({ schemas: { contact: structuredClone(schema) }, limits: { write: 5, read: 5 } });
    for (let i = 0; i < N; i++) crm.seed('contact', `c${i}`, { score: 10, score_stamp: null, tier: 'b', summary: 'old', title: 'CEO' });
  });

  it('writes, verifies, ledgers; the same run again makes zero write calls', async () => {
    const events: string[] = [];
    const deps = { store, connector: crm, objects, onEvent: (e: { type: string }) => events.push(e.type) };
    const first = await applyRun(deps, { source: outputs((i) => 50 + i) });
    expect(first.status).toBe('succeeded');
    expect(first.fields.written).toBe(N * 2 + N / 2); // score + summary for all, tier only for odd ids (A)
    expect(first.fields.unchanged).toBe(N / 2);
    expect(first.stampsWritten).toBe(N);
    // 12 records at 5 per call: the minimum is 3
    expect(crm.counters.write).toBe(3);
    expect(first.writeBatches).toBe(3);
    expect(crm.records.get('contact:c3')?.fields).toMatchObject({ score: 53, tier: 'a', summary: 'summary 3' });
    expect(String(crm.records.get('contact:c3')?.fields.score_stamp)).toMatch(/^AI · scoring · model v1 · confidence 0.90 · /);
    expect(events).toContain('planned');
    expect(events).toContain('written');
    const ledger = await ledgerForRun(store, first.runId);
    expect(ledger.filter((r) => r.outcome === 'written' && !r.stamp_for)).toHaveLength(first.fields.written);
    expect(ledger.find((r) => r.record_id === 'c3' && r.field === 'score')).toMatchObject({ before_value: 10, after_value: 53, flow: 'scoring' });

    const writesBefore = crm.counters.write;
    const second = await applyRun(deps, { source: outputs((i) => 50 + i) });
    expect(crm.counters.write - writesBefore).toBe(0);
    expect(second.fields.written).toBe(0);
    expect(second.fields.unchanged).toBe(N * 3);
  });

  it('flags or skips a person’s edit made after the AI read, and never loses it', async () => {
    const readAt = new Date(Date.now() - 60_000).toISOString();
    crm.repEdit('c1', { tier: 'b' }, 'u9'); // flag policy
    crm.repEdit('c2', { summary: 'rep wrote this' }, 'u9'); // skip policy
    crm.repEdit('c4', { score: 99 }, 'u9'); // ai-owned: overwritten by design
    const run = await applyRun({ store, connector: crm, objects }, { source: outputs(() => 70, readAt) });
    expect(crm.records.get('contact:c1')?.fields.tier).toBe('b');
    expect(crm.records.get('contact:c2')?.fields.summary).toBe('rep wrote this');
    expect(crm.records.get('contact:c4')?.fields.score).toBe(70);
    expect(run.fields.flagged).toBe(1);
    expect(run.fields.conflict_skipped).toBe(1);
    const items = await store.query<{ subject_key: string; payload: Record<string, unknown> }>(
      `SELECT subject_key, payload FROM review_items WHERE kind = 'conflict' AND payload->>'runId' = $1`,
      [run.runId],
    );
    expect(items).toHaveLength(1);
    expect(items[0].subject_key).toBe('c1:tier');
    expect(items[0].payload).toMatchObject({ repValue: 'b', aiValue: 'a', editedBy: 'u9', before: 'b', flow: 'scoring' });
  });

  it('keeps the values reps set before inrecord’s first write, and the values of untracked fields unless told otherwise', async () => {
    // records of their own: the store is shared by the tests of this file, and a first write is per record and field
    const id = (i: number) => `fw${i}`;
    for (let i = 0; i < N; i++)
      crm.seed('contact', id(i), { score: 10, score_stamp: null, tier: 'b', summary: 'old', title: 'CEO' });
    const source = () => outputs(() => 70).map((o) => ({ ...o, recordId: o.recordId.replace(/^c/, 'fw') }));
    // reps set tier and summary of fw0–fw3 in the CRM before inrecord ever wrote them; the CRM keeps no history of summary
    for (let i = 0; i < 4; i++)
      crm.repEdit(id(i), { tier: 'b', summary: `rep summary ${i}` }, 'u5', new Date(Date.now() - 3_600_000));
    crm.untracked.add('summary');
    const run = await applyRun({ store, connector: crm, objects }, { source: source() });
    expect(run.status).toBe('succeeded');
    for (let i = 0; i < N; i++) {
      // tier: the reps' values stand; summary is untracked: every record's value stays (firstWrite: protect)
      expect(crm.records.get(`contact:${id(i)}`)?.fields).toMatchObject({
        tier: i < 4 || i % 2 === 0 ? 'b' : 'a',
        summary: i < 4 ? `rep summary ${i}` : 'old',
        score: 70,
      });
    }
    const ledger = await ledgerForRun(store, run.runId);
    const reasons = (field: string) =>
      ledger
        .filter((r) => r.field === field && !r.stamp_for)
        .map((r) => `${r.record_id}:${r.outcome}:${r.reason}`);
    // tier: fw1 and fw3 would change (A); the seeded values of the others came from an import and may be written
    expect(reasons('tier').filter((r) => r.includes('before-first-write'))).toEqual([
      'fw1:flagged:human-value-before-first-write',
      'fw3:flagged:human-value-before-first-write',
    ]);
    expect(reasons('summary')).toEqual(
      Array.from({ length: N }, (_, i) => `${id(i)}:conflict_skipped:untracked-value-before-first-write`),
    );
    const items = await store.query<{
      subject_key: string;
      reason: string;
      payload: Record<string, unknown>;
    }>(
      `SELECT subject_key, reason, payload FROM review_items WHERE kind = 'conflict' AND payload->>'runId' = $1 ORDER BY subject_key`,
      [run.runId],
    );
    expect(items.map((i) => [i.subject_key, i.reason])).toEqual([
      ['fw1:tier', 'human-value-before-first-write'],
      ['fw3:tier', 'human-value-before-first-write'],
    ]);
    expect(items[0].payload).toMatchObject({ repValue: 'b', aiValue: 'a', editedBy: 'u5' });

    // the same outputs again: still nothing of the reps' overwritten
    const again = await applyRun({ store, connector: crm, objects }, { source: source() });
    expect(again.fields.written).toBe(0);
    for (const i of [1, 3]) expect(crm.records.get(`contact:${id(i)}`)?.fields.tier).toBe('b');

    // firstWrite: overwrite — values the history cannot attribute may be replaced (the reps' summaries
    // included: the CRM does not say who set them); tier, whose history names the reps, still stands
    const open = {
      contact: {
        fields: {
          ...objects.contact.fields,
          summary: { ...objects.contact.fields.summary, firstWrite: 'overwrite' as const },
        },
      },
    };
    const third = await applyRun({ store, connector: crm, objects: open }, { source: source() });
    for (let i = 0; i < N; i++)
      expect(crm.records.get(`contact:${id(i)}`)?.fields.summary).toBe(`summary ${i}`);
    for (const i of [1, 3]) expect(crm.records.get(`contact:${id(i)}`)?.fields.tier).toBe('b');
    expect(third.fields).toMatchObject({ written: N, flagged: 2 });
  });

  it('sees an edit made while the run is under way (between plan and write)', async () => {
    let edited = false;
    const run = await applyRun(
      {
        store,
        connector: crm,
        objects,
        onEvent: (e) => {
          if (e.type === 'planned' && !edited) {
            edited = true;
            crm.repEdit('c3', { tier: 'b', summary: 'mid-run edit' }, 'u2', new Date(Date.now() + 5));
          }
        },
      },
      { source: outputs(() => 5) },
    );
    expect(crm.records.get('contact:c3')?.fields).toMatchObject({ tier: 'b', summary: 'mid-run edit', score: 5 });
    expect(run.fields.flagged + run.fields.conflict_skipped).toBe(2);
    const humanEdits = crm.log.filter((c) => c.actor === 'human');
    for (const h of humanEdits) expect(crm.records.get(`contact:${h.id}`)?.fields[h.field]).toEqual(h.value);
  });

  it('counts a write the CRM accepted but did not store as not_applied', async () => {
    crm.ignoreWrites.add('summary');
    crm.failIds.add('c0');
    const run = await applyRun({ store, connector: crm, objects }, { source: outputs(() => 20) });
    expect(run.fields.not_applied).toBe(N - 1);
    expect(run.fields.failed).toBe(2); // c0: score + summary (its tier is unchanged; stamps are counted apart)
    const ledger = await ledgerForRun(store, run.runId);
    const na = ledger.find((r) => r.outcome === 'not_applied');
    expect(na).toMatchObject({ code: 'IR_WRITE_NOT_APPLIED', reason: 'not-applied' });
    expect(na?.message).toMatch(/field "summary"/);
    const metric = await store.query<{ value: number }>(`SELECT value FROM metrics WHERE name = 'writeback.not_applied' AND labels->>'run' = $1`, [run.runId]);
    expect(metric[0].value).toBe(N - 1);
  });

  it('checks field by field when the connector itself answers not-applied', async () => {
    crm.ignoreWrites.add('summary');
    crm.reportIgnored = true;
    const run = await applyRun({ store, connector: crm, objects }, { source: outputs(() => 33) });
    expect(run.fields.failed).toBe(0);
    expect(run.fields.not_applied).toBe(N);
    const ledger = await ledgerForRun(store, run.runId);
    expect(ledger.filter((r) => r.field === 'score').map((r) => r.outcome)).toEqual(Array(N).fill('written'));
    expect(ledger.filter((r) => r.field === 'summary').map((r) => r.outcome)).toEqual(Array(N).fill('not_applied'));
  });

  it('rolls back exactly, skipping and reporting fields a person changed since', async () => {
    const before = new Map([...crm.records].map(([k, r]) => [k, structuredClone(r.fields)]));
    const run = await applyRun({ store, connector: crm, objects }, { source: outputs((i) => i) });
    await new Promise((r) => setTimeout(r, 5));
    crm.repEdit('c5', { score: 1234 }, 'u3');
    const dry = await rollbackRun({ store, connector: crm }, run.runId, { dryRun: true });
    expect(dry.rollbackRunId).toBeNull();
    expect(crm.records.get('contact:c1')?.fields.score).toBe(1);
    const report = await rollbackRun({ store, connector: crm }, run.runId);
    expect(report.skipped).toEqual([expect.objectContaining({ recordId: 'c5', field: 'score', reason: 'human-edit-since', by: 'u3' })]);
    expect(report.failed).toEqual([]);
    for (const [k, fields] of before) {
      const now = crm.records.get(k)?.fields;
      if (k === 'contact:c5') expect(now).toEqual({ ...fields, score: 1234, score_stamp: now?.score_stamp });
      else expect(now).toEqual(fields);
    }
    const again = await rollbackRun({ store, connector: crm }, run.runId);
    expect(again.restored).toEqual([]);
    expect(again.skipped.map((s) => s.recordId)).toEqual(['c5']);
  });

  it('rejects outputs for an object the CRM does not have, and goes on with the others', async () => {
    const source: RecordOutputs[] = [
      { object: 'deal', recordId: 'd1', outputs: [{ name: 'risk', field: 'risk', value: 'High', flow: 'deal-risk' }] },
      ...outputs(() => 77).slice(0, 2),
    ];
    const run = await applyRun({ store, connector: crm, objects }, { source });
    expect(run.status).toBe('succeeded');
    expect(run.fields.rejected).toBe(1);
    expect(crm.records.get('contact:c0')?.fields.score).toBe(77);
    const row = (await ledgerForRun(store, run.runId)).find((r) => r.object === 'deal');
    expect(row).toMatchObject({ outcome: 'rejected', code: 'IR_FIELD_NOT_FOUND' });
    expect(row?.message).toMatch(/not available in hubspot/);
  });

  it('plans without writing', async () => {
    const plans = await planRun({ store, connector: crm, objects }, { source: outputs(() => 10) });
    expect(plans).toHaveLength(N);
    expect(crm.counters.write).toBe(0);
    expect(plans[0].decisions.map((d) => [d.field, d.action])).toEqual([
      ['score', 'unchanged'],
      ['tier', 'unchanged'],
      ['summary', 'write'],
    ]);
  });
});
