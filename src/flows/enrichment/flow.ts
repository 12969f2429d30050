/**
 * The enrichment flow for one record: decide which mapped fields are due (refresh.ts), look the
 * company up only if one is, shape each value to its target field (picklist option by value or
 * label, a tech stack as a multi-select or as text) and validate it. Every field ends in exactly
 * one place: an output, a kept-value decision, or a rejection — none is dropped silently.
 */
import { z } from 'zod';
import type { FieldChange, FieldSchema, FieldType, FieldValue } from '../../crm/types.js';
import type { InrecordError } from '../../errors/index.js';
import { type FlowOutput, type FlowRecord, type OutputCheck, validateOutput } from '../types.js';
import { HttpProvider, httpProviderSettingsSchema } from './http.js';
import { OfflineProvider } from './offline.js';
import { type RefreshDecision, decideRefresh } from './refresh.js';
import type { EnrichmentProvider, Firmographics } from './types.js';

export const ENRICHMENT_OUTPUTS = [
  'company_name',
  'employee_count',
  'revenue_range',
  'industry',
  'tech_stack',
  'funding_last_round',
  'funding_last_date',
  'funding_total',
] as const;
export type EnrichmentOutputName = (typeof ENRICHMENT_OUTPUTS)[number];

export const enrichmentSettingsSchema = z
  .object({
    provider: z.enum(['offline', 'http']).default('offline'),
    http: httpProviderSettingsSchema.optional(),
    /** company: look up by the record's domain/website field; person: by its email field. */
    lookup: z.enum(['company', 'person']).default('company'),
    /** The record field holding the domain, website or email. */
    keyField: z.string().default('domain'),
    refreshDays: z.number().int().positive().default(30),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.provider === 'http' && !s.http) ctx.addIssue({ code: 'custom', path: ['http'], message: 'provider: http needs http.url' });
  });
export type EnrichmentSettings = z.infer<typeof enrichmentSettingsSchema>;

export function createEnrichmentProvider(settings: EnrichmentSettings): EnrichmentProvider {
  if (settings.provider === 'http' && settings.http) return new HttpProvider(settings.http);
  return new OfflineProvider();
}

/** What enrichment needs to know about one target field. */
export interface EnrichmentTarget {
  output: EnrichmentOutputName;
  field: FieldSchema;
  current: FieldValue;
  stampedAt: string | null;
  lastChange: FieldChange | null;
}

export interface EnrichmentResult {
  recordId: string;
  lookup: 'found' | 'not_found' | 'skipped' | 'failed';
  why?: string;
  error?: InrecordError;
  outputs: FlowOutput[];
  decisions: RefreshDecision[];
  rejected: Extract<OutputCheck, { ok: false }>[];
  /** Fields due for refresh for which the provider has no value (left as they are). */
  noValue: string[];
}

function optionFor(field: FieldSchema, raw: string): string | null {
  const opts = field.options ?? [];
  const key = raw.trim().toLowerCase();
  return opts.find((o) => o.value === raw)?.value ?? opts.find((o) => o.label.trim().toLowerCase() === key)?.value ?? opts.find((o) => o.value.toLowerCase() === key)?.value ?? null;
}

/** The provider's value for an output, in the target field's shape (still validated after). */
export function shapeValue(output: EnrichmentOutputName, data: Firmographics, field: FieldSchema): { value: FieldValue; type: FieldType } {
  const last = [...data.fundingEvents].sort((a, b) => (a.date < b.date ? 1 : -1))[0];
  const text = (v: string | null): { value: FieldValue; type: FieldType } => {
    if (v === null) return { value: null, type: field.type === 'picklist' ? 'picklist' : 'string' };
    if (field.type === 'picklist') return { value: optionFor(field, v) ?? v, type: 'picklist' };
    return { value: v, type: 'string' };
  };
  switch (output) {
    case 'company_name':
      return text(data.name);
    case 'employee_count':
      return { value: data.employeeCount, type: 'integer' };
    case 'revenue_range':
      return text(data.revenueRange);
    case 'industry':
      return text(data.industry);
    case 'tech_stack':
      if (field.type === 'multipicklist') return { value: data.techStack.map((t) => optionFor(field, t) ?? t), type: 'multipicklist' };
      return { value: data.techStack.length ? data.techStack.join(', ') : null, type: 'text' };
    case 'funding_last_round':
      return text(last ? last.round : null);
    case 'funding_last_date':
      return { value: last ? last.date : null, type: 'date' };
    case 'funding_total': {
      const amounts = data.fundingEvents.map((e) => e.amountUsd).filter((a): a is number => a !== null);
      return { value: amounts.length ? amounts.reduce((s, a) => s + a, 0) : null, type: 'currency' };
    }
  }
}

export async function enrichRecord(
  provider: EnrichmentProvider,
  settings: EnrichmentSettings,
  record: FlowRecord,
  targets: EnrichmentTarget[],
  now: Date,
): Promise<EnrichmentResult> {
  const result: EnrichmentResult = { recordId: record.id, lookup: 'skipped', outputs: [], decisions: [], rejected: [], noValue: [] };
  const due = targets.map((t) => decideRefresh({ field: t.field.name, current: t.current, stampedAt: t.stampedAt, lastChange: t.lastChange }, now, settings.refreshDays));
  if (!due.some((d) => d.refresh)) {
    result.decisions = due;
    result.why = 'every mapped field is fresh or a person’s value';
    return result;
  }
  const key = record.fields[settings.keyField];
  const keyText = typeof key === 'string' ? key : null;
  const found = settings.lookup === 'person' ? await provider.lookupPerson({ email: keyText }) : await provider.lookupCompany({ domain: keyText });
  if (!found.ok) {
    result.lookup = 'failed';
    result.error = found.error;
    result.decisions = due;
    return result;
  }
  if (!found.found) {
    result.lookup = 'not_found';
    result.why = found.why;
    result.decisions = due;
    return result;
  }
  result.lookup = 'found';
  const data = found.data;
  targets.forEach((t, i) => {
    // With the provider's date known, a person's older edit is weighed against it.
    const d = due[i].refresh ? decideRefresh({ field: t.field.name, current: t.current, stampedAt: t.stampedAt, lastChange: t.lastChange, providerAsOf: data.asOf }, now, settings.refreshDays) : due[i];
    result.decisions.push(d);
    if (!d.refresh) return;
    const shaped = shapeValue(t.output, data, t.field);
    if (shaped.value === null) {
      result.noValue.push(t.field.name);
      return;
    }
    const check = validateOutput(record.id, { name: t.output, value: shaped.value, type: shaped.type, modelVersion: provider.version, reason: `${provider.version}, data as of ${data.asOf.slice(0, 10)}` }, t.field, t.output === 'employee_count' || t.output === 'funding_total' ? { min: 0 } : undefined);
    if (check.ok) result.outputs.push(check.output);
    else result.rejected.push(check);
  });
  return result;
}
