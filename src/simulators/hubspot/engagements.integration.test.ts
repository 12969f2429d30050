/**
 * Conformance of the simulator's email, meeting and call engagements, driven only through
 * `@hubspot/api-client` 14.0.1 (`client.crm.objects.emails|meetings|calls`): create with
 * HubSpot-defined associations (SDK AssociationTypes ids), batch create and read, hs_timestamp
 * rules, the header properties HubSpot derives, and the record page timeline.
 */
import { AssociationTypes, Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHubspotSimulator, startHubspotSimulator } from './index.js';

let sim: RunningHubspotSimulator;
let hs: Client;
let contact: string;
let company: string;
let deal: string;

const to = (id: string, typeId: number) => ({ to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: typeId }] });

async function failure(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    return e as { code: number; body: Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  sim = await startHubspotSimulator({ records: 40, seed: 5 });
  hs = new Client({ accessToken: sim.token, basePath: sim.url, numberOfApiCallRetries: 1 });
  contact = String([...sim.state.records.contacts.values()][3]?.id);
  company = String([...sim.state.records.companies.values()][1]?.id);
  deal = String([...sim.state.records.deals.values()][2]?.id);
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

describe('email, meeting and call engagements', () => {
  it('creates an email on a contact, its company and a deal; derives from/to from hs_email_headers; reads it back with associations', async () => {
    const headers = JSON.stringify({
      from: { email: 'Ann Lee <ann@buyer.example>', firstName: 'Ann', lastName: 'Lee' },
      to: [{ email: 'rep@seller.example', firstName: 'Rep', lastName: 'One' }],
      cc: [{ email: 'cfo@buyer.example' }],
      bcc: [],
    });
    const email = await hs.crm.objects.emails.basicApi.create({
      properties: {
        hs_timestamp: '2026-11-20T10:15:00Z',
        hs_email_subject: 'Pricing question',
        hs_email_text: 'Can you send the volume tiers?',
        hs_email_direction: 'INCOMING_EMAIL',
        hs_email_status: 'SENT',
        hs_email_headers: headers,
      },
      associations: [to(contact, AssociationTypes.emailToContact), to(company, AssociationTypes.emailToCompany), to(deal, AssociationTypes.emailToDeal)],
    });
    expect(email.id).toMatch(/^\d+$/);
    expect(email.properties.hs_timestamp).toBe('2026-11-20T10:15:00.000Z');
    expect(email.properties.hs_email_from_email).toBe('ann@buyer.example');
    expect(email.properties.hs_email_from_firstname).toBe('Ann');
    expect(email.properties.hs_email_to_email).toBe('rep@seller.example');
    expect(email.properties.hs_email_cc_email).toBe('cfo@buyer.example');

    const read = await hs.crm.objects.emails.basicApi.getById(email.id, ['hs_email_subject', 'hs_email_direction'], undefined, ['contacts', 'companies', 'deals']);
    expect(read.properties.hs_email_subject).toBe('Pricing question');
    expect(read.associations?.contacts?.results.map((r) => r.id)).toEqual([contact]);
    expect(read.associations?.companies?.results.map((r) => r.id)).toEqual([company]);
    expect(read.associations?.deals?.results.map((r) => r.id)).toEqual([deal]);
    // the inverse direction, with the contact → email type id
    const back = await hs.crm.associations.v4.basicApi.getPage('contacts', contact, 'emails');
    const hit = back.results.find((r) => String(r.toObjectId) === email.id);
    expect(hit?.associationTypes.map((t) => t.typeId)).toEqual([AssociationTypes.contactToEmail]);
  });

  it('a meeting without hs_timestamp takes its start time; calls and emails without it are refused', async () => {
    const meeting = await hs.crm.objects.meetings.basicApi.create({
      properties: {
        hs_meeting_title: 'Discovery call',
        hs_meeting_start_time: '2026-11-21T14:00:00Z',
        hs_meeting_end_time: '2026-11-21T14:30:00Z',
        hs_meeting_outcome: 'COMPLETED',
      },
      associations: [to(contact, AssociationTypes.meetingToContact), to(deal, AssociationTypes.meetingToDeal)],
    });
    expect(meeting.properties.hs_timestamp).toBe('2026-11-21T14:00:00.000Z');
    const noTime = await failure(hs.crm.objects.calls.basicApi.create({ properties: { hs_call_title: 'no time' }, associations: [] }));
    expect(noTime.code).toBe(400);
    expect(String(noTime.body.message)).toContain('hs_timestamp');
    const emailNoTime = await failure(hs.crm.objects.emails.basicApi.create({ properties: { hs_email_subject: 'x' }, associations: [] }));
    expect(emailNoTime.code).toBe(400);
  });

  it('refuses an option outside the enumeration, a note type id on an email, and read-only header properties', async () => {
    const badOption = await failure(
      hs.crm.objects.calls.basicApi.create({ properties: { hs_timestamp: '2026-11-22T09:00:00Z', hs_call_direction: 'SIDEWAYS' }, associations: [] }),
    );
    expect(badOption.code).toBe(400);
    expect(String(badOption.body.message)).toContain('INVALID_OPTION');
    const badType = await failure(
      hs.crm.objects.emails.basicApi.create({ properties: { hs_timestamp: '2026-11-22T09:00:00Z' }, associations: [to(contact, AssociationTypes.noteToContact)] }),
    );
    expect(badType.code).toBe(400);
    const readOnly = await failure(
      hs.crm.objects.emails.basicApi.create({ properties: { hs_timestamp: '2026-11-22T09:00:00Z', hs_email_from_email: 'x@y.example' }, associations: [] }),
    );
    expect(readOnly.code).toBe(400);
    expect(String(readOnly.body.message)).toContain('READ_ONLY_VALUE');
  });

  it('batch-creates calls with their associations and batch-reads them; missing ids are 207', async () => {
    const created = await hs.crm.objects.calls.batchApi.create({
      inputs: [1, 2, 3].map((n) => ({
        properties: { hs_timestamp: `2026-11-2${n}T08:00:00Z`, hs_call_title: `Call ${n}`, hs_call_direction: 'OUTBOUND', hs_call_status: 'COMPLETED', hs_call_duration: String(n * 60_000) },
        associations: [to(contact, AssociationTypes.callToContact), to(company, AssociationTypes.callToCompany)],
      })),
    });
    expect(created.results).toHaveLength(3);
    const ids = created.results.map((r) => r.id);
    for (const id of ids) expect(sim.state.associations('calls', Number(id), 'contacts').map((a) => String(a.id))).toEqual([contact]);
    const read = await hs.crm.objects.calls.batchApi.read({ inputs: [...ids, '1'].map((id) => ({ id })), properties: ['hs_call_title', 'hs_call_duration'], propertiesWithHistory: [] });
    expect(read.results.map((r) => r.properties.hs_call_title).sort()).toEqual(['Call 1', 'Call 2', 'Call 3']);
    expect((read as unknown as { errors?: unknown[] }).errors?.length).toBe(1);
  });

  it('shows emails, meetings and calls on the contact, company and deal timelines', async () => {
    const contactHtml = await (await fetch(`${sim.url}/ui/contacts/${contact}`)).text();
    expect(contactHtml).toContain('<b>Email</b> Pricing question');
    expect(contactHtml).toContain('from ann@buyer.example');
    expect(contactHtml).toContain('<b>Meeting</b> Discovery call');
    expect(contactHtml).toContain('<b>Call</b> Call 2');
    const dealHtml = await (await fetch(`${sim.url}/ui/deals/${deal}`)).text();
    expect(dealHtml).toContain('Pricing question');
    expect(dealHtml).toContain('Discovery call');
    expect(dealHtml).not.toContain('Call 2');
    const companyHtml = await (await fetch(`${sim.url}/ui/companies/${company}`)).text();
    expect(companyHtml).toContain('Pricing question');
    expect(companyHtml).toContain('Call 3');
  });
});
