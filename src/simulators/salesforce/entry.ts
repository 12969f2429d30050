/**
 * The Salesforce simulator as the CLI and the demo know it, read through the simulators' registry:
 * how to start it, the webhook settings `inrecord sim salesforce` prints, and the demo on its seeded world
 * (what a RevOps engineer would write for Salesforce, with its own field names).
 */
import type { RunningSimulator, SimulatorEntry } from '../types.js';

export const simulator: SimulatorEntry = {
  start: async () => (await import('./index.js')).startSalesforceSimulator,
  webhookSettings(sim, opts) {
    const secret = opts.webhookUrl ? new URL(opts.webhookUrl).searchParams.get('secret') : null;
    return {
      orgId: String((sim as RunningSimulator & { orgId?: string }).orgId ?? ''),
      urlSecret: secret ?? '(choose one, and end --webhook-url with ?secret=<it>)',
    };
  },
  demo: {
    config: (base, { scoreGate }) => ({
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
          gate: scoreGate,
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
              sessions: {
                field: 'Site_Sessions__c',
                label: '{value} site sessions',
                missingLabel: 'no session count',
              },
              opens: { field: 'Email_Opens__c', label: '{value} email opens' },
              meetings: { field: 'Meetings__c', label: '{value} meetings' },
              // rare, and nearly the same column twice
              briefing: { field: 'Exec_Briefing__c', type: 'category', label: 'executive briefing: {value}' },
              invited: {
                field: 'Briefing_Invited__c',
                type: 'category',
                label: 'invited to a briefing: {value}',
              },
              rating: {
                field: 'Rating',
                type: 'category',
                label: 'rated {value} by the rep',
                missingLabel: 'not rated',
              },
              country: { field: 'Country', type: 'category', label: 'based in {value}' },
              engaged: {
                field: 'Last_Engaged__c',
                type: 'date',
                label: 'last engaged {value} days ago',
                missingLabel: 'never engaged',
              },
              source: { field: 'LeadSource', type: 'category', label: 'source {value}' },
              industry: { field: 'Industry', type: 'category', label: 'industry {value}' },
              employees: { field: 'NumberOfEmployees', label: '{value} employees' },
            },
            rules: [
              { feature: 'visits', points: 2, per: 1, max: 30 },
              { feature: 'opens', points: 3, per: 1, max: 30 },
              { feature: 'engaged', points: 15, halfLifeDays: 14 },
              {
                feature: 'engaged',
                gte: 60,
                orMissing: true,
                points: -10,
                label: 'no engagement in 60 days',
              },
              { feature: 'employees', gte: 500, points: 8, label: 'company of {value} employees' },
            ],
          },
        },
      ],
    }),
    signals: ({ gate }) => ({
      fields: [
        {
          object: 'contact',
          name: 'Inrecord_Intent__c',
          label: 'Inrecord Intent',
          type: 'picklist',
          options: ['high', 'medium', 'low', 'not_sales'],
        },
      ],
      objects: { contact: { fields: { Inrecord_Intent__c: { owner: 'ai' } } } },
      flows: [
        {
          name: 'inbound-intent',
          kind: 'intent',
          object: 'contact',
          outputs: { intent: 'Inrecord_Intent__c' },
          gate: gate,
          settings: { textField: 'Description' },
        },
      ],
    }),
  },
};
