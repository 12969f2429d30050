/**
 * Fires the CRM actions an AI decision calls for — each once per episode of its rule's condition on
 * the record (rule_state): processing the record again, a retried job or a re-run finds the actions
 * of the current episode logged and does not repeat them; the condition turning false and then true
 * again is a new decision. An action is logged as pending before the call and done after it; one
 * found still pending (the worker died mid-call, or the call timed out) cannot be known to have
 * happened or not, so it goes to the review queue instead of risking a second task.
 */
import type { CrmAction, CrmConnector, CrmUser } from '../crm/types.js';
import { isInrecordError } from '../errors/index.js';
import { openReviewItems } from '../review/index.js';
import type { Sql, Store } from '../store/index.js';
import { type ActionContext, type ActionRule, actionKey, conditionHolds, decideActions, nextRuleState, type RuleState } from './rules.js';

export interface FiredAction {
  rule: string;
  action: CrmAction;
  outcome: 'done' | 'already-done' | 'uncertain' | 'failed';
  createdId?: string;
  error?: string;
}

export interface FireReport {
  fired: FiredAction[];
  skipped: string[];
}

export interface FireInput {
  flow: string;
  rules: ActionRule[];
  context: Omit<ActionContext, 'users' | 'position' | 'assigned'>;
}

/** Evaluates each rule's condition on the record, moves its episode, and fires what the episode has not fired yet. */
export async function fireActions(deps: { connector: CrmConnector; store: Store; users?: CrmUser[] }, input: FireInput): Promise<FireReport> {
  const { connector, store } = deps;
  const { object, recordId } = input.context;
  const report: FireReport = { fired: [], skipped: [] };
  let users = deps.users;
  for (const rule of input.rules) {
    const holds = conditionHolds(rule, input.context.outputs);
    const state = await moveEpisode(store, { crm: connector.crm, flow: input.flow, rule: rule.name, object, recordId }, holds);
    if (!holds || !state) {
      report.skipped.push(`${rule.name}: condition on ${rule.when.output} not met`);
      continue;
    }
    if (rule.assign && !users) users = await connector.listUsers();
    const stateKey = `${connector.crm}:${input.flow}:${rule.name}`;
    const [position] = await store.query<{ position: number }>('SELECT position FROM assignment_state WHERE rule = $1', [stateKey]);
    // an owner this episode already assigned (or tried to) stays the owner: a retry neither moves the
    // round-robin nor hands the task to somebody else
    const assigned = rule.assign ? await assignedIn(store, input.flow, rule.name, object, recordId, state.episode) : undefined;
    const decision = decideActions(rule, { ...input.context, users: users ?? [], position: position?.position ?? 0, assigned });
    report.skipped.push(...decision.skipped.map((s) => `${rule.name}: ${s}`));
    let advanced = false;
    for (const action of decision.actions) {
      const fired = await fireOnce(deps, input.flow, rule.name, action, state.episode);
      if (action.type === 'assign_owner' && fired.outcome === 'done') advanced = true;
      report.fired.push(fired);
    }
    if (advanced && decision.nextPosition !== (position?.position ?? 0)) {
      await store.query(
        `INSERT INTO assignment_state (rule, position) VALUES ($1, $2) ON CONFLICT (rule) DO UPDATE SET position = EXCLUDED.position`,
        [stateKey, decision.nextPosition],
      );
    }
  }
  return report;
}

interface RuleRecord {
  crm: string;
  flow: string;
  rule: string;
  object: string;
  recordId: string;
}

/**
 * Stores the rule's state after this evaluation (nextRuleState) and returns it; null when the
 * condition has never held for the record (nothing is stored for it).
 */
