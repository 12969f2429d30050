/**
 * The identity map and the review queue around the pure decision:
 * - `resolveWithMap`: a valid link (rule or reviewer) is reused; a reviewer's "not in CRM" is
 *   honoured; everything else is decided by decide.ts, matched results are stored as rule links and
 *   ambiguous / unmatched ones open an identity review item with the input, the candidates' fields
 *   and the reason.
 * - `invalidateLinks`: called when CRM records are merged or deleted.
 * - `identityReviewResolver` / `decideIdentityReview`: a reviewer's pick / not-in-CRM / dismiss
 *   goes into the map and is reused on the next run.
 */
import { InrecordError } from '../errors/index.js';
import type { Sql, Store } from '../store/index.js';
import { resolveIdentity } from './decide.js';
import {
  NOT_IN_CRM,
  closeReview,
  invalidateLinkKeys,
  invalidateLinksTo,
  selectLinks,
  selectNotInCrmReviews,
  selectReviewForUpdate,
  upsertOpenReviews,
  upsertReviewerLink,
  upsertRuleLinks,
} from './queries.js';
import type { CrmSnapshot } from './snapshot.js';
import type { IdentityInput, IdentityResult } from './types.js';

export interface ResolveWithMapOptions {
  /** The CRM name the links belong to ('hubspot', …, or a name for a file-based CRM). */
  crm: string;
  inputs: readonly IdentityInput[];
  snapshot: CrmSnapshot;
  /**
   * The snapshot holds every CRM record (offline files, a full listing): a linked id missing from it
   * was deleted, so the link is invalidated and the input decided afresh. False for live lookups,
   * where the snapshot holds only candidates (deletions arrive through `invalidateLinks`).
   */
  complete: boolean;
  /** Open review items for ambiguous / unmatched results (default true). */
  review?: boolean;
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

function candidateFields(snap: CrmSnapshot, type: 'contact' | 'company', ids: readonly string[]): unknown[] {
  return ids
    .slice(0, 20)
    .map((id) =>
      type === 'contact' ? (snap.contacts.get(id)?.c ?? { id }) : (snap.companies.get(id) ?? { id }),
    );
}

/** Resolves every input, reusing and extending the identity map; one result per input, in order. */
export async function resolveWithMap(store: Store, opts: ResolveWithMapOptions): Promise<IdentityResult[]> {
  const { crm, inputs, snapshot } = opts;
  const keys = inputs.map((i) => i.key);
  const links = new Map<string, Awaited<ReturnType<typeof selectLinks>>[number]>();
  for (const l of await selectLinks(store, crm, keys)) links.set(`${l.object}\u0000${l.external_key}`, l);
  const notInCrm = new Map<string, { resolved_by: string | null; resolved_at: Date | string }>();
  for (const r of await selectNotInCrmReviews(store, crm, keys))
    notInCrm.set(`${r.object}\u0000${r.subject_key}`, r);

  const results: IdentityResult[] = [];
  const ruleLinks: { object: string; key: string; crmId: string; rule: string; confidence: number }[] = [];
  const stale: { object: string; key: string }[] = [];
  const reviews: { object: string; key: string; reason: string; payload: unknown }[] = [];
  for (const input of inputs) {
    const id = `${input.type}\u0000${input.key}`;
    const link = links.get(id);
    if (link?.crm_id === '' || (!link && notInCrm.has(id))) {
      const by = link ? link.decided_by : (notInCrm.get(id)?.resolved_by ?? null);
      const at = link ? link.decided_at : (notInCrm.get(id)?.resolved_at as Date | string);
      results.push({
        key: input.key,
        status: 'unmatched',
        id: null,
        candidates: [],
        confidence: 0,
        reason: `a reviewer (${by ?? 'unknown'}) marked it not in the CRM on ${iso(at)}`,
        evidence: 'reviewer',
      });
      continue;
    }
    if (link) {
      const exists =
        input.type === 'contact' ? snapshot.contacts.has(link.crm_id) : snapshot.companies.has(link.crm_id);
      if (exists || !opts.complete) {
        const reason =
          link.provenance === 'reviewer'
            ? `identity map: linked by reviewer ${link.decided_by ?? 'unknown'} on ${iso(link.decided_at)}`
            : `identity map: linked by rule ${link.rule ?? ''} on ${iso(link.decided_at)}`;
        results.push({
          key: input.key,
          status: 'matched',
          id: link.crm_id,
          candidates: [link.crm_id],
          confidence: link.confidence ?? 1,
          reason,
          evidence: link.provenance === 'reviewer' ? 'reviewer' : `map:${link.rule ?? ''}`,
        });
        continue;
      }
      stale.push({ object: input.type, key: input.key });
    }
    const r = resolveIdentity(input, snapshot);
    results.push(r);
    if (r.status === 'matched' && r.id)
      ruleLinks.push({
        object: input.type,
        key: input.key,
        crmId: r.id,
        rule: r.evidence ?? 'rule',
        confidence: r.confidence,
      });
    else if (opts.review !== false)
      reviews.push({
        object: input.type,
        key: input.key,
        reason: `${r.status}: ${r.reason}`,
        payload: {
          outcome: r.status,
          input,
          candidates: candidateFields(snapshot, input.type, r.candidates),
          reasons: [r.reason],
        },
      });
  }
  await store.transaction(async (tx) => {
    if (stale.length > 0)
      await invalidateLinkKeys(tx, crm, stale, 'the linked record is no longer in the CRM');
    await upsertRuleLinks(tx, crm, ruleLinks);
    await upsertOpenReviews(tx, crm, reviews);
  });
  return results;
}

/**
 * Invalidates every link to these CRM records (merged or deleted). The next run decides those
 * inputs afresh, against the surviving record. Returns the number of links invalidated.
 */
export async function invalidateLinks(
  db: Sql,
  args: {
    crm: string;
    object?: 'contact' | 'company';
    crmIds: readonly string[];
    reason: 'merged' | 'deleted' | string;
    mergedInto?: string;
  },
): Promise<number> {
  const reason = args.mergedInto ? `${args.reason} into ${args.mergedInto}` : args.reason;
  return invalidateLinksTo(db, args.crm, args.object ?? null, args.crmIds, reason);
}

/** A reviewer's decision on an identity item (the review queue's vocabulary). */
export interface IdentityReviewDecision {
  action: 'pick' | 'not_in_crm' | 'dismiss';
  candidateId?: string;
  note?: string;
}

/**
 * Records a reviewer's decision in the identity map. The shape of the review queue's resolver
 * (monitor's `ReviewResolvers.identity`): runs inside the caller's transaction, returns the resolution.
 */
export async function identityReviewResolver(
  tx: Sql,
  item: { crm: string; object: string; subjectKey: string },
  decision: { action: string; candidateId?: string },
  by: string,
): Promise<Record<string, unknown>> {
  if (decision.action === 'pick') {
    if (!decision.candidateId)
      throw new InrecordError(
        'IR_USAGE',
        `identity review of ${item.object} ${item.subjectKey}: pick needs the CRM record id`,
        { fix: 'Pass the id of the CRM record this input belongs to.' },
      );
    await upsertReviewerLink(tx, item.crm, item.object, item.subjectKey, decision.candidateId, by);
    return { action: 'pick', crmId: decision.candidateId };
  }
  if (decision.action === NOT_IN_CRM) {
    await upsertReviewerLink(tx, item.crm, item.object, item.subjectKey, '', by);
    return { action: NOT_IN_CRM };
  }
  return { action: decision.action };
}

/** Resolves one open identity review item and records the decision in the identity map. */
export async function decideIdentityReview(
  store: Store,
  id: number,
  decision: IdentityReviewDecision,
  by: string,
): Promise<Record<string, unknown>> {
  return store.transaction(async (tx) => {
    const row = await selectReviewForUpdate(tx, id);
    if (!row || row.kind !== 'identity')
      throw new InrecordError('IR_REVIEW_NOT_FOUND', `identity review item ${id} does not exist`, {
        context: { reviewId: id },
      });
    if (row.status !== 'open')
      throw new InrecordError(
        'IR_REVIEW_ALREADY_RESOLVED',
        `identity review item ${id} (${row.object} ${row.subject_key}) was already ${row.status} by ${row.resolved_by ?? 'someone'}`,
        { context: { reviewId: id } },
      );
    let resolution =
      decision.action === 'dismiss'
        ? { action: 'dismiss' }
        : await identityReviewResolver(
            tx,
            { crm: row.crm, object: row.object, subjectKey: row.subject_key },
            decision,
            by,
          );
    if (decision.note) resolution = { ...resolution, note: decision.note };
    await closeReview(tx, id, decision.action === 'dismiss' ? 'dismissed' : 'resolved', resolution, by);
    return resolution;
  });
}

export { selectOpenIdentityReviews as openIdentityReviews } from './queries.js';
