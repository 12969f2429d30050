/**
 * Change Data Capture messages, as a CometD subscriber receives them, against Salesforce's
 * description: the message schema of `/data/{Object}ChangeEvent` in responses.json (written from
 * the Change Data Capture Developer Guide pages it lists as its sources), and the rules those pages
 * state in prose — the header names the channel's object; IsDeleted and SystemModstamp are never
 * sent; `changedFields` is filled for updates only and names LastModifiedDate; a delete, a gap
 * event and an overflow event carry the header only; an overflow event names the empty record id.
 */
import { validate } from '../../conformance.js';
import { SALESFORCE_SPEC } from './index.js';

/** A Bayeux data message: `{ channel, data: { schema, payload, event } }`. */
export interface CometdMessage {
  channel: string;
  data: unknown;
}

const CHANNEL = '/data/{Object}ChangeEvent';
/** Overflow Events: "The record ID for the change is always set to 000000000000000AAA". */
const EMPTY_RECORD_ID = '000000000000000AAA';
/** Change Event Message Structure: fields a change event doesn't include. */
const NEVER_SENT = ['IsDeleted', 'SystemModstamp'];

interface Header {
  entityName?: string;
  recordIds?: string[];
  changeType?: string;
  sequenceNumber?: number;
  changedFields?: string[];
}

/** The prose rules for one message; `at` names the change type and object. */
function ruleViolations(channel: string, payload: Record<string, unknown>, h: Header): string[] {
  const type = String(h.changeType);
  const at = `${type} ${h.entityName}`;
  const out: string[] = [];
  const fields = Object.keys(payload).filter((k) => k !== 'ChangeEventHeader');
  const entity = /^\/data\/(\w+)ChangeEvent$/.exec(channel)?.[1];
  if (entity && entity !== h.entityName) out.push(`${at}: entityName is not the object of ${channel}`);
  for (const f of NEVER_SENT) if (f in payload) out.push(`${at}: ${f} is never sent in a change event`);
  const changed = h.changedFields ?? [];
  if (type === 'UPDATE') {
    if (!changed.includes('LastModifiedDate') || !('LastModifiedDate' in payload))
      out.push(`${at}: an update names and sends LastModifiedDate`);
    for (const f of fields)
      if (!changed.includes(f)) out.push(`${at}: ${f} is sent but not in changedFields`);
  } else if (changed.length > 0) out.push(`${at}: changedFields is empty for operations other than updates`);
  if ((type === 'DELETE' || type.startsWith('GAP_')) && fields.length > 0)
    out.push(`${at}: carries record fields (${fields.join(', ')}); it carries the header only`);
  if (type === 'GAP_OVERFLOW') {
    if (JSON.stringify(h.recordIds) !== JSON.stringify([EMPTY_RECORD_ID]))
      out.push(`${at}: recordIds must be [${EMPTY_RECORD_ID}]`);
  } else if (!h.recordIds?.length) out.push(`${at}: names no record`);
  if (typeof h.sequenceNumber === 'number' && h.sequenceNumber < 1)
    out.push(`${at}: sequenceNumber starts from 1`);
  return out;
}

/** Every violation among the messages, each once (record ids and numbers left out of the text). */
export function changeEventViolations(messages: CometdMessage[]): string[] {
  const schema = SALESFORCE_SPEC.events?.[CHANNEL]?.message;
  if (!schema) return [`responses.json describes no ${CHANNEL} message`];
  const out = new Set<string>();
  for (const m of messages) {
    for (const v of validate(schema, m, SALESFORCE_SPEC.schemas)) out.add(v.replace(/\[\d+\]/g, '[*]'));
    const payload = (m.data as { payload?: Record<string, unknown> } | null)?.payload;
    const header = payload?.ChangeEventHeader as Header | undefined;
    if (payload && header) for (const v of ruleViolations(m.channel, payload, header)) out.add(v);
  }
  return [...out];
}
