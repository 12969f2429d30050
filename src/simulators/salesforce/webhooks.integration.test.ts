/**
 * Outbound Messages (§8.1 of docs/reference/salesforce.md): the SOAP notifications a workflow
 * rule sends, received by a plain HTTP server that only records what arrives.
 */
import { type Server, createServer } from 'node:http';
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimAnswer } from '../conformance.js';
import { type RunningSalesforceSimulator, startSalesforceSimulator } from './index.js';
import { checkSalesforceAnswers } from './spec/index.js';

const answers: SimAnswer[] = [];
const record = (a: SimAnswer) => answers.push(a);

describe('Outbound Messages (§8.1)', () => {
  let om: RunningSalesforceSimulator;
  let receiver: Server;
  const bodies: string[] = [];
  let answerAck = false;
  beforeAll(async () => {
    // An independent receiver: checks nothing for the simulator, only records what arrives.
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        bodies.push(`${req.headers['content-type']}\n${body}`);
        if (answerAck) {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>',
          );
        } else {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end('<ok/>'); // 200 without an ack is not an ack
        }
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const port = (receiver.address() as { port: number }).port;
    om = await startSalesforceSimulator({
      onAnswer: record,
      records: 20,
      webhookUrl: `http://127.0.0.1:${port}/sf/outbound?secret=s3`,
      outboundRetryMs: 50,
    });
  });
  afterAll(async () => {
    await om?.close();
    await new Promise((r) => receiver.close(r));
  });

  it('POSTs the SOAP notifications envelope and retries until acknowledged, same notification id', async () => {
    const c = new jsforce.Connection({ instanceUrl: om.apiBase, accessToken: om.token, version: '62.0' });
    const { id } = (await c.sobject('Lead').create({ LastName: 'Outbound', Company: 'Acme & Sons' })) as {
      id: string;
    };
    const deadline = Date.now() + 5000;
    while (bodies.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(bodies.length).toBeGreaterThanOrEqual(2); // not acked → retried
    answerAck = true;
    const before = bodies.length;
    while (om.stats().webhooksDelivered < 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(om.stats().webhooksDelivered).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(bodies.length).toBe(before + 1); // no more tries after the ack
    const [ctype, xml] = (bodies.at(-1) as string).split('\n') as [string, string];
    expect(ctype).toMatch(/^text\/xml/);
    expect(xml).toContain('<notifications xmlns="http://soap.sforce.com/2005/09/outbound">');
    expect(xml).toContain(`<OrganizationId>${om.orgId}</OrganizationId>`);
    expect(xml).toContain(
      `<sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>${id}</sf:Id>`,
    );
    expect(xml).toContain('<sf:Company>Acme &amp; Sons</sf:Company>');
    expect(xml).toContain(`<sf:LastModifiedById>${om.integrationUserId}</sf:LastModifiedById>`);
    const notifIds = bodies.map((b) => /<Notification><Id>([^<]+)<\/Id>/.exec(b)?.[1]);
    expect(new Set(notifIds).size).toBe(1); // at-least-once: dedupe on Notification/Id
  });
});

describe("Salesforce's published description", () => {
  it('every REST answer above has a documented status and matches the documented schema', () => {
    expect(checkSalesforceAnswers(answers).violations).toEqual([]);
  });
});
