/**
 * Entity bodies as the API takes them: v2 strict decoding (unknown top-level key, string for a
 * number, 1/0 for a boolean → 400 ERR_SCHEMA_VALIDATION_FAILED, §4.4), v1 lenient decoding (unknown
 * keys ignored, strings coerced, custom fields as top-level 40-hex keys), and the defaults and
 * derived fields a write sets. The shapes the API answers with are serialize.ts's. Pure functions
 * of the state.
 */
import { type EntityType, ValueRejected, decodeV1Custom, decodeV2Custom } from './schema.js';
import type { PipedriveState } from './state.js';

/** A 400 from a v2 endpoint: every clause `key: message`, joined by `; ` (§4.4, S25). */
export class SchemaError extends Error {
  constructor(readonly clauses: string[]) {
    super(`Validation failed: ${clauses.join('; ')}`);
  }
}

/** A 400 from a v1 endpoint (`{"error":"Name must be given."}`, §3.2). */
export class V1Error extends Error {}

type Kind = 'string' | 'int' | 'number' | 'bool' | 'date' | 'datetime' | 'contacts' | 'ints' | 'object' | 'array' | 'visible_to' | 'status';

const COMMON: Record<string, Kind> = { owner_id: 'int', visible_to: 'visible_to', label_ids: 'ints', add_time: 'datetime' };

