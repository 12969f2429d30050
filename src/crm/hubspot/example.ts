/**
 * HubSpot's part of the commented inrecord.yaml `inrecord init --crm hubspot` writes, and the simulator
 * trial it points at (`inrecord sim hubspot`). Read through `exampleOf('hubspot')` in the registry.
 */
import type { ConfigExample } from '../types.js';

export const example: ConfigExample = {
  trial: {
    port: 4601,
    token: 'sim-hubspot-token',
    urlVar: 'HUBSPOT_BASE_URL',
    tokenVar: 'HUBSPOT_TOKEN',
    simArgs: [
      '--client-secret',
      'sim-hubspot-secret',
      '--webhook-url',
      'http://127.0.0.1:4600/webhooks/hubspot',
    ],
    webhookVars: { secret: 'HUBSPOT_CLIENT_SECRET' },
  },
  connection: `crm:
  kind: hubspot
  baseUrl: \${HUBSPOT_BASE_URL:-https://api.hubapi.com}   # or a simulator: http://127.0.0.1:4601
  auth:
    token: \${HUBSPOT_TOKEN}                  # private app token
    # oauth: { clientId: ..., clientSecret: \${HUBSPOT_CLIENT_SECRET}, refreshToken: \${HUBSPOT_REFRESH_TOKEN} }
  webhooks:
    secret: \${HUBSPOT_CLIENT_SECRET:-}       # the app's client secret, for X-HubSpot-Signature-v3`,
  otherObjects: '',
  object: 'contact',
  score: 'inrecord_score',
  reason: 'inrecord_score_reason',
  stamp: 'inrecord_stamp',
  title: 'jobtitle',
  rep: 'lifecyclestage',
  features: `      features:               # feature name → the CRM field it is read from
        deals: { field: num_associated_deals, label: "{value} associated deals" }
        activities: { field: num_notes, label: "{value} sales activities" }
        last_activity: { field: notes_last_updated, type: date, label: "last activity {value} days ago", missingLabel: no activity on record }
        lead_status: { field: hs_lead_status, type: category, label: "lead status {value}" }
      rules:
        - { feature: deals, gte: 1, points: 20, label: already in a deal }
        - { feature: lead_status, equals: [Connected, In progress, Open deal], points: 15, label: "in conversation ({value})" }
        - { feature: lead_status, equals: [Unqualified, Bad timing], points: -20, label: "lead status {value}" }
        - { feature: activities, points: 4, per: 1, max: 20 }
        - { feature: last_activity, points: 15, halfLifeDays: 14 }
        - { feature: last_activity, gte: 60, orMissing: true, points: -10, label: no activity in 60 days }`,
  intent: `  # Intent of an inbound message, written as an option of a picklist (check --fix creates it with
  # the options high, medium, low, not_sales; settings.labelMap maps them to an existing field's).
  # - name: inbound-intent
  #   kind: intent
  #   object: contact
  #   outputs: { intent: inrecord_intent }
  #   settings: { textField: <the contact property holding the message> }`,
};
