import type { z } from 'zod';
import type { crmKind } from './schema.js';

type Kind = z.infer<typeof crmKind>;

/**
 * The local simulator `init` points at: `inrecord sim <crm>` with these flags, then the variables
 * set. `simArgs` make the simulator deliver its change events to `inrecord run` (server.port 4600)
 * with the credentials the config's `crm.webhooks` reads from `webhookVars` (key → variable); the
 * simulator prints those variables with their values (the Salesforce org id is the simulator's own).
 */
export const SIMULATOR_TRIAL: Record<
  Kind,
  { port: number; token: string; urlVar: string; tokenVar: string; simArgs: string[]; webhookVars: Record<string, string> }
> = {
  hubspot: {
    port: 4601,
    token: 'sim-hubspot-token',
    urlVar: 'HUBSPOT_BASE_URL',
    tokenVar: 'HUBSPOT_TOKEN',
    simArgs: ['--client-secret', 'sim-hubspot-secret', '--webhook-url', 'http://127.0.0.1:4600/webhooks/hubspot'],
    webhookVars: { secret: 'HUBSPOT_CLIENT_SECRET' },
  },
  salesforce: {
    port: 4602,
    token: 'sim-salesforce-token',
    urlVar: 'SALESFORCE_INSTANCE_URL',
    tokenVar: 'SALESFORCE_ACCESS_TOKEN',
    simArgs: ['--webhook-url', 'http://127.0.0.1:4600/webhooks/salesforce?secret=sim-outbound-secret'],
    webhookVars: { orgId: 'SALESFORCE_ORG_ID', urlSecret: 'SALESFORCE_OUTBOUND_SECRET' },
  },
  pipedrive: {
    port: 4603,
    token: 'sim-pipedrive-token',
    urlVar: 'PIPEDRIVE_BASE_URL',
    tokenVar: 'PIPEDRIVE_API_TOKEN',
    simArgs: ['--webhook-url', 'http://127.0.0.1:4600/webhooks/pipedrive', '--webhook-user', 'inrecord', '--webhook-password', 'sim-webhook-password'],
    webhookVars: { basicPassword: 'PIPEDRIVE_WEBHOOK_PASSWORD' },
  },
};

/** The simulator command `init` prints, quoted for a shell. */
export function simulatorCommand(kind: Kind): string {
  const t = SIMULATOR_TRIAL[kind];
  const quote = (a: string) => (/^[\w./:=@-]+$/.test(a) ? a : `'${a}'`);
  return ['inrecord', 'sim', kind, '--port', String(t.port), '--token', t.token, ...t.simArgs].map(quote).join(' ');
}

const CONNECTION: Record<Kind, string> = {
  hubspot: `crm:
  kind: hubspot
  baseUrl: \${HUBSPOT_BASE_URL:-https://api.hubapi.com}   # or a simulator: http://127.0.0.1:4601
  auth:
    token: \${HUBSPOT_TOKEN}                  # private app token
    # oauth: { clientId: ..., clientSecret: \${HUBSPOT_CLIENT_SECRET}, refreshToken: \${HUBSPOT_REFRESH_TOKEN} }
  webhooks:
    secret: \${HUBSPOT_CLIENT_SECRET:-}       # the app's client secret, for X-HubSpot-Signature-v3`,
  salesforce: `crm:
  kind: salesforce
  baseUrl: \${SALESFORCE_INSTANCE_URL}        # https://yourorg.my.salesforce.com, or a simulator: http://127.0.0.1:4602
  apiVersion: "62.0"
  auth:
    token: \${SALESFORCE_ACCESS_TOKEN}
    # oauth: { clientId: ..., clientSecret: ..., refreshToken: \${SALESFORCE_REFRESH_TOKEN} }
  webhooks:
    orgId: \${SALESFORCE_ORG_ID:-}            # outbound messages must carry this org id
    urlSecret: \${SALESFORCE_OUTBOUND_SECRET:-}`,
  pipedrive: `crm:
  kind: pipedrive
  baseUrl: \${PIPEDRIVE_BASE_URL:-https://api.pipedrive.com}   # https://yourcompany.pipedrive.com, or a simulator: http://127.0.0.1:4603
  auth:
    token: \${PIPEDRIVE_API_TOKEN}
  webhooks:
    basicUser: inrecord
    basicPassword: \${PIPEDRIVE_WEBHOOK_PASSWORD:-}`,
};

