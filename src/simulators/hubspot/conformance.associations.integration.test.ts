/**
 * Conformance of the HubSpot simulator: associations v4, association labels and activities, driven only through `@hubspot/api-client` 14.0.1
 * (as the connector and any user would). Each quirk cites its section of docs/reference/hubspot.md;
 * the suites, their shared setup and the operations each answers for are in spec/suite.ts.
 */
import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimAnswer } from '../conformance.js';
import type { RunningHubspotSimulator } from './index.js';
import { failure, checkSuite, startConformanceSimulator } from './spec/suite.js';

let sim: RunningHubspotSimulator;
let hs: Client;
/** Every answer the simulator gave in this file, checked against HubSpot's published spec at the end. */
const answers: SimAnswer[] = [];

beforeAll(async () => {
  sim = await startConformanceSimulator(answers);
  // numberOfApiCallRetries 1 = exactly one call, no retry (§11.2).
  hs = new Client({ accessToken: sim.token, basePath: sim.url, numberOfApiCallRetries: 1 });
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

describe('associations v4 and activities (§7)', () => {
  it('creates default and labelled associations, reads them back one by one and in batch', async () => {
    const contact = await hs.crm.contacts.basicApi.create({
      properties: { email: 'assoc@example.net' },
      associations: [],
    });
    const company = await hs.crm.companies.basicApi.create({
      properties: { name: 'Assoc Inc' },
      associations: [],
    });
    await hs.crm.associations.v4.basicApi.createDefault('contacts', contact.id, 'companies', company.id);
    const labelled = await hs.crm.associations.v4.basicApi.create(
      'contacts',
      contact.id,
      'companies',
      company.id,
      [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 1 }],
    );
    expect(labelled.labels).toEqual(['Primary']);
    const page = await hs.crm.associations.v4.basicApi.getPage('companies', company.id, 'contacts');
    expect(page.results).toHaveLength(1);
    expect(String(page.results[0].toObjectId)).toBe(contact.id);
    expect(page.results[0].associationTypes.map((t) => t.typeId).sort()).toEqual([2, 280]);
    const batch = await hs.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
      inputs: [{ id: contact.id }],
    });
    expect(batch.results[0].to.map((t) => String(t.toObjectId))).toEqual([company.id]);
    const deal = await hs.crm.deals.basicApi.create({
      properties: { dealname: 'Assoc deal', dealstage: 'contractsent', amount: '1500.00' },
      associations: [
        {
          to: { id: contact.id },
          types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 3 }],
        },
      ],
    });
    expect(deal.properties.pipeline).toBe('default');
    const fromContact = await hs.crm.contacts.basicApi.getById(contact.id, undefined, undefined, [
      'deals',
      'companies',
    ]);
    expect(fromContact.associations?.deals?.results.map((r) => r.id)).toEqual([deal.id]);
    expect(fromContact.associations?.companies?.results.map((r) => r.type)).toEqual([
      'contact_to_company',
      'contact_to_company_unlabeled',
    ]);
  });

  it('creates a task on a deal; missing hs_timestamp is refused (§7.4)', async () => {
    const deal = String([...sim.state.records.deals.values()][0].id);
    const task = await hs.crm.objects.tasks.basicApi.create({
      properties: {
        hs_timestamp: '2026-12-01T09:00:00Z',
        hs_task_subject: 'Call back',
        hs_task_status: 'NOT_STARTED',
        hs_task_priority: 'HIGH',
      },
      associations: [
        {
          to: { id: deal },
          types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 216 }],
        },
      ],
    });
    expect(task.properties.hs_timestamp).toBe('2026-12-01T09:00:00.000Z');
    const e = await failure(
      hs.crm.objects.notes.basicApi.create({ properties: { hs_note_body: 'no time' }, associations: [] }),
    );
    expect(e.code).toBe(400);
  });
});

