import { describe, expect, it } from 'vitest';
import type { FieldSchema } from '../types.js';
import { actorOf, bareDomain, decodeSignedUri, decodeValue, encodeValue, numberString, parseWebhookBody, propertyErrors, signatureV3, toFieldSchema, verifyV3 } from './codec.js';

const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';

describe('v3 signatures (hubspot.md §8.4 test vectors)', () => {
  it.each([
    ['POST', 'https://www.example.com/webhook_uri', "{'example_field':'example_value'}", '1693657560000', 'K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y='],
    ['POST', 'https://www.example.com/webhook_uri', "{'example_field':'example_value'}", '1700000300000', 'RnbPH7+UMKVkbV32P8bz450N4M56aPmcru1+D3kSDtw='],
    ['POST', 'https://www.example.com/webhook_uri', '{"example_field":"example_value"}', '1700000000000', 'rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o='],
    [
      'POST',
      'https://localhost:3000/webhooks/hubspot',
      '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"appId":54321,"occurredAt":1700000000000,"subscriptionType":"contact.propertyChange","attemptNumber":0,"objectId":123,"propertyName":"lifecyclestage","propertyValue":"lead","changeSource":"CRM_UI","sourceId":"userId:1"}]',
      '1700000000000',
      'S6phStKO+2nO+52kus7ffSByPUIx/4vEtvlwp/AlvK0=',
    ],
  ])('%s %s at %s', (method, uri, body, ts, expected) => {
    expect(signatureV3(SECRET, method, uri, body, ts)).toBe(expected);
  });

  const body = '{"example_field":"example_value"}';
  const req = (headers: Record<string, string>) => ({ method: 'POST', url: 'https://www.example.com/webhook_uri', headers, rawBody: Buffer.from(body) });

  it('accepts a fresh, correct signature', () => {
    const r = verifyV3(SECRET, req({ 'x-hubspot-signature-v3': 'rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=', 'x-hubspot-request-timestamp': '1700000000000' }), 300_000, 1700000000000 + 1000);
    expect(r).toEqual({ ok: true });
  });
  it('rejects a request older than 5 minutes', () => {
    const r = verifyV3(SECRET, req({ 'x-hubspot-signature-v3': 'rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=', 'x-hubspot-request-timestamp': '1700000000000' }), 300_000, 1700000000000 + 300_001);
    expect(r.ok).toBe(false);
  });
  it('rejects a request dated more than 5 minutes ahead, and accepts one just inside the window', () => {
    const h = { 'x-hubspot-signature-v3': 'rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=', 'x-hubspot-request-timestamp': '1700000000000' };
    const ahead = verifyV3(SECRET, req(h), 300_000, 1700000000000 - 300_001);
    expect(ahead).toMatchObject({ ok: false, reason: expect.stringMatching(/in the future/) });
    expect(verifyV3(SECRET, req(h), 300_000, 1700000000000 - 299_000)).toEqual({ ok: true });
  });
  it('rejects a tampered body, a wrong secret and missing headers', () => {
    const h = { 'x-hubspot-signature-v3': 'rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=', 'x-hubspot-request-timestamp': '1700000000000' };
    expect(verifyV3(SECRET, { ...req(h), rawBody: Buffer.from(`${body} `) }, 300_000, 1700000000000).ok).toBe(false);
    expect(verifyV3('other', req(h), 300_000, 1700000000000).ok).toBe(false);
    expect(verifyV3(SECRET, req({}), 300_000, 1700000000000).ok).toBe(false);
  });
  it('decodes the documented characters of the URI before signing (§8.4)', () => {
    expect(decodeSignedUri('https://x.com/hook%3Fa%3Db%40c%2C')).toBe('https://x.com/hook?a%3Db@c,');
  });
});

const field = (type: FieldSchema['type']): FieldSchema => ({ name: 'f', label: 'F', type, crmType: '', required: false, writable: true, custom: true });

describe('value encoding (§5.4)', () => {
  it.each([
    [field('number'), 12.5, '12.5'],
    [field('number'), 1.4210854715202004e-14, '0.00000000000001421085'],
    [field('boolean'), true, 'true'],
    [field('multipicklist'), ['a', 'b'], 'a;b'],
    [field('date'), '2026-11-28', '2026-11-28'],
    [field('date'), '2026-11-28T15:00:00.000Z', '2026-11-28'],
    [field('datetime'), '2026-11-28T09:00:00Z', '2026-11-28T09:00:00.000Z'],
    [field('string'), null, ''],
  ])('%o ← %o', (f, v, wire) => {
    expect(encodeValue(f, v as never)).toBe(wire);
  });

  it.each([
    [field('number'), '17', 17],
    [field('currency'), '1500.00', 1500],
    [field('boolean'), 'false', false],
    [field('multipicklist'), 'a;b', ['a', 'b']],
    [field('date'), '1430438400000', '2015-05-01'],
    [field('datetime'), '2024-01-17T19:55:04.281Z', '2024-01-17T19:55:04.281Z'],
    [field('picklist'), '', null],
    [field('string'), null, null],
  ])('%o → %o', (f, wire, v) => {
    expect(decodeValue(f, wire as string | null)).toEqual(v);
  });

  it('never writes exponent notation', () => {
    expect(numberString(1e21)).not.toMatch(/e/);
    expect(numberString(-2.5e-7)).toBe('-0.00000025');
  });
});

