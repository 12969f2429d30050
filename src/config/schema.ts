import { z } from 'zod';
import { CONTACT_ATTRIBUTES } from '../crm/attributes.js';
import { CRM_NAMES } from '../crm/names.js';
import { FLOW_KINDS, FLOW_KIND_NAMES } from './kinds.js';

/**
 * The shape of inrecord.yaml. Every section is validated here; TypeScript types come from z.infer.
 * Modules read their own section and trust it.
 */

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration like 30s, 15m, 6h or 30d');

const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `7d`, `6h`, `15m`, `30s`, `500ms` → milliseconds: the one reader of the config's duration format. */
export function durationMs(d: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(d);
  if (!m) throw new RangeError(`not a duration: ${d} (a duration looks like 30s, 15m, 6h or 30d)`);
  return Number(m[1]) * DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS];
}

export const crmKind = z.enum(CRM_NAMES);

export const oauthSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  refreshToken: z.string().min(1),
  /** Token endpoint; defaults to the CRM's own. */
  tokenUrl: z.string().url().optional(),
  /** The CRM's authorise page (`inrecord auth`); defaults to the CRM's own. */
  authorizeUrl: z.string().url().optional(),
  /** The redirect URL registered with the app, where the authorise page sends the code. */
  redirectUri: z.string().url().optional(),
  /** Refresh this long before expiry. */
  refreshBefore: duration.default('60s'),
});

export const crmConnectionSchema = z
  .object({
    kind: crmKind,
    /** API base URL; defaults to the CRM's public API (a simulator's URL in tests and the demo). */
    baseUrl: z.string().url().optional(),
    auth: z.union([
      z.object({ token: z.string().min(1, 'a token (private app token, API token, or access token)') }),
      z.object({ oauth: oauthSchema }),
    ]),
    /** Salesforce API version. */
    apiVersion: z.string().regex(/^\d+\.\d$/).default('62.0'),
    webhooks: z
      .object({
        /** HubSpot: the app's client secret (v3 signatures). */
        secret: z.string().optional(),
        /** HubSpot public apps: the app id and developer API key that manage webhook subscriptions. */
        appId: z.string().optional(),
        developerApiKey: z.string().optional(),
        /** Pipedrive: HTTP Basic credentials the subscription was created with. */
        basicUser: z.string().optional(),
        basicPassword: z.string().optional(),
        /** Salesforce outbound messages: expected org id, and a shared secret carried in the URL. */
        orgId: z.string().optional(),
        urlSecret: z.string().optional(),
        /** Reject signed requests older than this, or dated further ahead (HubSpot allows 5 minutes). */
        maxAge: duration.default('5m'),
      })
      .default({}),
    /** The CRM user id this integration writes as: its changes are `integration` in history. */
    integrationUserId: z.string().optional(),
    /**
     * Salesforce Bulk API 2.0: a read or write of at least `threshold` records goes through a bulk
     * query job or a CSV ingest job instead of REST pages and 200-record collections. Others: ignored.
     */
    bulk: z
      .object({
        enabled: z.boolean().default(true),
        /** Records from which a read, a verification or a write uses Bulk API 2.0. */
        threshold: z.number().int().min(1).default(2000),
        /** Records per ingest job (a write-back gathers this many before writing). */
        jobSize: z.number().int().min(1).max(150_000).default(10_000),
        /** How often a running job's state is read (each look is one API call). */
        pollInterval: duration.default('2s'),
        /** A job not done after this long is reported as failed; its id is in the error. */
        pollTimeout: duration.default('10m'),
      })
      .strict()
      .default({}),
    rateLimit: z
      .object({
        callsPerWindow: z.number().int().positive().optional(),
        windowMs: z.number().int().positive().optional(),
        /**
         * Write calls in flight at once: HubSpot's and Salesforce's write batches (default 4),
         * Pipedrive's calls of one record each (default 10: at ~200 ms an answer, what its 100
         * calls per 2 s allow).
         */
        writeConcurrency: z.number().int().min(1).max(64).optional(),
        /** Search calls per second, where the CRM limits search apart (HubSpot: 5). */
        searchPerSecond: z.number().positive().optional(),
        /** Pause (not fail) when this share of the daily quota is spent. */
        dailyQuotaGuard: z.number().min(0).max(1).default(0.9),
      })
      .default({}),
  })
  .strict();

