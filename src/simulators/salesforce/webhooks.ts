/**
 * Outbound Messages (reference salesforce.md §8.1): SOAP 1.1 `notifications` POSTed to the
 * configured endpoint, ≤ 100 notifications per message, retried with exponential back-off until the
 * receiver answers 200 with `<Ack>true</Ack>`, dropped after 24 h (both scaled by `retryBaseMs` for
 * tests). Delivery is at-least-once and may be out of order; deleted records are sent without data.
 */
import type { SimFaults } from '../types.js';
import type { IdGenerator } from './ids.js';
import type { Row } from './soql-parser.js';
import { CHANGE_OBJECTS, type OrgChange, type SalesforceOrg } from './state.js';
import { faultHits } from '../faults.js';
import { webhookSender } from '../sender.js';

export interface OutboundNotification {
  id: string;
  object: string;
  /** Field values to send (latest values, not the change itself); only `Id` for a deleted record. */
  fields: Row;
}

export interface OutboundOptions {
  url: () => string | undefined;
  orgId: string;
  actionId: string;
  baseUrl: string;
  version: string;
  ids: IdGenerator;
  faults: () => SimFaults;
  /** First retry delay; doubles each time up to 2 h / 24 h scaled by the same factor. Default 1000 ms. */
  retryBaseMs?: number;
  /** An acknowledged delivery and how long its answer took, ms. */
  onDelivered: (ms: number) => void;
  onFailed: () => void;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function soapValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  return esc(String(v));
}

/** The SOAP envelope Salesforce sends (§8.1). */
export function buildNotificationsXml(o: { orgId: string; actionId: string; baseUrl: string; version: string; notifications: OutboundNotification[] }): string {
  const body = o.notifications
    .map((n) => {
      const fields = Object.entries(n.fields)
        .map(([k, v]) => (v === null || v === undefined ? `<sf:${k} xsi:nil="true"/>` : `<sf:${k}>${soapValue(v)}</sf:${k}>`))
        .join('');
      return `<Notification><Id>${n.id}</Id><sObject xsi:type="sf:${n.object}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">${fields}</sObject></Notification>`;
    })
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    '<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">' +
    `<OrganizationId>${o.orgId}</OrganizationId><ActionId>${o.actionId}</ActionId><SessionId xsi:nil="true"/>` +
    `<EnterpriseUrl>${o.baseUrl}/services/Soap/c/${o.version}/${o.orgId.slice(0, 15)}</EnterpriseUrl>` +
    `<PartnerUrl>${o.baseUrl}/services/Soap/u/${o.version}/${o.orgId.slice(0, 15)}</PartnerUrl>` +
    `${body}</notifications></soapenv:Body></soapenv:Envelope>`
  );
}

/** Whether a receiver's answer is the ack Salesforce expects (HTTP 200 + `<Ack>true</Ack>`). */
export function isAck(status: number, body: string): boolean {
  return status === 200 && /<(\w+:)?Ack>\s*true\s*<\/(\w+:)?Ack>/i.test(body);
}

/**
 * The notification a change sends, or undefined for an object without an Outbound Message: the
 * configured field list — the tracked fields plus who/when, latest values only (§8.1) — or only
 * `Id` for a deleted record.
 */
export function notificationOf(org: SalesforceOrg, c: OrgChange): Omit<OutboundNotification, 'id'> | undefined {
  if (!CHANGE_OBJECTS.includes(c.object)) return undefined;
  if (c.kind === 'deleted') return { object: c.object, fields: { Id: c.id } };
  const obj = org.requireObject(c.object);
  const row = org.rows(c.object).get(c.id);
  if (!row) return undefined;
  const fields: Record<string, unknown> = { Id: c.id };
  for (const f of obj.fields)
    if (f.tracked || ['LastModifiedById', 'LastModifiedDate', 'SystemModstamp', 'CreatedDate'].includes(f.name))
      fields[f.name] = row[f.name];
  return { object: c.object, fields };
}

interface Pending {
  notifications: OutboundNotification[];
  attempt: number;
  firstAt: number;
}

export class OutboundMessenger {
  private readonly sender = webhookSender();
  private buffer: OutboundNotification[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  /** Messages waiting for a retry. */
  retrying = 0;

  constructor(private readonly opts: OutboundOptions) {}

  enqueue(n: Omit<OutboundNotification, 'id'>): void {
    if (this.closed || !this.opts.url()) return;
    this.buffer.push({ ...n, id: this.opts.ids.next('04l') });
    if (this.buffer.length >= 100) this.flush();
    else if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), 20);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, 100);
      this.send({ notifications: batch, attempt: 0, firstAt: Date.now() });
    }
  }

  private send(p: Pending): void {
    const faults = this.opts.faults();
    if (faultHits(faults, faults.webhookDrop)) {
      this.opts.onFailed();
      return;
    }
    const notifications = faults.webhookReorder ? [...p.notifications].reverse() : p.notifications;
    const run = async () => {
      if (faults.webhookDelayMs) await new Promise((r) => setTimeout(r, faults.webhookDelayMs));
      const copies = faultHits(faults, faults.webhookDuplicate) ? 2 : 1;
      let acked = false;
      const sent = performance.now();
      for (let i = 0; i < copies; i++) acked = (await this.post(notifications)) || acked;
      if (acked) this.opts.onDelivered((performance.now() - sent) / copies);
      else this.retry(p);
    };
    const job = run().finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
  }

  private async post(notifications: OutboundNotification[]): Promise<boolean> {
    const url = this.opts.url();
    if (!url) return true;
    try {
      const res = await this.sender.post(url, { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' }, buildNotificationsXml({ ...this.opts, notifications }), 60_000);
      return isAck(res.status, res.body);
    } catch {
      return false;
    }
  }

  private retry(p: Pending): void {
    this.opts.onFailed();
    const base = this.opts.retryBaseMs ?? 1000;
    const scale = base / 1000;
    // Back-off doubles up to 2 h between tries; the message is dropped after 24 h (§8.1), scaled.
    const delay = Math.min(base * 2 ** p.attempt, 7_200_000 * scale);
    if (this.closed || Date.now() + delay - p.firstAt > 86_400_000 * scale) return;
    this.retrying++;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.retrying--;
      this.send({ ...p, attempt: p.attempt + 1 });
    }, delay);
    this.timers.add(t);
  }

  /** Waits until nothing is buffered or in flight (scheduled retries excluded). */
  async idle(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  close(): void {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.sender.close();
  }
}
