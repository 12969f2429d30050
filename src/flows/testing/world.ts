/**
 * Test and benchmark support (not shipped): the seeded CRM world's leads as a CRM would hold them
 * (Salesforce-style Lead field names), a scoring configuration for them, and its inbound messages
 * as a labelled set.
 */
import { generateWorld } from '../../simulators/seed/index.js';
import type { World } from '../../simulators/seed/index.js';
import type { LabelledText } from '../intent/classifier.js';
import type { ScoringSettingsInput } from '../scoring/settings.js';
import type { FlowRecord } from '../types.js';

const DAY_MS = 86_400_000;

export function worldLeads(world: World): FlowRecord[] {
  const now = Date.parse(world.now);
  return world.leads.map((l) => ({
    id: l.id,
    fields: {
      LeadSource: l.leadSource,
      Industry: l.industry,
      NumberOfEmployees: l.employees,
      AnnualRevenue: l.annualRevenue,
      Country: l.country,
      Title: l.title,
      Seniority__c: l.seniority,
      Email_Opens__c: l.emailOpens,
      Page_Views__c: l.pageViews,
      Site_Sessions__c: l.webVisits,
      Exec_Briefing__c: l.execBriefing,
      Briefing_Invited__c: l.briefingInvited,
      Meetings__c: l.meetings,
      Last_Activity_Date__c: new Date(now - l.daysSinceLastActivity * DAY_MS).toISOString().slice(0, 10),
      CreatedDate: l.createdAt,
      Status: l.status,
      IsConverted: l.converted,
    },
  }));
}

/** What a RevOps team would write by hand for these leads. */
export const WORLD_SCORING_SETTINGS: ScoringSettingsInput = {
  model: 'auto',
  features: {
    meetings: { field: 'Meetings__c', label: '{value} meetings' },
    opens: { field: 'Email_Opens__c', label: '{value} email opens' },
    page_views: { field: 'Page_Views__c', label: '{value} page views' },
    last_activity: { field: 'Last_Activity_Date__c', type: 'date', label: 'last activity {value} days ago', missingLabel: 'no activity on record' },
    seniority: { field: 'Seniority__c', type: 'category', label: '{value} title' },
    source: { field: 'LeadSource', type: 'category', label: 'source: {value}' },
    industry: { field: 'Industry', type: 'category', label: 'industry {value}' },
    employees: { field: 'NumberOfEmployees', label: '{value} employees' },
    revenue: { field: 'AnnualRevenue', label: 'revenue {value}' },
    country: { field: 'Country', type: 'category', label: 'based in {value}' },
  },
  // open leads are not losses: only converted or disqualified ones are decided
  label: { field: 'IsConverted', decided: { field: 'Status', values: ['converted', 'unqualified'] } },
  // trained on the older leads, judged on the newer ones (the world drifts)
  holdoutBy: { field: 'CreatedDate' },
  base: 20,
  rules: [
    { feature: 'meetings', points: 8, per: 1, max: 24 },
    { feature: 'opens', points: 1, per: 1, max: 10 },
    { feature: 'page_views', points: 0.5, per: 1, max: 6 },
    { feature: 'last_activity', points: 10, halfLifeDays: 14, label: 'active {value} days ago' },
    { feature: 'last_activity', gte: 60, orMissing: true, points: -8, label: 'no activity in {value} days' },
    { feature: 'seniority', equals: ['c_level', 'vp', 'director'], points: 9 },
    { feature: 'source', equals: ['referral', 'partner'], points: 8 },
    { feature: 'source', equals: 'cold_outbound', points: -6 },
    { feature: 'employees', gte: 500, points: 5, label: 'company of {value} employees' },
    { feature: 'industry', equals: ['software', 'financial_services'], points: 4 },
  ],
};

export function worldMessages(world: World): LabelledText[] {
  return world.messages.map((m) => ({ text: `${m.subject}\n${m.body}`, label: m.intent }));
}

export { generateWorld };
