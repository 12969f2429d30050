/**
 * Entities as the API answers with them: the v2 / v1 / webhook / search serialisers (§2, §3, §5.2).
 * The bodies it takes are entities.ts's. Pure functions of the state.
 */
import { HEX40, encodeV1Custom, encodeV2Custom, encodeWebhookCustom, v1Time, v2Time } from './schema.js';
import type { Entity } from './model.js';
import type { PipedriveState } from './state.js';

const TIME_KEYS = new Set(['won_time', 'lost_time', 'close_time', 'stage_change_time', 'marked_as_done_time', 'archive_time']);

function timeV2(k: string, v: unknown): unknown {
  return TIME_KEYS.has(k) && typeof v === 'number' ? v2Time(v) : v;
}

/** The v2 API object (§3.1, §3.3–3.5). */
export function serializeV2(state: PipedriveState, e: Entity, opts: { withLabels?: boolean; customKeys?: string[] } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { id: e.id };
  for (const [k, v] of Object.entries(e.core)) out[k] = timeV2(k, v);
  out.add_time = v2Time(e.addTime);
  out.update_time = v2Time(e.updateTime);
  out.is_deleted = e.deletedAt !== null;
  if (e.type === 'person') {
    out.first_name ??= null;
    out.last_name ??= null;
    out.picture_id = null;
  }
  if (e.type === 'deal') out.is_archived = e.core.is_archived === true;
  if (e.type !== 'activity' && e.type !== 'note') {
    const custom: Record<string, unknown> = {};
    for (const def of state.customDefs(e.type)) {
      if (opts.customKeys && !opts.customKeys.includes(def.key)) continue;
      custom[def.key] = encodeV2Custom(def, e.custom[def.key], opts.withLabels);
    }
    out.custom_fields = custom;
  }
  return out;
}

/** A v1 user reference. `has_pic` is a boolean on deals and 0/1 elsewhere (as Pipedrive's v1 spec describes each). */
function userObject(state: PipedriveState, id: unknown, booleanPic = false): Record<string, unknown> | null {
  if (typeof id !== 'number') return null;
  const u = state.user(id);
  return { id, name: u?.name ?? null, email: u?.email ?? null, has_pic: booleanPic ? false : 0, pic_hash: null, active_flag: u?.active_flag ?? true, value: id };
}

function orgObject(state: PipedriveState, id: unknown): Record<string, unknown> | null {
  if (typeof id !== 'number') return null;
  const o = state.get('organization', id);
  return {
    name: (o?.core.name as string) ?? null,
    people_count: 0,
    owner_id: o?.core.owner_id ?? null,
    address: (o?.core.address as { value?: string } | null)?.value ?? null,
    active_flag: o ? o.deletedAt === null : false,
    // the organization's Smart BCC address (mail sent to it lands on the organization)
    cc_email: `${state.companyDomain}+o${id}@pipedrivemail.com`,
    value: id,
  };
}

/** The v1 API object (§3.2): expanded owner/org objects, v1 times, flattened custom fields. */
export function serializeV1(state: PipedriveState, e: Entity): Record<string, unknown> {
  const out: Record<string, unknown> = { id: e.id, company_id: state.companyId };
  const c = e.core;
  for (const [k, v] of Object.entries(c)) {
    if (k === 'emails' || k === 'phones' || k === 'participants') continue;
    out[k] = TIME_KEYS.has(k) && typeof v === 'number' ? v1Time(v) : v;
  }
  out.active_flag = e.deletedAt === null;
  out.add_time = v1Time(e.addTime);
  out.update_time = v1Time(e.updateTime);
  if (typeof c.visible_to === 'number') out.visible_to = String(c.visible_to);
  if (e.type === 'person' || e.type === 'deal' || e.type === 'organization') out.owner_id = userObject(state, c.owner_id, e.type === 'deal');
  // v1 expands the creator to a user object, as it does the owner
  if (e.type === 'deal' && 'creator_user_id' in c) out.creator_user_id = userObject(state, c.creator_user_id, true);
  if (e.type === 'person') {
    out.org_id = orgObject(state, c.org_id);
    out.email = c.emails ?? [];
    out.phone = c.phones ?? [];
    out.primary_email = ((c.emails as { value: string; primary: boolean }[]) ?? []).find((m) => m.primary)?.value ?? null;
    out.first_char = String(c.name ?? '').charAt(0).toLowerCase();
    out.org_name = (out.org_id as { name?: string } | null)?.name ?? null;
    out.owner_name = (out.owner_id as { name?: string } | null)?.name ?? null;
  }
  if (e.type === 'organization') out.address = (c.address as { value?: string } | null)?.value ?? null;
  if (e.type === 'deal') {
    out.user_id = out.owner_id;
    out.org_id = orgObject(state, c.org_id);
    const p = typeof c.person_id === 'number' ? state.get('person', c.person_id) : undefined;
    out.person_id = p ? { name: p.core.name, value: p.id } : null;
    out.deleted = e.deletedAt !== null;
  }
  if (e.type === 'activity') {
    out.user_id = c.owner_id;
    out.participants = c.participants ?? [];
  }
  for (const def of state.customDefs(e.type)) Object.assign(out, encodeV1Custom(def, e.custom[def.key]));
  return out;
}

