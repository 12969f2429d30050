import { describe, expect, it } from 'vitest';
import { type CometdMessage, changeEventViolations } from './changeevents.js';

const message = (header: Record<string, unknown>, body: Record<string, unknown> = {}): CometdMessage => ({
  channel: '/data/LeadChangeEvent',
  data: {
    schema: 'Lead-change-event-schema',
    payload: {
      ChangeEventHeader: {
        entityName: 'Lead',
        recordIds: ['00QR000000000AAAAA'],
        changeType: 'UPDATE',
        changeOrigin: 'com/salesforce/api/rest/62.0',
        transactionKey: 'tx1',
        sequenceNumber: 1,
        commitTimestamp: 1_764_320_400_000,
        commitNumber: 10_000_000_001,
        commitUser: '005R000000001AAAAA',
        changedFields: ['Title', 'LastModifiedDate'],
        ...header,
      },
      ...body,
    },
    event: { replayId: 7 },
  },
});

describe('change event conformance', () => {
  it('takes an update as a CometD client receives it', () => {
    expect(
      changeEventViolations([message({}, { Title: null, LastModifiedDate: '2026-11-28T09:00:00.000Z' })]),
    ).toEqual([]);
  });

  it('names what a CometD message may not carry: Pub/Sub-only header fields, fields in a gap or overflow, a record id in an overflow', () => {
    expect(
      changeEventViolations([
        message({ nulledFields: ['Title'] }, { Title: null, LastModifiedDate: '2026-11-28T09:00:00.000Z' }),
        message({ changeType: 'GAP_UPDATE', changedFields: [] }, { Title: 'CEO' }),
        message({ changeType: 'GAP_OVERFLOW', recordIds: [], changedFields: [] }),
        message({ changeType: 'CREATE', entityName: 'Contact', changedFields: [] }, { SystemModstamp: 'x' }),
      ]),
    ).toEqual([
      '$.data.payload.ChangeEventHeader.nulledFields: not in the spec',
      'GAP_UPDATE Lead: carries record fields (Title); it carries the header only',
      'GAP_OVERFLOW Lead: recordIds must be [000000000000000AAA]',
      'CREATE Contact: entityName is not the object of /data/LeadChangeEvent',
      'CREATE Contact: SystemModstamp is never sent in a change event',
    ]);
  });
});
