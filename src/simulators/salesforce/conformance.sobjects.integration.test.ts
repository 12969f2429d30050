/**
 * Every sObject resource Salesforce's description lists per object — basic information, create,
 * read, update, delete — driven through jsforce on each object the simulator has, and every answer
 * checked against that object's own operations and record schema.
 */
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimAnswer } from '../conformance.js';
import { type RunningSalesforceSimulator, startSalesforceSimulator } from './index.js';
import { checkSuite } from './spec/suite.js';

type Conn = InstanceType<typeof jsforce.Connection>;
type AnyRec = Record<string, unknown>;

async function apiError(p: PromiseLike<unknown>): Promise<{ errorCode: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { errorCode: string; message: string };
  }
  throw new Error('expected the call to fail');
}

let sim: RunningSalesforceSimulator;
let conn: Conn;
const answers: SimAnswer[] = [];

beforeAll(async () => {
  sim = await startSalesforceSimulator({ onAnswer: (a) => answers.push(a), records: 60, seed: 3 });
  conn = new jsforce.Connection({ instanceUrl: sim.apiBase, accessToken: sim.token, version: '62.0' });
});
afterAll(async () => {
  await sim?.close();
});

describe('every sObject resource of the description, per object (§2)', () => {
  it('reads basic information and a row of each object, and creates, updates and deletes where the object takes it', async () => {
    const first = (object: string) => sim.org.rows(object).keys().next().value as string;
    const start = new Date(Date.now() + 86_400_000).toISOString();
    const creates: Record<string, AnyRec> = {
      Lead: { LastName: 'Each', Company: 'Acme' },
      Contact: { LastName: 'Each' },
      Account: { Name: 'Each' },
      Opportunity: { Name: 'Each', StageName: 'Prospecting', CloseDate: '2027-03-31' },
      Task: { Subject: 'Each' },
      Event: { Subject: 'Each', StartDateTime: start, EndDateTime: start },
      OpportunityContactRole: {
        OpportunityId: first('Opportunity'),
        ContactId: first('Contact'),
        Role: 'Evaluator',
      },
    };
    for (const [object, values] of Object.entries(creates)) {
      const info = (await conn.request(`/services/data/v62.0/sobjects/${object}`)) as {
        objectDescribe: { name: string };
      };
      expect(info.objectDescribe.name).toBe(object);
      const { id } = (await conn.sobject(object).create(values)) as { id: string };
      await conn.sobject(object).update({
        Id: id,
        ...(object === 'OpportunityContactRole' ? { Role: 'Influencer' } : { Description: 'touched' }),
      });
      expect(((await conn.sobject(object).retrieve(id)) as AnyRec).Id).toBe(id);
      await conn.sobject(object).destroy(id);
    }
    // Users and history rows are read-only through the API.
    const user = sim.integrationUserId;
    expect(
      ((await conn.request('/services/data/v62.0/sobjects/User')) as { objectDescribe: { name: string } })
        .objectDescribe.name,
    ).toBe('User');
    expect(((await conn.sobject('User').retrieve(user)) as AnyRec).Id).toBe(user);
    expect((await apiError(conn.sobject('User').create({ LastName: 'New' }))).errorCode).toBeTruthy();
    expect(
      (await apiError(conn.sobject('User').update({ Id: user, LastName: 'Renamed' }))).errorCode,
    ).toBeTruthy();
    for (const history of ['LeadHistory', 'ContactHistory', 'AccountHistory', 'OpportunityFieldHistory']) {
      expect(
        (
          (await conn.request(`/services/data/v62.0/sobjects/${history}`)) as {
            objectDescribe: { name: string };
          }
        ).objectDescribe.name,
      ).toBe(history);
      const row = (await conn.query(`SELECT Id FROM ${history} LIMIT 1`)).records[0] as AnyRec;
      expect(((await conn.sobject(history).retrieve(row.Id as string)) as AnyRec).Id).toBe(row.Id);
    }
  });

  it("answers each with a documented status and the object's own record schema, every per-object operation at least once", () => {
    const { report, unanswered } = checkSuite('sobjects', answers);
    expect(report.violations).toEqual([]);
    expect(report.unmatched).toEqual([]);
    expect(unanswered).toEqual([]);
  });
});
