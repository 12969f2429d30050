import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import type { FieldSchema, ObjectSchema } from '../crm/types.js';
import { handoverFields, handoverProblems, renderHandover } from './handover.js';

const config = parseConfig(`
crm: { kind: hubspot, auth: { token: t } }
objects:
  contact:
    fields:
      ai_lead_score: { owner: ai, stamp: ai_lead_score_stamp }
      lifecyclestage: { owner: hybrid, onConflict: flag }
      jobtitle: { owner: hybrid, onConflict: skip }
      hs_lead_status: { owner: rep }
  company:
    fields:
      industry: { owner: hybrid, onConflict: overwrite }
flows:
  - name: lead-score
    kind: scoring
    object: contact
    outputs: { score: ai_lead_score, stage: lifecyclestage }
    settings:
      model: rules
      refresh: 30d
      features: { title: { field: jobtitle, type: category }, notes: { field: Number of notes } }
      rules: [{ feature: notes, points: 5, per: 1, max: 20 }]
    gate: { threshold: 0.85, sampleSize: 200 }
    trigger: { poll: 1h }
  - name: intent
    kind: intent
    object: contact
    outputs: { intent: ai_intent, status: hs_lead_status }
    settings: { textField: jobtitle }
    gate: { mode: shadow }
  - name: firmo
    kind: enrichment
    object: company
    outputs: { industry: industry }
    gate: { mode: open }
    trigger: { webhook: false }
monitor: { alertWebhook: "https://hooks.example.test/services/T000/B000/SECRETPATH", psiAlert: 0.3 }
`);

const f = (name: string, label: string, type: FieldSchema['type'], writable = true): FieldSchema => ({
  name,
  label,
  type,
  crmType: type,
  required: false,
  writable,
  custom: true,
});

const schemas: Partial<Record<'contact' | 'company', ObjectSchema>> = {
  contact: {
    object: 'contacts',
    fields: [
      f('ai_lead_score', 'AI lead score', 'number'),
      f('ai_lead_score_stamp', 'AI lead score stamp', 'text'),
      f('lifecyclestage', 'Lifecycle stage', 'picklist'),
      f('jobtitle', 'Job title', 'string'),
      f('hs_lead_status', 'Lead status', 'picklist'),
      f('num_notes', 'Number of notes', 'number', false),
    ],
  },
  company: { object: 'companies', fields: [f('industry', 'Industry', 'picklist'), f('domain', 'Company Domain Name', 'string')] },
};

describe('handover fields', () => {
  const fields = handoverFields(config, schemas);
  const by = (o: string, n: string) => fields.find((x) => x.object === o && x.field === n);

  it('covers the three ownership kinds with their rules and the flows touching each field', () => {
    expect(by('contact', 'ai_lead_score')).toMatchObject({
      owner: 'ai',
      stamp: 'ai_lead_score_stamp',
      writtenBy: ['lead-score.score'],
      label: 'AI lead score',
      type: 'number',
    });
    expect(by('contact', 'lifecyclestage')).toMatchObject({
      owner: 'hybrid',
      onConflict: 'flag',
      writtenBy: ['lead-score.stage'],
    });
    expect(by('contact', 'jobtitle')).toMatchObject({
      owner: 'hybrid',
      onConflict: 'skip',
      readBy: ['lead-score', 'intent'],
    });
    expect(by('contact', 'hs_lead_status')).toMatchObject({ owner: 'rep', writtenBy: ['intent.status'] });
    expect(by('contact', 'num_notes')).toMatchObject({ owner: null, readBy: ['lead-score'], writtenBy: [] });
    expect(by('contact', 'ai_intent')).toMatchObject({
      owner: null,
      writtenBy: ['intent.intent'],
      label: null,
    });
  });

  it('finds the mapping problems', () => {
    const problems = handoverProblems(config, fields, schemas).map(
      (p) => `${p.object}.${p.field}: ${p.problem}`,
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'contact.ai_intent: written by intent.intent but has no ownership rule',
        'contact.hs_lead_status: owned by reps, yet intent.status maps an output to it: it will never be written',
        'company.industry: shared with reps but set to overwrite their edits',
        "contact.ai_intent: does not exist on the CRM's contacts object",
      ]),
    );
    expect(problems, problems.join("\n")).toHaveLength(4);
  });
});