export const ownershipSchema = z.enum(['ai', 'hybrid', 'rep']);
export const conflictPolicySchema = z.enum(['skip', 'flag', 'overwrite']);
export const firstWritePolicySchema = z.enum(['protect', 'overwrite']);

export const fieldRuleSchema = z
  .object({
    owner: ownershipSchema,
    /** hybrid only: what to do when a person edited the field since the AI last read it. */
    onConflict: conflictPolicySchema.default('flag'),
    /**
     * hybrid only: a value already in the field before inrecord first writes it, when the CRM's field
     * history cannot say who set it (an untracked field). protect: it is a person's (onConflict
     * applies); overwrite: the AI may replace it. A value the history shows a person set is always
     * a person's.
     */
    firstWrite: firstWritePolicySchema.default('protect'),
    /** Text fields: cut values longer than the field instead of rejecting them. */
    truncate: z.boolean().default(false),
    /** Companion field that receives the AI stamp (written at, flow, model version, confidence). */
    stamp: z.string().optional(),
  })
  .strict();

export const objectKind = z.enum(['contact', 'company', 'deal', 'lead']);

export const objectRulesSchema = z
  .object({
    fields: z.record(z.string(), fieldRuleSchema).default({}),
  })
  .strict();

export const gateSchema = z
  .object({
    /** shadow: compute and record, write nothing; gated: shadow until the sample passes, then write; open: write. */
    mode: z.enum(['shadow', 'gated', 'open']),
    /** Lower bound of the Wilson 95% interval of accuracy that opens the gate. */
    threshold: z.number().min(0).max(1).default(0.9),
    sampleSize: z.number().int().positive().default(100),
    /** Fall back to shadow on a drift alert. */
    shadowOnDrift: z.boolean().default(true),
  })
  .strict();

export const flowKind = z.enum(FLOW_KIND_NAMES);

/** A flow's gate as written: the mode defaults by the flow's kind (config/kinds.ts). */
const flowGateSchema = gateSchema.extend({ mode: gateSchema.shape.mode.optional() });

export const flowSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    kind: flowKind,
    object: objectKind,
    /** Output name → CRM field it is written to. */
    outputs: z.record(z.string(), z.string()).default({}),
    /** Flow-specific settings (model, provider, points, refresh period …), validated by the flow. */
    settings: z.record(z.string(), z.unknown()).default({}),
    gate: flowGateSchema.default({}),
    trigger: z
      .object({
        webhook: z.boolean().default(true),
        poll: duration.default('15m'),
      })
      .strict()
      .default({}),
    /** Actions an output fires (trigger flows). */
    actions: z.array(z.record(z.string(), z.unknown())).default([]),
  })
  .strict()
  .transform((f) => ({ ...f, gate: { ...f.gate, mode: f.gate.mode ?? FLOW_KINDS[f.kind].gate } }));

