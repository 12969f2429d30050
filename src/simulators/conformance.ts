/**
 * Vendor-described conformance: every answer a simulator gives, checked against the response
 * schemas derived from the vendor's own published OpenAPI files (`<crm>/spec/responses.json`, made
 * by `scripts/derive-spec.mjs`, sources and versions in `<crm>/spec/README.md`).
 *
 * A simulator started with `onAnswer` reports each answer (method, path, status, parsed body); the
 * conformance suites collect them and call `checkAnswers`, which returns what the vendor's
 * description does not allow: an undocumented success status, a body that does not match the
 * documented schema (OpenAPI 3.0: `$ref`, `allOf`/`oneOf`/`anyOf`, `nullable`, `type`, `enum`,
 * `required`, `properties`, `items`, `additionalProperties`). Error statuses the spec does not list
 * are allowed (the vendors document most errors outside their OpenAPI files); when the spec has a
 * `default` response, error bodies are checked against it. A spec that carries the vendor's
 * status-code table (`statuses`) also refuses any answer whose status the table does not list.
 */
import type { FastifyInstance } from 'fastify';

/** One answer of a simulator, as the conformance check reads it. */
export interface SimAnswer {
  method: string;
  /** Path without the query string. */
  path: string;
  status: number;
  /** Parsed JSON body (undefined when the answer had none or was not JSON). */
  body: unknown;
}

export interface Schema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  [key: string]: unknown;
}

export interface DerivedSpec {
  sources: { file: string; url: string; version: string; info: string }[];
  /** "METHOD /path/{param}" → documented statuses ('default' included) and their body schema. */
  operations: Record<string, { source: number; responses: Record<string, Schema | null> }>;
  schemas: Record<string, Schema | null>;
  /** Every HTTP status the vendor's status-code table lists, when it publishes one. */
  statuses?: number[];
  /** Messages pushed to subscribers, per channel pattern: their schema and the sources it was written from. */
  events?: Record<string, { sources: number[]; message: Schema }>;
}

/**
 * A known error of the vendor's description, with the evidence that the real API differs: answers
 * of `operation` are not held to the spec at `at` (a JSON path as violations print it, `*` for any
 * array index), or, without `at`, to the listed `status`.
 */
export interface SpecAllowance {
  /** The operation key as in `responses.json`, or `*` for every operation of the spec. */
  operation: string;
  /** JSON path of the allowed difference: `[*]` is any array index, `.*` any key. */
  at?: string;
  status?: number;
  /** Only a null value at `at` is allowed (the description marks nothing nullable there); any other difference stays a violation. */
  nullOnly?: boolean;
  evidence: string;
}

/** Reports each answer of `app` to `sink` (the simulators call this when started with `onAnswer`). */
export function observeAnswers(app: FastifyInstance, sink: ((a: SimAnswer) => void) | undefined): void {
  if (!sink) return;
  app.addHook('onSend', async (req, reply, payload) => {
    let body: unknown;
    if (typeof payload === 'string' && payload.length > 0) {
      try {
        body = JSON.parse(payload);
      } catch {
        body = undefined;
      }
    }
    sink({ method: req.method, path: req.url.split('?')[0], status: reply.statusCode, body });
    return payload;
  });
}

interface Compiled {
  key: string;
  method: string;
  re: RegExp;
  literals: number;
  /** Which segments are literal, last first: on a tie, a literal later in the path wins (`/x/{t}/describe` over `/x/Lead/{id}`). */
  shape: boolean[];
}

/** The operation of the spec an answer belongs to: the template that matches with the most literal segments. */
export function matchOperation(spec: DerivedSpec, method: string, path: string): string | undefined {
  let best: Compiled | undefined;
  for (const c of compiled(spec)) {
    if (c.method !== method || !c.re.test(path)) continue;
    if (
      !best ||
      c.literals > best.literals ||
      (c.literals === best.literals && laterLiteral(c.shape, best.shape))
    )
      best = c;
  }
  return best?.key;
}

function laterLiteral(a: boolean[], b: boolean[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] === true;
  return false;
}

const cache = new WeakMap<DerivedSpec, Compiled[]>();
function compiled(spec: DerivedSpec): Compiled[] {
  let out = cache.get(spec);
  if (!out) {
    out = Object.keys(spec.operations).map((key) => {
      const [method, template] = key.split(' ');
      const segments = template.split('/');
      const re = new RegExp(
        `^${segments.map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/')}/?$`,
      );
      const literal = segments.map((s) => !/^\{.+\}$/.test(s));
      return {
        key,
        method,
        re,
        literals: segments.filter((s) => s && !s.startsWith('{')).length,
        shape: literal.reverse(),
      };
    });
    cache.set(spec, out);
  }
  return out;
}

