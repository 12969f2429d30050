/**
 * The Pipedrive simulator as the CLI and the demo know it, read through the simulators' registry:
 * how to start it, the webhook settings `inrecord sim pipedrive` prints, and the demo on its seeded world
 * (what a RevOps engineer would write for Pipedrive, with its own field names).
 */
import type { RunningSimulator, SimulatorEntry } from '../types.js';

export const simulator: SimulatorEntry = {
  start: async () => (await import('./index.js')).startPipedriveSimulator,
  webhookSettings: (_sim, opts) =>
    opts.webhookUser && opts.webhookPassword
      ? { basicUser: opts.webhookUser, basicPassword: opts.webhookPassword }
      : { basicUser: '(none: pass --webhook-user and --webhook-password)', basicPassword: '(none)' },
  demo: {
    config: (base, { gate, scoreGate }) => ({
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
          gate: scoreGate,
          settings: {
            model: 'auto',
            features: {
              seniority: { field: 'Seniority', type: 'category', label: '{value} seniority' },
              title: { field: 'job_title', type: 'category', label: 'title {value}' },
            },
            base: 30,
            rules: [
              {
                feature: 'seniority',
                equals: ['c_level', 'vp'],
                points: 40,
                label: 'senior buyer ({value})',
              },
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
          gate: gate,
          settings: { provider: 'offline', lookup: 'company', keyField: 'website', refreshDays: 30 },
        },
      ],
    }),
    signals: ({ gate }) => ({
      fields: [
        { object: 'contact', name: 'usage_last_active', label: 'Usage last active', type: 'date' },
        { object: 'contact', name: 'usage_events_30d', label: 'Usage events 30d', type: 'number' },
        { object: 'contact', name: 'usage_trend', label: 'Usage trend', type: 'string' },
        {
          object: 'company',
          name: 'usage_active_users_30d',
          label: 'Usage active users 30d',
          type: 'number',
        },
        { object: 'deal', name: 'deal_risk_score', label: 'Deal risk score', type: 'number' },
        { object: 'deal', name: 'deal_risk_level', label: 'Deal risk level', type: 'string' },
      ],
      objects: {
        contact: {
          fields: {
            'Usage last active': { owner: 'ai' },
            'Usage events 30d': { owner: 'ai' },
            'Usage trend': { owner: 'ai' },
          },
        },
        company: { fields: { 'Usage active users 30d': { owner: 'ai' } } },
        deal: { fields: { 'Deal risk score': { owner: 'ai' }, 'Deal risk level': { owner: 'ai' } } },
      },
      flows: [
        {
          name: 'deal-risk',
          kind: 'deal-risk',
          object: 'deal',
          outputs: { risk_score: 'Deal risk score', risk_level: 'Deal risk level' },
          gate: gate,
          settings: {
            base: 0,
            features: {
              close_in: {
                field: 'expected_close_date',
                type: 'date',
                label: 'close date passed {value} days ago',
              },
              stage_age: {
                field: 'stage_change_time',
                type: 'date',
                label: '{value} days in the current stage',
              },
            },
            rules: [
              { feature: 'close_in', gte: 1, points: 40 },
              { feature: 'stage_age', gte: 45, points: 25 },
            ],
          },
        },
        {
          name: 'usage-contact',
          kind: 'usage',
          object: 'contact',
          outputs: { last_active: 'Usage last active', events_30d: 'Usage events 30d', trend: 'Usage trend' },
        },
        {
          name: 'usage-company',
          kind: 'usage',
          object: 'company',
          outputs: { active_users_30d: 'Usage active users 30d' },
        },
      ],
    }),
  },
};
