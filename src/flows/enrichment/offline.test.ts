import { describe, expect, it } from 'vitest';
import type { FieldSchema } from '../../crm/types.js';
import { dataPath } from '../data-path.js';
import { generateWorld } from '../../simulators/seed/index.js';
import { buildDataset, readManifest } from './build-dataset.js';
import { enrichRecord, enrichmentSettingsSchema, shapeValue, type EnrichmentTarget } from './flow.js';
import { OfflineProvider, deriveFirmographics, isReservedDomain } from './offline.js';
import { normaliseDomain } from './types.js';
import { readFileSync } from 'node:fs';

const now = new Date('2026-11-28T00:00:00.000Z');
const f = (over: Partial<FieldSchema>): FieldSchema => ({ name: 'f', label: 'F', type: 'string', crmType: 'x', required: false, writable: true, custom: true, ...over });

describe('offline provider', () => {
  const p = new OfflineProvider();

  it.each([
    ['https://www.Acme.com/about', 'acme.com'],
    ['jane@Sub.Acme.co.uk', 'sub.acme.co.uk'],
    ['acme.com.', 'acme.com'],
    ['not a domain', null],
    ['', null],
  ])('normaliseDomain(%j) = %j', (raw, want) => {
    expect(normaliseDomain(raw)).toBe(want);
  });

  it('the shipped dataset covers every company of the seeded world, by domain, consistent with it', async () => {
    expect(p.size).toBeGreaterThan(2000);
    const world = generateWorld({ seed: 1, contacts: 2000 });
    let checked = 0;
    for (const c of world.companies) {
      const r = await p.lookupCompany({ domain: c.website ?? c.domain ?? c.trueDomain });
      expect(r).toMatchObject({ ok: true, found: true });
      if (r.ok && r.found && c.parentId === null) {
        expect(r.data.employeeCount).toBe(c.employees);
        expect(r.data.industry?.toLowerCase().replace(/ /g, '_')).toBe(c.industry);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('the shipped file is what the builder makes from the manifest', () => {
    const manifest = readManifest();
    const small = buildDataset({ asOf: manifest.asOf, worlds: [{ seed: 1, contacts: 500 }] });
    const shipped = new Map(
      readFileSync(dataPath('enrichment', 'companies.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { domain: string })
        .map((x) => [x.domain, x]),
    );
    for (const row of small) expect(shipped.get(row.domain)).toEqual(row);
  });

  it('answers from the dataset and for any reserved example domain, deterministically', async () => {
    const first = readFileSync(dataPath('enrichment', 'companies.jsonl'), 'utf8').split('\n')[0];
    const known = JSON.parse(first) as { domain: string };
    const r = await p.lookupCompany({ domain: `https://www.${known.domain}/` });
    expect(r).toMatchObject({ ok: true, found: true, data: { domain: known.domain } });
    const a = await p.lookupCompany({ domain: 'newco42.example.com' });
    const b = await p.lookupCompany({ domain: 'NEWCO42.example.com' });
    expect(a).toEqual(b);
    expect(isReservedDomain('acme.test')).toBe(true);
    expect(isReservedDomain('example.com.evil.io')).toBe(false);
  });

  it('never invents a real company; free-mail says nothing about an employer', async () => {
    expect(await p.lookupCompany({ domain: 'stripe.com' })).toMatchObject({ ok: true, found: false });
    expect(await p.lookupPerson({ email: 'jane@gmail.com' })).toMatchObject({ ok: true, found: false, why: expect.stringContaining('free-mail') });
    expect(await p.lookupPerson({ email: 'jane@newco42.example.com' })).toMatchObject({ ok: true, found: true });
  });
});

describe('shaping and the enrichment flow', () => {
  const data = deriveFirmographics('shape.example.com', '2026-11-01');
  const industry = f({ name: 'Industry', type: 'picklist', options: ['Software', 'Financial Services', 'Healthcare', 'Retail', 'Manufacturing', 'Education', 'Media', 'Logistics', 'Energy', 'Professional Services'].map((l, i) => ({ value: String(i + 1), label: l })) });

  it('maps a picklist by label to its option value, a tech stack to a list or text', () => {
    const v = shapeValue('industry', data, industry);
    expect(industry.options?.find((o) => o.value === v.value)?.label).toBe(data.industry);
    expect(shapeValue('tech_stack', data, f({ type: 'text' })).value).toBe(data.techStack.join(', '));
  });

  const settings = enrichmentSettingsSchema.parse({ keyField: 'website' });
  const target = (output: EnrichmentTarget['output'], field: FieldSchema, over: Partial<EnrichmentTarget> = {}): EnrichmentTarget => ({
    output,
    field,
    current: null,
    stampedAt: null,
    lastChange: null,
    ...over,
  });

  it('fills empty fields, keeps fresh and human values, rejects what does not fit', async () => {
    const r = await enrichRecord(
      new OfflineProvider(),
      settings,
      { id: '001A', fields: { website: 'https://shape.example.com' } },
      [
        target('employee_count', f({ name: 'NumberOfEmployees', type: 'integer' })),
        target('industry', industry),
        target('revenue_range', f({ name: 'Revenue_Range__c', type: 'picklist', options: [{ value: 'small', label: 'Small' }] })),
        target('tech_stack', f({ name: 'Tech__c', type: 'text' }), { current: 'Kept', stampedAt: '2026-11-20T00:00:00.000Z' }),
        target('company_name', f({ name: 'Name', type: 'string' }), {
          current: 'Shape Inc',
          lastChange: { id: 'h', field: 'Name', value: 'Shape Inc', at: '2026-11-25T00:00:00.000Z', actor: 'human' },
        }),
      ],
      now,
    );
    expect(r.lookup).toBe('found');
    expect(r.outputs.map((o) => o.name)).toEqual(['employee_count', 'industry']);
    expect(r.outputs[0]).toMatchObject({ value: data.employeeCount, type: 'integer', modelVersion: 'offline-2026-11-01' });
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]).toMatchObject({ field: 'Revenue_Range__c', code: 'IR_FLOW_OUTPUT_INVALID' });
    expect(r.decisions.find((d) => d.field === 'Tech__c')).toMatchObject({ refresh: false, reason: 'fresh' });
    expect(r.decisions.find((d) => d.field === 'Name')).toMatchObject({ refresh: false, reason: 'human-value-recent' });
  });

  it('does not call the provider when nothing is due', async () => {
    let calls = 0;
    const counting = {
      version: 'x',
      async lookupCompany() {
        calls++;
        return { ok: true as const, found: false as const, why: 'n/a' };
      },
      async lookupPerson() {
        calls++;
        return { ok: true as const, found: false as const, why: 'n/a' };
      },
    };
    const r = await enrichRecord(counting, settings, { id: '1', fields: { website: 'a.example.com' } }, [target('industry', industry, { current: '1', stampedAt: '2026-11-27T00:00:00.000Z' })], now);
    expect(calls).toBe(0);
    expect(r.lookup).toBe('skipped');
  });
});
