/**
 * Fires the CRM actions an AI decision calls for — each at most once. An action is logged as
 * pending before the call and done after it; a retry that finds it done skips it, and one that
 * finds it still pending (the worker died mid-call, or the call timed out) cannot know whether the
 * CRM acted, so it goes to the review queue instead of risking a second task.
 */
import type { CrmAction, CrmConnector, CrmUser } from '../crm/types.js';
import { isInrecordError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { type ActionContext, type ActionRule, actionKey, decideActions } from './rules.js';

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
  /** The record version the decision was made on. */
  version: string;
  context: Omit<ActionContext, 'users' | 'position'>;
}

export async function fireActions(deps: { connector: CrmConnector; store: Store; users?: CrmUser[] }, input: FireInput): Promise<FireReport> {
  const { connector, store } = deps;
  const report: FireReport = { fired: [], skipped: [] };
  let users = deps.users;
  for (const rule of input.rules) {
    if (rule.assign && !users) users = await connector.listUsers();
    const stateKey = `${connector.crm}:${input.flow}:${rule.name}`;
    const [state] = await store.query<{ position: number }>('SELECT position FROM assignment_state WHERE rule = $1', [stateKey]);
    const decision = decideActions(rule, { ...input.context, users: users ?? [], position: state?.position ?? 0 });
    report.skipped.push(...decision.skipped.map((s) => `${rule.name}: ${s}`));
    for (const action of decision.actions) {
      report.fired.push(await fireOnce(deps, input, rule.name, action));
    }
    if (decision.nextPosition !== (state?.position ?? 0)) {
      await store.query(
        `INSERT INTO assignment_state (rule, position) VALUES ($1, $2) ON CONFLICT (rule) DO UPDATE SET position = EXCLUDED.position`,
        [stateKey, decision.nextPosition],
      );
    }
  }
  return report;
}

async function fireOnce(deps: { connector: CrmConnector; store: Store }, input: FireInput, rule: string, action: CrmAction): Promise<FiredAction> {
  const { connector, store } = deps;
  const key = actionKey(input.flow, rule, action, input.version);
  const claimed = await store.query(
    `INSERT INTO action_log (key, flow, crm, object, record_id, action, status) VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'pending')
     ON CONFLICT (key) DO NOTHING RETURNING key`,
    [key, input.flow, connector.crm, action.object, action.id, JSON.stringify(action)],
  );
  if (claimed.length === 0) {
    const [prior] = await store.query<{ status: string; created_id: string | null }>('SELECT status, created_id FROM action_log WHERE key = $1', [key]);
    if (prior.status === 'done') return { rule, action, outcome: 'already-done', createdId: prior.created_id ?? undefined };
    if (prior.status === 'pending') {
      await markUncertain(store, connector.crm, key, input, action, 'an earlier attempt stopped mid-call');
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
      await markUncertain(store, connector.crm, key, input, action, `the call did not answer: ${e.message}`);
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

async function markUncertain(store: Store, crm: string, key: string, input: FireInput, action: CrmAction, why: string): Promise<void> {
  await store.query(`UPDATE action_log SET status = 'uncertain', updated_at = now() WHERE key = $1`, [key]);
  await store.query(
    `INSERT INTO review_items (kind, crm, object, subject_key, reason, payload)
     VALUES ('action', $1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING`,
    [
      crm,
      action.object,
      key,
      `${action.type} on ${action.object} ${action.id} may or may not have happened (${why}); check the record before repeating it`,
      JSON.stringify({ action, flow: input.flow }),
    ],
  );
}
