/**
 * The HubSpot simulator as the CLI and the demo know it, read through the simulators' registry:
 * how to start it, the webhook settings `inrecord sim hubspot` prints, and the demo on its seeded world
 * (what a RevOps engineer would write for HubSpot, with its own field names).
 */
import { InrecordError } from '../../errors/index.js';
import type { RunningSimulator, SimulatorEntry, SimulatorOptions } from '../types.js';

export const simulator: SimulatorEntry = {
  async start() {
    // resolved at run time: the HubSpot simulator is optional in a build
    const path = './index.js';
    const mod = (await import(path).catch(() => null)) as {
      startHubspotSimulator?: (o: SimulatorOptions) => Promise<RunningSimulator>;
    } | null;
    if (!mod?.startHubspotSimulator)
      throw new InrecordError('IR_CRM_UNSUPPORTED', 'the HubSpot simulator is not available in this version');
    return mod.startHubspotSimulator;
  },
  webhookSettings: (_sim, opts) => ({ secret: opts.clientSecret ?? 'sim-client-secret' }),
  demo: {
    // the simulated portal: Enterprise with the API Limit Increase pack (250 calls / 10 s, the most
    // HubSpot sells) and 20 search calls a second (a real portal: 5)
    simulator: { searchPerSecond: 20, rateLimit: { callsPerWindow: 250, windowMs: 10_000 } },
    config: (base, { scoreGate }) => ({
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
          gate: scoreGate,
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
              {
                feature: 'seniority',
                equals: ['C level', 'Vp'],
                points: 35,
                label: 'senior buyer ({value})',
              },
              { feature: 'seniority', equals: ['Director'], points: 20, label: 'director-level buyer' },
              { feature: 'deals', gte: 1, points: 15, label: 'already in a deal' },
              { feature: 'activities', points: 4, per: 1, max: 20 },
            ],
          },
        },
      ],
    }),
    signals: () => ({ fields: [], objects: {}, flows: [] }),
  },
};
