/**
 * Salesforce's part of the commented inrecord.yaml `inrecord init --crm salesforce` writes, and the simulator
 * trial it points at (`inrecord sim salesforce`). Read through `exampleOf('salesforce')` in the registry.
 */
import type { ConfigExample } from '../types.js';

export const example: ConfigExample = {
  trial: {
    port: 4602,
    token: 'sim-salesforce-token',
    urlVar: 'SALESFORCE_INSTANCE_URL',
    tokenVar: 'SALESFORCE_ACCESS_TOKEN',
    simArgs: ['--webhook-url', 'http://127.0.0.1:4600/webhooks/salesforce?secret=sim-outbound-secret'],
    webhookVars: { orgId: 'SALESFORCE_ORG_ID', urlSecret: 'SALESFORCE_OUTBOUND_SECRET' },
  },
  connection: `crm:
  kind: salesforce
  baseUrl: \${SALESFORCE_INSTANCE_URL}        # https://yourorg.my.salesforce.com, or a simulator: http://127.0.0.1:4602
  apiVersion: "62.0"
  auth:
    token: \${SALESFORCE_ACCESS_TOKEN}
    # oauth: { clientId: ..., clientSecret: ..., refreshToken: \${SALESFORCE_REFRESH_TOKEN} }
  webhooks:
    orgId: \${SALESFORCE_ORG_ID:-}            # outbound messages must carry this org id
    urlSecret: \${SALESFORCE_OUTBOUND_SECRET:-}`,
  otherObjects: '\n  contact:\n    fields:\n      Inrecord_Intent__c: { owner: hybrid, onConflict: flag }',
  object: 'lead',
  score: 'Inrecord_Score__c',
  reason: 'Inrecord_Score_Reason__c',
  stamp: 'Inrecord_Stamp__c',
  title: 'Title',
  rep: 'Status',
  features: `      label:                  # converted and closed leads are history to learn from, not leads to score
        field: IsConverted
        # IsConverted is false on open leads too: only closed statuses are decided
        decided: { field: Status, values: [Closed - Converted, Closed - Not Converted] }
      features:               # feature name → the CRM field it is read from (the *__c ones are the simulator's)
        employees: { field: NumberOfEmployees, label: "{value} employees" }
        opens: { field: Email_Opens__c, label: "{value} email opens" }
        visits: { field: Web_Visits__c, label: "{value} website visits" }
        engaged: { field: Last_Engaged__c, type: date, label: "last engaged {value} days ago", missingLabel: never engaged }
      rules:
        - { feature: employees, gte: 500, points: 10, label: "company of {value} employees" }
        - { feature: opens, points: 3, per: 1, max: 30 }
        - { feature: visits, points: 2, per: 1, max: 20 }
        - { feature: engaged, points: 15, halfLifeDays: 14 }
        - { feature: engaged, gte: 60, orMissing: true, points: -10, label: no engagement in 60 days }`,
  intent: `  # Intent of the inbound message in a contact's Description, written as an option of a picklist
  # (check --fix creates it with the options high, medium, low, not_sales; settings.labelMap maps them
  # to an existing field's, e.g. { high: Hot, medium: Warm, low: Cold, not_sales: Other }). Gated: held
  # in shadow until a sampled review (inrecord validate) opens the gate.
  - name: inbound-intent
    kind: intent
    object: contact
    outputs: { intent: Inrecord_Intent__c }
    settings: { textField: Description }`,
};