/** Where a value breaks a schema, as "$.a.b[0]: message" lines (empty: it conforms). */
export function validate(
  schema: Schema | null | undefined,
  value: unknown,
  schemas: DerivedSpec['schemas'],
  at = '$',
): string[] {
  if (!schema) return [];
  if (schema.$ref) {
    const target = schemas[schema.$ref];
    if (target === undefined) return [`${at}: unknown schema ${schema.$ref}`];
    return validate(target, value, schemas, at);
  }
  if (value === null) {
    if (schema.nullable || schema.type === undefined) return [];
    // a oneOf/anyOf branch may itself be nullable
  }
  const errors: string[] = [];
  if (schema.allOf) for (const s of schema.allOf) errors.push(...validate(s, value, schemas, at));
  for (const alternatives of [schema.oneOf, schema.anyOf]) {
    if (!alternatives) continue;
    const tries = alternatives.map((s) => validate(s, value, schemas, at));
    if (!tries.some((t) => t.length === 0)) errors.push(...tries.sort((a, b) => a.length - b.length)[0]);
  }
  if (value === null) {
    if (schema.type !== undefined && !schema.nullable)
      errors.push(`${at}: null where the spec has ${schema.type}`);
    return errors;
  }
  if (schema.type && !hasType(schema.type, value)) {
    errors.push(`${at}: ${describe(value)} where the spec has ${schema.type}`);
    return errors;
  }
  if (schema.enum && value !== undefined && !schema.enum.includes(value))
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (Array.isArray(value) && schema.items) {
    for (const [i, v] of value.entries()) errors.push(...validate(schema.items, v, schemas, `${at}[${i}]`));
  }
  if (isObject(value)) {
    for (const name of schema.required ?? [])
      if (!(name in value)) errors.push(`${at}.${name}: missing (required)`);
    const props = schema.properties ?? {};
    for (const [k, v] of Object.entries(value)) {
      if (k in props) errors.push(...validate(props[k], v, schemas, `${at}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${at}.${k}: not in the spec`);
      else if (typeof schema.additionalProperties === 'object')
        errors.push(...validate(schema.additionalProperties, v, schemas, `${at}.${k}`));
    }
  }
  return errors;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasType(type: string, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObject(v);
    default:
      return true;
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === undefined) return 'nothing';
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

export interface ConformanceReport {
  /** Answers checked against an operation of the spec. */
  checked: number;
  /** Operations that answered at least once. */
  operations: Set<string>;
  violations: string[];
  /** Answers on paths the spec does not describe (control API, record pages, deliberate unknown paths). */
  unmatched: SimAnswer[];
}

/** Checks answers against the derived spec, minus the allowances. */
export function checkAnswers(
  spec: DerivedSpec,
  answers: SimAnswer[],
  allowances: SpecAllowance[] = [],
  normalizePath: (p: string) => string = (p) => p,
): ConformanceReport {
  const report: ConformanceReport = { checked: 0, operations: new Set(), violations: [], unmatched: [] };
  for (const a of answers) {
    const path = normalizePath(a.path);
    const key = matchOperation(spec, a.method, path);
    if (!key) {
      report.unmatched.push(a);
      continue;
    }
    report.checked++;
    report.operations.add(key);
    const op = spec.operations[key];
    const allowed = allowances.filter((w) => w.operation === key || w.operation === '*');
    if (spec.statuses && !spec.statuses.includes(a.status)) {
      report.violations.push(
        `${key} → ${a.status}: status not in the vendor's status-code table (${spec.statuses.join(', ')})`,
      );
      continue;
    }
    const documented = String(a.status) in op.responses;
    const success = a.status >= 200 && a.status < 300;
    if (!documented && success) {
      if (!allowed.some((w) => w.status === a.status && !w.at))
        report.violations.push(
          `${key} → ${a.status}: success status not in the spec (${Object.keys(op.responses).join(', ')})`,
        );
      continue;
    }
    const schema = documented ? op.responses[String(a.status)] : success ? null : op.responses.default;
    if (!schema || a.body === undefined) continue;
    for (const v of validate(schema, a.body, spec.schemas)) {
      const where = v.slice(0, v.indexOf(':'));
      const isNull = v.includes(': null where the spec has');
      if (allowed.some((w) => w.at !== undefined && pathMatches(w.at, where) && (!w.nullOnly || isNull)))
        continue;
      report.violations.push(`${key} → ${a.status} ${v.replace(/\[\d+\]/g, '[*]')}`);
    }
  }
  report.violations = [...new Set(report.violations)];
  return report;
}

/** `at` against an allowance path, where `[*]` is any array index and `.*` any key. */
function pathMatches(pattern: string, at: string): boolean {
  const literal = (s: string) => s.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
  const re = new RegExp(
    `^${pattern
      .split('[*]')
      .map((part) => part.split('.*').map(literal).join('\\.[^.[]+'))
      .join('\\[\\d+\\]')}$`,
  );
  return re.test(at);
}

/**
 * A simulator's conformance suites are split by API group, one file each
 * (`<crm>/conformance.<suite>.integration.test.ts`); `suites` names the operations each suite must
 * answer (a pattern over the spec's "METHOD /path" keys). Every operation of the spec belongs to
 * exactly one suite (`<crm>/spec/suites.test.ts`), so together the suites answer every operation.
 */
export type SuiteOperations = Record<string, RegExp>;

/** The suites an operation belongs to (exactly one when the map is right). */
export function suitesOf(suites: SuiteOperations, operation: string): string[] {
  return Object.keys(suites).filter((name) => suites[name].test(operation));
}

/** The operations of `suite` that answered nowhere in `report`. */
export function unansweredOperations(
  spec: DerivedSpec,
  suites: SuiteOperations,
  suite: string,
  report: ConformanceReport,
): string[] {
  return Object.keys(spec.operations).filter((op) => suites[suite].test(op) && !report.operations.has(op));
}
