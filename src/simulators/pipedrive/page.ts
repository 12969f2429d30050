/**
 * The record page (`GET /ui/<persons|organizations|deals>/<id>`): the record as a rep would see it
 * in Pipedrive — fields with labels (option labels, not ids), the ones last written by the
 * integration marked with when they were written, and the timeline of notes and activities.
 */
import { HEX40, type EntityType, v2Time } from './schema.js';
import type { Entity } from './model.js';
import type { PipedriveState } from './state.js';

const esc = (s: unknown) =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

export const PAGE_OBJECTS: Record<string, 'person' | 'organization' | 'deal'> = { persons: 'person', organizations: 'organization', deals: 'deal' };

function display(state: PipedriveState, type: 'person' | 'organization' | 'deal', key: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return '';
  const def = state.fieldDef(type, key);
  if (def?.options) {
    const label = (id: unknown) => def.options?.find((o) => o.id === id)?.label ?? String(id);
    return Array.isArray(v) ? v.map(label).join(', ') : label(v);
  }
  if (key === 'owner_id') return state.user(v as number)?.name ?? String(v);
  if (key === 'org_id') return String(state.get('organization', v as number)?.core.name ?? v);
  if (key === 'person_id') return String(state.get('person', v as number)?.core.name ?? v);
  if (key === 'stage_id') return state.stages.find((s) => s.id === v)?.name ?? String(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null && 'value' in x ? (x as { value: unknown }).value : x)).join(', ');
  if (typeof v === 'object') return String((v as { value?: unknown }).value ?? JSON.stringify(v));
  return String(v);
}

export function renderRecordPage(state: PipedriveState, type: 'person' | 'organization' | 'deal', e: Entity, integrationUserId: number): string {
  const defs = state.fields[type];
  // The last change of each field, to mark what the integration wrote (change_source api, §7.3).
  const last = new Map<string, { source: string; user: number; time: number }>();
  for (const r of state.changelog(type, e.id)) last.set(r.field_key, { source: r.change_source, user: r.actor_user_id, time: r.time });
  const rows = defs
    .filter((d) => !['add_time', 'update_time'].includes(d.key))
    .map((d) => {
      const raw = d.key === 'email' ? e.core.emails : d.key === 'phone' ? e.core.phones : HEX40.test(d.key) ? e.custom[d.key] : e.core[d.key];
      const shown = display(state, type, d.key, raw);
      const ch = last.get(d.key);
      const ai = ch && ch.source === 'api' && ch.user === integrationUserId ? `<span class="ai" title="written by the integration">AI · ${esc(v2Time(ch.time))}</span>` : '';
      return shown === '' && !ai ? '' : `<tr><th>${esc(d.name)}</th><td>${esc(shown)} ${ai}</td></tr>`;
    })
    .join('');
  const link = type === 'person' ? 'person_id' : type === 'organization' ? 'org_id' : 'deal_id';
  const timeline: { at: number; html: string }[] = [];
  for (const t of ['note', 'activity'] as EntityType[]) {
    for (const x of state.all(t)) {
      if (x.deletedAt !== null || x.core[link] !== e.id) continue;
      const who = state.user((x.core.user_id ?? x.core.owner_id) as number)?.name ?? '';
      timeline.push({
        at: x.addTime,
        html:
          t === 'note'
            ? `<li><b>Note</b> · ${esc(v2Time(x.addTime))} · ${esc(who)}<div>${esc(x.core.content)}</div></li>`
            : `<li><b>${esc(x.core.type)}</b> ${esc(x.core.subject)} · due ${esc(x.core.due_date)} · ${x.core.done ? 'done' : 'open'} · ${esc(who)}${x.core.note ? `<div>${esc(x.core.note)}</div>` : ''}</li>`,
      });
    }
  }
  timeline.sort((a, b) => b.at - a.at);
  const title = type === 'deal' ? e.core.title : e.core.name;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)} · Pipedrive (simulated)</title>
<style>body{font:14px system-ui;margin:2em;max-width:60em}th{text-align:left;padding-right:1em;color:#555;font-weight:normal}.ai{background:#e8f0ff;color:#1a4fb3;border-radius:3px;padding:0 4px;font-size:12px}li{margin:.5em 0}li div{color:#333;margin-left:1em}</style></head>
<body><h1>${esc(title)}</h1><p>${esc(type)} ${e.id}${e.deletedAt !== null ? ' · deleted' : ''} · updated ${esc(v2Time(e.updateTime))}</p>
<table>${rows}</table><h2>Timeline</h2><ul>${timeline.map((t) => t.html).join('') || '<li>Nothing yet.</li>'}</ul></body></html>`;
}
