/**
 * Request bodies of the catalogue operations, checked as v2 checks them (§4.4): an unknown key, a
 * value of the wrong type or a missing required key is a 400 naming each (SchemaError); v1 is
 * lenient with unknown keys and answers its own error shape (V1Error).
 */
import { SchemaError, V1Error } from '../entities.js';
import type { Req } from '../routes.js';

/** A key's type: a JSON type, or the allowed values. */
export type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | readonly string[];

function mismatch(key: string, kind: Kind, v: unknown): string | null {
  if (Array.isArray(kind))
    return typeof v === 'string' && kind.includes(v)
      ? null
      : `${key}: '${String(v)}' is not one of ${kind.join(', ')}`;
  switch (kind) {
    case 'integer':
      return Number.isInteger(v) ? null : `${key}: Expected 'integer'`;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? null : `${key}: Expected 'number'`;
    case 'array':
      return Array.isArray(v) ? null : `${key}: Expected 'array'`;
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? null : `${key}: Expected 'object'`;
    default:
      return typeof v === kind ? null : `${key}: Expected '${kind}'`;
  }
}

/**
 * The body of `r` checked against `shape`; `required` keys must be present. Null is accepted for
 * keys listed in `nullable`.
 */
export function checkedBody(
  r: Req,
  shape: Record<string, Kind>,
  required: string[] = [],
  nullable: string[] = [],
): Record<string, unknown> {
  const b = r.body;
  const body =
    typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : null;
  const clauses: string[] = [];
  if (!body) clauses.push("body: Expected 'object'");
  for (const k of required)
    if (!body || body[k] === undefined) clauses.push(`${k}: Required parameter '${k}' is missing`);
  for (const [k, v] of Object.entries(body ?? {})) {
    if (!(k in shape)) {
      if (r.version === 2) clauses.push(`${k}: Parameter '${k}' is not allowed for this request`);
      continue;
    }
    if (v === null && nullable.includes(k)) continue;
    const m = mismatch(k, shape[k], v);
    if (m) clauses.push(m);
  }
  if (clauses.length > 0) {
    if (r.version === 2) throw new SchemaError(clauses);
    throw new V1Error(clauses.join('; '));
  }
  return body ?? {};
}
