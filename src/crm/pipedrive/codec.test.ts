import { describe, expect, it } from 'vitest';
import type { FieldSchema } from '../types.js';
import { actorOf, decodeValue, encodeValue, fieldFromError, parseWebhookPayload, pdSince, toFieldSchema, websiteDomain } from './codec.js';

const HASH = 'bb85168b04c5efd1af3d8d08e35ad94b75bc3f94';
const enumField = toFieldSchema('person', { field_code: HASH, field_name: 'Grade', field_type: 'enum', options: [{ id: 12, label: 'A' }, { id: 13, label: 'B' }], is_custom_field: true });
const setField = toFieldSchema('person', { field_code: HASH, field_name: 'Tags', field_type: 'set', options: [{ id: 1, label: 'x' }, { id: 2, label: 'y' }], is_custom_field: true });
const money = toFieldSchema('deal', { field_code: HASH, field_name: 'ARR', field_type: 'monetary', is_custom_field: true });
const text = toFieldSchema('person', { field_code: HASH, field_name: 'Note', field_type: 'varchar', is_custom_field: true });

describe('toFieldSchema (§4.1, §4.2)', () => {
  it.each([
    ['double', 'number'],
    ['monetary', 'currency'],
    ['enum', 'picklist'],
    ['set', 'multipicklist'],
    ['user', 'reference'],
    ['org', 'reference'],
    ['date', 'date'],
    ['text', 'text'],
    ['varchar', 'string'],
    ['phone', 'phone'],
    ['address', 'string'],
  ])('%s → %s', (pd, type) => {
    expect(toFieldSchema('person', { field_code: HASH, field_name: 'F', field_type: pd, is_custom_field: true }).type).toBe(type);
  });

  it('option values are option ids as strings', () => {
    expect(enumField.options).toEqual([
      { value: '12', label: 'A' },
      { value: '13', label: 'B' },
    ]);
  });

  it('system fields outside the writable list are read-only', () => {
    expect(toFieldSchema('person', { field_code: 'add_time', field_name: 'Created', field_type: 'date' })).toMatchObject({ type: 'datetime', writable: false, custom: false });
    expect(toFieldSchema('deal', { field_code: 'stage_id', field_name: 'Stage', field_type: 'stage' })).toMatchObject({ type: 'reference', writable: true });
  });
});

describe('decodeValue: wire → normalised (§4.3)', () => {
  const cases: [string, FieldSchema | undefined, unknown, unknown][] = [
    ['v2 enum number', enumField, 12, '12'],
    ['v1 enum string', enumField, '12', '12'],
    ['enum with labels', enumField, { id: 12, label: 'A' }, '12'],
    ['v2 set', setField, [1, 2], ['1', '2']],
    ['v1 set', setField, '1,2', ['1', '2']],
    ['monetary object', money, { value: 500, currency: 'EUR' }, 500],
    ['null', text, null, null],
    ['primary e-mail', undefined, [{ value: 'b@x.com', primary: false }, { value: 'a@x.com', primary: true }], 'a@x.com'],
  ];
  it.each(cases)('%s', (_n, schema, wire, want) => {
    expect(decodeValue(schema, wire)).toEqual(want);
  });
});

describe('encodeValue: normalised → v2 body (§4.3, §4.4)', () => {
  it('enum: option id as a number; an unknown option or a label is refused with the options named', () => {
    expect(encodeValue(enumField, '13')).toEqual({ ok: true, value: 13 });
    const r = encodeValue(enumField, 'A');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain('12 (A)');
  });
  it('set: numbers; empty clears with null (an empty array is a 400 on v2)', () => {
    expect(encodeValue(setField, ['2', '1', '2'])).toEqual({ ok: true, value: [2, 1] });
    expect(encodeValue(setField, [])).toEqual({ ok: true, value: null });
    expect(encodeValue(setField, ['9']).ok).toBe(false);
  });
  it('monetary custom field is an object', () => {
    expect(encodeValue(money, 1200)).toEqual({ ok: true, value: { value: 1200 } });
  });
  it('varchar is at most 255 characters', () => {
    expect(encodeValue(text, 'x'.repeat(256)).ok).toBe(false);
    expect(encodeValue(text, 'ok')).toEqual({ ok: true, value: 'ok' });
  });
  it('numbers must be numbers (v2 does not coerce strings)', () => {
    const n = toFieldSchema('person', { field_code: HASH, field_name: 'Score', field_type: 'double', is_custom_field: true });
    expect(encodeValue(n, '5').ok).toBe(false);
    expect(encodeValue(n, 5)).toEqual({ ok: true, value: 5 });
  });
});

describe('small pieces', () => {
  it('updated_since has whole seconds, rounded down (§3.1)', () => {
    expect(pdSince('2026-11-28T09:00:00.999Z')).toBe('2026-11-28T09:00:00Z');
  });
  it.each([
    ['https://www.acme.com/about', 'acme.com'],
    ['acme.io', 'acme.io'],
    ['http://Sub.Acme.com/', 'sub.acme.com'],
    ['', null],
  ])('websiteDomain(%s) = %s', (w, d) => {
    expect(websiteDomain(w)).toBe(d);
  });
  it.each([
    ['app', '5', '1', 'human'],
    ['mobile', '5', '1', 'human'],
    ['api', '1', '1', 'integration'],
    ['api', '7', '1', 'system'],
    ['api', '1', null, 'system'],
    ['automation', '1', '1', 'system'],
  ])('actorOf(%s, user %s, us %s) = %s', (src, user, us, want) => {
    expect(actorOf(src, user, us)).toBe(want);
  });
  it('names the field of a v2 validation error', () => {
    expect(fieldFromError(`Validation failed: custom_fields: Expected 'number' as value for single option custom field ${HASH}`)).toBe(HASH);
    expect(fieldFromError("Validation failed: owner_id: Expected 'integer'")).toBe('owner_id');
  });
});