/** The reduced webhook v2 `data` object: typed custom fields, visible_to as a string (§5.2). */
export function serializeWebhook(state: PipedriveState, e: Entity): Record<string, unknown> {
  const c = e.core;
  const custom: Record<string, unknown> = {};
  for (const def of state.customDefs(e.type)) custom[def.key] = encodeWebhookCustom(def, e.custom[def.key]);
  const base = { id: e.id, add_time: v2Time(e.addTime), update_time: v2Time(e.updateTime) };
  switch (e.type) {
    case 'person':
      return {
        ...base,
        custom_fields: custom,
        emails: c.emails ?? [],
        first_name: c.first_name ?? null,
        label: null,
        label_ids: c.label_ids ?? [],
        last_name: c.last_name ?? null,
        name: c.name,
        org_id: c.org_id ?? null,
        owner_id: c.owner_id,
        phones: c.phones ?? [],
        visible_to: String(c.visible_to ?? 3),
      };
    case 'note':
      return { ...base, active_flag: e.deletedAt === null, ...c };
    case 'activity': {
      const out: Record<string, unknown> = { ...base };
      for (const [k, v] of Object.entries(c)) out[k] = timeV2(k, v);
      return out;
    }
    default: {
      const out: Record<string, unknown> = { ...base };
      for (const [k, v] of Object.entries(c)) out[k] = timeV2(k, v);
      out.visible_to = String(c.visible_to ?? 3);
      out.custom_fields = custom;
      if (e.type === 'deal') out.is_archived = e.core.is_archived === true;
      return out;
    }
  }
}

/** Webhook `previous`: the old values of the changed keys only, in the webhook format (§5.2). */
export function webhookPrevious(state: PipedriveState, before: Entity, keys: string[]): Record<string, unknown> {
  const full = serializeWebhook(state, before);
  const out: Record<string, unknown> = {};
  const customs: Record<string, unknown> = {};
  for (const k of keys) {
    if (HEX40.test(k)) customs[k] = (full.custom_fields as Record<string, unknown>)[k] ?? null;
    else out[k] = k in full ? full[k] : timeV2(k, before.core[k] ?? null);
  }
  if (Object.keys(customs).length > 0) out.custom_fields = customs;
  return out;
}

/** Search result item (§3.1: emails/phones as strings, owner/organization objects). */
export function searchItem(state: PipedriveState, e: Entity): Record<string, unknown> {
  const c = e.core;
  const org = typeof c.org_id === 'number' ? state.get('organization', c.org_id) : undefined;
  const orgRef = org ? { id: org.id, name: org.core.name, address: (org.core.address as { value?: string } | null)?.value ?? null } : null;
  switch (e.type) {
    case 'person':
      return {
        id: e.id,
        type: 'person',
        name: c.name,
        phones: ((c.phones as { value: string }[]) ?? []).map((p) => p.value),
        emails: ((c.emails as { value: string }[]) ?? []).map((m) => m.value),
        visible_to: c.visible_to,
        owner: { id: c.owner_id },
        organization: orgRef,
        custom_fields: [],
        notes: [],
        update_time: v2Time(e.updateTime),
      };
    case 'organization':
      return {
        id: e.id,
        type: 'organization',
        name: c.name,
        address: (c.address as { value?: string } | null)?.value ?? null,
        website: c.website ?? null,
        visible_to: c.visible_to,
        owner: { id: c.owner_id },
        custom_fields: [],
        notes: [],
        update_time: v2Time(e.updateTime),
      };
    default: {
      const p = typeof c.person_id === 'number' ? state.get('person', c.person_id) : undefined;
      const st = state.stages.find((s) => s.id === c.stage_id);
      return {
        id: e.id,
        type: 'deal',
        title: c.title,
        value: c.value,
        currency: c.currency,
        status: c.status,
        visible_to: c.visible_to,
        owner: { id: c.owner_id },
        stage: st ? { id: st.id, name: st.name } : null,
        person: p ? { id: p.id, name: p.core.name } : null,
        organization: orgRef,
        custom_fields: [],
        notes: [],
      };
    }
  }
}