export const configSchema = z
  .object({
    version: z.literal(1).default(1),
    crm: crmConnectionSchema,
    store: z
      .object({
        dataDir: z.string().optional(),
        databaseUrl: z.string().optional(),
        /** The Postgres schema inrecord's tables live in (default inrecord): several deployments can share one database. */
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,40}$/, 'a lower-case Postgres identifier: letters, digits and _')
          .optional(),
      })
      .strict()
      .default({}),
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(4600),
        /** Required when host is not loopback; when set, every console request needs it. */
        token: z.string().optional(),
        /** The address browsers and CRMs use; required when host is not loopback (the only Host answered there). HubSpot signs it: webhook signatures are checked against it. */
        publicUrl: z.string().url().optional(),
        /** Believe X-Forwarded-Proto / X-Forwarded-Host (set only behind a proxy that overwrites them). */
        trustProxy: z.boolean().default(false),
      })
      .strict()
      .default({}),
    identity: z
      .object({
        /** The team's own email domains: their participants are skipped, never matched. */
        ownDomains: z.array(z.string()).default([]),
        /** Create a CRM record for an unmatched input (off: unmatched goes to the review queue). */
        createMissing: z.boolean().default(false),
        /**
         * Per identifying attribute, the contact field (name or label) that holds it, where it is not
         * the CRM's standard one: `{ external_id: 'ERP_Id__c', birth_date: 'Birthday' }`.
         */
        attributes: z
          .object(
            Object.fromEntries(CONTACT_ATTRIBUTES.map((a) => [a, z.string().min(1).optional()])) as Record<
              (typeof CONTACT_ATTRIBUTES)[number],
              z.ZodOptional<z.ZodString>
            >,
          )
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    signals: z
      .object({
        /** Imported emails and meetings keep their bodies (true) or only metadata: subject, time, participants. */
        storeBodies: z.boolean().default(false),
      })
      .strict()
      .default({}),
    objects: z.record(objectKind, objectRulesSchema).default({}),
    flows: z.array(flowSchema).default([]),
    monitor: z
      .object({
        schedule: duration.default('7d'),
        psiWarn: z.number().default(0.1),
        psiAlert: z.number().default(0.25),
        alertWebhook: z.string().url().optional(),
        deadLetterAlert: z.number().int().nonnegative().default(10),
        /** Alert when the share of attempted writes that landed falls below this. */
        writeSuccessAlert: z.number().min(0).max(1).default(0.95),
        /** Alert when the share of writes the CRM accepted but did not apply exceeds this. */
        notAppliedAlert: z.number().min(0).max(1).default(0.02),
        /** Alert when the share of identity decisions that were unmatched or ambiguous exceeds this. */
        unmatchedAlert: z.number().min(0).max(1).default(0.25),
        /** Warn when the KS p-value of scores vs training falls below this. */
        ksAlpha: z.number().min(0).max(1).default(0.01),
        /** Fewer observed scores than this: drift is reported as not judged, never as fine. */
        minSample: z.number().int().positive().default(30),
      })
      .strict()
      .default({}),
    jobs: z
      .object({
        retryLimit: z.number().int().min(0).max(20).default(5),
        retryDelaySeconds: z.number().int().positive().default(2),
        concurrency: z.number().int().positive().default(4),
        /** Record jobs worked together in one batch (one batched read and write per batch). */
        batchSize: z.number().int().min(1).max(500).default(50),
        /** A job not finished in this time counts as lost (its worker died) and runs again. */
        expireInSeconds: z.number().int().min(5).optional(),
      })
      .strict()
      .default({}),
    triggers: z
      .object({
        /**
         * Where a poller starts when it has no cursor yet (a first start, a new flow's object): `now`
         * processes only changes from then on; `backfill` reads and processes every record first.
         */
        firstPoll: z.enum(['now', 'backfill']).default('now'),
        /**
         * Subscribe to the CRM's change stream (Salesforce Change Data Capture) for every flow's
         * object: changes arrive within seconds, a restart resumes from the stored position, and the
         * poller stays the safety net. Refused for a CRM without one.
         */
        changeStream: z.boolean().default(false),
        /** Webhook receipts (dedupe keys and refused events) older than this are deleted by the daemon. */
        receiptRetention: duration.default('30d'),
      })
      .strict()
      .default({}),
  })
  .strict();

export type InrecordConfig = z.infer<typeof configSchema>;
export type CrmConnection = z.infer<typeof crmConnectionSchema>;
export type FieldRule = z.infer<typeof fieldRuleSchema>;
export type FlowConfig = z.infer<typeof flowSchema>;
export type GateConfig = z.infer<typeof gateSchema>;

/** A gate with every setting at its default but the mode: the one place gate defaults come from. */
export function defaultGate(mode: GateConfig['mode']): GateConfig {
  return gateSchema.parse({ mode });
}
export type Ownership = z.infer<typeof ownershipSchema>;
export type ConflictPolicy = z.infer<typeof conflictPolicySchema>;
export type FirstWritePolicy = z.infer<typeof firstWritePolicySchema>;
