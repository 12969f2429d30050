/**
 * Change Data Capture (reference salesforce.md §8.2): every change to a record of an object with
 * change events enabled becomes an event on `/data/<Object>ChangeEvent` (and `/data/ChangeEvents`),
 * with the `ChangeEventHeader` a CometD subscriber receives — `entityName`, `recordIds`,
 * `changeType`, `changeOrigin`, `transactionKey`, `sequenceNumber`, `commitTimestamp`,
 * `commitNumber`, `commitUser`, `changedFields`; `nulledFields` and `diffFields` reach Apex triggers
 * and Pub/Sub API clients only (ChangeEventHeader Fields, Change Data Capture Developer Guide) — and
 * the body a CometD client gets (Change Event Body Fields): on create every non-empty field with the
 * system fields, on update the changed fields (a field set to null as null), LastModifiedDate, and
 * LastModifiedById when another user saved the record last; on delete nothing.
 *
 * Events are kept for a retention window (72 h by default) under increasing replay ids; a
 * subscriber may replay from any retained id, or ask for new events only (-1) or every retained
 * one (-2). A replay id older than the retention window is refused the way the Streaming API
 * refuses it (`400::The replayId {…} you provided was invalid…`).
 *
 * Changes made in one synchronous call into the org (one REST call, one collection) share a
 * transaction: one `transactionKey`, increasing `sequenceNumber`s; the same change to several
 * records in it (the same values set, deletions) is one event naming them all in `recordIds`.
 * Its events are published when the call returns. A transaction with more than
 * `overflowAt` changes (100,000 in Salesforce; a create or delete counts one, an update one per
 * field) sends change events for the first ones and one `GAP_OVERFLOW` event per object for the
 * rest, naming the empty record id `000000000000000AAA` (Overflow Events). Gap events
 * (`GAP_CREATE`, `GAP_UPDATE`, …) carry the header only.
 * https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_event_fields_header.htm
 * https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_event_fields_body.htm
 * https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_other_events_overflow.htm
 */
import { randomUUID } from 'node:crypto';
import { parseDateTime } from './soql.js';
import type { OrgChange, SalesforceOrg } from './state.js';

/** Objects whose change events are enabled (Setup → Change Data Capture). */
export const CDC_ENTITIES = ['Lead', 'Contact', 'Account', 'Opportunity'];
/** Salesforce keeps change events for 72 hours. */
export const RETENTION_MS = 72 * 3_600_000;
/** More changes than this in one transaction: the rest become one overflow event. */
export const OVERFLOW_AT = 100_000;
/** The channel every enabled object's events are also published on. */
export const ALL_CHANGES = '/data/ChangeEvents';

export type ChangeType =
  | 'CREATE'
  | 'UPDATE'
  | 'DELETE'
  | 'UNDELETE'
  | 'GAP_CREATE'
  | 'GAP_UPDATE'
  | 'GAP_DELETE'
  | 'GAP_UNDELETE'
  | 'GAP_OVERFLOW';

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: ChangeType;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  changedFields: string[];
}

/** The record id an overflow event names: no record (Overflow Events). */
export const EMPTY_RECORD_ID = '000000000000000AAA';

/** A retained event: the Bayeux data message a subscriber receives, and when it was published. */
export interface RetainedEvent {
  replayId: number;
  /** `/data/<Object>ChangeEvent`. */
  channel: string;
  publishedAt: number;
  data: {
    schema: string;
    payload: Record<string, unknown> & { ChangeEventHeader: ChangeEventHeader };
    event: { replayId: number };
  };
}

export const channelOf = (entity: string) => `/data/${entity}ChangeEvent`;

/** The entity a change-event channel names, or null when the name is not one. */
export function entityOfChannel(channel: string): string | null {
  const m = /^\/data\/(\w+)ChangeEvent$/.exec(channel);
  return m ? (m[1] as string) : null;
}

/**
 * Why a replay id cannot be honoured, in the Streaming API's own words, or null when it can: -1
 * and -2 always can; another id only while its event is retained (not purged, not in the future).
 */
export function replayRefusal(replayId: number, purgedUpTo: number, latest: number): string | null {
  if (replayId === -1 || replayId === -2) return null;
  if (Number.isInteger(replayId) && replayId > purgedUpTo && replayId <= latest) return null;
  return `400::The replayId {${replayId}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`;
}

