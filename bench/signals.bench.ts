/**
 * Activity capture throughput against the HubSpot, Salesforce and Pipedrive simulators through their
 * real connectors: a mailbox of N emails from the CRM's own contacts (plus a share of strangers and
 * of internal mail) parsed from mbox text and imported — identity lookups and open-deal lookups
 * batched, one activity call per imported email with its associations (contact, company, open deal)
 * inline. Reports emails imported per second and CRM calls per imported email (medians), the share
 * put on an open deal, and what a re-import creates (nothing) and calls (lookups of still-unmatched
 * senders only). HubSpot keeps its real search limit (the connector paces search at 4/s); the other
 * limits are lifted so the figures measure the engine, not the pacing.
 *   npm run bench -- signals [emails=600] [runs=3] [contacts=400]
 */
import { crmConnectionSchema } from '../src/config/index.js';
import { createConnector } from '../src/crm/registry.js';
import type { ContactCandidate, CrmName } from '../src/crm/types.js';
import { importActivities, parseMail } from '../src/signals/index.js';
import { startSimulator } from '../src/simulators/index.js';
import { openStore } from '../src/store/index.js';
import type { BenchResult, BenchRow } from './run.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function mailbox(contacts: ContactCandidate[], n: number, tag: string): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = contacts[(i * 7) % contacts.length] as ContactCandidate;
    // one in ten from someone outside the CRM, one in twenty internal only
    const from = i % 10 === 9 ? `stranger${i}@nowhere-${i}.example` : i % 20 === 4 ? 'lee@team.example' : (c.email as string);
    const to = i % 20 === 4 ? 'kim@team.example' : 'sam@team.example';
    out.push(
      [`From ${from} Tue Nov 24 10:00:00 2026`, `Message-ID: <${tag}-${i}@bench.example>`, `Date: ${new Date(Date.UTC(2026, 10, 1) + i * 60_000).toUTCString()}`,
        `From: "${c.first_name ?? ''} ${c.last_name ?? ''}" <${from}>`, `To: <${to}>`, `Subject: Question ${i}`, '', `Body of message ${i}.`, ''].join('\n'),
    );
  }
  return out.join('\n');
}

export async function run(args: string[]): Promise<BenchResult> {
  const emails = Number(args[0] ?? 600);
  const runs = Number(args[1] ?? 3);
  const records = Number(args[2] ?? 400);
  const rows: BenchRow[] = [];
  const meta: Record<string, unknown> = { emails, runs, records };
  for (const crm of ['hubspot', 'salesforce', 'pipedrive'] as CrmName[]) {
    const sim = await startSimulator(crm, { records, seed: 3, rateLimit: { callsPerWindow: 1_000_000, windowMs: 1000 } });
    const connector = await createConnector(crmConnectionSchema.parse({ kind: crm, baseUrl: sim.apiBase, auth: { token: sim.token } }));
    const contacts: ContactCandidate[] = [];
    for await (const page of connector.listContacts()) contacts.push(...page.filter((c) => c.email));
    const rates: number[] = [];
    const perEmail: number[] = [];
    const reimportCalls: number[] = [];
    const reimported: number[] = [];
    let imported = 0;
    const onDeal: number[] = [];
    for (let r = 0; r < runs; r++) {
      const store = await openStore({ dataDir: 'memory://', schema: `bench_${r}` });
      try {
        const text = mailbox(contacts, emails, `${crm}-${r}`);
        const t0 = performance.now();
        const { items } = await parseMail(text, 'bench.mbox');
        const c0 = connector.stats().calls;
        const res = await importActivities(store, connector, items, { crm, ownDomains: ['team.example'], storeBodies: true, source: 'bench' });
        const secs = (performance.now() - t0) / 1000;
        imported = res.summary.imported;
        onDeal.push(res.summary.withDeal / Math.max(1, imported));
        rates.push(imported / secs);
        perEmail.push((connector.stats().calls - c0) / Math.max(1, imported));
        const c1 = connector.stats().calls;
        const again = await importActivities(store, connector, items, { crm, ownDomains: ['team.example'], storeBodies: true, source: 'bench' });
        reimported.push(again.summary.imported);
        reimportCalls.push(connector.stats().calls - c1);
      } finally {
        await store.close();
      }
    }
    rows.push({ metric: `emails imported/s · ${crm}`, value: Math.round(median(rates) * 10) / 10, unit: 'emails/s', note: `${imported} of ${emails} imported per run (strangers and internal mail are not)` });
    rows.push({ metric: `CRM calls per imported email · ${crm}`, value: Math.round(median(perEmail) * 1000) / 1000, unit: 'calls', note: 'identity and open-deal lookups batched; one create per activity, associations inline' });
    rows.push({ metric: `imported emails on an open deal · ${crm}`, value: Math.round(median(onDeal) * 1000) / 10, unit: '%', note: 'contact, company and the open deal (the most recently updated of several)' });
    rows.push({ metric: `activities created on re-import · ${crm}`, value: median(reimported), unit: 'activities', target: '0', pass: median(reimported) === 0 });
    rows.push({ metric: `CRM calls on re-import · ${crm}`, value: median(reimportCalls), unit: 'calls', note: 'identity lookups of the still-unmatched senders only (a reviewer may have resolved them)' });
    await connector.close();
    await sim.close();
  }
  return { name: 'signals', rows, meta };
}
