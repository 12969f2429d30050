/**
 * Change Data Capture through jsforce's streaming client (faye, Bayeux long polling) against the
 * simulator's CometD endpoint: a rep's change and inrecord's own, resuming from a replay id, the
 * refusal of one past retention, gap and overflow events, and a collection update's transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../../config/index.js';
import {
  type RunningSalesforceSimulator,
  startSalesforceSimulator,
} from '../../simulators/salesforce/index.js';
import { type CometdMessage, changeEventViolations } from '../../simulators/salesforce/spec/changeevents.js';
import type { ChangeSubscription, ObjectKind, StreamMessage } from '../types.js';
import { type SalesforceConnector, createSalesforceConnector } from './index.js';

let sim: RunningSalesforceSimulator;
let sf: SalesforceConnector;
const open: ChangeSubscription[] = [];
/** Every change event the simulator published, as its CometD endpoint delivers it. */
const published: CometdMessage[] = [];

beforeAll(async () => {
  sim = await startSalesforceSimulator({ records: 60, seed: 11, changeEventOverflowAt: 4 });
  sim.changeEvents.listeners.push((e) => published.push({ channel: e.channel, data: e.data }));
  sf = (await createSalesforceConnector(
    crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: sim.apiBase, auth: { token: sim.token } }),
    {},
  )) as SalesforceConnector;
});
afterAll(async () => {
  for (const s of open) await s.close();
  await sim?.close();
});

const leads = (n: number, skip = 0) => [...sim.org.rows('Lead').keys()].slice(skip, skip + n);