describe('associations in batch and association labels through the official client (§7)', () => {
  it('creates associations in batch, removes one, and unassociates in bulk', async () => {
    const contact = (await hs.crm.contacts.basicApi.getPage(2)).results[1].id;
    const companies = (await hs.crm.companies.basicApi.getPage(3)).results.map((r) => r.id);
    const made = await hs.crm.associations.v4.batchApi.create('contacts', 'companies', {
      inputs: companies.map((id) => ({ _from: { id: contact }, to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 279 }] })),
    });
    expect(made.results).toHaveLength(3);
    await hs.crm.associations.v4.basicApi.archive('contacts', contact, 'companies', companies[0]);
    await hs.crm.associations.v4.batchApi.archive('contacts', 'companies', { inputs: [{ _from: { id: contact }, to: [{ id: companies[1] }, { id: companies[2] }] }] });
    const left = await hs.crm.associations.v4.basicApi.getPage('contacts', contact, 'companies');
    expect(left.results.map((r) => String(r.toObjectId))).not.toEqual(expect.arrayContaining([companies[0]]));
    expect(left.results.some((r) => companies.includes(String(r.toObjectId)))).toBe(false);
  });

  it('defines an association label (both directions), associates with it, renames it, removes it from one pair, deletes it', async () => {
    const defs = hs.crm.associations.v4.schema.definitionsApi;
    const before = await defs.getAll('contacts', 'companies');
    expect(before.results.map((t) => [t.category, t.typeId, t.label ?? null])).toEqual([
      ['HUBSPOT_DEFINED', 1, 'Primary'],
      ['HUBSPOT_DEFINED', 279, null],
    ]);
    const made = await defs.create('contacts', 'companies', { name: 'billing_contact', label: 'Billing contact', inverseLabel: 'Billed company' });
    expect(made.results.map((t) => [t.category, t.label])).toEqual([
      ['USER_DEFINED', 'Billing contact'],
      ['USER_DEFINED', 'Billed company'],
    ]);
    const [forward, inverse] = made.results.map((t) => t.typeId);
    expect(new Set([forward, inverse, 1, 2, 279, 280]).size).toBe(6);
    expect((await failure(defs.create('contacts', 'companies', { name: 'billing_contact', label: 'Again' }))).code).toBe(409);
    expect((await defs.getAll('companies', 'contacts')).results.find((t) => t.typeId === inverse)?.label).toBe('Billed company');
    // the same definitions at the path the published spec names
    const specPathList = await (await hs.apiRequest({ method: 'GET', path: '/crm/associations/v4/contacts/companies/labels' })).json();
    expect(specPathList.results.map((t: { typeId: number }) => t.typeId)).toEqual([1, 279, forward]);

    const contact = await hs.crm.contacts.basicApi.create({ properties: { email: 'billing@label.example' }, associations: [] });
    const company = await hs.crm.companies.basicApi.create({ properties: { name: 'Label Ltd' }, associations: [] });
    const linked = await hs.crm.associations.v4.basicApi.create('contacts', contact.id, 'companies', company.id, [{ associationCategory: 'USER_DEFINED' as never, associationTypeId: forward }]);
    expect(linked.labels).toEqual(['Billing contact']);
    const back = await hs.crm.associations.v4.basicApi.getPage('companies', company.id, 'contacts');
    const types = back.results[0].associationTypes.map((t) => [t.category, t.typeId, t.label ?? null]);
    expect(types).toHaveLength(2);
    expect(types).toEqual(expect.arrayContaining([
      ['HUBSPOT_DEFINED', 280, null],
      ['USER_DEFINED', inverse, 'Billed company'],
    ]));

    await defs.update('contacts', 'companies', { associationTypeId: forward, label: 'Invoice contact' });
    expect((await defs.getAll('contacts', 'companies')).results.find((t) => t.typeId === forward)?.label).toBe('Invoice contact');
    expect((await failure(defs.update('contacts', 'companies', { associationTypeId: 1, label: 'Main' }))).code).toBe(400);

    // Removing the label from the pair keeps the pair associated by its default type.
    await hs.crm.associations.v4.batchApi.archiveLabels('contacts', 'companies', {
      inputs: [{ _from: { id: contact.id }, to: { id: company.id }, types: [{ associationCategory: 'USER_DEFINED' as never, associationTypeId: forward }] }],
    });
    const left = await hs.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies');
    expect(left.results.map((r) => r.associationTypes.map((t) => t.typeId))).toEqual([[279]]);

    await hs.crm.associations.v4.basicApi.create('contacts', contact.id, 'companies', company.id, [{ associationCategory: 'USER_DEFINED' as never, associationTypeId: forward }]);
    await defs.remove('contacts', 'companies', forward);
    expect((await defs.getAll('contacts', 'companies')).results.map((t) => t.typeId)).toEqual([1, 279]);
    const after = await hs.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies');
    expect(after.results[0].associationTypes.map((t) => t.typeId)).toEqual([279]);
    expect((await failure(defs.remove('contacts', 'companies', 279))).code).toBe(400);
    expect((await failure(defs.remove('contacts', 'companies', forward))).code).toBe(404);
  });
});

// Last in the file: it reads the answers of every test above.
describe("HubSpot's published OpenAPI description", () => {
  it('every answer above has a documented status and matches the documented schema; every operation of the suite answered', () => {
    const { report, unanswered } = checkSuite('associations', answers);
    expect(report.violations).toEqual([]);
    expect(report.checked).toBeGreaterThan(30);
    // every answer is on HubSpot's paths
    expect([...new Set(report.unmatched.map((a) => `${a.method} ${a.path.split('/').slice(0, 3).join('/')}`))].sort()).toEqual([]);
    expect(unanswered).toEqual([]);
  });
});
