/**
 * Merging two records of a type (reference §3.8): `POST /crm/v3/objects/{type}/merge` with
 * `primaryObjectId` and `objectIdToMerge`. The primary keeps its id; the other is archived and its
 * associations move over (state.ts `merge`). Answers the merged record (200).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ObjectType } from '../schema.js';
import type { WriteSource } from '../state.js';
import { type RouteContext, allProps, fail, send, serialize } from '../routes.js';

type Rec = Record<string, unknown>;

/** Types HubSpot merges through the v3 objects API. */
const MERGEABLE: ObjectType[] = ['contacts', 'companies', 'deals'];

export function registerMergeRoutes(
  app: FastifyInstance,
  ctx: RouteContext,
  typeOr400: (reply: FastifyReply, seg: string) => ObjectType | null,
  notFound: (reply: FastifyReply, id: string) => FastifyReply,
  source: WriteSource,
): void {
  const { state } = ctx;
  app.post('/crm/v3/objects/:type/merge', async (req, reply) => {
    const type = typeOr400(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    if (!MERGEABLE.includes(type))
      return fail(
        ctx,
        reply,
        400,
        'VALIDATION_ERROR',
        `${type} cannot be merged; merge contacts, companies or deals.`,
      );
    const b = (req.body ?? {}) as { primaryObjectId?: unknown; objectIdToMerge?: unknown };
    for (const k of ['primaryObjectId', 'objectIdToMerge'] as const) {
      if (typeof b[k] !== 'string' || !/^\d+$/.test(b[k] as string))
        return fail(
          ctx,
          reply,
          400,
          'VALIDATION_ERROR',
          `${k} is required: the record id as a string of digits.`,
        );
    }
    const primaryId = String(b.primaryObjectId);
    const otherId = String(b.objectIdToMerge);
    if (primaryId === otherId)
      return fail(
        ctx,
        reply,
        400,
        'VALIDATION_ERROR',
        `Cannot merge ${type} ${primaryId} into itself: give two different ids.`,
      );
    const primary = state.live(type, Number(primaryId));
    if (!primary) return notFound(reply, primaryId);
    const other = state.live(type, Number(otherId));
    if (!other) return notFound(reply, otherId);
    state.merge(primary, other, source);
    return send(reply, 200, serialize(state, primary, allProps(primary)));
  });
}