/** Fields never sent in a change event's body: the id (in `recordIds`), IsDeleted and SystemModstamp. */
const NOT_SENT = new Set(['Id', 'IsDeleted', 'SystemModstamp']);

interface Staged {
  entity: string;
  header: ChangeEventHeader;
  body: Record<string, unknown>;
  /** Changes with the same key in one transaction are sent as one event naming every record. */
  mergeKey: string | null;
}

interface Transaction {
  key: string;
  /** Its events, sent when the transaction ends. */
  staged: Staged[];
  /** Changes counted toward the overflow threshold. */
  counted: number;
  /** Objects whose overflow event has been sent in this transaction. */
  overflowed: Set<string>;
}

export interface ChangeEventOptions {
  org: SalesforceOrg;
  /** API version of change origins (`com/salesforce/api/rest/62.0`). */
  version: string;
  retentionMs?: number;
  overflowAt?: number;
  entities?: string[];
}

export class ChangeEventBus {
  private readonly events: RetainedEvent[] = [];
  private nextReplayId = 1;
  /** Replay ids up to this one have been purged: resuming from one of them is refused. */
  private purgedUpTo = 0;
  private commitNumber = 10_000_000_000;
  private tx: Transaction | null = null;
  /** How the next changes are published instead of as change events (a gap, an overflow). */
  private mode: 'normal' | 'gap' | 'overflow' = 'normal';
  readonly entities: Set<string>;
  readonly listeners: ((e: RetainedEvent) => void)[] = [];
  retentionMs: number;
  overflowAt: number;

  constructor(private readonly opts: ChangeEventOptions) {
    this.entities = new Set(opts.entities ?? CDC_ENTITIES);
    this.retentionMs = opts.retentionMs ?? RETENTION_MS;
    this.overflowAt = opts.overflowAt ?? OVERFLOW_AT;
  }

  /** The newest replay id (0 when nothing was ever published). */
  latest(): number {
    return this.nextReplayId - 1;
  }

  /** Why `replayId` cannot be resumed from on `channel`, or null. */
  refusal(replayId: number): string | null {
    this.purge();
    return replayRefusal(replayId, this.purgedUpTo, this.latest());
  }

  /** Retained events of a channel after `replayId` (-2: every retained one; -1: none). */
  after(channel: string, replayId: number): RetainedEvent[] {
    this.purge();
    if (replayId === -1) return [];
    const from = replayId === -2 ? 0 : replayId;
    return this.events.filter((e) => e.replayId > from && (channel === ALL_CHANGES || e.channel === channel));
  }

  /** Drops every event older than the retention window. */
  private purge(): void {
    const cutoff = this.opts.org.clock() - this.retentionMs;
    let n = 0;
    while (n < this.events.length && (this.events[n] as RetainedEvent).publishedAt < cutoff) n++;
    if (n > 0) this.purgedUpTo = (this.events[n - 1] as RetainedEvent).replayId;
    this.events.splice(0, n);
  }

  /** Ends the retention of every event published so far (a subscriber away longer than the window). */
  expireAll(): number {
    const n = this.events.length;
    this.purgedUpTo = this.latest();
    this.events.splice(0, n);
    return n;
  }

  /** Runs `edit` with its changes published as gap events (header and record ids only). */
  asGap<T>(edit: () => T): T {
    return this.withMode('gap', edit);
  }

  /** Runs `edit` as one transaction beyond the overflow threshold: one GAP_OVERFLOW event per object. */
  asOverflow<T>(edit: () => T): T {
    return this.withMode('overflow', edit);
  }

  private withMode<T>(mode: 'gap' | 'overflow', edit: () => T): T {
    this.mode = mode;
    try {
      return edit();
    } finally {
      this.mode = 'normal';
    }
  }

