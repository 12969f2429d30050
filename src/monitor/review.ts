/**
 * The review queue surface behind `inrecord review` and the console: list, show and resolve the
 * identity and conflict items other modules put in review_items. The decision for an identity
 * item belongs to the identity module and a conflict's AI value to write-back: when they provide
 * a resolver it is called; otherwise only what needs no other module is done here (recording a
 * reviewer's identity link, keeping the rep's value, dismissing), and anything else is refused
 * with the reason — never recorded as done when it was not.
 */
import { InrecordError } from '../errors/index.js';
import type { Sql, Store } from '../store/index.js';

export type ReviewKind = 'identity' | 'conflict' | 'validation';
export type ReviewStatus = 'open' | 'resolved' | 'dismissed';

export interface ReviewItem {
  id: number;
  kind: ReviewKind;
  crm: string;
  object: string;
  subjectKey: string;
  status: ReviewStatus;
  reason: string;
  payload: Record<string, unknown>;
  resolution: Record<string, unknown> | null;
  resolvedBy: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

/** identity: pick | not_in_crm | dismiss; conflict: keep_rep | accept_ai | dismiss (the console's vocabulary). */
export interface ReviewDecision {
  action: 'pick' | 'not_in_crm' | 'keep_rep' | 'accept_ai' | 'dismiss';
  /** identity `pick`: the CRM record id the input belongs to. */
  candidateId?: string;
  note?: string;
}

/** A module's own resolution of its items; returns the resolution to record. Runs inside the transaction. */
export type ReviewResolver = (
  tx: Sql,
  item: ReviewItem,
  decision: ReviewDecision,
  by: string,
) => Promise<Record<string, unknown>>;

export interface ReviewResolvers {
  identity?: ReviewResolver;
  /** Writes the AI value of a conflict (write-back), for `accept_ai`. */
  conflictAcceptAi?: ReviewResolver;
}

interface Row {
  id: number;
  kind: ReviewKind;
  crm: string;
  object: string;
  subject_key: string;
  status: ReviewStatus;
  reason: string;
  payload: Record<string, unknown>;
  resolution: Record<string, unknown> | null;
  resolved_by: string | null;
  created_at: Date;
  resolved_at: Date | null;
}

const iso = (d: Date | string | null) =>
  d === null ? null : (d instanceof Date ? d : new Date(d)).toISOString();

function toItem(r: Row): ReviewItem {
  return {
    id: Number(r.id),
    kind: r.kind,
    crm: r.crm,
    object: r.object,
    subjectKey: r.subject_key,
    status: r.status,
    reason: r.reason,
    payload: r.payload ?? {},
    resolution: r.resolution,
    resolvedBy: r.resolved_by,
    createdAt: iso(r.created_at) as string,
    resolvedAt: iso(r.resolved_at),
  };
}

export async function listReviewItems(
  store: Sql,
  opts: { kind?: ReviewKind; status?: ReviewStatus | 'all'; limit?: number } = {},
): Promise<ReviewItem[]> {
  const rows = await store.query<Row>(
    `SELECT * FROM review_items WHERE ($1::text IS NULL OR kind = $1::text) AND ($2 = 'all' OR status = $2)
     ORDER BY id LIMIT $3`,
    [opts.kind ?? null, opts.status ?? 'open', opts.limit ?? 100],
  );
  return rows.map(toItem);
}

export async function getReviewItem(store: Sql, id: number): Promise<ReviewItem> {
  const rows = await store.query<Row>('SELECT * FROM review_items WHERE id = $1', [id]);
  if (!rows[0])
    throw new InrecordError('IR_REVIEW_NOT_FOUND', `review item ${id} does not exist`, {
      context: { reviewId: id },
    });
  return toItem(rows[0]);
}

const ACTIONS: Record<ReviewKind, ReviewDecision['action'][]> = {
  identity: ['pick', 'not_in_crm', 'dismiss'],
  conflict: ['keep_rep', 'accept_ai', 'dismiss'],
  validation: [],
};

/** Records a reviewer's link from the item's external key to the chosen CRM record. */
const recordReviewerLink: ReviewResolver = async (tx, item, decision, by) => {
  if (decision.action === 'pick') {
    await tx.query(
      `INSERT INTO identity_links (crm, object, external_key, crm_id, provenance, rule, confidence, decided_by, decided_at)
       VALUES ($1, $2, $3, $4, 'reviewer', NULL, 1, $5, now())
       ON CONFLICT (crm, object, external_key) DO UPDATE SET crm_id = EXCLUDED.crm_id, provenance = 'reviewer', rule = NULL,
         confidence = 1, decided_by = EXCLUDED.decided_by, decided_at = now(), invalidated_at = NULL, invalidated_reason = NULL`,
      [item.crm, item.object, item.subjectKey, decision.candidateId, by],
    );
    return { action: 'pick', crmId: decision.candidateId };
  }
  return { action: decision.action };
};

/**
 * Resolves one open item. `dismiss` sets status dismissed; every other action sets resolved. The
 * resolution records the action, the chosen record or value, the note, and who.
 */
export async function resolveReviewItem(
  store: Store,
  args: { id: number; decision: ReviewDecision; by: string; resolvers?: ReviewResolvers },
): Promise<ReviewItem> {
  const { id, decision, by } = args;
  return store.transaction(async (tx) => {
    const rows = await tx.query<Row>('SELECT * FROM review_items WHERE id = $1 FOR UPDATE', [id]);
    if (!rows[0])
      throw new InrecordError('IR_REVIEW_NOT_FOUND', `review item ${id} does not exist`, {
        context: { reviewId: id },
      });
    const item = toItem(rows[0]);
    if (item.status !== 'open') {
      throw new InrecordError(
        'IR_REVIEW_ALREADY_RESOLVED',
        `review item ${id} (${item.kind}, ${item.object} ${item.subjectKey}) was already ${item.status} by ${item.resolvedBy ?? 'someone'} at ${item.resolvedAt}`,
        {
          context: { reviewId: id },
        },
      );
    }
    if (item.kind === 'validation') {
      throw new InrecordError(
        'IR_USAGE',
        `review item ${id} is a validation sample: label it with \`inrecord review label\``,
      );
    }
    if (!ACTIONS[item.kind].includes(decision.action)) {
      throw new InrecordError(
        'IR_USAGE',
        `review item ${id} is a ${item.kind} item: "${decision.action}" does not apply`,
        {
          fix: `Use one of: ${ACTIONS[item.kind].join(', ')}.`,
        },
      );
    }
    if (decision.action === 'pick' && !decision.candidateId) {
      throw new InrecordError(
        'IR_USAGE',
        `review item ${id}: pick needs the CRM record id (${item.object} ${item.subjectKey})`,
        { fix: 'Pass --pick <crm record id>.' },
      );
    }
    let resolution: Record<string, unknown>;
    if (decision.action === 'dismiss') resolution = { action: 'dismiss' };
    else if (item.kind === 'identity')
      resolution = await (args.resolvers?.identity ?? recordReviewerLink)(tx, item, decision, by);
    else if (decision.action === 'keep_rep')
      resolution = { action: 'keep_rep', repValue: item.payload.repValue ?? null };
    else {
      if (!args.resolvers?.conflictAcceptAi) {
        throw new InrecordError(
          'IR_NOT_IMPLEMENTED',
          `review item ${id}: accepting the AI value of ${item.object} ${String(item.payload.recordId ?? item.subjectKey)} field ${String(item.payload.field ?? '')} needs the write-back layer, which is not wired to this command`,
          {
            context: { reviewId: id },
            fix: 'Keep the rep’s value (--keep-rep) or dismiss; to use the AI value, enter it in the CRM yourself.',
          },
        );
      }
      resolution = await args.resolvers.conflictAcceptAi(tx, item, decision, by);
    }
    if (decision.note) resolution = { ...resolution, note: decision.note };
    const updated = await tx.query<Row>(
      `UPDATE review_items SET status = $2, resolution = $3::jsonb, resolved_by = $4, resolved_at = now() WHERE id = $1 RETURNING *`,
      [id, decision.action === 'dismiss' ? 'dismissed' : 'resolved', JSON.stringify(resolution), by],
    );
    return toItem(updated[0]);
  });
}