/** Subscribes and collects every message. */
async function listen(kind: ObjectKind, from: string | null) {
  const got: StreamMessage[] = [];
  const errors: unknown[] = [];
  const sub = await sf.changeStream.open(kind, from, {
    onMessages: async (ms) => {
      got.push(...ms);
    },
    onError: (e) => errors.push(e),
  });
  open.push(sub);
  return { got, errors, sub };
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const post = (path: string, body: unknown) =>
  fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('Salesforce change stream', () => {
  it("delivers a rep's change with what changed and who made it, and marks inrecord's own write", async () => {
    const { got, sub } = await listen('lead', null);
    const [a, b] = leads(2);
    await sim.repEdit({ object: 'Lead', id: a!, fields: { Web_Visits__c: 41 } });
    await sf.writeBatch('lead', [{ id: b!, fields: { Email_Opens__c: 7 } }]);
    await until(() => got.length === 2);
    expect(got[0]?.events).toEqual([
      expect.objectContaining({ id: a, kind: 'updated', fields: ['Web_Visits__c'], actor: 'human' }),
    ]);
    expect(got[1]?.events).toEqual([
      expect.objectContaining({ id: b, kind: 'updated', fields: ['Email_Opens__c'], actor: 'integration' }),
    ]);
    // the version the event reports is the record's own
    const [rec] = await sf.read('lead', [a!], ['Web_Visits__c']);
    expect(got[0]?.events[0]?.occurredAt).toBe(rec?.modifiedAt);
    expect(Number(got[1]?.resumeToken)).toBeGreaterThan(Number(got[0]?.resumeToken));
    await sub.close();
  });

  it('resumes after a replay id: the events after it, in order, and none before', async () => {
    const first = await listen('lead', null);
    const ids = leads(5, 5);
    for (const [i, id] of ids.entries())
      await sim.repEdit({ object: 'Lead', id, fields: { Web_Visits__c: 100 + i } });
    await until(() => first.got.length === 5);
    await first.sub.close();
    const from = first.got[1]?.resumeToken as string;
    const again = await listen('lead', from);
    await until(() => again.got.length === 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(again.got.map((m) => m.events[0]?.id)).toEqual(ids.slice(2));
    await again.sub.close();
  });

  it('refuses a replay id past the retention window with IR_STREAM_RESUME_EXPIRED', async () => {
    const l = await listen('lead', null);
    await sim.repEdit({ object: 'Lead', id: leads(1, 12)[0]!, fields: { Web_Visits__c: 5 } });
    await until(() => l.got.length === 1);
    await l.sub.close();
    expect((await (await post('/_sim/change-events/expire', {})).json()).ok).toBe(true);
    await expect(
      sf.changeStream.open('lead', l.got[0]!.resumeToken, { onMessages: async () => {}, onError: () => {} }),
    ).rejects.toMatchObject({ code: 'IR_STREAM_RESUME_EXPIRED' });
  });

  it('delivers a gap event as the record to read, and an overflow as changes it cannot name', async () => {
    const { got, sub } = await listen('lead', null);
    const [g, o1, o2] = leads(3, 20);
    expect(
      (await post('/_sim/change-events/gap', { object: 'Lead', id: g, fields: { Web_Visits__c: 9 } })).status,
    ).toBe(200);
    expect(
      (
        await post('/_sim/change-events/overflow', {
          object: 'Lead',
          edits: [
            { id: o1, fields: { Web_Visits__c: 1 } },
            { id: o2, fields: { Web_Visits__c: 2 } },
          ],
        })
      ).status,
    ).toBe(200);
    await until(() => got.length === 2);
    expect(got[0]).toMatchObject({
      overflow: false,
      events: [expect.objectContaining({ id: g, fields: [] })],
    });
    expect(got[1]).toMatchObject({ overflow: true, events: [] });
    await sub.close();
  });

  it('sends change events for the first changes of a large transaction and one overflow event for the rest', async () => {
    const { got, sub } = await listen('lead', null);
    // one sObject Collections call: one transaction of 6 changes, past the threshold of 4
    const ids = leads(6, 30);
    await sf.writeBatch(
      'lead',
      ids.map((id, i) => ({ id, fields: { Web_Visits__c: 200 + i } })),
    );
    await until(() => got.some((m) => m.overflow));
    await new Promise((r) => setTimeout(r, 200));
    expect(got.filter((m) => !m.overflow).flatMap((m) => m.events.map((e) => e.id))).toEqual(ids.slice(0, 4));
    expect(got.filter((m) => m.overflow)).toHaveLength(1);
    await sub.close();
  });

  it('reads a merged event — one change to several records in one call — as one change per record', async () => {
    const { got, sub } = await listen('lead', null);
    const ids = leads(3, 40);
    await sim.repEdit({ object: 'Lead', id: leads(1, 45)[0]!, fields: { Web_Visits__c: 1 } });
    await sf.writeBatch(
      'lead',
      ids.map((id) => ({ id, fields: { Email_Opens__c: 4321 } })),
    );
    await until(() => got.length === 2);
    expect(got[1]?.events.map((e) => [e.id, e.fields, e.actor])).toEqual(
      ids.map((id) => [id, ['Email_Opens__c'], 'integration']),
    );
    await sub.close();
  });

  it('refuses a channel whose object has no change events, saying how to enable them', async () => {
    sim.changeEvents.entities.delete('Opportunity');
    try {
      await expect(
        sf.changeStream.open('deal', null, { onMessages: async () => {}, onError: () => {} }),
      ).rejects.toMatchObject({
        code: 'IR_CRM_UNSUPPORTED',
        message: expect.stringContaining('/data/OpportunityChangeEvent'),
      });
    } finally {
      sim.changeEvents.entities.add('Opportunity');
    }
  });

  it('reports a refused handshake (a token Salesforce does not take) as IR_CRM_AUTH', async () => {
    const conn = crmConnectionSchema.parse({
      kind: 'salesforce',
      baseUrl: sim.apiBase,
      auth: { token: 'not-a-token' },
      integrationUserId: sim.integrationUserId,
    });
    const bad = (await createSalesforceConnector(conn, {})) as SalesforceConnector;
    await expect(
      bad.changeStream.open('lead', null, { onMessages: async () => {}, onError: () => {} }),
    ).rejects.toMatchObject({
      code: 'IR_CRM_AUTH',
      message: expect.stringContaining('403::Handshake denied'),
    });
  });

  it('published only change events as the Change Data Capture Developer Guide describes them', () => {
    const types = new Set(
      published.map(
        (m) =>
          (m.data as { payload: { ChangeEventHeader: { changeType: string } } }).payload.ChangeEventHeader
            .changeType,
      ),
    );
    expect([...types].sort()).toEqual(['GAP_OVERFLOW', 'GAP_UPDATE', 'UPDATE']);
    expect(changeEventViolations(published)).toEqual([]);
  });
});
