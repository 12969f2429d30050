/**
 * The account's catalogue beside the records: single pipelines and stages (v2), archived deals and
 * deal products (v2), finding users (v1), and renaming a custom field or its options (v2). Paths
 * with a literal segment (`/deals/archived`, `/users/find`) are matched before `/:id` routes.
 */
import type { FieldDef } from '../fields.js';
import { fieldV2 } from '../fields.js';
import type { Pipeline, Stage } from '../state.js';
import { FIELD_ENTITIES, type FieldEntity } from '../state.js';
import { type Answer, FIELD_PATH, type Route, type RouteContext, badRequest, listV2, notFound, ok, userV1 } from '../routes.js';

const CATALOGUE_TIME = '2024-01-02T09:00:00Z';

export function pipelineV2(c: RouteContext, p: Pipeline): Record<string, unknown> {
  return { id: p.id, name: p.name, order_nr: p.id, is_deleted: false, is_deal_probability_enabled: true, add_time: CATALOGUE_TIME, update_time: CATALOGUE_TIME, is_selected: p.id === c.state.pipelines[0]?.id };
}

export function stageV2(s: Stage): Record<string, unknown> {
  return { id: s.id, order_nr: s.order_nr, name: s.name, is_deleted: false, deal_probability: s.deal_probability, pipeline_id: s.pipeline_id, is_deal_rot_enabled: false, days_to_rotten: null, add_time: CATALOGUE_TIME, update_time: CATALOGUE_TIME };
}

function byCode(c: RouteContext, type: FieldEntity, code: string): FieldDef | undefined {
  return c.state.fields[type].find((d) => d.key === code);
}

function fieldRoutes(type: FieldEntity): Omit<Route, 're' | 'names'>[] {
  const p = `/${FIELD_PATH[type]}`;
  return [
    {
      method: 'PATCH',
      version: 2,
      template: `${p}/:code`,
      op: 'write',
      handler: (c, r) => {
        const d = byCode(c, type, r.params.code);
        if (!d) return notFound(2, 'Field');
        if (!d.custom) return badRequest(2, `Validation failed: field ${d.key} is a system field and cannot be edited`);
        const b = (r.body ?? {}) as { field_name?: unknown };
        if (b.field_name !== undefined) {
          if (typeof b.field_name !== 'string' || b.field_name.length === 0 || b.field_name.length > 255) return badRequest(2, "Validation failed: field_name: Expected non-empty 'string'");
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
        const d = byCode(c, type, r.params.code);
        if (!d) return notFound(2, 'Field');
        if (!d.options) return badRequest(2, `Validation failed: field ${d.key} has no options`);
        if (!Array.isArray(r.body) || r.body.length === 0) return badRequest(2, "Validation failed: body: Expected non-empty 'array'");
        const changes = r.body as { id?: unknown; label?: unknown }[];
        for (const o of changes) {
          if (!d.options.some((x) => x.id === o.id)) return badRequest(2, `Validation failed: option ${String(o.id)} does not exist for field ${d.key}`);
          if (typeof o.label !== 'string' || o.label.length === 0) return badRequest(2, "Validation failed: label: Expected non-empty 'string'");
        }
        for (const o of changes) {
          const option = d.options.find((x) => x.id === o.id);
          if (option) option.label = o.label as string;
        }
        return { status: 200, body: { success: true, data: d.options.filter((x) => changes.some((o) => o.id === x.id)).map((x) => ({ id: x.id, label: x.label })), additional_data: null } };
      },
    },
  ];
}

export function catalogRoutes(): Omit<Route, 're' | 'names'>[] {
  return [
    {
      method: 'GET',
      version: 2,
      template: '/pipelines/:id',
      op: 'get',
      handler: (c, r) => {
        const p = c.state.pipelines.find((x) => x.id === Number(r.params.id));
        return p ? ok(pipelineV2(c, p)) : notFound(2, 'Pipeline');
      },
    },
    {
      method: 'GET',
      version: 2,
      template: '/stages/:id',
      op: 'get',
      handler: (c, r) => {
        const s = c.state.stages.find((x) => x.id === Number(r.params.id));
        return s ? ok(stageV2(s)) : notFound(2, 'Stage');
      },
    },
    { method: 'GET', version: 2, template: '/deals/archived', op: 'list', handler: (c, r) => listV2(c, r, 'deal', true) },
    {
      method: 'GET',
      version: 2,
      template: '/deals/products',
      op: 'list',
      handler: (_c, r) => {
        // The simulated company sells no products: every deal's product list is empty.
        if (!r.query.deal_ids) return badRequest(2, "Validation failed: deal_ids: Required parameter 'deal_ids' is missing");
        const ids = r.query.deal_ids.split(',').map(Number);
        if (ids.length > 100 || ids.some((n) => !Number.isInteger(n) || n <= 0)) return badRequest(2, 'Validation failed: deal_ids: Expected up to 100 positive integers');
        return ok([], { next_cursor: null });
      },
    },
    {
      method: 'GET',
      version: 1,
      template: '/users/find',
      op: 'get',
      handler: (c, r) => {
        const term = (r.query.term ?? '').trim().toLowerCase();
        if (term.length === 0) return badRequest(1, 'term is required');
        const byEmail = r.query.search_by_email === '1' || r.query.search_by_email === 'true';
        const hits = c.state.users.filter((u) => (byEmail ? u.email.toLowerCase() === term : u.name.toLowerCase().includes(term)));
        return ok(hits.length > 0 ? hits.map((u) => userV1(c, u.id)) : null);
      },
    },
    ...FIELD_ENTITIES.flatMap(fieldRoutes),
  ];
}