  /** One change of the org (its write path calls every listener synchronously). */
  record(c: OrgChange): void {
    if (!this.entities.has(c.object)) return;
    const tx = this.transaction();
    const type: ChangeType = c.kind === 'created' ? 'CREATE' : c.kind === 'deleted' ? 'DELETE' : 'UPDATE';
    const weight = c.kind === 'updated' ? Math.max(1, c.fields.length) : 1;
    tx.counted += weight;
    if (this.mode === 'overflow' || tx.counted > this.overflowAt) {
      if (tx.overflowed.has(c.object)) return;
      tx.overflowed.add(c.object);
      this.stage(tx, c.object, this.header(c, tx, 'GAP_OVERFLOW', [EMPTY_RECORD_ID]), {});
      return;
    }
    if (this.mode === 'gap') {
      this.stage(tx, c.object, this.header(c, tx, `GAP_${type}` as ChangeType, [c.id]), {});
      return;
    }
    const row = c.kind === 'deleted' ? undefined : this.opts.org.rows(c.object).get(c.id);
    const body: Record<string, unknown> = {};
    const header = this.header(c, tx, type, [c.id]);
    if (row && c.kind === 'created') {
      for (const [k, v] of Object.entries(row))
        if (!NOT_SENT.has(k) && v !== null && v !== undefined) body[k] = v;
    } else if (row) {
      // an update sends the fields it changed (a field set to null as null) and LastModifiedDate
      for (const f of c.fields) body[f] = row[f] ?? null;
      body.LastModifiedDate = row.LastModifiedDate;
      header.changedFields = [...c.fields, 'LastModifiedDate'];
      if (c.previousModifiedById !== undefined && c.previousModifiedById !== row.LastModifiedById) {
        body.LastModifiedById = row.LastModifiedById;
        header.changedFields.push('LastModifiedById');
      }
    }
    this.stage(tx, c.object, header, body);
  }

  /**
   * Keeps an event until its transaction ends. The same change to several records of an object in
   * one transaction (the same fields set to the same values, deletions) is one event whose
   * `recordIds` names them all, as Salesforce merges them; creations and overflows are not merged.
   */
  private stage(
    tx: Transaction,
    entity: string,
    header: ChangeEventHeader,
    body: Record<string, unknown>,
  ): void {
    const t = header.changeType;
    const mergeKey =
      t === 'CREATE' || t === 'GAP_OVERFLOW'
        ? null
        : JSON.stringify([entity, t, header.commitUser, header.changeOrigin, header.changedFields, body]);
    const same = mergeKey === null ? undefined : tx.staged.find((x) => x.mergeKey === mergeKey);
    if (same) same.header.recordIds.push(...header.recordIds);
    else tx.staged.push({ entity, header, body, mergeKey });
  }

  private header(
    c: OrgChange,
    tx: Transaction,
    changeType: ChangeType,
    recordIds: string[],
  ): ChangeEventHeader {
    return {
      entityName: c.object,
      recordIds,
      changeType,
      // filled for API changes (the API and its version); a change made in the UI has none here
      changeOrigin: c.source === 'api' ? `com/salesforce/api/rest/${this.opts.version}` : '',
      transactionKey: tx.key,
      // numbered in the order sent, when the transaction ends
      sequenceNumber: 0,
      commitTimestamp: parseDateTime(c.at),
      commitNumber: this.commitNumber,
      commitUser: c.userId,
      changedFields: [],
    };
  }

  /** Changes in one synchronous call are one transaction. */
  private transaction(): Transaction {
    if (!this.tx) {
      this.tx = {
        key: randomUUID().replace(/-/g, '').slice(0, 20),
        staged: [],
        counted: 0,
        overflowed: new Set(),
      };
      this.commitNumber += 1 + Math.floor(Math.random() * 50);
      // the org's write path is synchronous: the transaction ends when the current call returns
      const tx = this.tx;
      queueMicrotask(() => {
        this.tx = null;
        for (const [i, e] of tx.staged.entries()) {
          e.header.sequenceNumber = i + 1;
          this.publish(e.entity, e.header, e.body);
        }
      });
    }
    return this.tx;
  }

  private publish(entity: string, header: ChangeEventHeader, body: Record<string, unknown>): void {
    this.purge();
    const replayId = this.nextReplayId++;
    const event: RetainedEvent = {
      replayId,
      channel: channelOf(entity),
      publishedAt: this.opts.org.clock(),
      data: {
        schema: `${entity}-change-event-schema`,
        payload: { ChangeEventHeader: header, ...body },
        event: { replayId },
      },
    };
    this.events.push(event);
    for (const l of this.listeners) l(event);
  }
}
