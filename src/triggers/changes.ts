/**
 * Pure decisions of the trigger layer: which change events to act on, and the key that makes a
 * repeated delivery the same change.
 */
import type { ChangeEvent } from '../crm/types.js';

/**
 * The identity of a change: object, id, kind, the fields it touched and when. HubSpot's eventId is
 * not unique across deliveries (a retry and a batch can repeat it — docs/reference/hubspot.md §8.3), so
 * the event id alone cannot deduplicate.
 */
export function changeKey(e: ChangeEvent): string {
  const fields = [...e.fields].sort().join(',');
  return `${e.crm}:${e.object}:${e.id}:${e.kind}:${fields}:${new Date(e.occurredAt).toISOString()}`;
}

export type EventVerdict = { act: true } | { act: false; reason: 'own-write' | 'duplicate-in-batch' };

/**
 * Which events start work. Our own writes come back as events from every CRM; acting on them would
 * make a flow trigger itself forever, so events whose actor is the integration are dropped here.
 */
export function triageEvents(events: ChangeEvent[]): { event: ChangeEvent; key: string; verdict: EventVerdict }[] {
  const seen = new Set<string>();
  return events.map((event) => {
    const key = changeKey(event);
    // a deletion or merge counts whoever made it: the record is gone either way
    if (event.actor === 'integration' && (event.kind === 'updated' || event.kind === 'created')) {
      return { event, key, verdict: { act: false, reason: 'own-write' } };
    }
    if (seen.has(key)) return { event, key, verdict: { act: false, reason: 'duplicate-in-batch' } };
    seen.add(key);
    return { event, key, verdict: { act: true } };
  });
}

export interface PollCursor {
  /** Newest modifiedAt seen, ISO. */
  at: string | null;
}

/**
 * Where the next poll starts: the cursor minus an overlap window, because records modified in the
 * same second as the cursor (or committed late by the CRM) would otherwise be missed. Records seen
 * again in the overlap are filtered by their version, not by the cursor.
 */
export function pollSince(cursor: PollCursor, overlapMs: number): string | null {
  if (!cursor.at) return null;
  return new Date(Date.parse(cursor.at) - overlapMs).toISOString();
}

/**
 * The cursor after a durably enqueued page: never moves backwards, and never past `ceiling` (the
 * CRM's current time as of the poll): a cursor ahead of the clock would skip every real change
 * made until the clock caught up with it.
 */
export function advanceCursor(cursor: PollCursor, pageModifiedAts: string[], ceiling?: string): PollCursor {
  let at = cursor.at ? Date.parse(cursor.at) : Number.NEGATIVE_INFINITY;
  for (const m of pageModifiedAts) at = Math.max(at, Date.parse(m));
  if (ceiling !== undefined) at = Math.min(at, Math.max(Date.parse(ceiling), cursor.at ? Date.parse(cursor.at) : Number.NEGATIVE_INFINITY));
  return { at: Number.isFinite(at) ? new Date(at).toISOString() : cursor.at };
}

/**
 * Splits a page into the versions to trust and those modified after `now` plus `toleranceMs` (the
 * clock difference allowed between the CRM and us): a modified time in the future is a data or
 * clock error, and trusting it would move the cursor and the record's version past every later edit.
 */
export function splitFuture<T extends { modifiedAt: string }>(page: T[], now: number, toleranceMs: number): { trusted: T[]; future: T[] } {
  const trusted: T[] = [];
  const future: T[] = [];
  for (const r of page) (Date.parse(r.modifiedAt) > now + toleranceMs ? future : trusted).push(r);
  return { trusted, future };
}
