/**
 * The record page, `GET /ui/<object>/<id>`: the record as a rep would see it in Salesforce — its
 * fields, the ones this integration wrote last marked with when (from field history, §7.2), and the
 * activity timeline (Tasks and Events whose WhoId/WhatId is the record). Plain server-rendered HTML.
 */
import { normalizeId } from './ids.js';
import type { Row } from './soql-parser.js';
import type { SalesforceOrg } from './state.js';

const esc = (v: unknown) =>
  String(v ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** The HTML page, or undefined when the object or record does not exist (404). */
export function renderRecordPage(org: SalesforceOrg, objectName: string, idIn: string): string | undefined {
  const obj = org.object(objectName);
  const id = normalizeId(idIn);
  if (!obj || !id) return undefined;
  const row = org.rows(obj.name).get(id);
  if (!row) return undefined;

  // Latest history row per field: who wrote it last and when.
  const lastWrite = new Map<string, { by: string; at: string }>();
  if (obj.history) {
    const h = obj.history;
    for (const r of org.rows(h.object).values()) {
      if (r[h.parentField] !== id) continue;
      const field = String(r.Field);
      const prev = lastWrite.get(field);
      if (!prev || String(r.CreatedDate) >= prev.at) lastWrite.set(field, { by: String(r.CreatedById), at: String(r.CreatedDate) });
    }
  }
  const userName = (uid: unknown) => (typeof uid === 'string' ? String(org.lookup(uid)?.row.Name ?? uid) : '');
  const fields = obj.fields
    .filter((f) => f.type !== 'id' && (row[f.name] ?? null) !== null)
    .map((f) => {
      const w = lastWrite.get(f.name);
      const ai = w && w.by === org.integrationUserId ? ` <span class="ai">AI · ${esc(w.at)}</span>` : '';
      const value = f.type === 'reference' ? `${esc(row[f.name])} <small>${esc(userName(row[f.name]) !== row[f.name] ? userName(row[f.name]) : '')}</small>` : esc(row[f.name]);
      return `<tr><th>${esc(f.label)}</th><td>${value}${ai}</td></tr>`;
    })
    .join('');
  const timeline: Row[] = [];
  for (const t of ['Task', 'Event']) for (const r of org.rows(t).values()) if (r.WhoId === id || r.WhatId === id) timeline.push({ ...r, _type: t });
  timeline.sort((a, b) => String(b.CreatedDate).localeCompare(String(a.CreatedDate)));
  const items = timeline
    .slice(0, 200)
    .map((t) => `<li><b>${esc(t._type === 'Event' ? 'Event' : (t.TaskSubtype ?? 'Task'))}</b> ${esc(t.Subject)} <small>${esc(t.ActivityDate ?? t.StartDateTime)} · ${esc(userName(t.OwnerId))}${t.CreatedById === org.integrationUserId ? ' · AI' : ''}</small><div>${esc(t.Description)}</div></li>`)
    .join('');
  const title = esc(row.Name ?? row.Subject ?? id);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title} | ${esc(obj.label)}</title><style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#181818}h1{font-size:1.4rem}table{border-collapse:collapse}th{text-align:left;color:#555;font-weight:normal;padding:.2rem 1rem .2rem 0}
td{padding:.2rem 0}.ai{background:#e8f0fe;color:#1a56db;border-radius:4px;padding:0 .3rem;font-size:.8rem}li{margin:.5rem 0}small{color:#666}</style></head>
<body><p><small>${esc(obj.label)}</small></p><h1>${title}</h1><table>${fields}</table><h2>Activity</h2><ul>${items || '<li><small>No activities</small></li>'}</ul></body></html>`;
}
