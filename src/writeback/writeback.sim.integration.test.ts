/**
 * Write-back end to end against each CRM simulator through its real connector: the race between
 * the AI's read and its write, reps' values set before inrecord's first write, type coercions and
 * rejections pinned per CRM, a wrong mapping caught by check before any write, apply twice = zero
 * write calls, rollback exact with skips reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InrecordConfig, configSchema, crmConnectionSchema, objectRulesSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector, CrmName, FieldSchema, FieldValue, ObjectKind, ObjectSchema } from '../crm/types.js';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';
import { type TestStore, openTestStore } from '../store/testing/index.js';
import { applyRun, planRun } from './apply.js';
import { checkLive } from './check.js';
import { resolveField, indexFields } from './fields.js';
import { ledgerForRun } from './queries.js';
import { rollbackRun } from './rollback.js';
import { claimsAi } from './stamp.js';
import type { RecordOutputs } from './types.js';

interface TypeCase {
  /** Field name or label on the contact object. */
  field: string;
  value: FieldValue;
  /** The normalised value read back, 'rejected' with the code, or 'not_applied' (answered 200, not stored). */
  expect: FieldValue | { rejected: string } | { not_applied: string };
  /** A value (wire form) a rep gives the field first, from the CRM's own UI. */
  repFirst?: unknown;
}

interface CrmSpec {
  crm: CrmName;
  object: ObjectKind;
  /** ai-owned number field, hybrid picklist (flag), hybrid text (skip), rep-owned field. */
  ai: string;
  flag: string;
  skip: string;
  rep: string;
  /** A stamp field `check --fix` creates (null where the CRM API cannot create fields). */
  stamp: string | null;
  /** A number field with history, owned hybrid in the first-write test (a score a rep may set). */
  score: string;
  /**
   * A text field whose value the connector finds no history for (Salesforce: not history-tracked;
   * Pipedrive: a seeded value, which has no changelog row); `set` makes the value first. Null: the
   * CRM keeps history of every field (HubSpot).
   */
  untracked: { field: string; set: boolean } | null;
  /** AI value / rep value of the flag and skip fields, as option labels or text. */
  flagValues: [ai: string, rep: string];
  /** The CRM user a rep edit is made as (default: the simulator's own rep). */
  repUser?: string;
  /** The simulator's wire form of a normalised value, for repEdit. */
  wire(field: FieldSchema, value: FieldValue): unknown;
  types: TypeCase[];
}