describe('property definitions → FieldSchema (§5.3)', () => {
  it.each([
    [{ name: 'lifecyclestage', label: 'L', type: 'enumeration', fieldType: 'radio', options: [{ label: 'Lead', value: 'lead' }] }, 'picklist', true],
    [{ name: 'hs_buying_role', label: 'B', type: 'enumeration', fieldType: 'checkbox', options: [] }, 'multipicklist', true],
    [{ name: 'dealstage', label: 'S', type: 'enumeration', fieldType: 'radio', externalOptions: true, options: [] }, 'picklist', false],
    [{ name: 'hubspot_owner_id', label: 'O', type: 'enumeration', fieldType: 'select', referencedObjectType: 'OWNER' }, 'reference', undefined],
    [{ name: 'amount', label: 'A', type: 'number', fieldType: 'number' }, 'currency', undefined],
    [{ name: 'closedate', label: 'C', type: 'datetime', fieldType: 'date' }, 'datetime', undefined],
    [{ name: 'phone', label: 'P', type: 'string', fieldType: 'phonenumber' }, 'phone', undefined],
    [{ name: 'rep_notes', label: 'N', type: 'string', fieldType: 'textarea', hubspotDefined: false }, 'text', undefined],
  ])('%o', (p, type, restricted) => {
    const s = toFieldSchema(p);
    expect(s.type).toBe(type);
    expect(s.restricted).toBe(restricted);
  });
  it('read-only and calculated properties are not writable', () => {
    expect(toFieldSchema({ name: 'hubspotscore', label: 'S', type: 'number', fieldType: 'number', calculated: true }).writable).toBe(false);
    expect(toFieldSchema({ name: 'createdate', label: 'C', type: 'datetime', fieldType: 'date', modificationMetadata: { readOnlyValue: true } }).writable).toBe(false);
  });
});

describe('history actors (§2.4)', () => {
  it.each([
    [{ value: 'x', timestamp: '2025-02-11T16:28:13.591Z', sourceType: 'CRM_UI', sourceId: 'userId:2931299', updatedByUserId: 2931299 }, 'human', '2931299'],
    [{ value: 'x', timestamp: '2025-02-11T16:28:13.591Z', sourceType: 'INTEGRATION', sourceId: '5670736' }, 'integration', '5670736'],
    [{ value: 'x', timestamp: '2025-02-11T16:28:13.591Z', sourceType: 'IMPORT' }, 'import', null],
    [{ value: 'x', timestamp: '2025-02-11T16:28:13.591Z', sourceType: 'AI_GROUP', sourceLabel: 'HubSpot Predictive Contact Scoring Model' }, 'system', null],
    [{ value: 'x', timestamp: '2025-02-11T16:28:13.591Z', sourceType: 'CALCULATED' }, 'system', null],
  ])('%o', (e, actor, userId) => {
    expect(actorOf(e)).toEqual({ actor, userId });
  });
});

describe('validation errors (§5.5)', () => {
  it('reads the structured errors[]', () => {
    const body = {
      status: 'error',
      message: 'Property values were not valid: [...]',
      errors: [{ message: '1.4210854715202004e-14 was not a valid number.', code: 'INVALID_INTEGER', context: { propertyName: ['amount'] } }],
      category: 'VALIDATION_ERROR',
    };
    expect(propertyErrors(body)).toEqual([{ field: 'amount', code: 'INVALID_INTEGER', message: '1.4210854715202004e-14 was not a valid number.' }]);
  });
  it('reads the JSON array inside message when errors[] is absent', () => {
    const inner = [{ isValid: false, message: 'reports was not one of the allowed options: [A, B]', error: 'INVALID_OPTION', name: 'hs_ticket_category' }];
    expect(propertyErrors({ message: `Property values were not valid: ${JSON.stringify(inner)}` })).toEqual([
      { field: 'hs_ticket_category', code: 'INVALID_OPTION', message: 'reports was not one of the allowed options: [A, B]' },
    ]);
  });
  it('keeps a plain message', () => {
    expect(propertyErrors({ message: 'Contact already exists. Existing ID: 151', category: 'CONFLICT' })[0].message).toMatch(/Existing ID: 151/);
  });
});