const V2_SCHEMA: Record<Exclude<EntityType, 'note'>, Record<string, Kind>> = {
  person: {
    ...COMMON,
    name: 'string',
    first_name: 'string',
    last_name: 'string',
    org_id: 'int',
    emails: 'contacts',
    phones: 'contacts',
    im: 'contacts',
    job_title: 'string',
    notes: 'string',
    birthday: 'date',
    postal_address: 'object',
    marketing_status: 'string',
    custom_fields: 'object',
  },
  organization: {
    ...COMMON,
    name: 'string',
    address: 'object',
    website: 'string',
    linkedin: 'string',
    industry: 'int',
    annual_revenue: 'number',
    employee_count: 'int',
    custom_fields: 'object',
  },
  deal: {
    ...COMMON,
    title: 'string',
    person_id: 'int',
    org_id: 'int',
    pipeline_id: 'int',
    stage_id: 'int',
    value: 'number',
    currency: 'string',
    is_deleted: 'bool',
    is_archived: 'bool',
    archive_time: 'datetime',
    status: 'status',
    probability: 'number',
    lost_reason: 'string',
    close_time: 'datetime',
    won_time: 'datetime',
    lost_time: 'datetime',
    expected_close_date: 'date',
    custom_fields: 'object',
  },
  activity: {
    owner_id: 'int',
    subject: 'string',
    type: 'string',
    deal_id: 'int',
    lead_id: 'string',
    org_id: 'int',
    project_id: 'int',
    due_date: 'date',
    due_time: 'string',
    duration: 'string',
    busy: 'bool',
    done: 'bool',
    location: 'object',
    participants: 'array',
    attendees: 'array',
    public_description: 'string',
    priority: 'int',
    note: 'string',
  },
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** RFC 3339 without fractional seconds (fractions are rejected, §3.1 [OBS T2]). */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;

function checkKind(key: string, kind: Kind, v: unknown): string | null {
  if (v === null) return null;
  switch (kind) {
    case 'string':
      return typeof v === 'string' ? null : `${key}: Expected 'string'`;
    case 'int':
      return Number.isInteger(v) ? null : `${key}: Expected 'integer'`;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? null : `${key}: Expected 'number'`;
    case 'bool':
      return typeof v === 'boolean' ? null : `${key}: Expected 'boolean'`;
    case 'date':
      return typeof v === 'string' && DATE.test(v) ? null : `${key}: Expected date 'YYYY-MM-DD'`;
    case 'datetime':
      return typeof v === 'string' && RFC3339.test(v) ? null : `${key}: '${String(v)}' is not a valid datetime`;
    case 'visible_to':
      return [1, 3, 5, 7].includes(v as number) ? null : `${key}: Expected one of 1, 3, 5, 7`;
    case 'status':
      return ['open', 'won', 'lost'].includes(v as string) ? null : `${key}: Expected one of open, won, lost`;
    case 'ints':
      return Array.isArray(v) && v.every((x) => Number.isInteger(x)) ? null : `${key}: Expected 'array' of integers`;
    case 'array':
      return Array.isArray(v) ? null : `${key}: Expected 'array'`;
    case 'object':
      return typeof v === 'object' && !Array.isArray(v) ? null : `${key}: Expected 'object'`;
    case 'contacts': {
      if (!Array.isArray(v)) return `${key}: Expected 'array' of objects`;
      if (!v.every((x) => typeof x === 'object' && x !== null && typeof (x as { value?: unknown }).value === 'string'))
        return `${key}: Expected 'array' of objects with 'value'`;
      if (v.filter((x) => (x as { primary?: boolean }).primary === true).length > 1) return `${key}: Only one primary value is allowed`;
      return null;
    }
  }
}

/** `[{value,label?,primary?}]` with defaults: label `work`, the first primary when none is (§3.1). */
export function normaliseContacts(list: unknown[]): { value: string; primary: boolean; label: string }[] {
  const out = list
    .map((x) => (typeof x === 'string' ? { value: x } : (x as { value: string; primary?: boolean; label?: string })))
    .filter((x) => typeof x.value === 'string' && x.value.length > 0)
    .map((x) => ({ value: x.value, primary: x.primary === true, label: x.label ?? 'work' }));
  if (out.length > 0 && !out.some((x) => x.primary)) out[0].primary = true;
  return out;
}

export interface Decoded {
  core: Record<string, unknown>;
  custom: Record<string, unknown>;
  addTime?: number;
}

export interface DecodeOptions {
  /** Unknown keys inside v2 `custom_fields`: ignored (default) or 400 (§11 U3). */
  strictCustomKeys: boolean;
}

/** v2 POST/PATCH body → core + custom. Throws SchemaError with every failing clause. */
export function decodeV2(
  state: PipedriveState,
  type: Exclude<EntityType, 'note'>,
  body: unknown,
  mode: 'create' | 'update',
  opts: DecodeOptions,
): Decoded {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SchemaError(['body: Expected \'object\'']);
  const schema = V2_SCHEMA[type];
  const clauses: string[] = [];
  const core: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  let addTime: number | undefined;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    const kind = schema[k];
    if (!kind || (k === 'add_time' && mode === 'update')) {
      clauses.push(`${k}: Parameter '${k}' is not allowed for this request`);
      continue;
    }
    const err = checkKind(k, kind, v);
    if (err) {
      clauses.push(err);
      continue;
    }
    if (k === 'custom_fields') {
      for (const [ck, cv] of Object.entries((v ?? {}) as Record<string, unknown>)) {
        const def = state.customDefs(type).find((d) => d.key === ck);
        if (!def) {
          // The v1-era documentation says writes mentioning a deleted/unknown custom field ignore it
          // (§4.4); some integrations saw a 400 on v2 (§11 U3). Default: ignore, the quiet way.
          if (opts.strictCustomKeys) clauses.push(`custom_fields: Parameter '${ck}' is not allowed for this request`);
          continue;
        }
        try {
          custom[ck] = decodeV2Custom(def, cv);
        } catch (e) {
          if (e instanceof ValueRejected) clauses.push(e.message);
          else throw e;
        }
      }
    } else if (k === 'add_time') {
      addTime = v === null ? undefined : Date.parse(v as string);
    } else if (kind === 'contacts') {
      core[k] = normaliseContacts((v ?? []) as unknown[]);
    } else {
      core[k] = v;
    }
  }
  if (type === 'person') {
    if (typeof core.name === 'string') {
      if (core.name.trim() === '') clauses.push(`name: Expected non-empty 'string'`);
      else if (!('first_name' in core) && !('last_name' in core)) Object.assign(core, splitName(core.name));
    } else if ('first_name' in core || 'last_name' in core) {
      const name = [core.first_name, core.last_name].filter((x) => typeof x === 'string' && x.length > 0).join(' ');
      if (name === '' && mode === 'create') clauses.push(`name: Expected non-empty 'string'`);
      if (name !== '') core.name = name;
    } else if (mode === 'create') clauses.push(`name: Parameter 'name' is required`);
  }
  if (type === 'organization' && mode === 'create' && typeof core.name !== 'string') clauses.push(`name: Parameter 'name' is required`);
  if (type === 'deal' && mode === 'create' && typeof core.title !== 'string') clauses.push(`title: Parameter 'title' is required`);
  if (type === 'deal' && typeof core.stage_id === 'number') {
    const st = state.stages.find((s) => s.id === core.stage_id);
    if (!st) clauses.push(`stage_id: Stage ${core.stage_id} does not exist`);
    else core.pipeline_id = st.pipeline_id;
  }
  if (clauses.length > 0) throw new SchemaError(clauses);
  return { core, custom, addTime };
}

