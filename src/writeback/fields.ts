/**
 * Field rules (ownership) by resolved field; field resolution itself is the CRM layer's
 * (crm/fields.ts), re-exported here for write-back's callers.
 */
import type { FieldRule } from '../config/index.js';
import { type FieldIndex, type FieldResolution, resolveField } from '../crm/fields.js';

export { type FieldIndex, type FieldResolution, fieldIndexOf, indexFields, resolveField } from '../crm/fields.js';

/** The default for a field with no rule: hybrid, flag on conflict — a person's edit is never lost by default. */
export const DEFAULT_RULE: FieldRule = { owner: 'hybrid', onConflict: 'flag', firstWrite: 'protect', truncate: false };

/**
 * Rules keyed by resolved API name. Rule keys that do not resolve are returned as `unresolved`
 * (check reports them); they never match a field by accident.
 */
export function resolveRules(
  idx: FieldIndex,
  rules: Record<string, FieldRule>,
): { byField: Map<string, FieldRule>; unresolved: { key: string; resolution: FieldResolution }[] } {
  const byField = new Map<string, FieldRule>();
  const unresolved: { key: string; resolution: FieldResolution }[] = [];
  for (const [key, rule] of Object.entries(rules)) {
    const r = resolveField(idx, key);
    if (r.ok) byField.set(r.field.name, rule);
    else unresolved.push({ key, resolution: r });
  }
  return { byField, unresolved };
}
