import type { CrmName } from '../crm/types.js';

/** One participant of an email or meeting, as the source names it. */
export interface Participant {
  email: string;
  name: string | null;
  role: 'from' | 'to' | 'cc' | 'organizer' | 'attendee';
}

/** An email or meeting from outside the CRM, parsed from a file or a feed. */
export interface ActivityItem {
  /** Message-ID (emails) or iCal UID (meetings, with RECURRENCE-ID for an occurrence); the idempotency key. */
  externalId: string;
  kind: 'email' | 'meeting';
  subject: string;
  body: string | null;
  /** ISO 8601 UTC. */
  occurredAt: string;
  endsAt: string | null;
  participants: Participant[];
  /** Where it came from (file name and position), for messages that name the item. */
  origin: string;
}

/** A source item that could not be parsed: reported, never dropped silently. */
export interface ParseProblem {
  origin: string;
  message: string;
  /**
   * `skipped`: the item is readable but is not a meeting or message to import (a cancelled event,
   * a file of another kind). Anything else is a rejected item: the import exits non-zero for it
   * unless `--allow-rejects`.
   */
  skipped?: true;
}

export interface ParsedItems {
  items: ActivityItem[];
  problems: ParseProblem[];
}

export type ItemOutcome =
  | {
      status: 'imported';
      activityId: string;
      contactId: string;
      companyId: string | null;
      /** The contact's open deal the activity is also on (the most recently updated when several are open). */
      dealId: string | null;
      /** How many open deals the contact had (more than one: `dealId` is the most recently updated). */
      openDeals: number;
    }
  | { status: 'duplicate'; activityId: string | null }
  | { status: 'uncertain'; reason: string }
  | { status: 'own_domain'; reason: string }
  | { status: 'unmatched'; reason: string }
  | { status: 'failed'; code: string; reason: string };

export interface ImportItemResult {
  externalId: string;
  origin: string;
  outcome: ItemOutcome;
}

export interface ActivityImportSummary {
  crm: CrmName;
  total: number;
  imported: number;
  /** Items whose external participants all belong to the team's own domains. */
  skippedOwnDomain: number;
  /** Already imported (a re-import creates nothing). */
  duplicates: number;
  /** No external participant matched exactly one contact: review items were opened. */
  unmatched: number;
  /** Items left pending by an interrupted import: sent to review, not created again. */
  uncertain: number;
  failed: number;
  /** Lines / messages / events that could not be parsed. */
  invalid: number;
  /** Identity review items opened or kept open for participants. */
  reviewItems: number;
  /** Imported items also associated with an open deal; of those, how many chose among several. */
  withDeal: number;
  severalOpenDeals: number;
  crmCalls: number;
}
