import { type EntityType, v1Time } from '../schema.js';
import { serializeV1 } from '../serialize.js';
import { PLURAL, type Route, TITLE, badRequest, notFound, ok, pageV1, sec } from '../routes.js';
import { noteV1 } from './notes.js';

export function changelogRoute(type: 'person' | 'organization' | 'deal'): Omit<Route, 're' | 'names'> {
  return {
    method: 'GET',
    version: 1,
    template: `/${PLURAL[type]}/:id/changelog`,
    op: 'changelog',
    handler: (c, r) => {
      const e = c.state.get(type, Number(r.params.id));
      if (!e) return notFound(1, TITLE[type]);
      const limit = Math.min(500, Number(r.query.limit ?? 100) || 100);
      // Newest first; cursor = base64 "id:<row>" as in the spec example "aWQ6NTQ0" (§7.1).
      const rows = [...c.state.changelog(type, e.id)].reverse();
      let start = 0;
      if (r.query.cursor) {
        const m = /^id:(\d+)$/.exec(Buffer.from(r.query.cursor, 'base64').toString('utf8'));
        if (!m) return badRequest(1, 'Invalid cursor');
        const seq = Number(m[1]);
        start = rows.findIndex((x) => x.seq < seq);
        if (start < 0) start = rows.length;
      }
      const page = rows.slice(start, start + limit);
      const more = start + limit < rows.length;
      return ok(
        page.map((x) => ({
          field_key: x.field_key,
          old_value: x.old_value,
          new_value: x.new_value,
          actor_user_id: x.actor_user_id,
          time: v1Time(x.time),
          change_source: x.change_source,
          change_source_user_agent: x.change_source_user_agent,
          is_bulk_update_flag: x.is_bulk_update_flag,
        })),
        { next_cursor: more ? Buffer.from(`id:${page.at(-1)?.seq}`).toString('base64') : null },
      );
    },
  };
}

/** `/v1/{entity}/{id}/flow` (updates, §7.2): field changes, notes and activities, newest first. */
export function flowRoute(type: 'person' | 'organization' | 'deal'): Omit<Route, 're' | 'names'> {
  return {
    method: 'GET',
    version: 1,
    template: `/${PLURAL[type]}/:id/flow`,
    op: 'flow',
    handler: (c, r) => {
      const e = c.state.get(type, Number(r.params.id));
      if (!e) return notFound(1, TITLE[type]);
      const allChanges = r.query.all_changes === '1';
      const wanted = r.query.items ? new Set(r.query.items.split(',')) : null;
      const changeObject = `${type}Change`;
      const link = type === 'person' ? 'person_id' : type === 'organization' ? 'org_id' : 'deal_id';
      const items: { at: number; seq: number; item: Record<string, unknown> }[] = [];
      if (!wanted || wanted.has(changeObject) || wanted.has('change')) {
        for (const row of c.state.changelog(type, e.id)) {
          // Custom field changes only with all_changes=1 (§7.2).
          if (!allChanges && /^[0-9a-f]{40}$/.test(row.field_key)) continue;
          items.push({
            at: row.time,
            seq: row.seq,
            item: {
              object: changeObject,
              timestamp: v1Time(row.time),
              data: {
                id: row.seq,
                item_id: e.id,
                user_id: row.actor_user_id,
                field_key: row.field_key,
                old_value: row.old_value,
                new_value: row.new_value,
                is_bulk_update_flag: row.is_bulk_update_flag ? true : null,
                log_time: v1Time(row.time),
                change_source: row.change_source,
                change_source_user_agent: row.change_source_user_agent,
                additional_data: {},
              },
            },
          });
        }
      }
      for (const t of ['note', 'activity'] as const) {
        if (wanted && !wanted.has(t)) continue;
        for (const x of c.state.all(t)) {
          if (x.deletedAt !== null || x.core[link] !== e.id) continue;
          items.push({
            at: x.addTime,
            seq: 0,
            item: {
              object: t,
              timestamp: v1Time(x.addTime),
              data: t === 'note' ? noteV1(c, x) : serializeV1(c.state, x),
            },
          });
        }
      }
      items.sort((a, b) => b.at - a.at || b.seq - a.seq);
      return pageV1(
        items.map((x) => x.item),
        r.query,
      );
    },
  };
}

export function recentsRoutes(): Omit<Route, 're' | 'names'>[] {
  return [
    // Recent changes (v1 `/recents`, SDK v1.RecentsApi): every item updated at or after
    // since_timestamp, deleted ones included with `active_flag: false` — the one list that shows
    // deleted persons and organizations. Shape from the SDK's GetRecentsResponse model.
    {
      method: 'GET',
      version: 1,
      template: '/recents',
      op: 'list',
      handler: (c, r) => {
        const ts = r.query.since_timestamp;
        if (!ts || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(ts))
          return badRequest(1, 'since_timestamp must be given as YYYY-MM-DD HH:MM:SS');
        const since = sec(Date.parse(`${ts.replace(' ', 'T')}Z`));
        const wanted = (r.query.items ?? 'activity,deal,note,person,organization').split(',') as EntityType[];
        const rows = wanted
          .filter((t) => t in PLURAL)
          .flatMap((t) => c.state.all(t).filter((e) => sec(e.updateTime) >= since))
          .sort((a, b) => a.updateTime - b.updateTime || a.id - b.id);
        const res = pageV1(
          rows.map((e) => ({
            item: e.type,
            id: e.id,
            data: e.type === 'note' ? noteV1(c, e) : serializeV1(c.state, e),
          })),
          r.query,
        );
        const body = res.body as {
          data: { data: { update_time: string } }[] | null;
          additional_data: Record<string, unknown>;
        };
        body.additional_data.since_timestamp = ts;
        body.additional_data.last_timestamp_on_page = body.data?.at(-1)?.data.update_time ?? null;
        return res;
      },
    },
  ];
}
