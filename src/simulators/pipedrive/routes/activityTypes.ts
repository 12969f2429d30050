/**
 * Activity types (v1 `/activityTypes`): the six Pipedrive starts with and the company's own; add,
 * update, and delete (which marks the type inactive: it stays listed with `active_flag: false`).
 */
import { ACTIVITY_ICONS, type ActivityType } from '../catalog.js';
import { v1Time } from '../schema.js';
import { type Route, badRequest, notFound, ok } from '../routes.js';
import { checkedBody } from './body.js';

export function activityTypeV1(t: ActivityType): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    icon_key: t.icon_key,
    color: t.color,
    order_nr: t.order_nr,
    key_string: t.key_string,
    active_flag: t.active_flag,
    is_custom_flag: t.is_custom_flag,
    add_time: v1Time(t.addTime),
    update_time: v1Time(t.updateTime),
  };
}

const BODY = { name: 'string', icon_key: ACTIVITY_ICONS, color: 'string', order_nr: 'integer' } as const;
const HEX_COLOR = /^[0-9A-Fa-f]{6}$/;

export function activityTypeRoutes(): Omit<Route, 're' | 'names'>[] {
  return [
    {
      method: 'GET',
      version: 1,
      template: '/activityTypes',
      op: 'list',
      handler: (c) => ok(c.state.catalog.activityTypes.map(activityTypeV1)),
    },
    {
      method: 'POST',
      version: 1,
      template: '/activityTypes',
      op: 'write',
      handler: (c, r) => {
        const b = checkedBody(r, BODY, ['name', 'icon_key']);
        if ((b.name as string).trim() === '') return badRequest(1, 'Name must be given.');
        if (b.color !== undefined && !HEX_COLOR.test(b.color as string))
          return badRequest(1, 'Color must be a 6-character HEX value, e.g. FFFFFF.');
        const t = c.state.catalog.addActivityType(
          {
            name: b.name as string,
            icon_key: b.icon_key as string,
            color: (b.color as string | undefined) ?? 'FFFFFF',
          },
          c.state.now(),
        );
        return ok(activityTypeV1(t));
      },
    },
    {
      method: 'PUT',
      version: 1,
      template: '/activityTypes/:id',
      op: 'write',
      handler: (c, r) => {
        const t = c.state.catalog.activityTypes.find((x) => x.id === Number(r.params.id));
        if (!t) return notFound(1, 'Activity type');
        const b = checkedBody(r, BODY);
        if (b.color !== undefined && !HEX_COLOR.test(b.color as string))
          return badRequest(1, 'Color must be a 6-character HEX value, e.g. FFFFFF.');
        if (typeof b.name === 'string' && b.name.trim() !== '') t.name = b.name;
        if (typeof b.icon_key === 'string') t.icon_key = b.icon_key;
        if (typeof b.color === 'string') t.color = b.color;
        if (typeof b.order_nr === 'number') t.order_nr = b.order_nr;
        t.updateTime = c.state.now();
        return ok(activityTypeV1(t));
      },
    },
    {
      method: 'DELETE',
      version: 1,
      template: '/activityTypes/:id',
      op: 'delete',
      handler: (c, r) => {
        const t = c.state.catalog.activityTypes.find((x) => x.id === Number(r.params.id) && x.active_flag);
        if (!t) return notFound(1, 'Activity type');
        t.active_flag = false;
        t.updateTime = c.state.now();
        return ok(activityTypeV1(t));
      },
    },
  ];
}
