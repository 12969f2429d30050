/**
 * The demo's inrecord.yaml for each simulated CRM, as values: what a RevOps engineer would write
 * for that CRM, with each CRM's own field names (Pipedrive custom fields by label).
 */
import { type InrecordConfig, configSchema } from '../config/index.js';
import type { CrmName } from '../crm/types.js';
import type { RunningSimulator } from '../simulators/index.js';

// The demo's bar: the Wilson lower bound of accuracy on 100 labels must reach 70%.
const GATE = { mode: 'gated' as const, threshold: 0.7, sampleSize: 100 };
// Scores are judged on the CRM's later outcomes, each ranked against a record of the opposite
// outcome: the share ranked right estimates the AUC (0.5 is chance), so its lower bound must reach
// 65 % on 200 labels (outcome labels cost a reviewer nothing).
const SCORE_GATE = { ...GATE, threshold: 0.65, sampleSize: 200 };

export function demoConfig(crm: CrmName, sim: Pick<RunningSimulator, 'apiBase' | 'token'>): InrecordConfig {
  const base = { crm: { kind: crm, baseUrl: sim.apiBase, auth: { token: sim.token } } };
  switch (crm) {
    case 'salesforce':
      return configSchema.parse({
        ...base,
        objects: {
          lead: {
            fields: {
              Inrecord_Score__c: { owner: 'hybrid', onConflict: 'flag', stamp: 'Inrecord_Stamp__c' },
              Inrecord_Score_Reason__c: { owner: 'ai', truncate: true },
              Rating: { owner: 'rep' },
            },
          },
        },
        flows: [
          {
            name: 'lead-scoring',
            kind: 'scoring',
            object: 'lead',
            outputs: { score: 'Inrecord_Score__c', score_reason: 'Inrecord_Score_Reason__c' },
            gate: SCORE_GATE,
            settings: {
              model: 'auto',
              minConversions: 1000,
              // IsConverted is false on open leads too: the lead status says which are closed
              label: {
                field: 'IsConverted',
                decided: { field: 'Status', values: ['Closed - Converted', 'Closed - Not Converted'] },
              },
              // trained on the older leads, judged on the newer ones: the world drifts
              holdoutBy: { field: 'CreatedDate' },
              features: {
                visits: { field: 'Web_Visits__c', label: '{value} website visits' },
                // a second tracker's count of much the same visits, empty before it was installed
                sessions: { field: 'Site_Sessions__c', label: '{value} site sessions', missingLabel: 'no session count' },
                opens: { field: 'Email_Opens__c', label: '{value} email opens' },
                meetings: { field: 'Meetings__c', label: '{value} meetings' },
                // rare, and nearly the same column twice
                briefing: { field: 'Exec_Briefing__c', type: 'category', label: 'executive briefing: {value}' },
                invited: { field: 'Briefing_Invited__c', type: 'category', label: 'invited to a briefing: {value}' },
                rating: { field: 'Rating', type: 'category', label: 'rated {value} by the rep', missingLabel: 'not rated' },
                country: { field: 'Country', type: 'category', label: 'based in {value}' },
                engaged: { field: 'Last_Engaged__c', type: 'date', label: 'last engaged {value} days ago', missingLabel: 'never engaged' },
                source: { field: 'LeadSource', type: 'category', label: 'source {value}' },
                industry: { field: 'Industry', type: 'category', label: 'industry {value}' },
                employees: { field: 'NumberOfEmployees', label: '{value} employees' },
              },
              rules: [
                { feature: 'visits', points: 2, per: 1, max: 30 },
                { feature: 'opens', points: 3, per: 1, max: 30 },
                { feature: 'engaged', points: 15, halfLifeDays: 14 },
                { feature: 'engaged', gte: 60, orMissing: true, points: -10, label: 'no engagement in 60 days' },
                { feature: 'employees', gte: 500, points: 8, label: 'company of {value} employees' },
              ],
            },
          },
        ],
      });
    case 'pipedrive':
      return configSchema.parse({
        ...base,
        objects: {
          contact: {
            fields: {
              'Lead score': { owner: 'hybrid', onConflict: 'flag' },
              'Score reasons': { owner: 'ai', truncate: true },
              job_title: { owner: 'rep' },
            },
          },
          company: {
            fields: {
              // the seeded counts have no changelog row: enrichment may refresh them, while a count
              // a rep typed in the app is still kept
              employee_count: { owner: 'hybrid', onConflict: 'skip', firstWrite: 'overwrite' },
            },
          },
        },
        flows: [
          {
            name: 'person-scoring',
            kind: 'scoring',
            object: 'contact',
            outputs: { score: 'Lead score', score_reason: 'Score reasons' },
            gate: SCORE_GATE,
            settings: {
              model: 'auto',
              features: {
                seniority: { field: 'Seniority', type: 'category', label: '{value} seniority' },
                title: { field: 'job_title', type: 'category', label: 'title {value}' },
              },
              base: 30,
              rules: [
                { feature: 'seniority', equals: ['c_level', 'vp'], points: 40, label: 'senior buyer ({value})' },
                { feature: 'seniority', equals: ['director'], points: 25, label: 'director-level buyer' },
                { feature: 'seniority', equals: ['manager'], points: 10, label: 'manager-level influencer' },
                { feature: 'seniority', missing: true, points: -10, label: 'seniority unknown' },
              ],
            },
          },
          {
            name: 'company-enrichment',
            kind: 'enrichment',
            object: 'company',
            outputs: { employee_count: 'employee_count' },
            gate: GATE,
            settings: { provider: 'offline', lookup: 'company', keyField: 'website', refreshDays: 30 },
          },
        ],
      });
    case 'hubspot':
      return configSchema.parse({
        ...base,
        // the simulated portal allows 20 search calls a second (a real portal: 5)
        crm: { ...base.crm, rateLimit: { searchPerSecond: 20 } },
        objects: {
          contact: {
            fields: {
              inrecord_score: { owner: 'hybrid', onConflict: 'flag', stamp: 'inrecord_stamp' },
              inrecord_score_reason: { owner: 'ai', truncate: true },
              lifecyclestage: { owner: 'rep' },
            },
          },
        },
        flows: [
          {
            name: 'contact-scoring',
            kind: 'scoring',
            object: 'contact',
            outputs: { score: 'inrecord_score', score_reason: 'inrecord_score_reason' },
            gate: SCORE_GATE,
            settings: {
              model: 'auto',
              // customers are history, not contacts to score; the portal records no "lost" contact to train on
              label: { field: 'lifecyclestage', positive: ['customer'] },
              features: {
                seniority: { field: 'seniority', type: 'category', label: '{value} seniority' },
                deals: { field: 'num_associated_deals', label: '{value} open deals' },
                activities: { field: 'num_notes', label: '{value} sales activities' },
              },
              base: 25,
              rules: [
                // picklists are read by the label a rep sees in HubSpot ("C level", "Vp", "Director")
                { feature: 'seniority', equals: ['C level', 'Vp'], points: 35, label: 'senior buyer ({value})' },
                { feature: 'seniority', equals: ['Director'], points: 20, label: 'director-level buyer' },
                { feature: 'deals', gte: 1, points: 15, label: 'already in a deal' },
                { feature: 'activities', points: 4, per: 1, max: 20 },
              ],
            },
          },
        ],
      });
  }
}