async function moveEpisode(store: Store, r: RuleRecord, holds: boolean): Promise<RuleState | null> {
  return store.transaction(async (tx: Sql) => {
    const [row] = await tx.query<{ holds: boolean; episode: number }>(
      'SELECT holds, episode FROM rule_state WHERE crm = $1 AND flow = $2 AND rule = $3 AND object = $4 AND record_id = $5 FOR UPDATE',
      [r.crm, r.flow, r.rule, r.object, r.recordId],
    );
    if (!row && !holds) return null;
    const next = nextRuleState(row ?? null, holds);
    if (row && row.holds === next.holds && row.episode === next.episode) return next;
    await tx.query(
      `INSERT INTO rule_state (crm, flow, rule, object, record_id, holds, episode) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (crm, flow, rule, object, record_id) DO UPDATE SET holds = EXCLUDED.holds, episode = EXCLUDED.episode, updated_at = now()`,
      [r.crm, r.flow, r.rule, r.object, r.recordId, next.holds, next.episode],
    );
    return next;
  });
}

async function assignedIn(store: Store, flow: string, rule: string, object: string, recordId: string, episode: number): Promise<string | undefined> {
  const key = actionKey(flow, rule, { type: 'assign_owner', object: object as CrmAction['object'], id: recordId, ownerId: '' }, episode);
  const [row] = await store.query<{ owner: string | null }>("SELECT action->>'ownerId' AS owner FROM action_log WHERE key = $1", [key]);
  return row?.owner ?? undefined;
}

async function fireOnce(deps: { connector: CrmConnector; store: Store }, flow: string, rule: string, action: CrmAction, episode: number): Promise<FiredAction> {
  const { connector, store } = deps;
  const key = actionKey(flow, rule, action, episode);
  const claimed = await store.query(
    `INSERT INTO action_log (key, flow, crm, object, record_id, action, status) VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'pending')
     ON CONFLICT (key) DO NOTHING RETURNING key`,
    [key, flow, connector.crm, action.object, action.id, JSON.stringify(action)],
  );
  if (claimed.length === 0) {
    const [prior] = await store.query<{ status: string; created_id: string | null }>('SELECT status, created_id FROM action_log WHERE key = $1', [key]);
    if (prior.status === 'done') return { rule, action, outcome: 'already-done', createdId: prior.created_id ?? undefined };
    if (prior.status === 'pending') {
      await markUncertain(store, connector.crm, key, flow, action, 'an earlier attempt stopped mid-call');
      return { rule, action, outcome: 'uncertain' };
    }
    return { rule, action, outcome: prior.status === 'uncertain' ? 'uncertain' : 'failed' };
  }
  try {
    const result = await connector.performAction(action);
    await store.query(`UPDATE action_log SET status = 'done', created_id = $2, updated_at = now() WHERE key = $1`, [key, result.createdId ?? null]);
    return { rule, action, outcome: 'done', createdId: result.createdId };
  } catch (err) {
    const e = isInrecordError(err) ? err : null;
    const status = e?.context.status as number | undefined;
    if (e?.code === 'IR_CRM_RATE_LIMITED' || e?.code === 'IR_CRM_QUOTA_EXHAUSTED') {
      // the CRM refused before acting: free the key so the job's retry fires it
      await store.query('DELETE FROM action_log WHERE key = $1', [key]);
      throw err;
    }
    if (e?.retryable && status === undefined) {
      await markUncertain(store, connector.crm, key, flow, action, `the call did not answer: ${e.message}`);
      return { rule, action, outcome: 'uncertain', error: e.message };
    }
    await store.query(`UPDATE action_log SET status = 'failed', error = $2::jsonb, updated_at = now() WHERE key = $1`, [
      key,
      JSON.stringify(e ? e.toJSON() : { message: (err as Error).message }),
    ]);
    if (e?.retryable) {
      await store.query('DELETE FROM action_log WHERE key = $1', [key]);
      throw err;
    }
    return { rule, action, outcome: 'failed', error: (err as Error).message };
  }
}

async function markUncertain(store: Store, crm: string, key: string, flow: string, action: CrmAction, why: string): Promise<void> {
  await store.query(`UPDATE action_log SET status = 'uncertain', updated_at = now() WHERE key = $1`, [key]);
  await openReviewItems(
    store,
    [
      {
        kind: 'action',
        crm,
        object: action.object,
        subjectKey: key,
        reason: `${action.type} on ${action.object} ${action.id} may or may not have happened (${why}); check the record before repeating it`,
        payload: { action, flow },
      },
    ],
    'keep',
  );
}
