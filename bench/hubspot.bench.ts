/**
 * HubSpot end to end on loopback: the simulator's start with 20,000 seeded contacts (target: a few
 * seconds), then the connector through `@hubspot/api-client`: a full change read across the
 * 10,000-result search cap (records/s, calls), identity lookups by e-mail (calls per 100
 * addresses), and batch writes (API calls per written record, records/s).
 * `npm run bench -- hubspot [contacts] [runs]`. The simulator's search limit (5/s, §4.4) and
 * burst limit are raised so the figures measure the code, not HubSpot's documented throttles.
 */
import { crmConnectionSchema } from '../src/config/index.js';
import { createHubspotConnector } from '../src/crm/hubspot/index.js';
import type { CrmConnector } from '../src/crm/types.js';
import { type GroundTruth, startHubspotSimulator } from '../src/simulators/hubspot/index.js';
import type { BenchResult, BenchRow } from './run.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

const FAST = {
  rateLimit: { callsPerWindow: 1_000_000, windowMs: 10_000 },
  searchPerSecond: 1_000_000,
  dailyLimit: 1e12,
};

export async function run(args: string[]): Promise<BenchResult> {
  const contacts = Number(args[0] ?? 20_000);
  const runs = Number(args[1] ?? 3);
  const starts: number[] = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const [ms, sim] = await timed(() => startHubspotSimulator({ records: contacts, seed: 200 + i, ...FAST }));
    starts.push(ms);
    if (i === 0) rss = process.memoryUsage().rss / 1024 / 1024;
    await sim.close();
  }

  const sim = await startHubspotSimulator({ records: contacts, seed: 7, ...FAST });
  const conn = crmConnectionSchema.parse({
    kind: 'hubspot',
    baseUrl: sim.apiBase,
    auth: { token: sim.token },
    rateLimit: { callsPerWindow: 1_000_000, windowMs: 10_000 },
  });
  const hs: CrmConnector = await createHubspotConnector(conn, {});
  const truth = sim.groundTruth() as GroundTruth;

  // Full change read: every contact, oldest first, across the search cap.
  const readMs: number[] = [];
  let readCount = 0;
  let readCalls = 0;
  for (let i = 0; i < runs; i++) {
    const before = hs.stats().calls;
    const [ms, n] = await timed(async () => {
      let n = 0;
      for await (const page of hs.readChanged('contact', null, ['email', 'firstname', 'lastname']))
        n += page.length;
      return n;
    });
    readMs.push(ms);
    readCount = n;
    readCalls = hs.stats().calls - before;
  }

  // Identity lookups: 500 addresses (primary and secondary), as the identity module batches them.
  const emails = truth.contacts
    .flatMap((c) => c.emails)
    .filter((_, i) => i % 7 === 0)
    .slice(0, 500);
  const findMs: number[] = [];
  let findCalls = 0;
  let found = 0;
  for (let i = 0; i < runs; i++) {
    const before = hs.stats().calls;
    const [ms, out] = await timed(() => hs.findContacts({ emails }));
    findMs.push(ms);
    found = out.length;
    findCalls = hs.stats().calls - before;
  }

  // Batch writes: 1,000 contacts, one text property each.
  const ids = truth.contacts.slice(0, 1000).map((c) => c.id);
  const writeMs: number[] = [];
  let writeCalls = 0;
  let writeOk = 0;
  for (let i = 0; i < runs; i++) {
    const before = hs.stats().calls;
    const [ms, res] = await timed(() =>
      hs.writeBatch(
        'contact',
        ids.map((id) => ({ id, fields: { jobtitle: `Scored run ${i}` } })),
      ),
    );
    writeMs.push(ms);
    writeOk = res.filter((r) => r.ok).length;
    writeCalls = hs.stats().calls - before;
  }
  await hs.close();
  await sim.close();

  const rows: BenchRow[] = [
    {
      metric: `start with ${contacts} contacts`,
      value: Math.round(median(starts)),
      unit: 'ms',
      target: '< 5000',
      pass: median(starts) < 5_000,
      note: `median of ${runs}`,
    },
    { metric: 'RSS after the first start', value: Math.round(rss), unit: 'MB' },
    {
      metric: `readChanged: all ${readCount} contacts`,
      value: Math.round(readCount / (median(readMs) / 1000)),
      unit: 'records/s',
      note: `${readCalls} calls, median ${Math.round(median(readMs))} ms`,
    },
    {
      metric: `findContacts: ${emails.length} e-mails`,
      value: Math.round(median(findMs)),
      unit: 'ms',
      note: `${findCalls} calls, ${found} candidates`,
    },
    { metric: 'findContacts calls per 100 e-mails', value: (findCalls / emails.length) * 100, unit: 'calls' },
    {
      metric: `writeBatch: ${ids.length} contacts`,
      value: Math.round(median(writeMs)),
      unit: 'ms',
      note: `${writeOk} ok`,
    },
    {
      metric: 'writeBatch calls per written record',
      value: writeCalls / ids.length,
      unit: 'calls',
      target: '<= 0.01',
      pass: writeCalls / ids.length <= 0.01,
    },
  ];
  return { name: 'hubspot', rows, meta: { contacts, runs } };
}
