/**
 * The review queue surface behind `inrecord review` and the console: list, show and resolve the
 * items other modules open (identity, conflict, action). What a decision does belongs to the
 * module whose item it is: identity records a reviewer's link, write-back writes an accepted AI
 * value. They hand their resolvers in (`pipeline/review.ts` composes them); only what needs no
 * other module is done here (keeping the rep's value, dismissing), and anything else is refused
 * with the reason — never recorded as done when it was not.
 */
import { InrecordError } from '../errors/index.js';
import type { Sql, Store } from '../store/index.js';
import {
  type ReviewKind,
  type ReviewRow,
  type ReviewStatus,
  closeReviewItem,
  selectReviewItem,
  selectReviewItems,
} from './queries.js';

export type { ReviewKind, ReviewStatus } from './queries.js';

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
  /** Records a reviewer's identity decision (identity's `identityReviewResolver`). */
  identity?: ReviewResolver;
  /** Writes the AI value of a conflict (write-back), for `accept_ai`. */
  conflictAcceptAi?: ReviewResolver;
}

type Row = ReviewRow;

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
  const rows = await selectReviewItems(store, {
    kind: opts.kind,
    status: opts.status ?? 'open',
    limit: opts.limit ?? 100,
  });
  return rows.map(toItem);
}

export async function getReviewItem(store: Sql, id: number): Promise<ReviewItem> {
  const row = await selectReviewItem(store, id);
  if (!row)
    throw new InrecordError('IR_REVIEW_NOT_FOUND', `review item ${id} does not exist`, {
      context: { reviewId: id },
    });
  return toItem(row);
}

const ACTIONS: Record<ReviewKind, ReviewDecision['action'][]> = {
  identity: ['pick', 'not_in_crm', 'dismiss'],
  conflict: ['keep_rep', 'accept_ai', 'dismiss'],
  validation: [],
  action: ['dismiss'],
};

/**
 * Resolves one open item. `dismiss` sets status dismissed; every other action sets resolved. The
 * resolution records the action, the chosen record or value, the note, and who.
 */
export async function resolveReviewItem(
  store: Store,
  args: {
    id: number;
    decision: ReviewDecision;
    by: string;
    resolvers?: ReviewResolvers;
    /**
     * A pick may name a CRM record the item does not list (an operator at the CLI who looked it
     * up). Off by default: the console picks only among the item's candidates.
     */
    pickUnlisted?: boolean;
  },
): Promise<ReviewItem> {
  const { id, decision, by } = args;
  return store.transaction(async (tx) => {
    const row = await selectReviewItem(tx, id, { forUpdate: true });
    if (!row)
      throw new InrecordError('IR_REVIEW_NOT_FOUND', `review item ${id} does not exist`, {
        context: { reviewId: id },
      });
    const item = toItem(row);
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
    if (decision.action === 'pick' && !args.pickUnlisted) {
      const unlisted = unlistedPick(item, decision.candidateId ?? '');
      if (unlisted) throw unlisted;
    }
    let resolution: Record<string, unknown>;
    if (decision.action === 'dismiss') resolution = { action: 'dismiss' };
    else if (item.kind === 'identity') {
      if (!args.resolvers?.identity)
        throw new InrecordError(
          'IR_INTERNAL',
          `review item ${id}: no identity resolver was handed to the review queue`,
        );
      resolution = await args.resolvers.identity(tx, item, decision, by);
    } else if (decision.action === 'keep_rep')
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
    return toItem(
      await closeReviewItem(tx, id, decision.action === 'dismiss' ? 'dismissed' : 'resolved', resolution, by),
    );
  });
}

/** The CRM record ids an identity item offers (its candidates), as the console lists them. */
export function candidateIds(item: Pick<ReviewItem, 'payload'>): string[] {
  const list = item.payload.candidates;
  if (!Array.isArray(list)) return [];
  return list
    .map((c) => (c && typeof c === 'object' ? (c as { id?: unknown }).id : c))
    .filter((id) => id !== undefined && id !== null)
    .map(String);
}

/** Why a pick is refused (it names none of the item's candidates), or null when it names one. */
export function unlistedPick(
  item: Pick<ReviewItem, 'id' | 'payload' | 'object' | 'subjectKey'>,
  candidateId: string,
): InrecordError | null {
  const ids = candidateIds(item);
  if (ids.includes(candidateId)) return null;
  return new InrecordError(
    'IR_USAGE',
    `review item ${item.id} (${item.object} ${item.subjectKey}): ${JSON.stringify(candidateId.slice(0, 40))} is not one of its candidates${ids.length ? ` (${ids.join(', ')})` : ' (it lists none)'}`,
    {
      context: { reviewId: item.id },
      fix: ids.length
        ? 'Pick one of the listed candidates, mark it not in the CRM, or dismiss it.'
        : 'Mark it not in the CRM or dismiss it; to link a record it does not list, use `inrecord review resolve <id> --pick <crmId>`.',
    },
  );
}
