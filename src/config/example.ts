import type { z } from 'zod';
import type { crmKind } from './schema.js';

type Kind = z.infer<typeof crmKind>;

const CONNECTION: Record<Kind, string> = {
  hubspot: `crm:
  kind: hubspot
  # baseUrl: https://api.hubapi.com          # or a simulator: http://127.0.0.1:4601
  auth:
    token: \${HUBSPOT_TOKEN}                  # private app token
    # oauth: { clientId: ..., clientSecret: \${HUBSPOT_CLIENT_SECRET}, refreshToken: \${HUBSPOT_REFRESH_TOKEN} }
  webhooks:
    secret: \${HUBSPOT_CLIENT_SECRET:-}       # the app's client secret, for X-HubSpot-Signature-v3`,
  salesforce: `crm:
  kind: salesforce
  baseUrl: \${SALESFORCE_INSTANCE_URL}        # https://yourorg.my.salesforce.com
  apiVersion: "62.0"
  auth:
    token: \${SALESFORCE_ACCESS_TOKEN}
    # oauth: { clientId: ..., clientSecret: ..., refreshToken: \${SALESFORCE_REFRESH_TOKEN} }
  webhooks:
    orgId: \${SALESFORCE_ORG_ID:-}            # outbound messages must carry this org id
    urlSecret: \${SALESFORCE_OUTBOUND_SECRET:-}`,
  pipedrive: `crm:
  kind: pipedrive
  # baseUrl: https://yourcompany.pipedrive.com
  auth:
    token: \${PIPEDRIVE_API_TOKEN}
  webhooks:
    basicUser: inrecord
    basicPassword: \${PIPEDRIVE_WEBHOOK_PASSWORD:-}`,
};

const FIELDS: Record<Kind, { contact: string; score: string; reason: string; intent: string; title: string; stamp: string; stage: string }> = {
  hubspot: { contact: 'contact', score: 'inrecord_score', reason: 'inrecord_score_reason', intent: 'inrecord_intent', title: 'jobtitle', stamp: 'inrecord_stamp', stage: 'lifecyclestage' },
  salesforce: { contact: 'lead', score: 'Inrecord_Score__c', reason: 'Inrecord_Score_Reason__c', intent: 'Inrecord_Intent__c', title: 'Title', stamp: 'Inrecord_Stamp__c', stage: 'Status' },
  pipedrive: { contact: 'contact', score: 'inrecord score', reason: 'inrecord score reason', intent: 'inrecord intent', title: 'job_title', stamp: 'inrecord stamp', stage: 'label' },
};

/** The commented inrecord.yaml that `inrecord init --crm <kind>` writes. */
export function exampleConfig(kind: Kind): string {
  const f = FIELDS[kind];
  return `# inrecord.yaml — what inrecord reads, what it writes, and who owns each field.
# \${NAME} reads an environment variable; \${NAME:-default} gives it a default. Secrets belong in the
# environment, never in this file. Validate against your CRM with \`inrecord check\`.
version: 1

${CONNECTION[kind]}

# store: embedded Postgres in .inrecord/ unless DATABASE_URL (or store.databaseUrl) names a server.
store:
  databaseUrl: \${DATABASE_URL:-}

server:
  host: 127.0.0.1        # bind elsewhere only with a token
  port: 4600
  token: \${INRECORD_CONSOLE_TOKEN:-}

identity:
  ownDomains: []         # your team's email domains: their participants are never matched
  createMissing: false   # unmatched records go to the review queue, never a new CRM record

# Who owns each field. ai: the AI may overwrite. hybrid: the AI writes only if no person edited the
# field since the AI last read it, nor set the value found before its first write (onConflict:
# skip | flag | overwrite; a value with no history counts as a person's unless firstWrite: overwrite).
# rep: never written.
objects:
  ${f.contact}:
    fields:
      ${f.score}: { owner: ai, stamp: ${f.stamp} }
      ${f.reason}: { owner: ai, truncate: true }
      ${f.intent}: { owner: hybrid, onConflict: flag }
      ${f.title}: { owner: hybrid, onConflict: skip }
      ${f.stage}: { owner: rep }

flows:
  - name: lead-scoring
    kind: scoring
    object: ${f.contact}
    outputs: { score: ${JSON.stringify(f.score)}, reason: ${JSON.stringify(f.reason)} }
    settings: { model: auto, minConversions: 1000 }
    gate: { mode: gated, threshold: 0.9, sampleSize: 100 }
    trigger: { webhook: true, poll: 15m }
  - name: inbound-intent
    kind: intent
    object: ${f.contact}
    outputs: { intent: ${JSON.stringify(f.intent)} }
    settings: { provider: local }   # or { provider: openai, baseUrl: ..., model: ..., apiKey: \${OPENAI_API_KEY} }

monitor:
  schedule: 7d
  psiWarn: 0.1
  psiAlert: 0.25
  # alertWebhook: \${SLACK_WEBHOOK_URL}
`;
}
