/**
 * Followers of persons, organizations, deals and products (v2 `/{plural}/{id}/followers`): list,
 * add a user, remove one. A record's owner follows it until the list is changed; a user follows a
 * record once.
 */
import type { FollowedType, Follower } from '../catalog.js';
import { v2Time } from '../schema.js';
import {
  type Answer,
  type Route,
  type RouteContext,
  badRequest,
  decodeCursor,
  encodeCursor,
  notFound,
  ok,
} from '../routes.js';
import { checkedBody } from './body.js';

const PATHS: Record<FollowedType, [plural: string, title: string]> = {
  person: ['persons', 'Person'],
  organization: ['organizations', 'Organization'],
  deal: ['deals', 'Deal'],
  product: ['products', 'Product'],
};

/** The record's followers, or null when it does not exist (or is deleted). */
function followersOf(c: RouteContext, type: FollowedType, id: number): Follower[] | null {
  if (type === 'product') {
    const p = c.state.catalog.product(id);
    return p ? c.state.catalog.followersOf(type, id, { userId: p.owner_id, since: p.addTime }) : null;
  }
  const e = c.state.get(type, id);
  if (!e || e.deletedAt !== null) return null;
  const owner = typeof e.core.owner_id === 'number' ? e.core.owner_id : null;
  return c.state.catalog.followersOf(type, id, { userId: owner, since: e.addTime });
}

const followerV2 = (f: Follower) => ({ user_id: f.user_id, add_time: v2Time(f.addTime) });

export function followerRoutes(): Omit<Route, 're' | 'names'>[] {
  return (Object.keys(PATHS) as FollowedType[]).flatMap((type): Omit<Route, 're' | 'names'>[] => {
    const [plural, title] = PATHS[type];
    return [
      {
        method: 'GET',
        version: 2,
        template: `/${plural}/:id/followers`,
        op: 'list',
        handler: (c, r): Answer => {
          const list = followersOf(c, type, Number(r.params.id));
          if (!list) return notFound(2, title);
          const limit = r.query.limit === undefined ? 100 : Number(r.query.limit);
          if (!Number.isInteger(limit) || limit < 1 || limit > 500)
            return badRequest(2, 'Validation failed: limit: Expected an integer between 1 and 500');
          const cur = r.query.cursor ? decodeCursor(r.query.cursor) : { offset: 0 };
          if (!cur || typeof cur.offset !== 'number')
            return badRequest(2, `Validation failed: cursor: '${r.query.cursor}' is not a valid cursor`);
          const offset = cur.offset;
          return ok(list.slice(offset, offset + limit).map(followerV2), {
            next_cursor: offset + limit < list.length ? encodeCursor({ offset: offset + limit }) : null,
          });
        },
      },
      {
        method: 'POST',
        version: 2,
        template: `/${plural}/:id/followers`,
        op: 'write',
        handler: (c, r): Answer => {
          const id = Number(r.params.id);
          const list = followersOf(c, type, id);
          if (!list) return notFound(2, title);
          const b = checkedBody(r, { user_id: 'integer' }, ['user_id']);
          const userId = b.user_id as number;
          if (!c.state.user(userId))
            return badRequest(2, `Validation failed: user_id: User with id ${userId} does not exist`);
          if (list.some((f) => f.user_id === userId))
            return badRequest(
              2,
              `Validation failed: user_id: User ${userId} already follows this ${title.toLowerCase()}`,
            );
          const f: Follower = { user_id: userId, addTime: c.state.now() };
          c.state.catalog.setFollowers(type, id, [...list, f]);
          return { status: 201, body: { success: true, data: followerV2(f) } };
        },
      },
      {
        method: 'DELETE',
        version: 2,
        template: `/${plural}/:id/followers/:follower`,
        op: 'delete',
        handler: (c, r): Answer => {
          const id = Number(r.params.id);
          const list = followersOf(c, type, id);
          if (!list) return notFound(2, title);
          const userId = Number(r.params.follower);
          if (!list.some((f) => f.user_id === userId)) return notFound(2, 'Follower');
          c.state.catalog.setFollowers(
            type,
            id,
            list.filter((f) => f.user_id !== userId),
          );
          return ok({ user_id: userId });
        },
      },
    ];
  });
}
