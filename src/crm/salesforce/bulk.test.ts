import { describe, expect, it } from 'vitest';
import { fromCsv, inStatements, updateRows, writeResults } from './bulk.js';
import { parseBulkError } from './codec.js';

describe('Salesforce Bulk API rows', () => {
  it('parses sf__Error into code, message and field', () => {
    expect(parseBulkError('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Status: bad value for restricted picklist field: Maybe:Status --')).toEqual({
      code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      message: 'Status: bad value for restricted picklist field: Maybe',
      field: 'Status',
    });
    expect(parseBulkError('ENTITY_IS_DELETED:entity is deleted: --')).toEqual({ code: 'ENTITY_IS_DELETED', message: 'entity is deleted' });
    expect(parseBulkError('something odd')).toEqual({ code: 'UNKNOWN_EXCEPTION', message: 'something odd' });
  });

  it('gives every row the same columns: unset fields empty (left alone), nulls null (#N/A on the wire)', () => {
    const rows = updateRows(
      [
        { id: 'a', fields: { rating: 'Hot' } },
        { id: 'b', fields: { title: null, score: 3, opt: true } },
      ],
      (k, v) => ({ name: k.charAt(0).toUpperCase() + k.slice(1), value: v }),
    );
    expect(rows).toEqual([
      { Id: 'a', Rating: 'Hot', Title: '', Score: '', Opt: '' },
      { Id: 'b', Rating: '', Title: null, Score: '3', Opt: 'true' },
    ]);
  });

  it('maps rows back to one result per update, in order, with the REST path’s failure shape', () => {
    const out = writeResults(
      'Lead',
      [{ id: 'a', fields: {} }, { id: 'b', fields: {} }, { id: 'c', fields: {} }],
      {
        jobId: '750x',
        createdDate: '2026-01-01T00:00:00.000Z',
        state: 'Failed',
        errorMessage: 'InvalidBatch : limit',
        successful: [{ sf__Id: 'a', sf__Created: 'false', Id: 'a' }],
        failed: [{ sf__Id: 'b', sf__Error: 'ENTITY_IS_DELETED:entity is deleted: --', Id: 'b' }],
        unprocessed: [{ Id: 'c' }],
      },
    );
    expect(out[0]).toEqual({ id: 'a', ok: true });
    expect(out[1]).toMatchObject({ id: 'b', ok: false, code: 'IR_CRM_NOT_FOUND', retryable: false });
    expect((out[1] as { message: string }).message).toContain('Salesforce Lead b: ENTITY_IS_DELETED: entity is deleted');
    expect(out[2]).toMatchObject({ id: 'c', ok: false, code: 'IR_CRM_UNAVAILABLE', retryable: true });
    expect((out[2] as { message: string }).message).toContain('750x (Failed: InvalidBatch : limit)');
  });

  it('splits an IN list so that every statement stays under the SOQL length limit', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `00Q${String(i).padStart(15, '0')}`);
    const parts = inStatements('SELECT Id FROM Lead WHERE', 'Id', ids, 'AND IsDeleted = false', 5000);
    expect(parts.length).toBeGreaterThan(4);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(5000);
    expect(parts.flatMap((p) => p.match(/'[^']+'/g) ?? []).length).toBe(1000);
    expect(parts[0]).toMatch(/^SELECT Id FROM Lead WHERE Id IN \('00Q.*'\) AND IsDeleted = false$/);
  });

  it('reads an empty CSV value as null', () => {
    expect(fromCsv({ Id: 'a', Title: '', N: '3' })).toEqual({ Id: 'a', Title: null, N: '3' });
  });
});

describe('Bulk API errors', () => {
  it('gives a CSV request’s error answer back its Salesforce code and message', async () => {
    const { salesforceError } = await import('./bulk.js');
    const e = Object.assign(new Error('[{"errorCode":"REQUEST_LIMIT_EXCEEDED","message":"TotalRequests Limit exceeded."}]'), { errorCode: 'ERROR_HTTP_403' });
    expect(salesforceError(e)).toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED', name: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' });
    const other = Object.assign(new Error('<html>'), { errorCode: 'ERROR_HTTP_502' });
    expect(salesforceError(other)).toMatchObject({ errorCode: 'ERROR_HTTP_502', message: '<html>' });
  });
});