describe('renderHandover', () => {
  const md = renderHandover(config, { schemas, generatedAt: new Date('2026-11-28T10:00:00Z') });

  it('tells the sales team which fields are AI, shared and theirs', () => {
    expect(md).toContain('# AI fields in HubSpot: handover');
    expect(md).toContain('and the live HubSpot schema');
    expect(md).toMatch(/\*\*Written by the AI\*\* — `contact\.ai_lead_score` \(AI lead score\)/);
    expect(md).toMatch(
      /\*\*Shared with you\*\* — `company\.industry` \(Industry\), `contact\.jobtitle` \(Job title\), `contact\.lifecyclestage` \(Lifecycle stage\)/,
    );
    expect(md).toMatch(
      /\*\*Yours only; the AI never writes them\*\* — `contact\.hs_lead_status` \(Lead status\)/,
    );
    expect(md).toContain('`ai_lead_score_stamp` records when `ai_lead_score` was written');
  });

  it('has one table row per field with owner, rep-edit policy, stamp and flows', () => {
    const row = (field: string) => md.split('\n').find((l) => l.startsWith(`| \`${field}\``));
    expect(row('ai_lead_score')).toBe(
      '| `ai_lead_score` | AI lead score | number | AI | the AI replaces it on its next run | `ai_lead_score_stamp` | lead-score.score | — |',
    );
    expect(row('lifecyclestage')).toContain(
      '| shared (AI + rep) | the AI stops writing it and flags it for review; your value stays |',
    );
    expect(row('jobtitle')).toContain('| the AI stops writing it; your value stays |');
    expect(row('jobtitle')).toContain('| lead-score, intent |');
    expect(row('hs_lead_status')).toContain('| rep only — AI never writes | yours; never touched |');
    expect(row('industry')).toContain('| the AI overwrites your edit |');
    expect(md).toContain('### contact (HubSpot object `contacts`)');
  });

  it('lists what the AI reads, refresh cadence and gates', () => {
    // as the CRM names them, whatever name the config used (a label finds the field)
    expect(md).toContain('- **lead-score** (contact): `jobtitle` (Job title), `num_notes` (Number of notes).');
    expect(md).toContain('The change history of every shared field');
    expect(md).toContain('on each change (webhook); checked every 1h; refreshed when older than 30d');
    expect(md).toContain(
      'shadow until 200+ reviewed samples show accuracy ≥ 85% (95% lower bound); back to shadow on a drift alert',
    );
    expect(md).toContain('| intent | intent | contact |');
    expect(md).toContain('shadow only: computes and records, never writes');
    expect(md).toMatch(
      /\| firmo \| enrichment \| company \| industry → `industry` \| checked every 15m \| not gated: writes immediately \|/,
    );
  });

  it('states monitoring thresholds without leaking the webhook secret', () => {
    expect(md).toContain('alert at 0.3');
    expect(md).toContain('hooks.example.test (incoming webhook)');
    expect(md).not.toContain('SECRETPATH');
  });

  it('lists the problems with their fix', () => {
    expect(md).toContain(
      '- `contact.hs_lead_status` owned by reps, yet intent.status maps an output to it: it will never be written — fix:',
    );
  });

  it('says when the CRM schema was not read, and shows current gate status when given', () => {
    const offline = renderHandover(config, {
      schemaError: 'token rejected',
      gates: [
        {
          flow: 'lead-score',
          modelVersion: 'v3',
          mode: 'open',
          reasonCode: 'passed',
          reason: 'accuracy 97.0% on 200 labels',
          figures: null,
          decidedAt: null,
          decidedBy: null,
        },
      ],
    });
    expect(offline).toContain('The HubSpot schema was not read (token rejected)');
    expect(offline).toContain('writing (model v3): accuracy 97.0% on 200 labels');
    expect(offline).not.toContain('does not exist on the CRM');
  });
});
