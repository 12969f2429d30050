/**
 * Trigger flows, the pure part: which CRM actions an AI decision fires. A rule names an output and a
 * condition, and the actions to take; owners are chosen by round-robin or by territory.
 */
import { z } from 'zod';
import type { CrmAction, CrmUser, FieldValue, ObjectKind } from '../crm/types.js';

const condition = z
  .object({
    output: z.string(),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    in: z.array(z.union([z.string(), z.number()])).optional(),
    gte: z.number().optional(),
    lte: z.number().optional(),
  })
  .strict();

const assignment = z.union([
  z.object({ roundRobin: z.array(z.string()).min(1) }).strict(),
  z.object({ territory: z.object({ field: z.string(), owners: z.record(z.string(), z.string()), fallback: z.string().optional() }).strict() }).strict(),
  z.object({ ownerId: z.string() }).strict(),
]);

export const actionRuleSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    when: condition,
    assign: assignment.optional(),
    task: z.object({ subject: z.string(), body: z.string().optional(), dueInHours: z.number().positive().default(24) }).strict().optional(),
    stage: z.string().optional(),
    enroll: z.string().optional(),
    note: z.string().optional(),
  })
  .strict();

export type ActionRule = z.infer<typeof actionRuleSchema>;

export function conditionHolds(rule: ActionRule, outputs: Record<string, FieldValue>): boolean {
  const v = outputs[rule.when.output];
  if (v === undefined || v === null) return false;
  const w = rule.when;
  if (w.equals !== undefined && v !== w.equals) return false;
  if (w.in !== undefined && !w.in.includes(v as string | number)) return false;
  if (w.gte !== undefined && !(typeof v === 'number' && v >= w.gte)) return false;
  if (w.lte !== undefined && !(typeof v === 'number' && v <= w.lte)) return false;
  return true;
}

/** `{{field}}` in a task subject/body is the record's or the outputs' value. */
export function fillTemplate(text: string, values: Record<string, FieldValue>): string {
  return text.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_m, k: string) => {
    const v = values[k];
    return v === null || v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v);
  });
}

export interface ActionContext {
  object: ObjectKind;
  recordId: string;
  record: Record<string, FieldValue>;
  outputs: Record<string, FieldValue>;
  now: Date;
  /** Active users; an owner who is inactive is never assigned. */
  users: CrmUser[];
  /** Current round-robin position of this rule. */
  position: number;
  /** The owner this episode already assigned (a retry): kept, so the task goes to the same person. */
  assigned?: string;
}

export type ActionDecision = { actions: CrmAction[]; nextPosition: number; skipped: string[] };

/** The actions one rule fires for one record, and the round-robin position after it. */
export function decideActions(rule: ActionRule, ctx: ActionContext): ActionDecision {
  const skipped: string[] = [];
  if (!conditionHolds(rule, ctx.outputs)) return { actions: [], nextPosition: ctx.position, skipped: [`condition on ${rule.when.output} not met`] };
  const values = { ...ctx.record, ...ctx.outputs };
  const active = new Set(ctx.users.filter((u) => u.active).map((u) => u.id));
  const actions: CrmAction[] = [];
  let next = ctx.position;
  let owner: string | undefined;
  if (rule.assign && ctx.assigned) owner = ctx.assigned;
  else if (rule.assign) {
    if ('roundRobin' in rule.assign) {
      const pool = rule.assign.roundRobin.filter((id) => active.has(id));
      if (pool.length === 0) skipped.push('no active owner in the round-robin pool');
      else {
        owner = pool[ctx.position % pool.length];
        next = ctx.position + 1;
      }
    } else if ('territory' in rule.assign) {
      const t = rule.assign.territory;
      const key = String(ctx.record[t.field] ?? '');
      owner = t.owners[key] ?? t.fallback;
      if (!owner) skipped.push(`no owner for territory "${key}" and no fallback`);
      else if (!active.has(owner)) {
        skipped.push(`territory owner ${owner} is not an active user`);
        owner = undefined;
      }
    } else if (active.has(rule.assign.ownerId)) owner = rule.assign.ownerId;
    else skipped.push(`owner ${rule.assign.ownerId} is not an active user`);
  }
  if (rule.assign && owner) actions.push({ type: 'assign_owner', object: ctx.object, id: ctx.recordId, ownerId: owner });
  if (rule.stage) actions.push({ type: 'change_stage', object: ctx.object, id: ctx.recordId, stage: rule.stage });
  if (rule.task) {
    actions.push({
      type: 'create_task',
      object: ctx.object,
      id: ctx.recordId,
      subject: fillTemplate(rule.task.subject, values),
      body: rule.task.body ? fillTemplate(rule.task.body, values) : undefined,
      dueAt: new Date(ctx.now.getTime() + rule.task.dueInHours * 3600_000).toISOString(),
      ownerId: owner,
    });
  }
  if (rule.note) actions.push({ type: 'add_note', object: ctx.object, id: ctx.recordId, body: fillTemplate(rule.note, values) });
  if (rule.enroll) actions.push({ type: 'enroll', object: ctx.object, id: ctx.recordId, sequenceId: rule.enroll });
  return { actions, nextPosition: next, skipped };
}

/**
 * The idempotency key of one action: a rule acts once per episode of its condition on a record,
 * however often the record is processed, the job retried or the flow re-run. Not the record's
 * version: inrecord's own write (the score, an owner) moves that, and a retry would act again.
 */
export function actionKey(flow: string, rule: string, action: CrmAction, episode: number): string {
  return [flow, rule, action.object, action.id, action.type, `e${episode}`].join('|');
}

/** A rule's condition on one record, as last evaluated. */
export interface RuleState {
  holds: boolean;
  episode: number;
}

/**
 * The rule's state after evaluating its condition now: the first time it holds is episode 1; each
 * time it turns true again after having been false, the next episode. Actions fire while it holds,
 * keyed by the episode, so only a new episode can act again.
 */
export function nextRuleState(prev: RuleState | null, holds: boolean): RuleState {
  if (!prev) return { holds, episode: 1 };
  return { holds, episode: holds && !prev.holds ? prev.episode + 1 : prev.episode };
}