/**
 * Each CRM's part of the example: the object scored, the fields the flows write (created by
 * `check --fix` where missing), the rep-owned field, and the scoring features — standard fields
 * of the CRM, or the simulator's, each named where a real account differs.
 */
const PARTS: Record<
  Kind,
  {
    object: string;
    score: string;
    reason: string;
    stamp: string;
    title: string;
    rep: string;
    features: string;
    intent: string;
  }
> = {
  hubspot: {
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
  },
  salesforce: {
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
  },
  pipedrive: {
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
  },
};

/** The commented inrecord.yaml that `inrecord init --crm <kind>` writes. */
export function exampleConfig(kind: Kind): string {
  const f = PARTS[kind];
  const intentRule =
    kind === 'salesforce'
      ? `\n  contact:\n    fields:\n      Inrecord_Intent__c: { owner: hybrid, onConflict: flag }`
      : '';
  return `# inrecord.yaml — what inrecord reads, what it writes, and who owns each field.
# \${NAME} reads an environment variable; \${NAME:-default} gives it a default. Secrets belong in the
# environment, never in this file. Try it on the local simulator first:
#   ${simulatorCommand(kind)}      (in another terminal)
#   export ...        (the line the simulator prints: URL, token and webhook settings)
#   inrecord check --fix && inrecord plan
#   inrecord run          (in a third terminal, same variables: the daemon, which the webhooks reach)
#   inrecord apply        (once the daemon is up)
# then point the variables at your CRM, and the features below at your fields.
version: 1

${CONNECTION[kind]}

# store: embedded Postgres in .inrecord/ unless DATABASE_URL (or store.databaseUrl) names a server.
store:
  databaseUrl: \${DATABASE_URL:-}

server:
  host: 127.0.0.1        # bind elsewhere only with a token and publicUrl
  port: 4600
  token: \${INRECORD_CONSOLE_TOKEN:-}
  # publicUrl: https://inrecord.example.com   # beyond loopback: the only host the server answers for
  # trustProxy: false    # true: webhook signatures use X-Forwarded-Proto/Host (only behind a proxy that sets them)

identity:
  ownDomains: []         # your team's email domains: their participants are never matched
  createMissing: false   # unmatched records go to the review queue, never a new CRM record
  # attributes: { external_id: ERP_Id__c }   # a contact field (name or label) per identifying attribute
  #   (birth_date, postcode, address, city, linkedin_url, external_id) where not the CRM's standard one

# Who owns each field. ai: the AI may overwrite. hybrid: the AI writes only if no person edited the
# field since the AI last read it, nor set the value found before its first write (onConflict:
# skip | flag | overwrite; a value with no history counts as a person's unless firstWrite: overwrite).
# rep: never written. \`inrecord check --fix\` creates the missing fields the flows write, of the types they write.
objects:
  ${f.object}:
    fields:
      ${f.score}: { owner: ai, stamp: ${f.stamp} }
      ${f.reason}: { owner: ai, truncate: true }
      ${f.title}: { owner: hybrid, onConflict: skip }
      ${f.rep}: { owner: rep }${intentRule}

flows:
  # Lead scoring by rules: points per feature, with the reasons written beside the score. Rules are
  # points you wrote and can read, so the gate is open. With model: auto a model trained on your
  # conversions takes over once there are minConversions of them: then use gate: { mode: gated }.
  - name: lead-scoring
    kind: scoring
    object: ${f.object}
    outputs: { score: ${f.score}, score_reason: ${f.reason} }
    settings:
      model: rules
      base: 20
${f.features}
    gate: { mode: open }
    trigger: { webhook: true, poll: 15m }
${f.intent}

monitor:
  schedule: 7d
  psiWarn: 0.1
  psiAlert: 0.25
  # alertWebhook: \${SLACK_WEBHOOK_URL}
`;
}
