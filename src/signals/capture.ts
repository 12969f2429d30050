/**
 * Activity capture: emails and meetings → native CRM activities on the right contact and company.
 * Participants go through identity (the identity map, batched candidate lookups, the review queue)
 * and never around it: a participant that does not match exactly one contact is reviewed, never
 * created. Each activity is on the contact, its company and its open deal (the most recently
 * updated one when several are open). Idempotent on the item's external id through
 * signal_activities (pending → done).
 */
import type { ActivityInput, CrmConnector, CrmName, OpenDeal } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import {
  type CrmSnapshot,
  type IdentityInput,
  type IdentityResult,
  fetchCandidates,
  foldText,
  normaliseEmail,
  resolveWithMap,
} from '../identity/index.js';
import type { Store } from '../store/index.js';
import {
  claimActivity,
  completeActivity,
  countOpenIdentityReviews,
  openUncertainReview,
  releaseActivity,
  selectActivityRows,
} from './queries.js';
import type { ActivityImportSummary, ActivityItem, ImportItemResult, Participant } from './types.js';

/** True when the address belongs to one of the team's own domains (subdomains included). */
export function isOwnAddress(email: string, ownDomains: readonly string[]): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return ownDomains.some((d) => {
    const own = d.trim().toLowerCase().replace(/^@/, '');
    return own !== '' && (domain === own || domain.endsWith(`.${own}`));
  });
}

/**
 * The identity key of a participant: its mailbox (canonical: gmail dots and +tags folded) and, when
 * the source names the person, the name. A shared address (info@, a role inbox two contacts carry)
 * is then resolved per person, and a link made for one name is never reused for another.
 */
export function participantKey(p: { email: string; name?: string | null }): string | null {
  const e = normaliseEmail(p.email);
  if (!e) return null;
  const name = p.name ? foldText(p.name).replace(/\s+/g, ' ').trim() : '';
  return name ? `email:${e.canonical}|${name}` : `email:${e.canonical}`;
}

export interface ItemPlan {
  item: ActivityItem;
  /** External participants, deduplicated by mailbox, in the item's order (sender first). */
  external: Participant[];
  direction: 'inbound' | 'outbound';
}

/** Which participants are external and which way the item went (pure). */
export function planItem(item: ActivityItem, ownDomains: readonly string[]): ItemPlan {
  const seen = new Set<string>();
  const external: Participant[] = [];
  for (const p of item.participants) {
    const key = participantKey(p);
    if (!key || seen.has(key) || isOwnAddress(p.email, ownDomains)) continue;
    seen.add(key);
    external.push(p);
  }
  const sender = item.participants.find((p) => p.role === 'from' || p.role === 'organizer');
  const direction = sender && isOwnAddress(sender.email, ownDomains) ? 'outbound' : 'inbound';
  return { item, external, direction };
}

/**
 * The contacts an item belongs on: every external participant that matched exactly one contact,
 * in participant order (the sender first), deduplicated (pure).
 */
export function contactsOf(plan: ItemPlan, byKey: ReadonlyMap<string, IdentityResult>): string[] {
  const ids: string[] = [];
  for (const p of plan.external) {
    const r = byKey.get(participantKey(p) as string);
    if (r?.status === 'matched' && r.id && !ids.includes(r.id)) ids.push(r.id);
  }
  return ids;
}

/**
 * The deal an activity goes on, of the contact's open deals (pure): none when there is none; the
 * most recently updated when there are several (ties: the lowest id, so re-runs agree).
 */
