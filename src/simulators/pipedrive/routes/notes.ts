import { RFC3339, decodeV1 } from '../entities.js';
import { serializeV1 } from '../serialize.js';
import type { Entity } from '../model.js';
import {
  type Route,
  type RouteContext,
  badRequest,
  bodyObject,
  intParam,
  notFound,
  ok,
  pageV1,
  sec,
} from '../routes.js';
import { applyCreate, applyUpdate, v1Sort } from './entities.js';

export function noteV1(c: RouteContext, e: Entity): Record<string, unknown> {
  const n = serializeV1(c.state, e);
  const u = c.state.user(e.core.user_id as number);
  const d = typeof e.core.deal_id === 'number' ? c.state.get('deal', e.core.deal_id) : undefined;
  const p = typeof e.core.person_id === 'number' ? c.state.get('person', e.core.person_id) : undefined;
  const o = typeof e.core.org_id === 'number' ? c.state.get('organization', e.core.org_id) : undefined;
  delete n.company_id;
  return {
    ...n,
    deal_id: e.core.deal_id ?? null,
    person_id: e.core.person_id ?? null,
    org_id: e.core.org_id ?? null,
    lead_id: e.core.lead_id ?? null,
    last_update_user_id: e.core.user_id,
    deal: d ? { title: d.core.title } : null,
    person: p ? { name: p.core.name } : null,
    organization: o ? { name: o.core.name } : null,
    user: u ? { email: u.email, icon_url: null, is_you: u.id === c.tokenUserId, name: u.name } : null,
  };
}

export function noteRoutes(): Omit<Route, 're' | 'names'>[] {
  return [
    // Notes: v1 only (§3.6).
    {
      method: 'GET',
      version: 1,
      template: '/notes',
      op: 'list',
      handler: (c, r) => {
        const q = r.query;
        const f: ((e: Entity) => boolean)[] = [(e) => e.deletedAt === null];
        for (const k of ['user_id', 'deal_id', 'person_id', 'org_id', 'project_id'] as const) {
          const v = intParam(q, k);
          if (v !== undefined) f.push((e) => e.core[k] === v);
        }
        if (q.lead_id) f.push((e) => e.core.lead_id === q.lead_id);
        if (q.updated_since) {
          if (!RFC3339.test(q.updated_since))
            return badRequest(1, `updated_since: '${q.updated_since}' is not a valid datetime`);
          const s = sec(Date.parse(q.updated_since));
          f.push((e) => sec(e.updateTime) >= s);
        }
        if (q.start_date) f.push((e) => new Date(e.addTime).toISOString().slice(0, 10) >= q.start_date);
        if (q.end_date) f.push((e) => new Date(e.addTime).toISOString().slice(0, 10) <= q.end_date);
        const rows = v1Sort(
          c.state.all('note').filter((e) => f.every((x) => x(e))),
          q.sort,
        );
        return pageV1(
          rows.map((e) => noteV1(c, e)),
          q,
        );
      },
    },
    {
      method: 'GET',
      version: 1,
      template: '/notes/:id',
      op: 'get',
      handler: (c, r) => {
        const e = c.state.get('note', Number(r.params.id));
        return e && e.deletedAt === null ? ok(noteV1(c, e)) : notFound(1, 'Note');
      },
    },
    {
      method: 'POST',
      version: 1,
      template: '/notes',
      op: 'write',
      handler: (c, r) =>
        ok(noteV1(c, applyCreate(c, r, 'note', decodeV1(c.state, 'note', bodyObject(r), 'create')))),
    },
    {
      method: 'PUT',
      version: 1,
      template: '/notes/:id',
      op: 'write',
      handler: (c, r) => {
        const e = c.state.get('note', Number(r.params.id));
        if (!e || e.deletedAt !== null) return notFound(1, 'Note');
        return ok(noteV1(c, applyUpdate(c, r, e, decodeV1(c.state, 'note', bodyObject(r), 'update'))));
      },
    },
    {
      method: 'DELETE',
      version: 1,
      template: '/notes/:id',
      op: 'delete',
      handler: (c, r) => {
        const e = c.state.get('note', Number(r.params.id));
        if (!e || e.deletedAt !== null) return notFound(1, 'Note');
        c.state.remove(e, r.actor);
        return ok(true);
      },
    },
  ];
}
