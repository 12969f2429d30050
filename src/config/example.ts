/**
 * The commented inrecord.yaml `inrecord init` writes: the same for every CRM but for the CRM's own
 * part (its connection, the object scored and its fields, the features), which is the CRM's
 * (`src/crm/<crm>/example.ts`, read through the registry), as is the local simulator it points at.
 */
import type { z } from 'zod';
import { CRM_NAMES } from '../crm/names.js';
import { exampleOf } from '../crm/registry.js';
import type { ConfigExample } from '../crm/types.js';
import type { crmKind } from './schema.js';

type Kind = z.infer<typeof crmKind>;

/** The local simulator `init` points at, for each CRM (`ConfigExample.trial`). */
export const SIMULATOR_TRIAL = Object.fromEntries(
  CRM_NAMES.map((crm) => [crm, exampleOf(crm).trial]),
) as Record<Kind, ConfigExample['trial']>;

/** The simulator command `init` prints, quoted for a shell. */
export function simulatorCommand(kind: Kind): string {
  const t = SIMULATOR_TRIAL[kind];
  const quote = (a: string) => (/^[\w./:=@-]+$/.test(a) ? a : `'${a}'`);
  return ['inrecord', 'sim', kind, '--port', String(t.port), '--token', t.token, ...t.simArgs]
    .map(quote)
    .join(' ');
}

/** The commented inrecord.yaml that `inrecord init --crm <kind>` writes. */
export function exampleConfig(kind: Kind): string {
  const f = exampleOf(kind);
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

${f.connection}

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
      ${f.rep}: { owner: rep }${f.otherObjects}

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
