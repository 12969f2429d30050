/**
 * Batch reads and writes (reference §3.7): up to 100 inputs (50 with property history); missing
 * ids answer 207 with OBJECT_NOT_FOUND; without `objectWriteTraceId` on every input one bad input
 * fails the whole batch, with them each bad input is its own error; update keyed by e-mail is
 * refused (§6).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { OBJECT_TYPE_IDS } from '../schema.js';
import { ConflictError, type HsRecord, ValuesError, type WriteSource } from '../state.js';
import { BATCH_MAX, type RouteContext, allProps, batchBody, fail, notFoundError, send, serialize, tooMany, typeOr400 } from '../routes.js';
import { HISTORY_BATCH_MAX, createAssociations, findBy, requestedProps, required, traceError, writeFailure } from './objects.js';

type Rec = Record<string, unknown>;

export function registerBatchRoutes(app: FastifyInstance, ctx: RouteContext, api: WriteSource): void {
  const { state } = ctx;
  const typeOf = (reply: FastifyReply, seg: string) => typeOr400(ctx, reply, seg);
  app.post('/crm/v3/objects/:type/batch/read', async (req, reply) => {
    const type = typeOf(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const started = new Date().toISOString();
    const b = (req.body ?? {}) as { inputs?: { id: string }[]; properties?: string[]; propertiesWithHistory?: string[]; idProperty?: string };
    const inputs = b.inputs ?? [];
    const hist = b.propertiesWithHistory && b.propertiesWithHistory.length > 0 ? b.propertiesWithHistory : undefined;
    if (hist && inputs.length > HISTORY_BATCH_MAX) return tooMany(ctx, reply, inputs.length, HISTORY_BATCH_MAX, true);
    if (inputs.length > BATCH_MAX) return tooMany(ctx, reply, inputs.length, BATCH_MAX);
    const archived = (req.query as Rec).archived === 'true';
    const props = requestedProps(type, b.properties && b.properties.length > 0 ? b.properties : undefined, hist);
    const results: Rec[] = [];
    const missing: string[] = [];
    const seen = new Set<number>();
    for (const i of inputs) {
      const r = findBy(state, type, String(i.id), b.idProperty, archived);
      if (!r) missing.push(String(i.id));
      else if (!seen.has(r.id)) {
        seen.add(r.id);
        results.push(serialize(state, r, props, hist));
      }
    }
    const errors = missing.length > 0 ? [notFoundError(type, missing)] : [];
    return send(reply, errors.length > 0 ? 207 : 200, batchBody(results, errors, started));
  });

  app.post('/crm/v3/objects/:type/batch/create', async (req, reply) => {
    const type = typeOf(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const started = new Date().toISOString();
    const inputs = ((req.body ?? {}) as { inputs?: { properties?: Rec; associations?: unknown; objectWriteTraceId?: string }[] }).inputs ?? [];
    if (inputs.length > BATCH_MAX) return tooMany(ctx, reply, inputs.length, BATCH_MAX);
    const traced = inputs.length > 0 && inputs.every((i) => typeof i.objectWriteTraceId === 'string');
    // Check everything first: without trace ids one bad input fails the whole batch (§3.7).
    const checked: (Record<string, string> | Rec)[] = [];
    const errors: Rec[] = [];
    const seenEmails = new Map<string, number>();
    for (const [n, i] of inputs.entries()) {
      try {
        const values = state.check(type, i.properties ?? {}, undefined);
        const missing = required(type, values);
        if (missing) throw missing;
        if (type === 'contacts') {
          const existing = state.emailConflict(values);
          if (existing !== undefined) throw new ConflictError(existing);
          const e = values.email?.toLowerCase();
          if (e && seenEmails.has(e)) throw new ValuesError([{ error: 'DUPLICATE_VALUE', name: 'email', message: `Duplicate email ${values.email} in inputs ${seenEmails.get(e)} and ${n}` }]);
          if (e) seenEmails.set(e, n);
        }
        checked.push(values);
      } catch (e) {
        if (!traced) return writeFailure(ctx, reply, e);
        checked.push({ __error: true });
        errors.push(traceError(e, i.objectWriteTraceId as string));
      }
    }
    const results: Rec[] = [];
    for (const [n, i] of inputs.entries()) {
      const values = checked[n];
      if ((values as Rec).__error) continue;
      const r = state.create(type, values as Record<string, string>, api);
      createAssociations(state, type, r.id, i.associations);
      results.push(serialize(state, r, allProps(r)));
    }
    return send(reply, errors.length > 0 ? 207 : 201, batchBody(results, errors, started));
  });

  app.post('/crm/v3/objects/:type/batch/update', async (req, reply) => {
    const type = typeOf(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const started = new Date().toISOString();
    const inputs = ((req.body ?? {}) as { inputs?: { id: string; idProperty?: string; properties?: Rec; objectWriteTraceId?: string }[] }).inputs ?? [];
    if (inputs.length > BATCH_MAX) return tooMany(ctx, reply, inputs.length, BATCH_MAX);
    if (inputs.some((i) => i.idProperty === 'email')) {
      // Batch update keyed by e-mail is refused (§3.7, §6).
      return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Unable to perform update/upsert by non-unique ${OBJECT_TYPE_IDS[type]} property`);
    }
    const traced = inputs.length > 0 && inputs.every((i) => typeof i.objectWriteTraceId === 'string');
    const missing: string[] = [];
    const errors: Rec[] = [];
    const planned: { r: HsRecord; values: Record<string, string> }[] = [];
    for (const i of inputs) {
      const r = findBy(state, type, String(i.id), i.idProperty);
      if (!r) {
        missing.push(String(i.id));
        continue;
      }
      try {
        const values = state.check(type, i.properties ?? {}, r);
        if (type === 'contacts') {
          const existing = state.emailConflict(values, r.id);
          if (existing !== undefined) throw new ConflictError(existing);
        }
        planned.push({ r, values });
      } catch (e) {
        if (!traced) return writeFailure(ctx, reply, e);
        errors.push(traceError(e, i.objectWriteTraceId as string));
      }
    }
    const results: Rec[] = [];
    for (const p of planned) {
      state.update(p.r, p.values, api);
      results.push(serialize(state, p.r, allProps(p.r)));
    }
    if (missing.length > 0) errors.push(notFoundError(type, missing));
    return send(reply, errors.length > 0 ? 207 : 200, batchBody(results, errors, started));
  });

  app.post('/crm/v3/objects/:type/batch/upsert', async (req, reply) => {
    const type = typeOf(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const started = new Date().toISOString();
    const inputs = ((req.body ?? {}) as { inputs?: { id: string; idProperty?: string; properties?: Rec }[] }).inputs ?? [];
    if (inputs.length > BATCH_MAX) return tooMany(ctx, reply, inputs.length, BATCH_MAX);
    const results: Rec[] = [];
    try {
      for (const i of inputs) {
        const r = findBy(state, type, String(i.id), i.idProperty);
        if (r) {
          state.update(r, state.check(type, i.properties ?? {}, r), api);
          results.push({ ...serialize(state, r, allProps(r)), new: false });
        } else {
          const seedKey = i.idProperty && i.idProperty !== 'hs_object_id' ? { [i.idProperty]: i.id } : {};
          const created = state.create(type, state.check(type, { ...seedKey, ...(i.properties ?? {}) }, undefined), api);
          results.push({ ...serialize(state, created, allProps(created)), new: true });
        }
      }
    } catch (e) {
      return writeFailure(ctx, reply, e);
    }
    return send(reply, 200, batchBody(results, [], started));
  });

  app.post('/crm/v3/objects/:type/batch/archive', async (req, reply) => {
    const type = typeOf(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const inputs = ((req.body ?? {}) as { inputs?: { id: string }[] }).inputs ?? [];
    if (inputs.length > BATCH_MAX) return tooMany(ctx, reply, inputs.length, BATCH_MAX);
    for (const i of inputs) {
      const r = findBy(state, type, String(i.id), undefined);
      if (r) state.archive(r, api);
    }
    return reply.code(204).send();
  });
}
