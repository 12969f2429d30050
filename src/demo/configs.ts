/**
 * The demo's inrecord.yaml for each simulated CRM, as values: what a RevOps engineer would write
 * for that CRM, with each CRM's own field names (Pipedrive custom fields by label).
 */
import { type InrecordConfig, configSchema } from '../config/index.js';
import type { CrmName } from '../crm/types.js';
import type { RunningSimulator } from '../simulators/index.js';

// The demo's bar: the Wilson lower bound of accuracy on 100 labels must reach 70%.
const GATE = { mode: 'gated' as const, threshold: 0.7, sampleSize: 100 };

export function demoConfig(crm: CrmName, sim: RunningSimulator): InrecordConfig {
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
            gate: GATE,
            settings: {
              model: 'auto',
              minConversions: 1000,
              label: { field: 'IsConverted' },
              features: {
                visits: { field: 'Web_Visits__c', label: '{value} website visits' },
                opens: { field: 'Email_Opens__c', label: '{value} email opens' },
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
              employee_count: { owner: 'hybrid', onConflict: 'skip' },
            },
          },
        },
        flows: [
          {
            name: 'person-scoring',
            kind: 'scoring',
            object: 'contact',
            outputs: { score: 'Lead score', score_reason: 'Score reasons' },
            gate: GATE,
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
            gate: { ...GATE, mode: 'open' },
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
            gate: GATE,
            settings: {
              model: 'auto',
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