describe('webhook payloads (§8.2)', () => {
  it('maps creation, propertyChange, deletion and merge; skips unknown objects', () => {
    const body = JSON.stringify([
      { eventId: 1, subscriptionType: 'contact.creation', objectId: 123, occurredAt: 1700000000000, changeSource: 'CRM_UI', attemptNumber: 0 },
      { eventId: 2, subscriptionType: 'deal.propertyChange', objectId: 9, propertyName: 'dealstage', propertyValue: 'closedwon', occurredAt: 1700000000001, changeSource: 'INTEGRATION', sourceId: '54321' },
      { eventId: 3, subscriptionType: 'company.deletion', objectId: 7, occurredAt: 1700000000002, changeSource: 'IMPORT' },
      { eventId: 4, subscriptionType: 'contact.merge', objectId: 5, primaryObjectId: 5, mergedObjectIds: [5, 6], occurredAt: 1700000000003 },
      { eventId: 5, subscriptionType: 'ticket.creation', objectId: 1, occurredAt: 1700000000004 },
      { eventId: 6, subscriptionType: 'object.propertyChange', objectTypeId: '0-2', objectId: 8, propertyName: 'name', occurredAt: 1700000000005, sourceId: 'userId:3' },
    ]);
    const { events, rejected } = parseWebhookBody(body, '54321');
    expect(rejected).toEqual([]);
    expect(events.map((e) => [e.object, e.id, e.kind, e.fields, e.actor, e.mergedInto])).toEqual([
      ['contact', '123', 'created', [], 'human', undefined],
      ['deal', '9', 'updated', ['dealstage'], 'integration', undefined],
      ['company', '7', 'deleted', [], 'import', undefined],
      ['contact', '6', 'merged', [], 'system', '5'],
      ['contact', '5', 'updated', [], 'system', undefined],
      ['company', '8', 'updated', ['name'], 'human', undefined],
    ]);
    expect(events[0].occurredAt).toBe('2023-11-14T22:13:20.000Z');
    expect(events[0].eventId).toBe('1');
  });

  it('refuses a bad event on its own, with its reason; the rest of the delivery stands', () => {
    const body = JSON.stringify([
      { eventId: 1, subscriptionType: 'contact.propertyChange', objectId: 123, propertyName: 'email', occurredAt: 1700000000000 },
      { eventId: 2, subscriptionType: 'contact.propertyChange', propertyName: 'email', occurredAt: 1700000000000 },
      { eventId: 3, subscriptionType: 'contact.creation', objectId: 124, occurredAt: 'yesterday' },
      'not an event',
      { eventId: 5, subscriptionType: 'contact.merge', primaryObjectId: 7, mergedObjectIds: [7, 'x'], occurredAt: 1700000000000 },
      { eventId: 6, subscriptionType: 'deal.creation', objectId: 9, occurredAt: 1700000000000 },
    ]);
    const { events, rejected } = parseWebhookBody(body, null);
    expect(events.map((e) => [e.object, e.id, e.kind])).toEqual([
      ['contact', '123', 'updated'],
      ['deal', '9', 'created'],
    ]);
    expect(rejected.map((r) => [r.index, r.reason])).toEqual([
      [1, 'contact.propertyChange has no record id (objectId null)'],
      [2, 'occurredAt "yesterday" is not a time in epoch milliseconds'],
      [3, 'not an event object'],
      [4, 'contact.merge has a merged record id that is not one'],
    ]);
    expect(rejected[0].event).toMatchObject({ eventId: 2 });
  });

  it('refuses a delivery of more than 100 events (HubSpot sends at most 100, §8.2) and a body that is not JSON', () => {
    const event = (i: number) => ({ eventId: i, subscriptionType: 'contact.creation', objectId: i + 1, occurredAt: 1700000000000 });
    expect(parseWebhookBody(JSON.stringify(Array.from({ length: 100 }, (_, i) => event(i)))).events).toHaveLength(100);
    expect(() => parseWebhookBody(JSON.stringify(Array.from({ length: 101 }, (_, i) => event(i))))).toThrow(
      expect.objectContaining({ code: 'IR_WEBHOOK_TOO_LARGE', message: expect.stringMatching(/101 events; HubSpot sends at most 100/) }),
    );
    expect(() => parseWebhookBody('[{')).toThrow(expect.objectContaining({ code: 'IR_WEBHOOK_PAYLOAD' }));
  });
});

describe('domains', () => {
  it.each([
    ['https://www.Acme.com/about', 'acme.com'],
    ['ACME.COM', 'acme.com'],
    ['', null],
    [null, null],
  ])('%s → %s', (v, d) => {
    expect(bareDomain(v)).toBe(d);
  });
});
