/**
 * Pipelines and their stages (v2): list, read, add, update and delete one. A pipeline or stage
 * that still holds deals is not deleted (the deals would be left without a stage): move or delete
 * them first. Deleting a pipeline deletes its stages.
 */
import { v2Time } from '../schema.js';
import type { Pipeline, Stage } from '../model.js';
import { type Answer, type Route, type RouteContext, badRequest, intParam, notFound, ok } from '../routes.js';
import { checkedBody } from './body.js';

/** When the seeded pipelines and stages were made. */
const CATALOGUE_TIME = Date.UTC(2024, 0, 2, 9, 0, 0);

export function pipelineV2(c: RouteContext, p: Pipeline): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    order_nr: p.order_nr ?? p.id,
    is_deleted: false,
    is_deal_probability_enabled: p.is_deal_probability_enabled ?? true,
    add_time: v2Time(p.addTime ?? CATALOGUE_TIME),
    update_time: v2Time(p.updateTime ?? CATALOGUE_TIME),
    is_selected: p.id === c.state.pipelines[0]?.id,
  };
}

export function stageV2(s: Stage): Record<string, unknown> {
  return {
    id: s.id,
    order_nr: s.order_nr,
    name: s.name,
    is_deleted: false,
    deal_probability: s.deal_probability,
    pipeline_id: s.pipeline_id,
    is_deal_rot_enabled: s.is_deal_rot_enabled ?? false,
    days_to_rotten: s.days_to_rotten ?? null,
    add_time: v2Time(s.addTime ?? CATALOGUE_TIME),
    update_time: v2Time(s.updateTime ?? CATALOGUE_TIME),
  };
}

const PIPELINE_BODY = { name: 'string', is_deal_probability_enabled: 'boolean' } as const;
const STAGE_BODY = {
  name: 'string',
  pipeline_id: 'integer',
  deal_probability: 'integer',
  is_deal_rot_enabled: 'boolean',
  days_to_rotten: 'integer',
} as const;

/** Deals (not deleted) in any of `stageIds`. */
function dealsIn(c: RouteContext, stageIds: number[]): number {
  return c.state
    .all('deal')
    .filter((e) => e.deletedAt === null && stageIds.includes(e.core.stage_id as number)).length;
}

function stageFields(c: RouteContext, b: Record<string, unknown>, s: Stage): Answer | null {
  if (b.pipeline_id !== undefined && !c.state.pipelines.some((p) => p.id === b.pipeline_id))
    return badRequest(
      2,
      `Validation failed: pipeline_id: Pipeline with id ${String(b.pipeline_id)} does not exist`,
    );
  if (
    b.deal_probability !== undefined &&
    ((b.deal_probability as number) < 0 || (b.deal_probability as number) > 100)
  )
    return badRequest(2, 'Validation failed: deal_probability: Expected an integer between 0 and 100');
  if (typeof b.name === 'string') {
    if (b.name.trim() === '') return badRequest(2, "Validation failed: name: Expected non-empty 'string'");
    s.name = b.name;
  }
  if (typeof b.pipeline_id === 'number' && b.pipeline_id !== s.pipeline_id) {
    s.pipeline_id = b.pipeline_id;
    s.order_nr =
      Math.max(
        0,
        ...c.state.stages.filter((x) => x.pipeline_id === s.pipeline_id && x !== s).map((x) => x.order_nr),
      ) + 1;
  }
  if (typeof b.deal_probability === 'number') s.deal_probability = b.deal_probability;
  if (typeof b.is_deal_rot_enabled === 'boolean') s.is_deal_rot_enabled = b.is_deal_rot_enabled;
  if (typeof b.days_to_rotten === 'number') s.days_to_rotten = b.days_to_rotten;
  return null;
}

