/**
 * Associations v4 (reference §7): default and labelled associations one by one and in batch,
 * reading them, removing a pair or only some of its labels, and the association labels
 * (definitions) between two object types, HubSpot's own and the user's. Associations are
 * bidirectional: each type id has its inverse.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { OBJECT_TYPE_IDS, type ObjectType } from '../schema.js';
import { type AssociationTypeSpec, defaultAssociation } from '../state.js';
import { BATCH_MAX, type RouteContext, batchBody, fail, notFoundError, send, tooMany } from '../routes.js';

type Rec = Record<string, unknown>;

export function registerAssociationRoutes(
  app: FastifyInstance,
  ctx: RouteContext,
  typeOr400: (reply: FastifyReply, seg: string) => ObjectType | null,
  notFound: (reply: FastifyReply, id: string) => FastifyReply,
): void {
  const { state } = ctx;

  /** The route's two object types, or null once a 400 has been sent for the one HubSpot does not know. */
  const types = (reply: FastifyReply, p: Rec): { from: ObjectType; to: ObjectType } | null => {
    const from = typeOr400(reply, String(p.fromObjectType));
    if (!from) return null;
    const to = typeOr400(reply, String(p.toObjectType));
    return to ? { from, to } : null;
  };

  const pair = (
    reply: FastifyReply,
    p: Rec,
  ): { from: ObjectType; to: ObjectType; fromId: number; toId: number } | null => {
    const ends = types(reply, p);
    return ends ? { ...ends, fromId: Number(p.objectId), toId: Number(p.toObjectId) } : null;
  };

  app.put(
    '/crm/v4/objects/:fromObjectType/:objectId/associations/default/:toObjectType/:toObjectId',
    async (req, reply) => {
      const x = pair(reply, req.params as Rec);
      if (!x) return reply;
      if (!state.live(x.from, x.fromId) || !state.live(x.to, x.toId))
        return notFound(reply, String(state.live(x.from, x.fromId) ? x.toId : x.fromId));
      const t = defaultAssociation(x.from, x.to);
      if (!t)
        return fail(
          ctx,
          reply,
          400,
          'VALIDATION_ERROR',
          `No default association between ${x.from} and ${x.to}`,
        );
      const started = new Date().toISOString();
      state.associate(x.from, x.fromId, x.to, x.toId, [t[0]]);
      return send(
        reply,
        200,
        batchBody(
          [
            {
              from: { id: String(x.fromId) },
              to: { id: String(x.toId) },
              associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: t[0] },
            },
          ],
          [],
          started,
        ),
      );
    },
  );

  app.put(
    '/crm/v4/objects/:fromObjectType/:objectId/associations/:toObjectType/:toObjectId',
    async (req, reply) => {
      const x = pair(reply, req.params as Rec);
      if (!x) return reply;
      if (!state.live(x.from, x.fromId) || !state.live(x.to, x.toId))
        return notFound(reply, String(state.live(x.from, x.fromId) ? x.toId : x.fromId));
      const specs = (Array.isArray(req.body) ? req.body : []) as {
        associationCategory?: string;
        associationTypeId?: number;
      }[];
      const ids = specs.map((s) => Number(s.associationTypeId));
      const bad = ids.find((t) => !state.isKnownType(x.from, x.to, t));
      if (bad !== undefined || ids.length === 0)
        return fail(
          ctx,
          reply,
          400,
          'VALIDATION_ERROR',
          `association type id ${bad ?? '(none)'} is not valid between ${x.from} and ${x.to}`,
        );
      state.associate(x.from, x.fromId, x.to, x.toId, ids);
      const labels = ids
        .map((t) => state.assoc.typeSpec(x.from, x.to, t).label)
        .filter((l): l is string => l !== null);
      return send(reply, 201, {
        fromObjectTypeId: OBJECT_TYPE_IDS[x.from],
        fromObjectId: x.fromId,
        toObjectTypeId: OBJECT_TYPE_IDS[x.to],
        toObjectId: x.toId,
        labels,
      });
    },
  );

  const assocTypes = (from: ObjectType, to: ObjectType, types: number[]) =>
    types.map((t) => state.assoc.typeSpec(from, to, t));

  app.get('/crm/v4/objects/:fromObjectType/:objectId/associations/:toObjectType', async (req, reply) => {
    const p = req.params as Rec;
    const ends = types(reply, p);
    if (!ends) return reply;
    const { from, to } = ends;
    const q = req.query as Rec;
    const limit = Math.min(Number(q.limit ?? 500) || 500, 500);
    const after = Number(q.after ?? 0) || 0;
    const all = state.associations(from, Number(p.objectId), to);
    const page = all.slice(after, after + limit);
    // Ids go out as numbers, as in the docs' wire examples (§7.2, §16.10).
    const body: Rec = {
      results: page.map((a) => ({ toObjectId: a.id, associationTypes: assocTypes(from, to, a.types) })),
    };
    if (after + limit < all.length) body.paging = { next: { after: String(after + limit) } };
    return send(reply, 200, body);
  });

  app.delete(
    '/crm/v4/objects/:fromObjectType/:objectId/associations/:toObjectType/:toObjectId',
    async (req, reply) => {
      const x = pair(reply, req.params as Rec);
      if (!x) return reply;
      state.dissociate(x.from, x.fromId, x.to, x.toId);
      return reply.code(204).send();
    },
  );

  app.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/read', async (req, reply) => {
    const p = req.params as Rec;
    const ends = types(reply, p);
    if (!ends) return reply;
    const { from, to } = ends;
    const started = new Date().toISOString();
    const inputs = ((req.body ?? {}) as { inputs?: { id: string }[] }).inputs ?? [];
    if (inputs.length > 1000) return tooMany(ctx, reply, inputs.length, 1000);
    const results: Rec[] = [];
    const missing: string[] = [];
    for (const i of inputs) {
      if (!state.live(from, Number(i.id))) {
        missing.push(String(i.id));
        continue;
      }
      const found = state.associations(from, Number(i.id), to);
      results.push({
        from: { id: String(i.id) },
        to: found.map((a) => ({ toObjectId: a.id, associationTypes: assocTypes(from, to, a.types) })),
      });
    }
    const errors = missing.length > 0 ? [notFoundError(from, missing)] : [];
    return send(reply, errors.length > 0 ? 207 : 200, batchBody(results, errors, started));
  });

  app.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/create', async (req, reply) => {
    const p = req.params as Rec;
    const ends = types(reply, p);
    if (!ends) return reply;
    const { from, to } = ends;
    const started = new Date().toISOString();
    const inputs =
      (
        (req.body ?? {}) as {
          inputs?: { from: { id: string }; to: { id: string }; types: { associationTypeId: number }[] }[];
        }
      ).inputs ?? [];
    const results: Rec[] = [];
    const errors: Rec[] = [];
    for (const i of inputs) {
      const fromId = Number(i.from?.id);
      const toId = Number(i.to?.id);
      if (!state.live(from, fromId) || !state.live(to, toId)) {
        errors.push(
          notFoundError(state.live(from, fromId) ? to : from, [
            String(state.live(from, fromId) ? toId : fromId),
          ]),
        );
        continue;
      }
      const ids = (i.types ?? [])
        .map((t) => Number(t.associationTypeId))
        .filter((t) => state.isKnownType(from, to, t));
      state.associate(from, fromId, to, toId, ids);
      results.push({
        fromObjectTypeId: OBJECT_TYPE_IDS[from],
        fromObjectId: fromId,
        toObjectTypeId: OBJECT_TYPE_IDS[to],
        toObjectId: toId,
        labels: ids.map((t) => state.assoc.typeSpec(from, to, t).label).filter((l) => l !== null),
      });
    }
    return send(reply, errors.length > 0 ? 207 : 201, batchBody(results, errors, started));
  });

  // Bulk unassociate: removes every association between each pair (204, like the single DELETE).
  app.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/archive', async (req, reply) => {
    const p = req.params as Rec;
    const ends = types(reply, p);
    if (!ends) return reply;
    const { from, to } = ends;
    const inputs = ((req.body ?? {}) as { inputs?: { from?: { id?: string }; to?: { id?: string }[] }[] })
      .inputs;
    if (!Array.isArray(inputs))
      return fail(
        ctx,
        reply,
        400,
        'VALIDATION_ERROR',
        'inputs is required: [{ from: { id }, to: [{ id }] }]',
      );
    if (inputs.length > BATCH_MAX)
      return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Batch input limit is ${BATCH_MAX}.`);
    for (const i of inputs)
      for (const t of i.to ?? []) state.dissociate(from, Number(i.from?.id), to, Number(t.id));
    return reply.code(204).send();
  });

  // Removes only the listed type ids (labels) of each pair; the pair stays associated by its others.
  app.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/labels/archive', async (req, reply) => {
    const p = req.params as Rec;
    const ends = types(reply, p);
    if (!ends) return reply;
    const { from, to } = ends;
    const inputs = (
      (req.body ?? {}) as {
        inputs?: { from?: { id?: string }; to?: { id?: string }; types?: { associationTypeId?: number }[] }[];
      }
    ).inputs;
    if (!Array.isArray(inputs))
      return fail(
        ctx,
        reply,
        400,
        'VALIDATION_ERROR',
        'inputs is required: [{ from: { id }, to: { id }, types: [{ associationCategory, associationTypeId }] }]',
      );
    if (inputs.length > BATCH_MAX)
      return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Batch input limit is ${BATCH_MAX}.`);
    for (const i of inputs) {
      const ids = (i.types ?? []).map((t) => Number(t.associationTypeId));
      const bad = ids.find((t) => !state.isKnownType(from, to, t));
      if (bad !== undefined)
        return fail(
          ctx,
          reply,
          400,
          'VALIDATION_ERROR',
          `association type id ${bad} is not valid between ${from} and ${to}`,
        );
    }
    for (const i of inputs)
      state.assoc.removeTypes(
        from,
        Number(i.from?.id),
        to,
        Number(i.to?.id),
        (i.types ?? []).map((t) => Number(t.associationTypeId)),
      );
    return reply.code(204).send();
  });

  // ---------- association labels (definitions) ----------
  // Served at the path the official client's DefinitionsApi calls and at the one the published
  // spec names (`/crm/associations/v4/…`, the client's LabelsApi).

  const pairTypes = (reply: FastifyReply, p: Rec): [ObjectType, ObjectType] | null => {
    const ends = types(reply, p);
    if (!ends) return null;
    const { from, to } = ends;
    if (defaultAssociation(from, to) === undefined) {
      fail(ctx, reply, 400, 'VALIDATION_ERROR', `${from} and ${to} cannot be associated.`);
      return null;
    }
    return [from, to];
  };
  const specJson = (from: ObjectType, to: ObjectType, s: AssociationTypeSpec): Rec => ({
    ...s,
    fromObjectTypeId: OBJECT_TYPE_IDS[from],
    toObjectTypeId: OBJECT_TYPE_IDS[to],
  });

  for (const base of [
    '/crm/v4/associations/:fromObjectType/:toObjectType/labels',
    '/crm/associations/v4/:fromObjectType/:toObjectType/labels',
  ]) {
    app.get(base, async (req, reply) => {
      const found = pairTypes(reply, req.params as Rec);
      if (!found) return reply;
      const [from, to] = found;
      return send(reply, 200, {
        results: state.assoc.typesBetween(from, to).map((s) => specJson(from, to, s)),
      });
    });

    app.post(base, async (req, reply) => {
      const found = pairTypes(reply, req.params as Rec);
      if (!found) return reply;
      const [from, to] = found;
      const b = (req.body ?? {}) as { name?: unknown; label?: unknown; inverseLabel?: unknown };
      if (typeof b.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(b.name))
        return fail(
          ctx,
          reply,
          400,
          'VALIDATION_ERROR',
          'name is required: letters, digits and underscores, starting with a letter.',
        );
      if (typeof b.label !== 'string' || b.label.trim() === '')
        return fail(ctx, reply, 400, 'VALIDATION_ERROR', 'label is required.');
      if (b.inverseLabel !== undefined && typeof b.inverseLabel !== 'string')
        return fail(ctx, reply, 400, 'VALIDATION_ERROR', 'inverseLabel must be a string.');
      const name = b.name;
      if (
        state.assoc.labels.some(
          (l) => ((l.from === from && l.to === to) || (l.from === to && l.to === from)) && l.name === name,
        )
      ) {
        return fail(
          ctx,
          reply,
          409,
          'CONFLICT',
          `An association label named '${name}' already exists between ${from} and ${to}.`,
        );
      }
      const l = state.assoc.addLabel(from, to, name, b.label, (b.inverseLabel as string | undefined) ?? null);
      if (!l) return fail(ctx, reply, 400, 'VALIDATION_ERROR', `${from} and ${to} cannot be associated.`);
      return send(reply, 200, {
        results: [
          specJson(from, to, state.assoc.typeSpec(from, to, l.typeId)),
          specJson(to, from, state.assoc.typeSpec(to, from, l.inverseTypeId)),
        ],
      });
    });

    app.put(base, async (req, reply) => {
      const found = pairTypes(reply, req.params as Rec);
      if (!found) return reply;
      const [from, to] = found;
      const b = (req.body ?? {}) as { associationTypeId?: unknown; label?: unknown; inverseLabel?: unknown };
      const t = Number(b.associationTypeId);
      if (typeof b.label !== 'string' || b.label.trim() === '')
        return fail(ctx, reply, 400, 'VALIDATION_ERROR', 'label is required.');
      const l = state.assoc.labelOf(from, to, t);
      if (!l) {
        return state.isKnownType(from, to, t)
          ? fail(
              ctx,
              reply,
              400,
              'VALIDATION_ERROR',
              `Association type ${t} is defined by HubSpot: its label cannot change.`,
            )
          : fail(
              ctx,
              reply,
              404,
              'OBJECT_NOT_FOUND',
              `No association label with type id ${b.associationTypeId} between ${from} and ${to}.`,
            );
      }
      // The label is the one of the direction the path names; inverseLabel that of the other.
      const forward = l.from === from && l.typeId === t;
      if (forward) {
        l.label = b.label;
        if (typeof b.inverseLabel === 'string') l.inverseLabel = b.inverseLabel;
      } else {
        l.inverseLabel = b.label;
        if (typeof b.inverseLabel === 'string') l.label = b.inverseLabel;
      }
      return reply.code(204).send();
    });

    app.delete(`${base}/:associationTypeId`, async (req, reply) => {
      const p = req.params as Rec;
      const found = pairTypes(reply, p);
      if (!found) return reply;
      const [from, to] = found;
      const t = Number(p.associationTypeId);
      const l = state.assoc.labelOf(from, to, t);
      if (!l) {
        return state.isKnownType(from, to, t)
          ? fail(
              ctx,
              reply,
              400,
              'VALIDATION_ERROR',
              `Association type ${t} is defined by HubSpot and cannot be deleted.`,
            )
          : fail(
              ctx,
              reply,
              404,
              'OBJECT_NOT_FOUND',
              `No association label with type id ${p.associationTypeId} between ${from} and ${to}.`,
            );
      }
      state.assoc.removeLabel(l);
      return reply.code(204).send();
    });
  }
}