/** v1 POST/PUT body → core + custom; unknown keys are dropped without an error (§4.4). */
export function decodeV1(state: PipedriveState, type: EntityType, body: Record<string, unknown>, mode: 'create' | 'update'): Decoded {
  const core: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  const int = (v: unknown) => {
    if (v === null || v === '') return null;
    const n = typeof v === 'object' && v !== null ? Number((v as { value?: unknown }).value) : Number(v);
    return Number.isFinite(n) ? Math.trunc(n) : undefined;
  };
  const str = (v: unknown) => (v === null ? null : v === undefined ? undefined : String(v));
  const set = (k: string, v: unknown) => {
    if (v !== undefined) core[k] = v;
  };
  const b = body;
  set('owner_id', int(b.owner_id ?? b.user_id));
  if (b.visible_to !== undefined) set('visible_to', int(b.visible_to));
  if (b.label_ids !== undefined && Array.isArray(b.label_ids)) set('label_ids', b.label_ids.map(Number));
  switch (type) {
    case 'person': {
      set('name', str(b.name));
      set('first_name', str(b.first_name));
      set('last_name', str(b.last_name));
      if (b.org_id !== undefined) set('org_id', int(b.org_id));
      if (b.email !== undefined) set('emails', normaliseContacts(b.email === null ? [] : Array.isArray(b.email) ? b.email : [b.email]));
      if (b.phone !== undefined) set('phones', normaliseContacts(b.phone === null ? [] : Array.isArray(b.phone) ? b.phone : [b.phone]));
      set('job_title', str(b.job_title));
      if (typeof core.name === 'string' && !('first_name' in core)) Object.assign(core, splitName(core.name));
      if (mode === 'create' && !(typeof core.name === 'string' && core.name.trim() !== '')) throw new V1Error('Name must be given.');
      break;
    }
    case 'organization':
      set('name', str(b.name));
      if (b.address !== undefined) set('address', b.address === null ? null : { value: String(b.address) });
      if (mode === 'create' && !(typeof core.name === 'string' && core.name.trim() !== '')) throw new V1Error('Name must be given.');
      break;
    case 'deal': {
      set('title', str(b.title));
      if (b.value !== undefined) set('value', Number(b.value) || 0);
      set('currency', str(b.currency));
      if (b.person_id !== undefined) set('person_id', int(b.person_id));
      if (b.org_id !== undefined) set('org_id', int(b.org_id));
      if (b.stage_id !== undefined) {
        const sid = int(b.stage_id);
        const st = state.stages.find((s) => s.id === sid);
        if (st) {
          set('stage_id', st.id);
          set('pipeline_id', st.pipeline_id);
        }
      }
      if (typeof b.status === 'string' && ['open', 'won', 'lost'].includes(b.status)) set('status', b.status);
      if (b.probability !== undefined) set('probability', b.probability === null ? null : Number(b.probability));
      set('lost_reason', str(b.lost_reason));
      set('expected_close_date', str(b.expected_close_date));
      if (mode === 'create' && !(typeof core.title === 'string' && core.title.trim() !== '')) throw new V1Error('Title must be given.');
      break;
    }
    case 'activity': {
      set('subject', str(b.subject));
      set('type', str(b.type) ?? (mode === 'create' ? 'call' : undefined));
      for (const k of ['deal_id', 'org_id'] as const) if (b[k] !== undefined) set(k, int(b[k]));
      if (b.person_id !== undefined) set('participants', b.person_id === null ? [] : [{ person_id: int(b.person_id), primary: true }]);
      set('due_date', str(b.due_date));
      set('due_time', str(b.due_time));
      set('duration', str(b.duration));
      set('note', str(b.note));
      if (b.done !== undefined) set('done', b.done === true || b.done === 1 || b.done === '1');
      break;
    }
    case 'note': {
      set('content', str(b.content));
      for (const k of ['deal_id', 'person_id', 'org_id', 'project_id'] as const) if (b[k] !== undefined) set(k, int(b[k]));
      set('lead_id', str(b.lead_id));
      if (b.user_id !== undefined) set('user_id', int(b.user_id));
      delete core.owner_id;
      for (const k of ['deal', 'person', 'organization', 'lead', 'project']) {
        const f = `pinned_to_${k}_flag`;
        if (b[f] !== undefined) set(f, b[f] === true || b[f] === 1 || b[f] === '1');
      }
      if (mode === 'create') {
        if (typeof core.content !== 'string' || core.content === '') throw new V1Error('Content must be given.');
        if (!['deal_id', 'person_id', 'org_id', 'lead_id', 'project_id'].some((k) => core[k] !== undefined && core[k] !== null))
          throw new V1Error('Note must be associated with at least one organization, person, deal, lead or project.');
      }
      break;
    }
  }
  for (const def of state.customDefs(type)) {
    if (!(def.key in b)) continue;
    const v = decodeV1Custom(def, b[def.key], b);
    if (v !== undefined) custom[def.key] = v;
  }
  const addTime = typeof b.add_time === 'string' ? Date.parse(`${b.add_time.replace(' ', 'T')}Z`) : undefined;
  return { core, custom, addTime: Number.isFinite(addTime) ? addTime : undefined };
}