export function chooseOpenDeal(deals: readonly OpenDeal[] | undefined): string | null {
  if (!deals || deals.length === 0) return null;
  const sorted = [...deals].sort((a, b) => (a.modifiedAt !== b.modifiedAt ? (a.modifiedAt < b.modifiedAt ? 1 : -1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return (sorted[0] as OpenDeal).id;
}

/** The CRM activity for an item (pure). Bodies only when the configuration stores them. */
export function activityFor(
  plan: ItemPlan,
  contactIds: readonly string[],
  companyId: string | null,
  storeBodies: boolean,
  dealId: string | null = null,
): ActivityInput {
  const { item } = plan;
  const from = item.participants.find((p) => p.role === 'from' || p.role === 'organizer');
  return {
    kind: item.kind,
    subject: item.subject,
    ...(storeBodies && item.body ? { body: item.body } : {}),
    occurredAt: item.occurredAt,
    ...(item.endsAt ? { endsAt: item.endsAt } : {}),
    associations: [
      ...contactIds.map((id) => ({ object: 'contact' as const, id })),
      ...(companyId ? [{ object: 'company' as const, id: companyId }] : []),
      ...(dealId ? [{ object: 'deal' as const, id: dealId }] : []),
    ],
    ...(from ? { from: from.email } : {}),
    to: item.participants.filter((p) => p !== from).map((p) => p.email),
    direction: plan.direction,
  };
}

export interface ImportActivitiesOptions {
  crm: CrmName;
  /** The team's own email domains: their participants are skipped, never matched. */
  ownDomains: readonly string[];
  /** Store bodies (true) or only metadata: subject, time, participants (false). */
  storeBodies: boolean;
  /** Where the items came from, kept with each row. */
  source: string;
  /** Items resolved per identity batch (default 200). */
  batchSize?: number;
  /** Concurrent activity creations (default 4). */
  concurrency?: number;
  /**
   * Each item's result as it is decided. When given, results are handed here and not kept (the
   * returned `results` is empty), so a long import holds none of them.
   */
  onResult?: (result: ImportItemResult) => void;
}

/** Items in batches of `size`, from an array or a stream of item pieces of any length. */
async function* batchesOf(items: readonly ActivityItem[] | AsyncIterable<readonly ActivityItem[]>, size: number): AsyncGenerator<ActivityItem[]> {
  if (Array.isArray(items)) {
    for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
    return;
  }
  let pending: ActivityItem[] = [];
  for await (const piece of items as AsyncIterable<readonly ActivityItem[]>) {
    for (const it of piece) {
      pending.push(it);
      if (pending.length >= size) {
        yield pending;
        pending = [];
      }
    }
  }
  if (pending.length > 0) yield pending;
}

async function pool<T>(xs: readonly T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < xs.length) {
      const x = xs[next++] as T;
      await fn(x);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, xs.length)) }, worker));
}

function identityInputs(plans: readonly ItemPlan[]): IdentityInput[] {
  const inputs = new Map<string, IdentityInput>();
  for (const p of plans)
    for (const x of p.external) {
      const key = participantKey(x) as string;
      if (!inputs.has(key)) inputs.set(key, { key, type: 'contact', email: x.email, ...(x.name ? { full_name: x.name } : {}) });
    }
  return [...inputs.values()];
}

function companyOf(snapshot: CrmSnapshot, contactId: string): string | null {
  return snapshot.contacts.get(contactId)?.c.company_id ?? null;
}

/**
 * Imports items into the CRM as native activities, a batch at a time: from an array, or streamed
 * (pieces of items from `readActivityStream`, of which only the current batch is held). One result
 * per item; an external id seen before in the same import is a duplicate. Faults of
 * the store, of identity lookups or of open-deal lookups throw (nothing of that batch was created);
 * a CRM refusal of one item is that item's `failed` outcome.
 */
