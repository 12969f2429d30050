/**
 * Owners (reference §5.6): the users records are assigned to, listed with paging and filtered by
 * e-mail, or read one by one.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type RouteContext, fail, send } from '../routes.js';

type Rec = Record<string, unknown>;

export function registerOwnerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { state } = ctx;
  // every seeded owner is a person (HubSpot's other owner type is QUEUE)
  const ownerJson = (o: (typeof state.owners)[number]) => ({ ...o, type: 'PERSON', teams: [] });
  // The SDK's ownersApi.getPage requests '/crm/v3/owners/' (trailing slash); HubSpot answers both.
  const listOwners = async (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.query as Rec;
    const limit = Math.min(Number(q.limit ?? 100) || 100, 500);
    const after = Number(q.after ?? 0) || 0;
    const archived = q.archived === 'true';
    const email = typeof q.email === 'string' ? q.email.toLowerCase() : undefined;
    const all = state.owners.filter((o) => o.archived === archived && (!email || o.email.toLowerCase() === email));
    const page = all.slice(after, after + limit);
    const body: Rec = { results: page.map(ownerJson) };
    if (after + limit < all.length) body.paging = { next: { after: String(after + limit) } };
    return send(reply, 200, body);
  };
  app.get('/crm/v3/owners', listOwners);

  app.get('/crm/v3/owners/:ownerId', async (req, reply) => {
    const id = String((req.params as Rec).ownerId);
    if (id === '') return listOwners(req, reply);
    const o = state.owners.find((x) => x.id === id);
    if (!o) return fail(ctx, reply, 404, 'OBJECT_NOT_FOUND', `Owner ${id} not found`, { context: { id: [id] } });
    return send(reply, 200, ownerJson(o));
  });
}
