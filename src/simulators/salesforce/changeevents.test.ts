import { describe, expect, it } from 'vitest';
import { ChangeEventBus, type RetainedEvent, replayRefusal } from './changeevents.js';
import { changeEventViolations } from './spec/changeevents.js';
import { SalesforceOrg } from './state.js';

function org() {
  const o = new SalesforceOrg();
  let now = Date.parse('2026-11-28T09:00:00.000Z');
  o.clock = () => now;
  const user = o.insertRaw('User', {
    Username: 'rep@sim',
    LastName: 'Rep',
    Email: 'rep@sim',
    IsActive: true,
  });
  return { o, user, advance: (ms: number) => (now += ms) };
}

/** Every event of every bus below, as the CometD endpoint delivers it. */
const published: { channel: string; data: unknown }[] = [];
function busOf(opts: ConstructorParameters<typeof ChangeEventBus>[0]): ChangeEventBus {
  const bus = new ChangeEventBus(opts);
  bus.listeners.push((e) => published.push({ channel: e.channel, data: e.data }));
  return bus;
}

describe('change events', () => {
  it('refuses a replay id once its event has left retention, and one not yet published', () => {
    expect(replayRefusal(-1, 10, 20)).toBeNull();
    expect(replayRefusal(-2, 10, 20)).toBeNull();
    expect(replayRefusal(11, 10, 20)).toBeNull();
    expect(replayRefusal(10, 10, 20)).toMatch(/^400::The replayId \{10\} you provided was invalid/);
    expect(replayRefusal(21, 10, 20)).not.toBeNull();
  });

  it('keeps events for the retention window under increasing replay ids, then purges them', async () => {
    const { o, user, advance } = org();
    const bus = busOf({ org: o, version: '62.0', retentionMs: 72 * 3_600_000 });
    o.listeners.push((c) => bus.record(c));
    const a = o.create('Lead', { LastName: 'A', Company: 'X' }, user, 'rep');
    await Promise.resolve();
    advance(71 * 3_600_000);
    o.update('Lead', a, { Company: 'Y' }, user, 'rep');
    await Promise.resolve();
    expect(
      bus
        .after('/data/LeadChangeEvent', -2)
        .map((e) => [e.replayId, e.data.payload.ChangeEventHeader.changeType]),
    ).toEqual([
      [1, 'CREATE'],
      [2, 'UPDATE'],
    ]);
    const update = bus.after('/data/LeadChangeEvent', 1)[0]?.data.payload;
    expect(update).toMatchObject({
      Company: 'Y',
      ChangeEventHeader: { recordIds: [a], changedFields: ['Company', 'LastModifiedDate'], commitUser: user },
    });
    expect(bus.refusal(1)).toBeNull();
    advance(2 * 3_600_000);
    // the create is 73 h old: gone, and resuming from it is refused; the update is still there
    expect(bus.after('/data/LeadChangeEvent', -2).map((e) => e.replayId)).toEqual([2]);
    expect(bus.refusal(1)).not.toBeNull();
    expect(bus.refusal(2)).toBeNull();
  });

  it('gives the changes of one call one transaction key and increasing sequence numbers', async () => {
    const { o, user } = org();
    const bus = busOf({ org: o, version: '62.0' });
    o.listeners.push((c) => bus.record(c));
    const a = o.create('Lead', { LastName: 'A', Company: 'X' }, user);
    const b = o.create('Lead', { LastName: 'B', Company: 'X' }, user);
    await Promise.resolve();
    o.update('Lead', a, { Company: 'Z' }, user);
    await Promise.resolve();
    const headers = bus.after('/data/ChangeEvents', -2).map((e) => e.data.payload.ChangeEventHeader);
    expect(headers.map((h) => [h.recordIds[0], h.sequenceNumber])).toEqual([
      [a, 1],
      [b, 2],
      [a, 1],
    ]);
    expect(headers[0]?.transactionKey).toBe(headers[1]?.transactionKey);
    expect(headers[2]?.transactionKey).not.toBe(headers[0]?.transactionKey);
    expect(headers[0]?.changeOrigin).toBe('com/salesforce/api/rest/62.0');
  });

  it('sends the same change to several records in one call as one event naming them all', async () => {
    const { o, user } = org();
    const bus = busOf({ org: o, version: '62.0' });
    const ids = ['A', 'B', 'C', 'D'].map((n) => o.insertRaw('Lead', { LastName: n, Company: 'X' }));
    o.listeners.push((c) => bus.record(c));
    for (const id of ids.slice(0, 3)) o.update('Lead', id, { Status: 'Working - Contacted' }, user);
    o.update('Lead', ids[3] as string, { Status: 'Closed - Not Converted' }, user);
    await Promise.resolve();
    for (const id of ids.slice(0, 2)) o.remove('Lead', id, user);
    await Promise.resolve();
    const headers = bus.after('/data/LeadChangeEvent', -2).map((e) => e.data.payload.ChangeEventHeader);
    expect(headers.map((h) => [h.changeType, h.recordIds, h.sequenceNumber])).toEqual([
      ['UPDATE', ids.slice(0, 3), 1],
      ['UPDATE', [ids[3]], 2],
      ['DELETE', ids.slice(0, 2), 1],
    ]);
  });

  it('publishes what a CometD subscriber receives, as the Change Data Capture Developer Guide describes it', async () => {
    const { o, user } = org();
    const other = o.insertRaw('User', {
      Username: 'ops@sim',
      LastName: 'Ops',
      Email: 'ops@sim',
      IsActive: true,
    });
    const bus = busOf({ org: o, version: '62.0' });
    o.listeners.push((c) => bus.record(c));
    const seen: RetainedEvent[] = [];
    bus.listeners.push((e) => seen.push(e));
    const a = o.create('Lead', { LastName: 'A', Company: 'X', Title: 'CEO' }, user);
    await Promise.resolve();
    o.update('Lead', a, { Title: null }, user);
    await Promise.resolve();
    o.update('Lead', a, { Company: 'Y' }, other);
    await Promise.resolve();
    bus.asGap(() => o.update('Lead', a, { Company: 'Z' }, user));
    await Promise.resolve();
    bus.asOverflow(() => o.update('Lead', a, { Company: 'W' }, user));
    await Promise.resolve();
    o.remove('Lead', a, user);
    await Promise.resolve();
    const payloads = seen.map((e) => e.data.payload);
    expect(payloads.map((p) => p.ChangeEventHeader.changeType)).toEqual([
      'CREATE',
      'UPDATE',
      'UPDATE',
      'GAP_UPDATE',
      'GAP_OVERFLOW',
      'DELETE',
    ]);
    // create: every non-empty field and the system fields; never Id, IsDeleted or SystemModstamp
    expect(payloads[0]).toMatchObject({ LastName: 'A', CreatedById: user, LastModifiedById: user });
    expect(payloads[0]).not.toHaveProperty('SystemModstamp');
    // an update to null sends the field as null; nulledFields is not in a CometD header
    expect(payloads[1]).toEqual({
      ChangeEventHeader: expect.objectContaining({ changedFields: ['Title', 'LastModifiedDate'] }),
      Title: null,
      LastModifiedDate: expect.any(String),
    });
    expect(payloads[1]?.ChangeEventHeader).not.toHaveProperty('nulledFields');
    // another user's save also sends LastModifiedById
    expect(payloads[2]).toMatchObject({ Company: 'Y', LastModifiedById: other });
    expect(payloads[4]?.ChangeEventHeader.recordIds).toEqual(['000000000000000AAA']);
  });

  it('published only events as the Change Data Capture Developer Guide describes them', () => {
    expect(published.length).toBeGreaterThan(0);
    expect(changeEventViolations(published)).toEqual([]);
  });
});