export async function importActivities(
  store: Store,
  connector: Pick<CrmConnector, 'findContacts' | 'findCompanies' | 'createActivity' | 'openDeals' | 'stats'>,
  items: readonly ActivityItem[] | AsyncIterable<readonly ActivityItem[]>,
  opts: ImportActivitiesOptions,
): Promise<{ summary: ActivityImportSummary; results: ImportItemResult[] }> {
  const { crm } = opts;
  const results: ImportItemResult[] = [];
  const summary: ActivityImportSummary = {
    crm,
    total: 0,
    imported: 0,
    skippedOwnDomain: 0,
    duplicates: 0,
    unmatched: 0,
    uncertain: 0,
    failed: 0,
    invalid: 0,
    reviewItems: 0,
    withDeal: 0,
    severalOpenDeals: 0,
    crmCalls: 0,
  };
  const record = (r: ImportItemResult) => {
    if (opts.onResult) opts.onResult(r);
    else results.push(r);
    const s = r.outcome.status;
    if (s === 'imported') summary.imported++;
    else if (s === 'duplicate') summary.duplicates++;
    else if (s === 'own_domain') summary.skippedOwnDomain++;
    else if (s === 'unmatched') summary.unmatched++;
    else if (s === 'uncertain') summary.uncertain++;
    else summary.failed++;
  };

  const size = opts.batchSize ?? 200;
  const seenIds = new Set<string>();
  const reviewKeys = new Set<string>();
  // a contact's open deals, read once per import (batched per identity batch)
  const openDealsOf = new Map<string, OpenDeal[]>();
  for await (const chunk of batchesOf(items, size)) {
    summary.total += chunk.length;
    const batch: ActivityItem[] = [];
    for (const it of chunk) {
      // the same message twice in one mailbox (a copy in Sent and in a thread) is one activity
      if (seenIds.has(it.externalId)) record({ externalId: it.externalId, origin: it.origin, outcome: { status: 'duplicate', activityId: null } });
      else {
        seenIds.add(it.externalId);
        batch.push(it);
      }
    }
    const existing = new Map((await selectActivityRows(store, crm, batch.map((b) => b.externalId))).map((r) => [r.external_id, r]));
    const fresh: ItemPlan[] = [];
    for (const it of batch) {
      const row = existing.get(it.externalId);
      if (row?.status === 'done') {
        record({ externalId: it.externalId, origin: it.origin, outcome: { status: 'duplicate', activityId: row.activity_id } });
      } else if (row) {
        const reason = `${it.kind} ${it.externalId} (${it.origin}) was being written to ${crm} when an earlier import stopped: the CRM may already hold it, so it is not created again — check the contact's timeline, then dismiss this item`;
        await openUncertainReview(store, crm, it.externalId, reason, { item: { ...it, body: undefined } });
        record({ externalId: it.externalId, origin: it.origin, outcome: { status: 'uncertain', reason } });
      } else {
        const plan = planItem(it, opts.ownDomains);
        if (plan.external.length === 0)
          record({
            externalId: it.externalId,
            origin: it.origin,
            outcome: { status: 'own_domain', reason: 'every participant is from the team’s own domains' },
          });
        else fresh.push(plan);
      }
    }
    if (fresh.length === 0) continue;

    const inputs = identityInputs(fresh);
    const fetched = await fetchCandidates(connector, inputs);
    summary.crmCalls += fetched.calls;
    const resolved = await resolveWithMap(store, { crm, inputs, snapshot: fetched.snapshot, complete: false });
    const byKey = new Map(resolved.map((r) => [r.key, r]));
    for (const r of resolved) if (r.status !== 'matched') reviewKeys.add(r.key);

    const toCreate: { plan: ItemPlan; contactIds: string[]; companyId: string | null }[] = [];
    for (const plan of fresh) {
      const contactIds = contactsOf(plan, byKey);
      if (contactIds.length === 0) {
        const why = plan.external
          .map((p) => `${p.email}: ${byKey.get(participantKey(p) as string)?.reason ?? 'not resolved'}`)
          .join('; ');
        record({
          externalId: plan.item.externalId,
          origin: plan.item.origin,
          outcome: { status: 'unmatched', reason: `no participant matched exactly one ${crm} contact (${why}); in the identity review queue` },
        });
      } else toCreate.push({ plan, contactIds, companyId: companyOf(fetched.snapshot, contactIds[0] as string) });
    }

    const unknown = [...new Set(toCreate.map((t) => t.contactIds[0] as string))].filter((id) => !openDealsOf.has(id));
    if (unknown.length > 0) {
      const before = connector.stats().calls;
      const found = await connector.openDeals(unknown);
      summary.crmCalls += connector.stats().calls - before;
      for (const id of unknown) openDealsOf.set(id, found.get(id) ?? []);
    }

    await pool(toCreate, opts.concurrency ?? 4, async ({ plan, contactIds, companyId }) => {
      const deals = openDealsOf.get(contactIds[0] as string) ?? [];
      const dealId = chooseOpenDeal(deals);
      const { item } = plan;
      const claimed = await claimActivity(store, {
        crm,
        externalId: item.externalId,
        kind: item.kind,
        contactId: contactIds[0] as string,
        companyId,
        source: opts.source,
      });
      if (!claimed) {
        record({ externalId: item.externalId, origin: item.origin, outcome: { status: 'duplicate', activityId: null } });
        return;
      }
      let created: { id: string };
      try {
        summary.crmCalls++;
        created = await connector.createActivity(activityFor(plan, contactIds, companyId, opts.storeBodies, dealId));
      } catch (err) {
        const e = err instanceof InrecordError ? err : null;
        // a refusal (4xx) created nothing: release the claim so a later import retries; anything else
        // (network, 5xx, timeout) may have created it: the pending row stays and goes to review
        if (e && !e.retryable) await releaseActivity(store, crm, item.externalId);
        record({
          externalId: item.externalId,
          origin: item.origin,
          outcome: {
            status: 'failed',
            code: e?.code ?? 'IR_INTERNAL',
            reason: `${item.kind} ${item.externalId} (${item.origin}) on ${crm} contact ${contactIds[0]}: ${(err as Error).message}`,
          },
        });
        return;
      }
      await completeActivity(store, crm, item.externalId, created.id);
      if (dealId) summary.withDeal++;
      if (deals.length > 1) summary.severalOpenDeals++;
      record({
        externalId: item.externalId,
        origin: item.origin,
        outcome: { status: 'imported', activityId: created.id, contactId: contactIds[0] as string, companyId, dealId, openDeals: deals.length },
      });
    });
  }
  summary.reviewItems = await countOpenIdentityReviews(store, crm, [...reviewKeys]);
  return { summary, results };
}