export function pipelineRoutes(): Omit<Route, 're' | 'names'>[] {
  return [
    {
      method: 'GET',
      version: 2,
      template: '/pipelines',
      op: 'list',
      handler: (c) =>
        ok(
          c.state.pipelines.map((p) => pipelineV2(c, p)),
          { next_cursor: null },
        ),
    },
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
      method: 'POST',
      version: 2,
      template: '/pipelines',
      op: 'write',
      handler: (c, r) => {
        const b = checkedBody(r, PIPELINE_BODY, ['name']);
        if ((b.name as string).trim() === '')
          return badRequest(2, "Validation failed: name: Expected non-empty 'string'");
        const p = c.state.addPipeline(b.name as string, []);
        const at = c.state.now();
        Object.assign(p, {
          order_nr: c.state.pipelines.length,
          is_deal_probability_enabled: b.is_deal_probability_enabled ?? false,
          addTime: at,
          updateTime: at,
        });
        return ok(pipelineV2(c, p));
      },
    },
    {
      method: 'PATCH',
      version: 2,
      template: '/pipelines/:id',
      op: 'write',
      handler: (c, r) => {
        const p = c.state.pipelines.find((x) => x.id === Number(r.params.id));
        if (!p) return notFound(2, 'Pipeline');
        const b = checkedBody(r, PIPELINE_BODY);
        if (typeof b.name === 'string') {
          if (b.name.trim() === '')
            return badRequest(2, "Validation failed: name: Expected non-empty 'string'");
          p.name = b.name;
        }
        if (typeof b.is_deal_probability_enabled === 'boolean')
          p.is_deal_probability_enabled = b.is_deal_probability_enabled;
        p.updateTime = c.state.now();
        return ok(pipelineV2(c, p));
      },
    },
    {
      method: 'DELETE',
      version: 2,
      template: '/pipelines/:id',
      op: 'delete',
      handler: (c, r) => {
        const p = c.state.pipelines.find((x) => x.id === Number(r.params.id));
        if (!p) return notFound(2, 'Pipeline');
        const stages = c.state.stages.filter((s) => s.pipeline_id === p.id);
        const held = dealsIn(
          c,
          stages.map((s) => s.id),
        );
        if (held > 0)
          return badRequest(
            2,
            `Validation failed: pipeline ${p.id} still holds ${held} deals: move them to another pipeline or delete them first`,
          );
        if (c.state.pipelines.length === 1)
          return badRequest(2, 'Validation failed: the last pipeline of a company cannot be deleted');
        c.state.pipelines.splice(c.state.pipelines.indexOf(p), 1);
        for (const s of stages) c.state.stages.splice(c.state.stages.indexOf(s), 1);
        return ok({ id: p.id });
      },
    },
    {
      method: 'GET',
      version: 2,
      template: '/stages',
      op: 'list',
      handler: (c, r) => {
        const pid = intParam(r.query, 'pipeline_id');
        const rows = c.state.stages.filter((s) => pid === undefined || s.pipeline_id === pid);
        return ok(rows.map(stageV2), { next_cursor: null });
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
    {
      method: 'POST',
      version: 2,
      template: '/stages',
      op: 'write',
      handler: (c, r) => {
        const b = checkedBody(r, STAGE_BODY, ['name', 'pipeline_id']);
        const at = c.state.now();
        const s: Stage = {
          id: Math.max(0, ...c.state.stages.map((x) => x.id)) + 1,
          name: '',
          pipeline_id: -1,
          order_nr: 0,
          deal_probability: 100,
          addTime: at,
          updateTime: at,
        };
        const bad = stageFields(c, b, s);
        if (bad) return bad;
        c.state.stages.push(s);
        return ok(stageV2(s));
      },
    },
    {
      method: 'PATCH',
      version: 2,
      template: '/stages/:id',
      op: 'write',
      handler: (c, r) => {
        const s = c.state.stages.find((x) => x.id === Number(r.params.id));
        if (!s) return notFound(2, 'Stage');
        const b = checkedBody(r, STAGE_BODY);
        const bad = stageFields(c, b, s);
        if (bad) return bad;
        s.updateTime = c.state.now();
        // deals in a moved stage follow it to its new pipeline
        for (const e of c.state.all('deal')) if (e.core.stage_id === s.id) e.core.pipeline_id = s.pipeline_id;
        return ok(stageV2(s));
      },
    },
    {
      method: 'DELETE',
      version: 2,
      template: '/stages/:id',
      op: 'delete',
      handler: (c, r) => {
        const s = c.state.stages.find((x) => x.id === Number(r.params.id));
        if (!s) return notFound(2, 'Stage');
        const held = dealsIn(c, [s.id]);
        if (held > 0)
          return badRequest(
            2,
            `Validation failed: stage ${s.id} still holds ${held} deals: move them to another stage or delete them first`,
          );
        c.state.stages.splice(c.state.stages.indexOf(s), 1);
        return ok({ id: s.id });
      },
    },
  ];
}
