import { describe, expect, it } from 'vitest';
import {
  classifySfError,
  customFieldLabel,
  customFieldMetadata,
  customFieldName,
  decodeValue,
  encodeValue,
  isoFromSf,
  outboundToEvents,
  parseOutboundMessage,
  soqlDateTime,
  soqlLikeContains,
  soqlString,
  toFieldSchema,
  websiteDomain,
} from './codec.js';

describe('salesforce codec', () => {
  it.each([
    ['multipicklist', 'four;six', ['four', 'six']],
    ['multipicklist', null, []],
    ['datetime', '2011-07-07T00:37:00.000+0000', '2011-07-07T00:37:00.000Z'],
    ['currency', 23.0, 23],
    ['boolean', false, false],
    ['date', '2010-01-01', '2010-01-01'],
    ['string', null, null],
  ] as const)('decodes %s %j (§2.2)', (type, wire, value) => {
    expect(decodeValue(type, wire)).toEqual(value);
  });

  it.each([
    ['multipicklist', ['a', 'b'], 'a;b'],
    ['date', '2026-11-28T10:00:00.000Z', '2026-11-28'],
    ['string', null, null],
    ['number', 4.5, 4.5],
  ] as const)('encodes %s %j', (type, value, wire) => {
    expect(encodeValue(type, value as never)).toEqual(wire);
  });

  it('maps describe fields, keeping restricted only for restricted picklists (§6.4)', () => {
    const f = toFieldSchema({ name: 'Status', label: 'Status', type: 'picklist', length: 40, nillable: true, createable: true, updateable: true, restrictedPicklist: true, picklistValues: [{ value: 'Open', label: 'Open', active: true }, { value: 'Old', label: 'Old', active: false }] });
    expect(f).toMatchObject({ type: 'picklist', restricted: true, options: [{ value: 'Open', label: 'Open' }], maxLength: 40, required: false, writable: true });
    expect(toFieldSchema({ name: 'LeadSource', label: 'Lead Source', type: 'picklist', restrictedPicklist: false }).restricted).toBe(false);
    expect(toFieldSchema({ name: 'LastName', label: 'Last Name', type: 'string', length: 80, nillable: false, createable: true, updateable: true }).required).toBe(true);
    expect(toFieldSchema({ name: 'AnnualRevenue', label: 'Rev', type: 'currency', scale: 0 })).toMatchObject({ type: 'currency', scale: 0 });
  });

  it('writes SOQL literals jsforce-style (§3.4)', () => {
    expect(soqlString("John's")).toBe("'John\\'s'");
    expect(soqlDateTime('2024-01-01T10:20:30.456Z')).toBe('2024-01-01T10:20:30Z');
    expect(soqlLikeContains('my_co.com')).toBe("'%my\\_co.com%'");
  });

  it.each([
    ['acme.com', 'acme.com'],
    ['www.Acme.com', 'acme.com'],
    ['https://www.acme.com/about', 'acme.com'],
    ['http://shop.acme.co.uk', 'shop.acme.co.uk'],
    ['', null],
    [null, null],
  ])('website %j → domain %j', (w, d) => {
    expect(websiteDomain(w)).toBe(d);
  });

  it.each([
    ['INVALID_SESSION_ID', '', 'IR_CRM_AUTH', false],
    ['REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', 'IR_CRM_QUOTA_EXHAUSTED', true],
    ['REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.', 'IR_CRM_RATE_LIMITED', true],
    ['REQUEST_LIMIT_EXCEEDED', 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.', 'IR_CRM_RATE_LIMITED', true],
    ['ERROR_HTTP_412', '', 'IR_CRM_VALIDATION', false],
    ['ENTITY_IS_DELETED', '', 'IR_CRM_NOT_FOUND', false],
    ['INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', '', 'IR_CRM_VALIDATION', false],
    ['UNABLE_TO_LOCK_ROW', '', 'IR_CRM_UNAVAILABLE', true],
    ['ERROR_HTTP_503', '', 'IR_CRM_UNAVAILABLE', true],
  ])('classifies %s %s → %s', (code, msg, want, retryable) => {
    expect(classifySfError(code, msg)).toMatchObject({ code: want, retryable });
  });

  it('tells the two 403 REQUEST_LIMIT_EXCEEDED apart: the daily allocation pauses, the concurrent limit is waited out', () => {
    expect(classifySfError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.')).toEqual({ code: 'IR_CRM_QUOTA_EXHAUSTED', retryable: true, status: 403 });
    for (const msg of ['ConcurrentPerOrgLongTxn Limit exceeded.', 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.']) {
      expect(classifySfError('REQUEST_LIMIT_EXCEEDED', msg)).toEqual({ code: 'IR_CRM_RATE_LIMITED', retryable: true, status: 403, limited: true });
    }
  });

  it('names custom fields and builds Tooling metadata', () => {
    expect(customFieldName('AI Score')).toBe('AI_Score__c');
    expect(customFieldName('Score__c')).toBe('Score__c');
    // a label spelled from the API name loses the suffix; a label of its own is kept as written
    expect(customFieldLabel({ name: 'Inrecord_Score__c', label: 'Inrecord Score c' })).toBe('Inrecord Score');
    expect(customFieldMetadata({ name: 'Inrecord_Score__c', label: 'Inrecord Score c', type: 'number' })).toMatchObject({ label: 'Inrecord Score' });
    expect(customFieldLabel({ name: 'Vitamin__c', label: 'Vitamin C' })).toBe('Vitamin C');
    expect(customFieldLabel({ name: 'AI_Score', label: 'AI score' })).toBe('AI score');
    expect(customFieldMetadata({ name: 'x', label: 'X', type: 'picklist', options: [{ value: 'a', label: 'A' }] })).toMatchObject({ type: 'Picklist', valueSet: { restricted: true } });
    expect(customFieldMetadata({ name: 'x', label: 'X', type: 'reference' })).toBeNull();
  });

  // The envelope from salesforce.md §8.1, with a second, nil-valued and an Id-only notification.
  const XML = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>00Dxx0000001gPLEAY</OrganizationId>
   <ActionId>04kxx00000000A1AAI</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://org.my.salesforce.com/services/Soap/c/62.0/00Dxx</EnterpriseUrl>
   <Notification>
    <Id>04lxx0000000001AAA</Id>
    <sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>00Qxx0000000001EAA</sf:Id>
     <sf:Company>Acme &amp; Sons</sf:Company>
     <sf:Rating xsi:nil="true"/>
     <sf:LastModifiedById>005xx0000000001AAA</sf:LastModifiedById>
     <sf:CreatedDate>2026-11-28T09:00:00.000Z</sf:CreatedDate>
     <sf:LastModifiedDate>2026-11-28T09:05:00.000Z</sf:LastModifiedDate>
    </sObject>
   </Notification>
   <Notification><Id>04lxx0000000002AAA</Id><sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>003xx0000000001AAA</sf:Id></sObject></Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`;

  it('parses an Outbound Message and turns it into change events (§8.1)', () => {
    const msg = parseOutboundMessage(XML);
    expect(msg.organizationId).toBe('00Dxx0000001gPLEAY');
    expect(msg.notifications[0]).toEqual({
      notificationId: '04lxx0000000001AAA',
      object: 'Lead',
      fields: { Id: '00Qxx0000000001EAA', Company: 'Acme & Sons', Rating: null, LastModifiedById: '005xx0000000001AAA', CreatedDate: '2026-11-28T09:00:00.000Z', LastModifiedDate: '2026-11-28T09:05:00.000Z' },
    });
    const { events, rejected } = outboundToEvents(msg, '005xx0000000001', '2026-11-28T10:00:00.000Z');
    expect(rejected).toEqual([]);
    expect(events).toEqual([
      { crm: 'salesforce', object: 'lead', id: '00Qxx0000000001EAA', kind: 'updated', fields: [], occurredAt: '2026-11-28T09:05:00.000Z', actor: 'integration', eventId: '04lxx0000000001AAA' },
      // Id only: an update to read, never a deletion (the record may well exist)
      { crm: 'salesforce', object: 'contact', id: '003xx0000000001AAA', kind: 'updated', fields: [], occurredAt: '2026-11-28T10:00:00.000Z', actor: 'human', eventId: '04lxx0000000002AAA' },
    ]);
    expect(() => parseOutboundMessage('{"not":"xml"}')).toThrow(/no <notifications>/);
    expect(isoFromSf('garbage')).toBe('garbage');
  });

  const envelope = (notifications: string) =>
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>00Dxx0000001gPLEAY</OrganizationId>${notifications}</notifications></soapenv:Body></soapenv:Envelope>`;
  const lead = (n: number, fields = '') =>
    `<Notification><Id>04lxx${String(n).padStart(13, '0')}</Id><sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>00Qxx${String(n).padStart(13, '0')}</sf:Id>${fields}</sObject></Notification>`;

  it('reads CDATA, comments, character references and single-quoted attributes as XML does', () => {
    const msg = parseOutboundMessage(
      envelope(
        `<!-- sent by a Flow --><Notification><Id>04lxx0000000000001</Id><sObject xsi:type='sf:Lead'><sf:Id>00Qxx0000000000001</sf:Id><sf:Description><![CDATA[<b>&amp;</b>]]> &#233;&#x4e2d;</sf:Description><sf:Title xsi:nil='true'/><sf:Phone></sf:Phone></sObject></Notification>`,
      ),
    );
    expect(msg.notifications).toEqual([{ notificationId: '04lxx0000000000001', object: 'Lead', fields: { Id: '00Qxx0000000000001', Description: '<b>&amp;</b> é中', Title: null, Phone: '' } }]);
  });

  it('refuses a body cut off mid-tag, however long, without reading it more than once', () => {
    // every "<a " opens a tag that never closes: a pattern scan retried from each one is quadratic
    const hostile = envelope(`<Notification><Id>x</Id><sObject xsi:type="sf:Lead">${'<a '.repeat(20_000)}</sObject></Notification>`);
    expect(() => parseOutboundMessage(hostile)).toThrow(/malformed XML: the tag at \d+ is not closed/);
    expect(() => parseOutboundMessage(envelope('<Notification><![CDATA[never closed'))).toThrow(/CDATA section at \d+ is not closed/);
  });

  it('reads a large message as it reads each of its notifications alone', () => {
    // long texts with references, CDATA and comments between them, and a flood of one-letter fields
    const text = 'lorem &lt;ipsum&gt; &#233;<!-- c --><![CDATA[<b>&amp;</b>]]> ';
    const fields = (n: number) =>
      `<sf:Company>Acme &amp; Sons ${n}</sf:Company><sf:Rating xsi:nil="true"/><sf:Description>${text.repeat(300)}</sf:Description>${'<sf:a>b</sf:a>'.repeat(n % 3 === 0 ? 5_000 : 1)}<sf:Phone></sf:Phone>`;
    const large = parseOutboundMessage(envelope(Array.from({ length: 100 }, (_, i) => lead(i, fields(i))).join('')));
    expect(large.organizationId).toBe('00Dxx0000001gPLEAY');
    expect(large.notifications).toEqual(Array.from({ length: 100 }, (_, i) => parseOutboundMessage(envelope(lead(i, fields(i)))).notifications[0]));
    expect(large.notifications[42]).toEqual({
      notificationId: '04lxx0000000000042',
      object: 'Lead',
      fields: { Id: '00Qxx0000000000042', Company: 'Acme & Sons 42', Rating: null, Description: 'lorem <ipsum> é<b>&amp;</b> '.repeat(300), a: 'b', Phone: '' },
    });
  });

  it('refuses more than 100 notifications in one message (Salesforce sends at most 100, §8.1)', () => {
    const many = (n: number) => parseOutboundMessage(envelope(Array.from({ length: n }, (_, i) => lead(i)).join('')));
    expect(outboundToEvents(many(100), null, '2026-11-28T10:00:00.000Z').events).toHaveLength(100);
    expect(() => outboundToEvents(many(101), null, '2026-11-28T10:00:00.000Z')).toThrow(
      expect.objectContaining({ code: 'IR_WEBHOOK_TOO_LARGE', message: expect.stringMatching(/101 notifications; Salesforce sends at most 100/) }),
    );
  });

  it('refuses a notification with no record Id on its own; the others stand', () => {
    const noId = '<Notification><Id>04lxx0000000000009</Id><sObject xsi:type="sf:Lead"><sf:Status>Open</sf:Status></sObject></Notification>';
    const { events, rejected } = outboundToEvents(parseOutboundMessage(envelope(lead(1) + noId + lead(2))), null, '2026-11-28T10:00:00.000Z');
    expect(events.map((e) => e.id)).toEqual(['00Qxx0000000000001', '00Qxx0000000000002']);
    expect(rejected).toMatchObject([{ index: 1, reason: 'notification 04lxx0000000000009 for a Lead has no record Id' }]);
  });
});