export function splitName(name: string): { first_name: string; last_name: string | null } {
  const parts = name.trim().split(/\s+/);
  return { first_name: parts[0] ?? '', last_name: parts.length > 1 ? parts.slice(1).join(' ') : null };
}

/** Defaults a created entity gets (owner = the acting user, visible_to 3, …). */
export function withDefaults(type: EntityType, core: Record<string, unknown>, userId: number, state: PipedriveState): Record<string, unknown> {
  const c = { ...core };
  if (type === 'note') {
    c.user_id ??= userId;
    for (const k of ['deal', 'person', 'organization', 'lead', 'project']) c[`pinned_to_${k}_flag`] ??= false;
    return c;
  }
  c.owner_id ??= userId;
  if (type !== 'activity') {
    c.visible_to ??= 3;
    c.label_ids ??= [];
  }
  if (type === 'person') {
    c.emails ??= [];
    c.phones ??= [];
    c.org_id ??= null;
  }
  if (type === 'deal') {
    c.creator_user_id = userId;
    c.value ??= 0;
    c.currency ??= 'EUR';
    c.status ??= 'open';
    if (c.stage_id === undefined || c.stage_id === null) {
      const first = state.stages[0];
      c.stage_id = first?.id ?? null;
      c.pipeline_id = first?.pipeline_id ?? null;
    }
    c.person_id ??= null;
    c.org_id ??= null;
  }
  if (type === 'activity') {
    c.type ??= 'call';
    c.done ??= false;
    c.busy ??= true;
    c.participants ??= [];
    c.creator_user_id = userId;
  }
  return c;
}

/** Derived fields a write implies (person_id from the primary participant, deal won/lost times). */
export function deriveOnWrite(type: EntityType, e: { core: Record<string, unknown> }, patch: Record<string, unknown>, at: number): void {
  if (type === 'activity' && 'participants' in patch) {
    const parts = (patch.participants as { person_id: number; primary?: boolean }[] | null) ?? [];
    patch.person_id = (parts.find((p) => p.primary) ?? parts[0])?.person_id ?? null;
  }
  if (type === 'activity' && patch.done === true && e.core.done !== true) patch.marked_as_done_time = at;
  if (type === 'deal') {
    if ('stage_id' in patch && patch.stage_id !== e.core.stage_id) patch.stage_change_time = at;
    if (patch.status === 'won' && e.core.status !== 'won') {
      patch.won_time = at;
      patch.close_time = at;
    }
    if (patch.status === 'lost' && e.core.status !== 'lost') {
      patch.lost_time = at;
      patch.close_time = at;
    }
  }
}
