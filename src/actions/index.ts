/**
 * actions — trigger flows: an AI decision fires CRM actions (assign owner by round-robin or
 * territory, create a task with a due time, change stage, enroll, add a note), each at most once
 * per episode of a rule's condition on a record. Owns action_log, rule_state and assignment_state. Reaches the CRM only through CrmConnector.
 */
export { actionKey, actionRuleSchema, conditionHolds, decideActions, fillTemplate, nextRuleState, type ActionContext, type ActionRule, type RuleState } from './rules.js';
export { fireActions, type FireInput, type FireReport, type FiredAction } from './fire.js';
