/**
 * The scoring flow's `settings` (inrecord.yaml → flows[].settings), validated here because the
 * config schema leaves flow settings open. Feature names are the flow's own; `field` maps each to
 * the CRM's field name, so the same rules run on any CRM.
 */
import { z } from 'zod';

export const featureSpecSchema = z
  .object({
    /** The CRM field the feature is read from. */
    field: z.string().min(1),
    /** `date`: read as days since the field's date (at scoring time). */
    type: z.enum(['number', 'category', 'boolean', 'date']).default('number'),
    /** Reason wording; `{value}` is replaced ("{value} meetings in the last 30 days"). */
    label: z.string().optional(),
    /** Reason wording when the field is empty ("no email opens on record"). */
    missingLabel: z.string().optional(),
  })
  .strict();
export type FeatureSpec = z.infer<typeof featureSpecSchema>;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/**
 * One declarative rule: a condition on one feature and the points it is worth. Without a
 * condition it fires whenever the feature has a value. `per` scales points by the value
 * (points per `per` units, capped at `max`); `halfLifeDays` decays points with a date feature's
 * age (a meeting last week counts more than one last quarter).
 */
export const ruleSchema = z
  .object({
    feature: z.string().min(1),
    points: z.number(),
    equals: z.union([scalar, z.array(scalar)]).optional(),
    gte: z.number().optional(),
    lte: z.number().optional(),
    /** Fires only when the feature is empty. */
    missing: z.boolean().optional(),
    /** With gte/lte: an empty value also fires ("no opens in 60 days" holds when there were none). */
    orMissing: z.boolean().optional(),
    per: z.number().positive().optional(),
    halfLifeDays: z.number().positive().optional(),
    /** Cap on the rule's points (absolute value). */
    max: z.number().positive().optional(),
    /** Reason wording; `{value}` is replaced. Default: the feature's label. */
    label: z.string().optional(),
  })
  .strict();
export type ScoringRule = z.infer<typeof ruleSchema>;

export const labelSpecSchema = z
  .object({
    /** The field that says whether a record converted (Lead IsConverted, a lifecycle stage, a won deal …). */
    field: z.string().min(1),
    /** Values meaning "converted". */
    positive: z.array(scalar).default([true, 'true', 'yes', 'converted', 'won', 'closedwon', 'customer']),
    /** Values meaning "decided, did not convert". Any other value (empty, 'open', 'working' …) is undecided and not trained on. */
    negative: z.array(scalar).default([false, 'false', 'no', 'not converted', 'lost', 'closedlost', 'unqualified', 'disqualified']),
    /**
     * Optional: only records whose `field` holds one of `values` are decided (Lead Status
     * 'Closed - Converted' / 'Closed - Not Converted'), for labels such as IsConverted whose false
     * also means "still open".
     */
    decided: z.object({ field: z.string().min(1), values: z.array(scalar).min(1) }).strict().optional(),
  })
  .strict();

export const scoringSettingsSchema = z
  .object({
    /** auto: rules until the CRM holds `minConversions` converted records, then the trained model. */
    model: z.enum(['auto', 'rules', 'trained']).default('auto'),
    minConversions: z.number().int().positive().default(1000),
    features: z.record(z.string(), featureSpecSchema),
    label: labelSpecSchema.optional(),
    /** Points every record starts from. */
    base: z.number().default(20),
    rules: z.array(ruleSchema).default([]),
    /** How many factors the reason lists. */
    reasons: z.number().int().min(1).max(10).default(3),
    /**
     * The trained families to fit: logistic regression, and boosted trees — served instead of the
     * logistic model only when its held-out AUC is higher with the difference's 95% interval above 0.
     */
    families: z.array(z.enum(['logistic', 'boosted'])).min(1).default(['logistic', 'boosted']).refine((f) => f.includes('logistic'), { message: 'families must include logistic (the reference every other family is judged against)' }),
    /** L2 penalty of the trained model; by default chosen by 5-fold cross-validation. */
    l2: z.number().nonnegative().optional(),
    /** Share of decided records held out to measure the model. */
    holdout: z.number().gt(0).lt(1).default(0.2),
    /**
     * The records' created date (or another date that grows with time): the hold-out is then the
     * newest `holdout` share — trained on older records, judged on newer ones. Without it, or when
     * a record has no date, a stable hash of the record id picks the hold-out.
     */
    holdoutBy: z.object({ field: z.string().min(1) }).strict().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    s.rules.forEach((r, i) => {
      if (!(r.feature in s.features)) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'feature'], message: `rule names feature "${r.feature}", which is not in features` });
      }
    });
  });
export type ScoringSettings = z.infer<typeof scoringSettingsSchema>;
export type ScoringSettingsInput = z.input<typeof scoringSettingsSchema>;

/**
 * A starting point that reads well on a typical lead: engagement, meetings, stage age, product
 * usage and firmographics, used by the tests. Its field names are examples: a flow's settings in
 * inrecord.yaml point each feature (`features.<name>.field`) at the CRM field that holds it.
 */
export const EXAMPLE_SCORING_SETTINGS: ScoringSettingsInput = {
  model: 'auto',
  features: {
    email_opens_30d: { field: 'email_opens_30d', label: '{value} email opens in the last 30 days' },
    last_email_open: { field: 'last_email_open', type: 'date', label: 'last email opened {value} days ago', missingLabel: 'no email opens on record' },
    meetings_30d: { field: 'meetings_30d', label: '{value} meetings in the last 30 days' },
    days_in_stage: { field: 'days_in_stage', label: '{value} days in the current stage' },
    active_users: { field: 'product_active_users', label: '{value} active users in the product' },
    seniority: { field: 'seniority', type: 'category', label: '{value} title' },
    employees: { field: 'employees', label: '{value} employees' },
    industry: { field: 'industry', type: 'category', label: 'industry {value}' },
  },
  label: { field: 'converted' },
  base: 20,
  rules: [
    { feature: 'meetings_30d', points: 6, per: 1, max: 24 },
    { feature: 'email_opens_30d', points: 2, per: 1, max: 12 },
    { feature: 'last_email_open', points: 8, halfLifeDays: 14 },
    { feature: 'last_email_open', gte: 60, orMissing: true, points: -6, label: 'no email opens in 60 days' },
    { feature: 'days_in_stage', gte: 90, points: -8, label: 'stuck {value} days in the current stage' },
    { feature: 'active_users', points: 3, per: 1, max: 15 },
    { feature: 'seniority', equals: ['VP', 'C-level', 'Director'], points: 9 },
    { feature: 'employees', gte: 200, points: 6, label: 'company of {value} employees' },
  ],
};
