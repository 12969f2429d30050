import { describe, expect, it } from 'vitest';
import { decodeChangeMessage, isReplayRefusal } from './streaming.js';

const ME = '005R000000001AAAAA';
const REP = '005R000000002BBBBB';
const header = (h: Record<string, unknown>) => ({
  entityName: 'Lead',
  recordIds: ['00QR000000000AAAAA'],
  changeType: 'UPDATE',
  changeOrigin: '',
  transactionKey: 'tx1',
  sequenceNumber: 1,
  commitTimestamp: Date.parse('2026-11-28T09:00:00.000Z'),
  commitNumber: 1,
  commitUser: REP,
  changedFields: ['Web_Visits__c', 'LastModifiedDate'],
  ...h,
});

describe('change event messages', () => {
  it('reads an update: its record, changed fields, who committed it, when, and where to resume', () => {
    const m = decodeChangeMessage(
      'lead',
      { payload: { ChangeEventHeader: header({}), Web_Visits__c: 40 }, event: { replayId: 17 } },
      ME,
    );
    expect(m).toEqual({
      kind: 'lead',
      resumeToken: '17',
      overflow: false,
      events: [
        {
          crm: 'salesforce',
          object: 'lead',
          id: '00QR000000000AAAAA',
          kind: 'updated',
          fields: ['Web_Visits__c'],
          occurredAt: '2026-11-28T09:00:00.000Z',
          actor: 'human',
          eventId: 'tx1:1:17',
        },
      ],
    });
  });

  it('leaves out the audit stamps an update carries beside its changed fields', () => {
    const m = decodeChangeMessage(
      'lead',
      {
        payload: {
          ChangeEventHeader: header({ changedFields: ['Title', 'LastModifiedDate', 'LastModifiedById'] }),
          Title: null,
          LastModifiedById: REP,
        },
        event: { replayId: 18 },
      },
      ME,
    );
    expect(m.events[0]?.fields).toEqual(['Title']);
  });

  it("marks the integration user's own change (15- or 18-character id) so it is not acted on", () => {
    const m = decodeChangeMessage(
      'lead',
      { payload: { ChangeEventHeader: header({ commitUser: ME.slice(0, 15) }) }, event: { replayId: 3 } },
      ME,
    );
    expect(m.events[0]?.actor).toBe('integration');
  });

  it('gives one event per record of a merged event, and a deletion as deleted', () => {
    const ids = ['00QR000000000AAAAA', '00QR000000000BBBBB'];
    const m = decodeChangeMessage(
      'lead',
      {
        payload: { ChangeEventHeader: header({ recordIds: ids, changeType: 'DELETE', changedFields: [] }) },
        event: { replayId: 4 },
      },
      ME,
    );
    expect(m.events.map((e) => [e.id, e.kind])).toEqual([
      [ids[0], 'deleted'],
      [ids[1], 'deleted'],
    ]);
  });

  it('reads a gap event as the records to read, with no fields', () => {
    const m = decodeChangeMessage(
      'lead',
      {
        payload: { ChangeEventHeader: header({ changeType: 'GAP_UPDATE', changedFields: [] }) },
        event: { replayId: 5 },
      },
      ME,
    );
    expect(m.overflow).toBe(false);
    expect(m.events).toHaveLength(1);
    expect(m.events[0]).toMatchObject({ kind: 'updated', fields: [], actor: 'human' });
  });

  it('reads an overflow event, or a wildcard record id, as changes it cannot name', () => {
    const overflow = decodeChangeMessage(
      'lead',
      {
        payload: {
          ChangeEventHeader: header({ changeType: 'GAP_OVERFLOW', recordIds: ['000000000000000AAA'] }),
        },
        event: { replayId: 6 },
      },
      ME,
    );
    expect(overflow).toEqual({ kind: 'lead', resumeToken: '6', events: [], overflow: true });
    const wildcard = decodeChangeMessage(
      'lead',
      { payload: { ChangeEventHeader: header({ recordIds: ['00Q*'] }) }, event: { replayId: 7 } },
      ME,
    );
    expect(wildcard.overflow).toBe(true);
  });

  it('refuses a message without a replay id (nothing to resume from)', () => {
    expect(() => decodeChangeMessage('lead', { payload: { ChangeEventHeader: header({}) } }, ME)).toThrow(
      /replay id/,
    );
  });

  it("recognises the Streaming API's refusal of a replay id past retention", () => {
    expect(
      isReplayRefusal(
        '400::The replayId {12} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.',
      ),
    ).toBe(true);
    expect(isReplayRefusal('403::Unknown client')).toBe(false);
  });
});
