/**
 * actions — trigger flows: an AI decision fires CRM actions (assign owner by round-robin or
 * territory, create a task with a due time, change stage, enroll, add a note), each at most once
 * per decision. Owns action_log and assignment_state. Reaches the CRM only through CrmConnector.
 */
export { actionKey, actionRuleSchema, conditionHolds, decideActions, fillTemplate, type ActionContext, type ActionRule } from './rules.js';
export { fireActions, type FireInput, type FireReport, type FiredAction } from './fire.js';
