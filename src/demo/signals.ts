/** The demo's signals: deal risk noted on the deals' timelines, product usage and a mailbox imported through identity. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FlowConfig, InrecordConfig } from '../config/index.js';
import type { CrmConnector, CrmName } from '../crm/types.js';
import { type World, prng } from '../simulators/seed/index.js';
import { countRiskNotes, importActivities, importUsage, noteDealRiskChanges, readActivitySource, selectRiskLevels } from '../signals/index.js';
import { worldFixtures } from '../signals/testdata/world-fixtures.js';
import type { Store } from '../store/index.js';
import { ledgerForRun } from '../writeback/index.js';
import type { DemoCrmReport } from './report.js';
import type { DemoSimulator } from './sims.js';

/** Deal risk on the deals' timelines: a baseline, reps move some close dates, the level changes noted. */
export async function dealRiskNotes(store: Store, connector: CrmConnector, sim: DemoSimulator, flow: FlowConfig, say: (m: string) => void): Promise<NonNullable<DemoCrmReport['dealRisk']>> {
  const first = await noteDealRiskChanges(store, connector, flow);
  const levels = [...(await selectRiskLevels(store, connector.crm))].map(([deal_id, level]) => ({ deal_id, level })).sort((a, b) => (a.deal_id < b.deal_id ? -1 : a.deal_id > b.deal_id ? 1 : 0));
  const count: Record<string, number> = {};
  for (const l of levels) count[l.level] = (count[l.level] ?? 0) + 1;
  // reps push two high-risk deals' close dates a quarter out, and let one other deal's date pass
  const future = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
  const past = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
  const edits = [
    ...levels.filter((l) => l.level === 'high').slice(0, 2).map((l) => ({ id: l.deal_id, date: future })),
    ...levels.filter((l) => l.level === 'low').slice(0, 1).map((l) => ({ id: l.deal_id, date: past })),
  ];
  for (const e of edits) await sim.repEdit({ object: connector.objectName('deal'), id: e.id, fields: { expected_close_date: e.date } });
  const second = await noteDealRiskChanges(store, connector, flow);
  // the notes the store links to a deal: each is a note id the CRM returned
  const n = await countRiskNotes(store, connector.crm);
  say(`${connector.crm}: deal risk on ${first.deals} deals (baseline); after ${edits.length} rep edits of close dates, ${second.notes} timeline notes`);
  return { deals: first.deals, baseline: first.baseline, levels: count, repEdits: edits.length, changed: second.changed, notes: second.notes, failed: first.failed.length + second.failed.length, notesInStore: n };
}

const FEATURES = ['reports', 'dashboards', 'export', 'api', 'alerts', 'sso'];

/** Product usage from the seeded world: events for some of the people (and a few strangers) in a CSV file, imported twice. */
export async function usageImport(store: Store, connector: CrmConnector, config: InrecordConfig, world: World, dataDir: string, say: (m: string) => void): Promise<NonNullable<DemoCrmReport['usage']>> {
  const rnd = prng(4242);
  const now = Date.now();
  const rows: string[] = ['event_id,user_email,feature,occurred_at'];
  let k = 0;
  const users = [...world.contacts.filter((c) => c.email).slice(0, 120).map((c) => c.email as string), ...world.outsiders.flatMap((o) => (o.email ? [o.email] : [])).slice(0, 5)];
  for (const email of users) {
    if (rnd() < 0.3) continue;
    const n = 1 + Math.floor(rnd() * 10);
    for (let i = 0; i < n; i++) {
      const at = new Date(now - Math.floor(rnd() * 45 * 86_400_000)).toISOString();
      rows.push(`ev${++k},${email},${FEATURES[Math.floor(rnd() * FEATURES.length)]},${at}`);
    }
  }
  const dir = join(dataDir, 'demo', 'usage');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'usage.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  const first = await importUsage(store, connector, config, { source: { kind: 'file', path: file } });
  const again = await importUsage(store, connector, config, { source: { kind: 'file', path: file } });
  // read back what the ledger says was written
  const written = [];
  for (const runId of first.runIds) written.push(...(await ledgerForRun(store, runId)).filter((l) => l.outcome === 'written'));
  let verified = 0;
  for (const object of ['contact', 'company'] as const) {
    const mine = written.filter((w) => w.object === object);
    if (mine.length === 0) continue;
    const fields = [...new Set(mine.map((w) => w.field))];
    const recs = new Map((await connector.read(object, [...new Set(mine.map((w) => w.record_id))], fields)).map((r) => [r.id, r.fields]));
    for (const w of mine) if (String(recs.get(w.record_id)?.[w.field]) === String(w.after_value)) verified++;
  }
  say(`${connector.crm}: usage file of ${rows.length - 1} events: ${first.contacts} contacts and ${first.companies} companies updated, ${first.written} fields written (${verified} read back), ${first.unmatched} unknown users in review; re-import added ${again.events} events`);
  return {
    file,
    rows: first.rows,
    events: first.events,
    contacts: first.contacts,
    companies: first.companies,
    unmatched: first.unmatched,
    written: written.length,
    unchanged: first.unchanged,
    failed: first.failed,
    verified,
    reimportEvents: again.events,
  };
}

/** The simulated team's mailbox and calendar, imported twice: once lands each item, once creates nothing. */
export async function importMailbox(store: Store, connector: CrmConnector, crm: CrmName, world: World, dataDir: string, say: (m: string) => void) {
  const fx = worldFixtures(world, { limit: 40 });
  const dir = join(dataDir, 'demo', 'mailbox', crm);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'inbox.mbox'), fx.mbox);
  writeFileSync(join(dir, 'calendar.ics'), fx.ics);
  const ownDomains = [...new Set(world.owners.map((o) => o.email.split('@')[1]))];
  const mail = await readActivitySource('emails', join(dir, 'inbox.mbox'));
  const cal = await readActivitySource('calendar', join(dir, 'calendar.ics'));
  const items = [...mail.items, ...cal.items];
  const first = await importActivities(store, connector, items, { crm, ownDomains, storeBodies: false, source: 'demo mailbox' });
  const again = await importActivities(store, connector, items, { crm, ownDomains, storeBodies: false, source: 'demo mailbox' });
  const s = first.summary;
  say(`${crm}: mailbox and calendar: ${s.imported} activities on the right records, ${s.unmatched} unknown senders to review, ${s.skippedOwnDomain} internal skipped; re-import created ${again.summary.imported}`);
  return { items: items.length, imported: s.imported, ownDomain: s.skippedOwnDomain, unmatched: s.unmatched, reviewItems: s.reviewItems, reimported: again.summary.imported, crmCalls: s.crmCalls };
}