/** A field the demo creates before `check --fix`: a type the check cannot infer from the flow (usage aggregates, an intent picklist). */
export interface DemoFieldSpec {
  object: 'contact' | 'company' | 'deal' | 'lead';
  name: string;
  label: string;
  type: 'date' | 'number' | 'string' | 'picklist';
  options?: string[];
}

/**
 * The demo's signal flows beside each CRM's scoring and enrichment: intent on the inbound messages
 * (Salesforce contacts), deal risk and product usage (Pipedrive). Kept apart from `demoConfig`,
 * which other suites reuse as a plain scoring setup.
 */
export function demoSignalConfig(base: InrecordConfig): { config: InrecordConfig; fields: DemoFieldSpec[] } {
  const extra = signalParts(base.crm.kind);
  const objects: Record<string, { fields: Record<string, unknown> }> = structuredClone(base.objects) as never;
  for (const [kind, rules] of Object.entries(extra.objects)) objects[kind] = { ...objects[kind], fields: { ...objects[kind]?.fields, ...rules.fields } };
  return { config: configSchema.parse({ ...base, objects, flows: [...base.flows, ...extra.flows] }), fields: extra.fields };
}

function signalParts(crm: CrmName): { objects: Record<string, { fields: Record<string, unknown> }>; flows: unknown[]; fields: DemoFieldSpec[] } {
  switch (crm) {
    case 'salesforce':
      return {
        fields: [{ object: 'contact', name: 'Inrecord_Intent__c', label: 'Inrecord Intent', type: 'picklist', options: ['high', 'medium', 'low', 'not_sales'] }],
        objects: { contact: { fields: { Inrecord_Intent__c: { owner: 'ai' } } } },
        flows: [{ name: 'inbound-intent', kind: 'intent', object: 'contact', outputs: { intent: 'Inrecord_Intent__c' }, gate: GATE, settings: { textField: 'Description' } }],
      };
    case 'pipedrive':
      return {
        fields: [
          { object: 'contact', name: 'usage_last_active', label: 'Usage last active', type: 'date' },
          { object: 'contact', name: 'usage_events_30d', label: 'Usage events 30d', type: 'number' },
          { object: 'contact', name: 'usage_trend', label: 'Usage trend', type: 'string' },
          { object: 'company', name: 'usage_active_users_30d', label: 'Usage active users 30d', type: 'number' },
          { object: 'deal', name: 'deal_risk_score', label: 'Deal risk score', type: 'number' },
          { object: 'deal', name: 'deal_risk_level', label: 'Deal risk level', type: 'string' },
        ],
        objects: {
          contact: { fields: { 'Usage last active': { owner: 'ai' }, 'Usage events 30d': { owner: 'ai' }, 'Usage trend': { owner: 'ai' } } },
          company: { fields: { 'Usage active users 30d': { owner: 'ai' } } },
          deal: { fields: { 'Deal risk score': { owner: 'ai' }, 'Deal risk level': { owner: 'ai' } } },
        },
        flows: [
          {
            name: 'deal-risk',
            kind: 'deal-risk',
            object: 'deal',
            outputs: { risk_score: 'Deal risk score', risk_level: 'Deal risk level' },
            gate: GATE,
            settings: {
              base: 0,
              features: {
                close_in: { field: 'expected_close_date', type: 'date', label: 'close date passed {value} days ago' },
                stage_age: { field: 'stage_change_time', type: 'date', label: '{value} days in the current stage' },
              },
              rules: [
                { feature: 'close_in', gte: 1, points: 40 },
                { feature: 'stage_age', gte: 45, points: 25 },
              ],
            },
          },
          { name: 'usage-contact', kind: 'usage', object: 'contact', outputs: { last_active: 'Usage last active', events_30d: 'Usage events 30d', trend: 'Usage trend' } },
          { name: 'usage-company', kind: 'usage', object: 'company', outputs: { active_users_30d: 'Usage active users 30d' } },
        ],
      };
    case 'hubspot':
      return { fields: [], objects: {}, flows: [] };
  }
}