describe('parseWebhookPayload (§5.2)', () => {
  const meta = { action: 'change', entity: 'person', entity_id: '8', id: 'evt-1', timestamp: '2022-11-24T15:18:35.616Z', user_id: '12415231', change_source: 'app', version: '2.0' };
  it('change: the keys of previous are the changed fields; custom fields nested', () => {
    const [e] = parseWebhookPayload({ meta, data: { id: 8 }, previous: { first_name: 'Sample', name: 'Sample', custom_fields: { [HASH]: null } } }, '1').events;
    expect(e).toEqual({ crm: 'pipedrive', object: 'contact', id: '8', kind: 'updated', fields: ['first_name', 'name', HASH], occurredAt: '2022-11-24T15:18:35.616Z', actor: 'human', eventId: 'evt-1', mergedInto: undefined });
  });
  it('delete, merge, api from us, and entities the engine does not track', () => {
    expect(parseWebhookPayload({ meta: { ...meta, action: 'delete', change_source: 'api', user_id: '1' }, data: null, previous: { id: 8 } }, '1').events[0]).toMatchObject({ kind: 'deleted', actor: 'integration' });
    expect(parseWebhookPayload({ meta: { ...meta, action: 'delete', merged_to_id: '9' }, data: null, previous: {} }, '1').events[0]).toMatchObject({ kind: 'merged', mergedInto: '9' });
    expect(parseWebhookPayload({ meta: { ...meta, entity: 'activity' }, data: {}, previous: {} }, '1')).toEqual({ events: [], rejected: [] });
    expect(parseWebhookPayload({ meta: { ...meta, entity: 'organization', action: 'create' }, data: { id: 8 }, previous: null }, '1').events[0]).toMatchObject({ object: 'company', kind: 'created' });
  });
  it('refuses an event that names no record, rather than one for record "undefined"', () => {
    const body = { meta: { ...meta, entity_id: undefined }, data: { name: 'no id' }, previous: { name: 'x' } };
    const { events, rejected } = parseWebhookPayload(body, '1');
    expect(events).toEqual([]);
    expect(rejected).toEqual([{ index: 0, reason: 'person change event names no record id (meta.entity_id null)', event: body }]);
    // the id from data or previous is enough
    expect(parseWebhookPayload({ meta: { ...meta, entity_id: undefined }, data: { id: 8 }, previous: {} }, '1').events[0]).toMatchObject({ id: '8' });
    // a time that is not one refuses the event too
    expect(parseWebhookPayload({ meta: { ...meta, timestamp: 'soon' }, data: { id: 8 }, previous: {} }, '1').rejected[0].reason).toMatch(/not a time/);
    expect(parseWebhookPayload({ v: 1, meta: { v: 1, action: 'updated', object: 'deal' }, current: {}, previous: {} }, '1').rejected[0].reason).toMatch(/no record id/);
  });
  it('refuses a body that is not one Pipedrive event (one per request, §5.2)', () => {
    expect(() => parseWebhookPayload([{ meta }, { meta }], '1')).toThrow(expect.objectContaining({ code: 'IR_WEBHOOK_TOO_LARGE' }));
    expect(() => parseWebhookPayload({ data: { id: 8 } }, '1')).toThrow(expect.objectContaining({ code: 'IR_WEBHOOK_PAYLOAD' }));
    expect(() => parseWebhookPayload('8', '1')).toThrow(expect.objectContaining({ code: 'IR_WEBHOOK_PAYLOAD' }));
  });
  it('v1 payloads', () => {
    const [e] = parseWebhookPayload({ v: 1, meta: { v: 1, action: 'updated', object: 'deal', id: 123, user_id: 789, change_source: 'app', timestamp: 1523440213 }, current: { id: 123, title: 'B' }, previous: { id: 123, title: 'A' }, event: 'updated.deal' }, '1').events;
    expect(e).toMatchObject({ object: 'deal', id: '123', kind: 'updated', fields: ['title'], actor: 'human', occurredAt: '2018-04-11T09:50:13.000Z' });
  });
});

describe('built-in option fields', () => {
  it('visible_to is a picklist of 1/3/5/7 written as a number; label_ids accepts ids', () => {
    const vis = toFieldSchema('person', { field_code: 'visible_to', field_name: 'Visible to', field_type: 'visible_to' });
    expect(vis.options?.map((o) => o.value)).toEqual(['1', '3', '5', '7']);
    expect(encodeValue(vis, '7')).toEqual({ ok: true, value: 7 });
    expect(encodeValue(vis, '2').ok).toBe(false);
    const labels = toFieldSchema('person', { field_code: 'label_ids', field_name: 'Labels', field_type: 'set' });
    expect(labels).toMatchObject({ type: 'multipicklist', restricted: false, writable: true });
    expect(encodeValue(labels, ['4', '9'])).toEqual({ ok: true, value: [4, 9] });
  });
});
