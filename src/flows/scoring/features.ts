/**
 * Reading a record's features by the settings' field mapping, and the wording of one factor in a
 * score reason. Pure: `now` is passed in, so a date feature's age is reproducible.
 */
import type { FieldValue } from '../../crm/types.js';
import type { FlowRecord } from '../types.js';
import type { FeatureSpec } from './settings.js';

/** A feature's value: a number (numbers, booleans as 0/1, dates as days since), a category, or empty. */
export type FeatureValue = number | string | null;

const DAY_MS = 86_400_000;

export interface CompiledFeature {
  name: string;
  spec: FeatureSpec;
}

export function compileFeatures(features: Record<string, FeatureSpec>): CompiledFeature[] {
  return Object.entries(features).map(([name, spec]) => ({ name, spec }));
}

function toNumber(v: FieldValue): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '') return null;
    const n = Number(t);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off']);

/** One feature of one record. Unreadable values are empty, never a guess. */
export function readFeature(spec: FeatureSpec, fields: Record<string, FieldValue>, nowMs: number): FeatureValue {
  const v = fields[spec.field];
  if (v === null || v === undefined) return null;
  switch (spec.type) {
    case 'number':
      return toNumber(v);
    case 'boolean': {
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'number') return v === 0 ? 0 : 1;
      if (typeof v === 'string') {
        const k = v.trim().toLowerCase();
        if (TRUE_WORDS.has(k)) return 1;
        if (FALSE_WORDS.has(k)) return 0;
      }
      return null;
    }
    case 'date': {
      if (typeof v !== 'string') return null;
      const t = Date.parse(v);
      if (Number.isNaN(t)) return null;
      return Math.max(0, (nowMs - t) / DAY_MS);
    }
    default: {
      if (Array.isArray(v)) return v.length > 0 ? v.join(';') : null;
      const s = String(v).trim();
      return s === '' ? null : s;
    }
  }
}

export function readFeatures(features: CompiledFeature[], record: FlowRecord, nowMs: number): FeatureValue[] {
  const out = new Array<FeatureValue>(features.length);
  for (let i = 0; i < features.length; i++) out[i] = readFeature(features[i].spec, record.fields, nowMs);
  return out;
}

const SMALL = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

/** How a value reads in a reason: small counts in words, others rounded. */
export function showValue(v: FeatureValue, type: FeatureSpec['type']): string {
  if (v === null) return 'none';
  if (typeof v === 'string') return v.replaceAll('_', ' ');
  if (type === 'boolean') return v ? 'yes' : 'no';
  if (type === 'date') return String(Math.round(v));
  if (Number.isInteger(v) && v >= 0 && v < SMALL.length) return SMALL[v];
  if (Math.abs(v) >= 1e9) return `${(v / 1e9).toFixed(1)}B`;
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** Fills a wording template; without one, "<feature> <value>". */
export function phrase(template: string | undefined, name: string, v: FeatureValue, type: FeatureSpec['type']): string {
  if (v === null && (template === undefined || template.includes('{value}'))) return `${name.replaceAll('_', ' ')} not on record`;
  const shown = showValue(v, type);
  if (template === undefined) return `${name.replaceAll('_', ' ')} ${shown}`;
  return template.replaceAll('{value}', shown);
}

/** "+18 three meetings in the last 30 days; +9 VP title; −6 no email opens in 60 days" */
export function formatReason(factors: { points: number; text: string }[]): string {
  return factors
    .map((f) => `${f.points >= 0 ? '+' : '−'}${Math.abs(f.points)} ${f.text}`)
    .join('; ');
}