const SPECS: CrmSpec[] = [
  {
    // HubSpot has no writable custom number property seeded: `check --fix` creates ai_lead_score.
    crm: 'hubspot',
    object: 'contact',
    ai: 'ai_lead_score',
    flag: 'hs_lead_status',
    skip: 'jobtitle',
    rep: 'seniority',
    stamp: 'ai_lead_score_stamp',
    score: 'ai_lead_score',
    untracked: null,
    flagValues: ['OPEN', 'BAD_TIMING'],
    wire: (_f, v) => (v === null ? '' : Array.isArray(v) ? v.join(';') : String(v)),
    types: [
      { field: 'ai_lead_score', value: '42.5', expect: 42.5 },
      { field: 'ai_lead_score', value: 'NaN', expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      { field: 'hs_lead_status', value: 'open deal', expect: 'OPEN_DEAL' },
      { field: 'hs_lead_status', value: 'Maybe', expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      // the API moves the lifecycle stage only forward: a later stage is stored, an earlier one is
      // answered 200 and ignored, which the verify read reports instead of calling it written
      { field: 'Lifecycle Stage', value: 'Sales Qualified Lead', expect: 'salesqualifiedlead', repFirst: 'lead' },
      { field: 'Lifecycle Stage', value: 'Subscriber', expect: { not_applied: 'IR_WRITE_NOT_APPLIED' } },
      { field: 'hubspotscore', value: 10, expect: { rejected: 'IR_FIELD_READ_ONLY' } },
      { field: 'jobtitle', value: 12, expect: '12' },
      { field: 'jobtitle', value: ['a'], expect: { rejected: 'IR_FIELD_TYPE_MISMATCH' } },
    ],
  },
  {
    crm: 'pipedrive',
    object: 'contact',
    ai: 'Lead score',
    flag: 'Lead grade',
    skip: 'AI summary',
    rep: 'Seniority',
    stamp: 'lead_score_stamp',
    score: 'Lead score',
    untracked: { field: 'job_title', set: false },
    flagValues: ['A', 'D'],
    repUser: '2',
    wire: (f, v) => (f.type === 'picklist' && typeof v === 'string' ? Number(v) : v),
    types: [
      { field: 'Lead score', value: '42.5', expect: 42.5 },
      { field: 'Lead score', value: 'high', expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      { field: 'Lead grade', value: 'b', expect: 'B' },
      { field: 'Lead grade', value: 'Z', expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      { field: 'Interests', value: 'API;pricing', expect: ['Pricing', 'API'] },
      { field: 'Interests', value: ['Pricing', 'Blockchain'], expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      { field: 'Last enriched', value: '2026-11-28T00:00:00+00:00', expect: '2026-11-28' },
      { field: 'Last enriched', value: '28/11/2026', expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      { field: 'Score reasons', value: 'x'.repeat(300), expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      { field: 'Score reasons', value: 7, expect: '7' },
      { field: 'Lead score', value: true, expect: { rejected: 'IR_FIELD_TYPE_MISMATCH' } },
    ],
  },
  {
    // Leads: the seeded custom number field, and history-tracked Rating and Title for the hybrid fields
    crm: 'salesforce',
    object: 'lead',
    ai: 'Web_Visits__c',
    flag: 'Rating',
    skip: 'Title',
    rep: 'Industry',
    stamp: 'AI_Stamp',
    score: 'NumberOfEmployees',
    untracked: { field: 'City', set: true },
    flagValues: ['Hot', 'Cold'],
    wire: (_f, v) => v,
    types: [
      { field: 'Web_Visits__c', value: '42', expect: 42 },
      { field: 'Web_Visits__c', value: 42.5, expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      { field: 'Web_Visits__c', value: 'many', expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      { field: 'Rating', value: 'hot', expect: 'Hot' },
      { field: 'Rating', value: 'Lukewarm', expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      // unrestricted picklist: Salesforce would store it, inrecord does not send it
      { field: 'Lead Source', value: 'Carrier pigeon', expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      { field: 'Last_Engaged__c', value: '2026-11-28T10:00:00+02:00', expect: '2026-11-28T08:00:00.000Z' },
      { field: 'Last_Engaged__c', value: '2026-11-28T10:00:00', expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      { field: 'HasOptedOutOfEmail', value: 'yes', expect: true },
      { field: 'Title', value: 'x'.repeat(200), expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      { field: 'NumberOfEmployees', value: '12', expect: 12 },
      { field: 'NumberOfEmployees', value: 3.5, expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
      { field: 'AnnualRevenue', value: 1000, expect: 1000 },
      { field: 'Website', value: 'not a url', expect: { rejected: 'IR_FIELD_VALUE_INVALID' } },
    ],
  },
];

/** Picklist expectations are given as labels; the CRM stores option values. */
function expectedStored(schema: ObjectSchema, field: string, v: FieldValue): FieldValue {
  const f = resolveField(indexFields(schema), field);
  if (!f.ok || !f.field.options) return v;
  const byLabel = (x: string) => f.field.options?.find((o) => o.label === x)?.value ?? x;
  return Array.isArray(v) ? v.map(byLabel) : typeof v === 'string' ? byLabel(v) : v;
}

const WRITE_METHODS = /^(PATCH|PUT|POST|DELETE) /;
/** POSTs that only read: HubSpot batch/read and search, Salesforce collections retrieve, queries, tokens. */
const READ_POSTS = /batch\/read|search|query|oauth|token|^POST \/composite\/sobjects\/\{T\}$|^POST .*\/services\/data\/v[\d.]+\/composite\/sobjects\/[A-Za-z_]+$/i;
const writeCalls = (sim: RunningSimulator) =>
  Object.entries(sim.stats().calls)
    .filter(([k]) => WRITE_METHODS.test(k) && !(k.startsWith('POST ') && READ_POSTS.test(k)))
    .reduce((a, [, n]) => a + n, 0);

describe.each(SPECS)('write-back on the $crm simulator', (spec) => {
  let sim: RunningSimulator;
  let connector: CrmConnector;
  let store: TestStore;
  let schema: ObjectSchema;
  let ids: string[];
  /** Records no other test writes: their hybrid fields have never been written by inrecord. */
  let fresh: string[];
  let config: InrecordConfig;
  const name = (label: string) => {
    const r = resolveField(indexFields(schema), label);
    if (!r.ok) throw new Error(`no field ${label}`);
    return r.field;
  };

  beforeAll(async () => {
    sim = await startSimulator(spec.crm, { records: 40, seed: 7 });
    connector = await createConnector(crmConnectionSchema.parse({ kind: spec.crm, baseUrl: sim.apiBase, auth: { token: sim.token } }));
    store = await openTestStore('pglite');
    schema = await connector.describe(spec.object);
    ids = [];
    for await (const page of connector.readChanged(spec.object, null, [name(spec.skip).name])) {
      ids.push(...page.map((r) => r.id));
      if (ids.length >= 24) break;
    }
    fresh = ids.slice(12, 24);
    ids = ids.slice(0, 12);
    config = configSchema.parse({
      crm: { kind: spec.crm, auth: { token: sim.token } },
      objects: {
        [spec.object]: {
          fields: {
            [spec.ai]: { owner: 'ai', ...(spec.stamp ? { stamp: spec.stamp } : {}) },
            [spec.flag]: { owner: 'hybrid', onConflict: 'flag' },
            [spec.skip]: { owner: 'hybrid', onConflict: 'skip' },
            [spec.rep]: { owner: 'rep' },
          },
        },
      },
      flows: [{ name: 'scoring', kind: 'scoring', object: spec.object, outputs: { score: spec.ai, score_reason: spec.skip } }],
    });
  }, 60_000);

  afterAll(async () => {
    await connector?.close();
    await sim?.close();
    await store?.destroy();
  });

  it('check catches a wrong mapping before any write, and --fix creates the stamp field', async () => {
    sim.resetStats();
    const wrong = configSchema.parse({
      ...config,
      flows: [{ name: 'scoring', kind: 'scoring', object: spec.object, outputs: { score: spec.rep, score_reason: spec.flag } }],
    });
    const bad = await checkLive(connector, wrong);
    expect(bad.ok).toBe(false);
    expect(bad.problems.filter((p) => p.severity === 'error').map((p) => p.code).sort()).toEqual(
      [...(spec.stamp ? ['IR_FIELD_NOT_FOUND'] : []), 'IR_FIELD_OWNED_BY_REP', 'IR_FIELD_TYPE_MISMATCH'].sort(),
    );
    expect(writeCalls(sim)).toBe(0);
    const fixed = await checkLive(connector, config, { fix: true });
    if (spec.stamp) expect(fixed.created.map((c) => c.field.label)).toContain(spec.stamp.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()));
    expect(fixed.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(fixed.ok).toBe(true);
    schema = await connector.describe(spec.object);
  });

  it('race: reps edit hybrid fields between the AI read and its write; no human edit is lost', async () => {
    const flag = name(spec.flag);
    const skip = name(spec.skip);
    const ai = name(spec.ai);
    const before = new Map((await connector.read(spec.object, ids, [flag.name, skip.name, ai.name])).map((r) => [r.id, r.fields]));
    const readAt = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1100));
    const repFlag = flag.options?.find((o) => o.label === spec.flagValues[1] || o.value === spec.flagValues[1])?.value as string;
    const edited = ids.slice(0, 4);
    for (const [i, id] of edited.entries()) {
      const fields = i % 2 === 0 ? { [flag.name]: spec.wire(flag, repFlag) } : { [skip.name]: spec.wire(skip, `rep note ${i}`) };
      await sim.repEdit({ object: connector.objectName(spec.object), id, fields, ...(spec.repUser ? { userId: spec.repUser } : {}) });
    }
    const outputs: RecordOutputs[] = ids.map((id, i) => ({
      object: spec.object,
      recordId: id,
      readAt,
      outputs: [
        { name: 'score', field: spec.ai, value: 60 + i, flow: 'scoring', modelVersion: 'v1', confidence: 0.8 },
        { name: 'grade', field: spec.flag, value: spec.flagValues[0], flow: 'scoring' },
        { name: 'reasons', field: spec.skip, value: `AI reasons ${i}`, flow: 'scoring' },
      ],
    }));
    const run = await applyRun({ store, connector, objects: config.objects }, { source: outputs });
    expect(run.status).toBe('succeeded');
    expect(run.fields.failed + run.fields.not_applied).toBe(0);
    const after = new Map((await connector.read(spec.object, ids, [flag.name, skip.name, ai.name])).map((r) => [r.id, r.fields]));
    // every human edit still stands (from the CRM's own history)
    const history = await connector.history(spec.object, edited, [flag.name, skip.name]);
    const human = history.filter((h) => h.actor === 'human' && Date.parse(h.at) >= Date.parse(readAt));
    expect(human).toHaveLength(edited.length);
    for (const h of human) expect(after.get(h.id)?.[h.field]).toEqual(h.value);
    // AI-owned field updated everywhere
    for (const [i, id] of ids.entries()) expect(after.get(id)?.[ai.name]).toBe(60 + i);
    // the edits since the read: flagged (in the review queue) or skipped
    const ledger = await ledgerForRun(store, run.runId);
    const since = ledger.filter((l) => l.reason === 'human-edit-since-read');
    expect(since.filter((l) => l.outcome === 'flagged')).toHaveLength(2);
    expect(since.filter((l) => l.outcome === 'conflict_skipped')).toHaveLength(2);
    const items = await store.query<{ subject_key: string }>(
      `SELECT subject_key FROM review_items WHERE kind = 'conflict' AND reason = 'human-edit-since-read' AND payload->>'runId' = $1`,
      [run.runId],
    );
    expect(items.map((i) => i.subject_key).sort()).toEqual([`${edited[0]}:${flag.name}`, `${edited[2]}:${flag.name}`].sort());
    // values found before inrecord's first write that the history gives to a person (Salesforce's
    // seeded rep edits) or to no one (Salesforce's untracked seeded titles) stay as they were
    const found = ledger.filter((l) => l.reason?.endsWith('-before-first-write'));
    for (const l of found) expect(after.get(l.record_id)?.[l.field]).toEqual(before.get(l.record_id)?.[l.field]);
    expect(run.fields.flagged + run.fields.conflict_skipped).toBe(4 + found.length);
    expect(before.size).toBe(ids.length);
  });

  it('first write: values reps set before inrecord ever wrote the field stay, read back from the CRM; the stamp never says AI beside them', async () => {
    const score = name(spec.score);
    const flag = name(spec.flag);
    const stamp = spec.stamp ? name(spec.stamp) : null;
    const object = connector.objectName(spec.object);
    const user = spec.repUser ? { userId: spec.repUser } : {};
    const objects = {
      [spec.object]: objectRulesSchema.parse({
        fields: { [spec.score]: { owner: 'hybrid', onConflict: 'flag', ...(spec.stamp ? { stamp: spec.stamp } : {}) }, [spec.flag]: { owner: 'hybrid', onConflict: 'skip' } },
      }),
    };
    const deps = { store, connector, objects };
    const reps = fresh.slice(0, 4);
    const byApi = fresh.slice(4, 6);
    // reps set the score to 7 and a grade in the CRM before inrecord ever wrote these fields (a grade
    // other than the record's and the AI's, so that the CRM records the change)
    const seeded = new Map((await connector.read(spec.object, reps, [flag.name])).map((r) => [r.id, r.fields[flag.name]]));
    for (const id of reps) {
      const grade = flag.options?.find((o) => o.value !== seeded.get(id) && o.label !== spec.flagValues[0] && o.value !== spec.flagValues[0])?.value as string;
      await sim.repEdit({ object, id, fields: { [score.name]: spec.wire(score, 7), [flag.name]: spec.wire(flag, grade) }, ...user });
    }
    // another integration set the score of two others through the API (not in inrecord's ledger)
    const api = await connector.writeBatch(spec.object, byApi.map((id) => ({ id, fields: { [score.name]: 3 } })));
    expect(api.every((r) => r.ok)).toBe(true);
    // older than the AI's read: these are values found before the first write, not edits since the read
    await new Promise((r) => setTimeout(r, 1100));
    const fields = [score.name, flag.name, ...(stamp ? [stamp.name] : [])];
    const read = async () => new Map((await connector.read(spec.object, [...reps, ...byApi], fields)).map((r) => [r.id, r.fields]));
    const set = await read();
    for (const id of reps) expect(set.get(id)?.[score.name]).toBe(7);
    const source = (): RecordOutputs[] =>
      [...reps, ...byApi].map((id) => ({
        object: spec.object,
        recordId: id,
        outputs: [
          { name: 'score', field: spec.score, value: 25, flow: 'scoring', modelVersion: 'v1', confidence: 0.8 },
          { name: 'grade', field: spec.flag, value: spec.flagValues[0], flow: 'scoring' },
        ],
      }));

    // plan says so
    const plans = await planRun(deps, { source: source() });
    const planned = (id: string, field: string) => plans.find((p) => p.recordId === id)?.decisions.find((d) => d.field === field && !d.stampFor);
    for (const id of reps) {
      expect(planned(id, score.name)).toMatchObject({ action: 'flagged', reason: 'human-value-before-first-write', before: 7, after: 25 });
      expect(planned(id, flag.name)).toMatchObject({ action: 'conflict_skipped', reason: 'human-value-before-first-write' });
    }
    for (const id of byApi) expect(planned(id, score.name)).toMatchObject({ action: 'write', reason: 'changed', before: 3, after: 25 });

    // apply keeps them: read back from the CRM, none lost
    const run = await applyRun(deps, { source: source() });
    expect(run.fields.failed + run.fields.not_applied).toBe(0);
    const after = await read();
    const lost = reps.flatMap((id) => [score.name, flag.name].filter((f) => after.get(id)?.[f] !== set.get(id)?.[f]).map((f) => `${id}.${f}`));
    expect(lost).toEqual([]);
    for (const id of byApi) expect(after.get(id)?.[score.name]).toBe(25);
    const ledger = await ledgerForRun(store, run.runId);
    for (const id of reps) expect(ledger.find((l) => l.record_id === id && l.field === score.name)).toMatchObject({ outcome: 'flagged', reason: 'human-value-before-first-write', before_value: 7, after_value: 25 });
    const items = await store.query<{ subject_key: string }>(
      `SELECT subject_key FROM review_items WHERE kind = 'conflict' AND reason = 'human-value-before-first-write' AND payload->>'runId' = $1`,
      [run.runId],
    );
    expect(items.map((i) => i.subject_key).sort()).toEqual(reps.map((id) => `${id}:${score.name}`).sort());
    if (!stamp) return;
    // the stamp says AI beside the AI's values only
    for (const id of reps) expect(claimsAi(String(after.get(id)?.[stamp.name] ?? ''))).toBe(false);
    for (const id of byApi) expect(claimsAi(String(after.get(id)?.[stamp.name] ?? ''))).toBe(true);

    // a rep overrides an AI-written score: the next run keeps it, and the stamp stops saying AI
    await sim.repEdit({ object, id: byApi[0], fields: { [score.name]: spec.wire(score, 9) }, ...user });
    const again = await applyRun(deps, { source: source() });
    expect(again.fields.written).toBe(0);
    const now = await read();
    expect(now.get(byApi[0])?.[score.name]).toBe(9);
    const text = String(now.get(byApi[0])?.[stamp.name] ?? '');
    expect(claimsAi(text)).toBe(false);
    expect(text).toMatch(/^Person · user \S+ · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC · AI value not written$/);
    for (const id of reps) expect(now.get(id)?.[score.name]).toBe(7);
    expect(now.get(byApi[1])?.[score.name]).toBe(25);
  });

  it.runIf(spec.untracked)('first write: a value the CRM keeps no history of is kept, unless the field says firstWrite: overwrite', async () => {
    const u = spec.untracked as NonNullable<CrmSpec['untracked']>;
    const f = name(u.field);
    const candidates = fresh.slice(6);
    if (u.set) await sim.repEdit({ object: connector.objectName(spec.object), id: candidates[0], fields: { [f.name]: 'Set by hand' }, ...(spec.repUser ? { userId: spec.repUser } : {}) });
    const found = (await connector.read(spec.object, candidates, [f.name])).find((r) => typeof r.fields[f.name] === 'string' && r.fields[f.name] !== '');
    if (!found) throw new Error(`no ${spec.crm} record with a ${u.field}`);
    const id = found.id;
    expect(await connector.history(spec.object, [id], [f.name])).toEqual([]);
    const source: RecordOutputs[] = [{ object: spec.object, recordId: id, outputs: [{ name: 'note', field: u.field, value: 'AI text', flow: 'scoring' }] }];
    const rules = (firstWrite?: 'overwrite') => ({ [spec.object]: objectRulesSchema.parse({ fields: { [u.field]: { owner: 'hybrid', onConflict: 'skip', ...(firstWrite ? { firstWrite } : {}) } } }) });
    const kept = await applyRun({ store, connector, objects: rules() }, { source });
    expect(kept.fields).toMatchObject({ conflict_skipped: 1, written: 0 });
    expect((await ledgerForRun(store, kept.runId))[0]).toMatchObject({ outcome: 'conflict_skipped', reason: 'untracked-value-before-first-write' });
    expect((await connector.read(spec.object, [id], [f.name]))[0].fields[f.name]).toBe(found.fields[f.name]);
    const replaced = await applyRun({ store, connector, objects: rules('overwrite') }, { source });
    expect(replaced.fields.written).toBe(1);
    expect((await connector.read(spec.object, [id], [f.name]))[0].fields[f.name]).toBe('AI text');
  });

  it('applying the same outputs twice makes zero write calls the second time', async () => {
    const outputs: RecordOutputs[] = ids.map((id, i) => ({
      object: spec.object,
      recordId: id,
      outputs: [{ name: 'score', field: spec.ai, value: 300 + i, flow: 'scoring' }],
    }));
    await applyRun({ store, connector, objects: config.objects }, { source: outputs });
    sim.resetStats();
    const second = await applyRun({ store, connector, objects: config.objects }, { source: outputs });
    expect(writeCalls(sim)).toBe(0);
    expect(sim.stats().integrationWrites).toBe(0);
    expect(second.writeBatches).toBe(0);
    expect(second.fields.unchanged).toBe(ids.length);
    expect(second.fields.written).toBe(0);
  });

  it('rollback restores before-values exactly and reports the fields a person changed since', async () => {
    const ai = name(spec.ai);
    const skip = name(spec.skip);
    const before = new Map((await connector.read(spec.object, ids, [ai.name, skip.name])).map((r) => [r.id, r.fields]));
    const outputs: RecordOutputs[] = ids.map((id, i) => ({
      object: spec.object,
      recordId: id,
      outputs: [
        { name: 'score', field: spec.ai, value: 900 + i, flow: 'scoring' },
        { name: 'reasons', field: spec.skip, value: `rollback test ${i}`, flow: 'scoring' },
      ],
    }));
    // values with no history (Salesforce's seeded titles) may be replaced here, so the rollback has them to restore
    const rules = config.objects[spec.object]?.fields ?? {};
    const objects = { [spec.object]: objectRulesSchema.parse({ fields: { ...rules, [spec.skip]: { ...rules[spec.skip], firstWrite: 'overwrite' } } }) };
    const run = await applyRun({ store, connector, objects }, { source: outputs });
    await new Promise((r) => setTimeout(r, 1100));
    await sim.repEdit({ object: connector.objectName(spec.object), id: ids[5], fields: { [skip.name]: spec.wire(skip, 'rep edit after the run') }, ...(spec.repUser ? { userId: spec.repUser } : {}) });
    const report = await rollbackRun({ store, connector }, run.runId);
    expect(report.failed).toEqual([]);
    expect(report.skipped.map((s) => [s.recordId, s.field, s.reason])).toEqual([[ids[5], skip.name, 'human-edit-since']]);
    const now = new Map((await connector.read(spec.object, ids, [ai.name, skip.name])).map((r) => [r.id, r.fields]));
    for (const id of ids) {
      const b = before.get(id) ?? {};
      const n = now.get(id) ?? {};
      expect(n[ai.name] ?? null).toEqual(b[ai.name] ?? null);
      if (id === ids[5]) expect(n[skip.name]).toBe('rep edit after the run');
      else expect(n[skip.name] ?? null).toEqual(b[skip.name] ?? null);
    }
    const ledger = await ledgerForRun(store, report.rollbackRunId as string);
    expect(ledger.filter((l) => l.outcome === 'conflict_skipped')).toHaveLength(1);
  });

  it('pins every coercion and rejection of this CRM', async () => {
    const id = ids[ids.length - 1];
    for (const t of spec.types) {
      if (t.repFirst !== undefined) {
        const f = name(t.field);
        await sim.repEdit({ object: connector.objectName(spec.object), id, fields: { [f.name]: t.repFirst }, ...(spec.repUser ? { userId: spec.repUser } : {}) });
      }
      const run = await applyRun(
        { store, connector, objects: { [spec.object]: { fields: { [t.field]: { owner: 'ai', onConflict: 'flag', truncate: false } } } } },
        { source: [{ object: spec.object, recordId: id, outputs: [{ name: 't', field: t.field, value: t.value, flow: 'types' }] }] },
      );
      const row = (await ledgerForRun(store, run.runId))[0];
      if (t.expect && typeof t.expect === 'object' && 'not_applied' in t.expect) {
        expect({ field: t.field, value: t.value, outcome: row.outcome, code: row.code }).toEqual({ field: t.field, value: t.value, outcome: 'not_applied', code: t.expect.not_applied });
      } else if (t.expect && typeof t.expect === 'object' && 'rejected' in t.expect) {
        expect({ field: t.field, value: t.value, outcome: row.outcome, code: row.code }).toEqual({ field: t.field, value: t.value, outcome: 'rejected', code: t.expect.rejected });
      } else {
        expect({ field: t.field, value: t.value, outcome: row.outcome }).toEqual({ field: t.field, value: t.value, outcome: expect.stringMatching(/^(written|unchanged)$/) });
        const f = name(t.field);
        const [rec] = await connector.read(spec.object, [id], [f.name]);
        const stored = rec.fields[f.name];
        const want = expectedStored(schema, t.field, t.expect);
        if (Array.isArray(want)) expect([...(stored as string[])].sort()).toEqual([...want].sort());
        else expect(stored).toEqual(want);
      }
    }
  });
});
