/**
 * Pipedrive's part of the commented inrecord.yaml `inrecord init --crm pipedrive` writes, and the simulator
 * trial it points at (`inrecord sim pipedrive`). Read through `exampleOf('pipedrive')` in the registry.
 */
import type { ConfigExample } from '../types.js';

export const example: ConfigExample = {
  trial: {
    port: 4603,
    token: 'sim-pipedrive-token',
    urlVar: 'PIPEDRIVE_BASE_URL',
    tokenVar: 'PIPEDRIVE_API_TOKEN',
    simArgs: [
      '--webhook-url',
      'http://127.0.0.1:4600/webhooks/pipedrive',
      '--webhook-user',
      'inrecord',
      '--webhook-password',
      'sim-webhook-password',
    ],
    webhookVars: { basicPassword: 'PIPEDRIVE_WEBHOOK_PASSWORD' },
  },
  connection: `crm:
  kind: pipedrive
  baseUrl: \${PIPEDRIVE_BASE_URL:-https://api.pipedrive.com}   # https://yourcompany.pipedrive.com, or a simulator: http://127.0.0.1:4603
  auth:
    token: \${PIPEDRIVE_API_TOKEN}
  webhooks:
    basicUser: inrecord
    basicPassword: \${PIPEDRIVE_WEBHOOK_PASSWORD:-}`,
  otherObjects: '',
  object: 'contact',
  // Pipedrive keys custom fields by a 40-hex key: they are named here by a name whose words are
  // the label check --fix gives them ("Inrecord score")
  score: 'inrecord_score',
  reason: 'inrecord_score_reason',
  stamp: 'inrecord_stamp',
  title: 'job_title',
  rep: 'label_ids',
  features: `      features:               # feature name → the CRM field it is read from (Seniority is the simulator's)
        seniority: { field: Seniority, type: category, label: "{value} seniority" }
        title: { field: job_title, type: category, label: "title {value}" }
      rules:
        - { feature: seniority, equals: [c_level, vp], points: 40, label: "senior buyer ({value})" }
        - { feature: seniority, equals: [director], points: 25, label: director-level buyer }
        - { feature: seniority, equals: [manager], points: 10, label: manager-level influencer }
        - { feature: seniority, missing: true, points: -10, label: seniority unknown }`,
  intent: `  # Intent of an inbound message, written as an option of a picklist (check --fix creates it with
  # the options high, medium, low, not_sales; settings.labelMap maps them to an existing field's).
  # - name: inbound-intent
  #   kind: intent
  #   object: contact
  #   outputs: { intent: inrecord_intent }
  #   settings: { textField: <the person field holding the message> }`,
};
