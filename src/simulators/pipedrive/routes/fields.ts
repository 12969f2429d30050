import { CREATABLE_TYPES, fieldV1, fieldV2 } from '../schema.js';
import type { FieldEntity } from '../model.js';
import {
  type Answer,
  FIELD_PATH,
  type Route,
  type RouteContext,
  badRequest,
  bodyObject,
  decodeCursor,
  encodeCursor,
  notFound,
  ok,
  pageV1,
} from '../routes.js';

// ---------- fields ----------

export function fieldRoutes(type: FieldEntity): Omit<Route, 're' | 'names'>[] {
  const p = `/${FIELD_PATH[type]}`;
  const defs = (c: RouteContext) => c.state.fields[type];
  const create = (c: RouteContext, version: 1 | 2, body: Record<string, unknown>): Answer => {
    const name = version === 2 ? body.field_name : body.name;
    const ft = body.field_type;
    if (typeof name !== 'string' || name.length === 0 || name.length > 255)
      return badRequest(
        version,
        version === 2 ? "Validation failed: field_name: Expected non-empty 'string'" : 'Name must be given.',
      );
    if (typeof ft !== 'string' || !CREATABLE_TYPES.has(ft))
      return badRequest(version, `Validation failed: field_type: '${String(ft)}' is not a valid field type`);
    const opts = Array.isArray(body.options)
      ? body.options.map((o) => (typeof o === 'string' ? o : String((o as { label?: unknown }).label ?? '')))
      : [];
    if ((ft === 'enum' || ft === 'set') && opts.length === 0 && version === 2)
      return badRequest(2, 'Validation failed: options: Options are required for enum and set fields');
    const def = c.state.addCustomField(type, { name, field_type: ft, options: opts });
    return ok(version === 2 ? fieldV2(def) : fieldV1(def, defs(c).length));
  };
  const byCode = (c: RouteContext, code: string) => defs(c).find((f) => f.key === code);
  return [
    {
      method: 'GET',
      version: 1,
      template: p,
      op: 'fields',
      handler: (c, r) =>
        pageV1(
          defs(c).map((d, i) => fieldV1(d, i + 1)),
          r.query,
        ),
    },
    {
      method: 'GET',
      version: 1,
      template: `${p}/:id`,
      op: 'get',
      handler: (c, r) => {
        const d = defs(c).find((f) => f.id === Number(r.params.id));
        return d ? ok(fieldV1(d, defs(c).indexOf(d) + 1)) : notFound(1, 'Field');
      },
    },
    { method: 'POST', version: 1, template: p, op: 'write', handler: (c, r) => create(c, 1, bodyObject(r)) },
    {
      method: 'DELETE',
      version: 1,
      template: `${p}/:id`,
      op: 'delete',
      handler: (c, r) => {
        const d = defs(c).find((f) => f.id === Number(r.params.id));
        if (!d || !d.custom) return notFound(1, 'Field');
        c.state.deleteCustomField(type, d.key);
        return ok({ id: d.id });
      },
    },
    {
      method: 'GET',
      version: 2,
      template: p,
      op: 'fields',
      handler: (c, r) => {
        const limit = r.query.limit ? Number(r.query.limit) : 100;
        const cur = r.query.cursor ? decodeCursor(r.query.cursor) : { offset: 0 };
        const offset = typeof cur?.offset === 'number' ? cur.offset : 0;
        const all = defs(c);
        const page = all.slice(offset, offset + limit);
        return ok(page.map(fieldV2), {
          next_cursor: offset + limit < all.length ? encodeCursor({ offset: offset + limit }) : null,
        });
      },
    },
    {
      method: 'GET',
      version: 2,
      template: `${p}/:code`,
      op: 'get',
      handler: (c, r) => {
        const d = byCode(c, r.params.code);
        return d ? ok(fieldV2(d)) : notFound(2, 'Field');
      },
    },
    { method: 'POST', version: 2, template: p, op: 'write', handler: (c, r) => create(c, 2, bodyObject(r)) },
    {
      method: 'DELETE',
      version: 2,
      template: `${p}/:code`,
      op: 'delete',
      handler: (c, r) => {
        const d = byCode(c, r.params.code);
        if (!d || !d.custom) return notFound(2, 'Field');
        c.state.deleteCustomField(type, d.key);
        // v2 answers the deleted field itself
        return ok(fieldV2(d));
      },
    },
    {
      method: 'POST',
      version: 2,
      template: `${p}/:code/options`,
      op: 'write',
      handler: (c, r) => {
        const d = byCode(c, r.params.code);
        if (!d) return notFound(2, 'Field');
        if (d.field_type !== 'enum' && d.field_type !== 'set')
          return badRequest(2, `Validation failed: field ${d.key} has no options`);
        if (!Array.isArray(r.body)) return badRequest(2, "Validation failed: body: Expected 'array'");
        const added = c.state.addFieldOptions(
          d,
          (r.body as { label?: unknown }[]).map((o) => String(o.label ?? '')),
        );
        return { status: 200, body: { success: true, data: added, additional_data: null } };
      },
    },
    {
      // v1 update: a new name, and for enum and set fields the whole option list: options with an
      // id keep it (and take the new label), options without one are added, the ones left out are
      // deleted.
      method: 'PUT',
      version: 1,
      template: `${p}/:id`,
      op: 'write',
      handler: (c, r) => {
        const d = defs(c).find((f) => f.id === Number(r.params.id));
        if (!d) return notFound(1, 'Field');
        if (!d.custom) return badRequest(1, `Field ${d.key} is a system field and cannot be edited.`);
        const b = bodyObject(r);
        if (
          b.name !== undefined &&
          (typeof b.name !== 'string' || b.name.length === 0 || b.name.length > 255)
        )
          return badRequest(1, 'Name must be given.');
        let options: { id?: number; label: string }[] | undefined;
        if (b.options !== undefined) {
          if (!d.options) return badRequest(1, `Field ${d.key} has no options.`);
          // v1 takes the list as JSON, or as a JSON-encoded string in a form body.
          let raw: unknown = b.options;
          if (typeof raw === 'string') {
            try {
              raw = JSON.parse(raw);
            } catch {
              return badRequest(1, 'Options must be a JSON-encoded array of {id, label}.');
            }
          }
          if (!Array.isArray(raw) || raw.length === 0)
            return badRequest(1, 'Options must be a non-empty array of {id, label}.');
          options = [];
          for (const o of raw as { id?: unknown; label?: unknown }[]) {
            if (typeof o?.label !== 'string' || o.label.length === 0)
              return badRequest(1, 'Every option needs a label.');
            if (o.id !== undefined && !d.options.some((x) => x.id === Number(o.id)))
              return badRequest(1, `Option ${String(o.id)} does not exist for field ${d.key}.`);
            options.push({ id: o.id === undefined ? undefined : Number(o.id), label: o.label });
          }
        }
        if (typeof b.name === 'string') d.name = b.name;
        if (options && d.options) {
          const kept = options.filter((o) => o.id !== undefined).map((o) => o.id as number);
          c.state.removeFieldOptions(
            d,
            d.options.filter((x) => !kept.includes(x.id)).map((x) => x.id),
          );
          for (const o of options) {
            const existing = d.options.find((x) => x.id === o.id);
            if (existing) existing.label = o.label;
          }
          c.state.addFieldOptions(
            d,
            options.filter((o) => o.id === undefined).map((o) => o.label),
          );
        }
        return ok(fieldV1(d, defs(c).indexOf(d) + 1));
      },
    },
    {
      method: 'PATCH',
      version: 2,
      template: `${p}/:code`,
      op: 'write',
      handler: (c, r) => {
        const d = byCode(c, r.params.code);
        if (!d) return notFound(2, 'Field');
        if (!d.custom)
          return badRequest(2, `Validation failed: field ${d.key} is a system field and cannot be edited`);
        const b = (r.body ?? {}) as { field_name?: unknown };
        if (b.field_name !== undefined) {
          if (typeof b.field_name !== 'string' || b.field_name.length === 0 || b.field_name.length > 255)
            return badRequest(2, "Validation failed: field_name: Expected non-empty 'string'");
          d.name = b.field_name;
        }
        return ok(fieldV2(d));
      },
    },
    {
      method: 'PATCH',
      version: 2,
      template: `${p}/:code/options`,
      op: 'write',
      handler: (c, r): Answer => {
        const d = byCode(c, r.params.code);
        if (!d) return notFound(2, 'Field');
        if (!d.options) return badRequest(2, `Validation failed: field ${d.key} has no options`);
        if (!Array.isArray(r.body) || r.body.length === 0)
          return badRequest(2, "Validation failed: body: Expected non-empty 'array'");
        const changes = r.body as { id?: unknown; label?: unknown }[];
        for (const o of changes) {
          if (!d.options.some((x) => x.id === o.id))
            return badRequest(
              2,
              `Validation failed: option ${String(o.id)} does not exist for field ${d.key}`,
            );
          if (typeof o.label !== 'string' || o.label.length === 0)
            return badRequest(2, "Validation failed: label: Expected non-empty 'string'");
        }
        for (const o of changes) {
          const option = d.options.find((x) => x.id === o.id);
          if (option) option.label = o.label as string;
        }
        return {
          status: 200,
          body: {
            success: true,
            data: d.options
              .filter((x) => changes.some((o) => o.id === x.id))
              .map((x) => ({ id: x.id, label: x.label })),
            additional_data: null,
          },
        };
      },
    },
    {
      method: 'DELETE',
      version: 2,
      template: `${p}/:code/options`,
      op: 'write',
      handler: (c, r): Answer => {
        const d = byCode(c, r.params.code);
        if (!d) return notFound(2, 'Field');
        if (!d.options) return badRequest(2, `Validation failed: field ${d.key} has no options`);
        if (!Array.isArray(r.body) || r.body.length === 0)
          return badRequest(2, "Validation failed: body: Expected non-empty 'array'");
        const ids = (r.body as { id?: unknown }[]).map((o) => o?.id);
        for (const id of ids)
          if (!d.options.some((x) => x.id === id))
            return badRequest(2, `Validation failed: option ${String(id)} does not exist for field ${d.key}`);
        if (ids.length >= d.options.length)
          return badRequest(2, `Validation failed: field ${d.key} needs at least one option`);
        const removed = c.state.removeFieldOptions(d, ids as number[]);
        return {
          status: 200,
          body: {
            success: true,
            data: removed.map((x) => ({ id: x.id, label: x.label })),
            additional_data: null,
          },
        };
      },
    },
  ];
}
