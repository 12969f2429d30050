/**
 * Field names as users write them: the API name, or (Pipedrive custom fields have 40-hex keys) the
 * label. Resolution is by name first, then case-insensitive name, then a unique label (exact, then
 * case-insensitive, then with spaces, dashes and underscores folded). Pure; the one resolver the
 * flows, write-back and check share, so what check accepts is what a flow writes.
 */
import type { FieldSchema, ObjectSchema } from './types.js';

export type FieldResolution =
  | { ok: true; field: FieldSchema }
  | { ok: false; reason: 'not-found' | 'ambiguous-label'; candidates: string[] };

export interface FieldIndex {
  object: string;
  byName: Map<string, FieldSchema>;
  byLowerName: Map<string, FieldSchema[]>;
  byLabel: Map<string, FieldSchema[]>;
  byLowerLabel: Map<string, FieldSchema[]>;
  /** Labels with case, spaces, dashes and underscores folded: 'lead_score' finds 'Lead score'. */
  byLooseLabel: Map<string, FieldSchema[]>;
  cache: Map<string, FieldResolution>;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

export function indexFields(schema: ObjectSchema): FieldIndex {
  const idx: FieldIndex = {
    object: schema.object,
    byName: new Map(),
    byLowerName: new Map(),
    byLabel: new Map(),
    byLowerLabel: new Map(),
    byLooseLabel: new Map(),
    cache: new Map(),
  };
  for (const f of schema.fields) {
    idx.byName.set(f.name, f);
    push(idx.byLowerName, f.name.toLowerCase(), f);
    push(idx.byLabel, f.label, f);
    push(idx.byLowerLabel, f.label.trim().toLowerCase(), f);
    push(idx.byLooseLabel, loose(f.label), f);
  }
  return idx;
}

export function resolveField(idx: FieldIndex, nameOrLabel: string): FieldResolution {
  const hit = idx.cache.get(nameOrLabel);
  if (hit) return hit;
  const r = resolveUncached(idx, nameOrLabel);
  idx.cache.set(nameOrLabel, r);
  return r;
}

function resolveUncached(idx: FieldIndex, key: string): FieldResolution {
  const exact = idx.byName.get(key);
  if (exact) return { ok: true, field: exact };
  for (const list of [idx.byLowerName.get(key.toLowerCase()), idx.byLabel.get(key), idx.byLowerLabel.get(key.trim().toLowerCase()), idx.byLooseLabel.get(loose(key))]) {
    if (!list || list.length === 0) continue;
    if (list.length === 1) return { ok: true, field: list[0] };
    return { ok: false, reason: 'ambiguous-label', candidates: list.map((f) => f.name) };
  }
  return { ok: false, reason: 'not-found', candidates: suggest(idx, key) };
}

function loose(s: string): string {
  return s.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
}

/** Up to three field names close to `key`, for "did you mean" in messages. */
function suggest(idx: FieldIndex, key: string): string[] {
  const k = key.toLowerCase();
  const scored: [number, string][] = [];
  for (const f of idx.byName.values()) {
    const d = Math.min(distance(k, f.name.toLowerCase()), distance(k, f.label.toLowerCase()));
    if (d <= Math.max(2, Math.floor(k.length / 4))) scored.push([d, f.name]);
  }
  return scored
    .sort((a, b) => a[0] - b[0])
    .slice(0, 3)
    .map(([, n]) => n);
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

const indexes = new WeakMap<ObjectSchema, FieldIndex>();

/** The index of a schema, built once per schema object (flows resolve per record). */
export function fieldIndexOf(schema: ObjectSchema): FieldIndex {
  let idx = indexes.get(schema);
  if (!idx) {
    idx = indexFields(schema);
    indexes.set(schema, idx);
  }
  return idx;
}
