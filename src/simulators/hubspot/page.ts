/**
 * The record page (`GET /ui/<contacts|companies|deals>/<id>`): the record as a rep would see it in
 * HubSpot — properties with labels (option labels, owner names), the ones last written by an
 * integration (history source INTEGRATION, §2.4) marked with when they were written, and the
 * timeline of notes, tasks, emails, meetings and calls associated with the record.
 */
import { ENGAGEMENT_TYPES, engagementTimelineItem, esc } from './engagements.js';
import type { ObjectType } from './schema.js';
import type { HsRecord, HubspotState } from './state.js';

export const PAGE_OBJECTS: Record<string, ObjectType> = {
  contacts: 'contacts',
  companies: 'companies',
  deals: 'deals',
};

function display(state: HubspotState, type: ObjectType, name: string, v: string): string {
  if (name === 'hubspot_owner_id') {
    const o = state.owners.find((x) => x.id === v);
    return o ? `${o.firstName} ${o.lastName}` : v;
  }
  const def = state.properties[type].get(name);
  if (def?.options.length)
    return v
      .split(';')
      .map((p) => def.options.find((o) => o.value === p)?.label ?? p)
      .join(', ');
  return v;
}

export function renderRecordPage(state: HubspotState, r: HsRecord): string {
  const defs = [...state.properties[r.type].values()];
  const rows = defs
    .filter((d) => r.props[d.name] !== undefined && d.name !== 'hs_object_id')
    .map((d) => {
      const last = state.historyOf(r, d.name)[0];
      const ai =
        last && last.sourceType === 'INTEGRATION'
          ? `<span class="ai" title="written by an integration (app ${esc(last.sourceId)})">AI · ${esc(last.timestamp)}</span>`
          : '';
      return `<tr><th>${esc(d.label)}</th><td>${esc(display(state, r.type, d.name, r.props[d.name]))} ${ai}</td></tr>`;
    })
    .join('');
  const timeline: { at: string; html: string }[] = [];
  for (const t of ['notes', 'tasks'] as const) {
    for (const a of state.associations(r.type, r.id, t)) {
      const x = state.get(t, a.id);
      if (!x) continue;
      const who = display(state, t, 'hubspot_owner_id', x.props.hubspot_owner_id ?? '');
      const at = x.props.hs_timestamp ?? new Date(x.createdAt).toISOString();
      timeline.push({
        at,
        html:
          t === 'notes'
            ? `<li><b>Note</b> · ${esc(at)} · ${esc(who)}<div>${esc(x.props.hs_note_body)}</div></li>`
            : `<li><b>Task</b> ${esc(x.props.hs_task_subject)} · due ${esc(at)} · ${esc(x.props.hs_task_status ?? '')} · ${esc(who)}${x.props.hs_task_body ? `<div>${esc(x.props.hs_task_body)}</div>` : ''}</li>`,
      });
    }
  }
  for (const t of ENGAGEMENT_TYPES) {
    for (const a of state.associations(r.type, r.id, t)) {
      const x = state.get(t, a.id);
      if (!x || x.archivedAt !== null) continue;
      const who = display(state, t, 'hubspot_owner_id', x.props.hubspot_owner_id ?? '');
      timeline.push({ at: x.props.hs_timestamp ?? new Date(x.createdAt).toISOString(), html: engagementTimelineItem(t, x.props, who) });
    }
  }
  timeline.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const title =
    r.type === 'contacts'
      ? [r.props.firstname, r.props.lastname].filter(Boolean).join(' ') || r.props.email || `Contact ${r.id}`
      : r.type === 'companies'
        ? r.props.name
        : r.props.dealname;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)} · HubSpot (simulated)</title>
<style>body{font:14px system-ui;margin:2em;max-width:60em}th{text-align:left;padding-right:1em;color:#555;font-weight:normal}.ai{background:#fff1e6;color:#b34a1a;border-radius:3px;padding:0 4px;font-size:12px}li{margin:.5em 0}li div{color:#333;margin-left:1em}</style></head>
<body><h1>${esc(title)}</h1><p>${esc(r.type)} ${r.id}${r.archivedAt !== null ? ' · archived' : ''} · last modified ${esc(new Date(r.updatedAt).toISOString())}</p>
<table>${rows}</table><h2>Timeline</h2><ul>${timeline.map((t) => t.html).join('') || '<li>Nothing yet.</li>'}</ul></body></html>`;
}
