/**
 * Account and user snapshots on the HubSpot, Salesforce and Pipedrive simulators: rows that state
 * a record's current figures (from a CSV file and from a Postgres table) are written as-is — the
 * latest snapshot of each record, never summed — as stamped properties through write-back; a
 * second run with new snapshots writes only the figures that changed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InrecordConfig, configSchema, crmConnectionSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CompanyCandidate, ContactCandidate, CrmConnector, CrmName } from '../crm/types.js';
import { normaliseEmail } from '../identity/index.js';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';
import { TEST_DATABASE_URL, type TestStore, openTestStore, uniqueSchema } from '../store/testing/index.js';
import { importUsage } from './usage.js';

const AS_OF = new Date('2026-11-28T12:00:00.000Z');
const day = (n: number) => new Date(AS_OF.getTime() - n * 86_400_000).toISOString();

async function all<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

async function ledger(store: TestStore, runIds: string[]): Promise<{ record_id: string; field: string; outcome: string }[]> {
  return store.query(`SELECT record_id, field, outcome FROM write_ledger WHERE run_id = ANY($1::text[])`, [runIds]);
}

describe.each<CrmName>(['hubspot', 'salesforce', 'pipedrive'])('usage snapshots on %s', (crm) => {
  let sim: RunningSimulator;
  let connector: CrmConnector;
  let store: TestStore;
  let config: InrecordConfig;
  let people: ContactCandidate[];
  let domainOf: Map<string, string>;
  let f: Record<string, string>;

  beforeAll(async () => {
    sim = await startSimulator(crm, { records: 60, seed: 9 });
    const conn = crmConnectionSchema.parse({ kind: crm, baseUrl: sim.apiBase, auth: { token: sim.token } });
    connector = await createConnector(conn);
    store = await openTestStore('pglite');
    const companies = await all<CompanyCandidate>(connector.listCompanies());
    // companies whose domain is theirs alone, and contacts whose address is theirs alone
    const domainCount = new Map<string, number>();
    for (const c of companies) for (const d of [c.domain, ...c.additional_domains]) if (d) domainCount.set(d, (domainCount.get(d) ?? 0) + 1);
    domainOf = new Map(companies.filter((c) => c.domain && domainCount.get(c.domain) === 1).map((c) => [c.id, c.domain as string]));
    const contacts = await all<ContactCandidate>(connector.listContacts());
    const emailCount = new Map<string, number>();
    for (const c of contacts) for (const e of [c.email, ...c.additional_emails]) {
      const k = normaliseEmail(e)?.canonical;
      if (k) emailCount.set(k, (emailCount.get(k) ?? 0) + 1);
    }
    people = contacts.filter((c) => {
      const e = normaliseEmail(c.email);
      return e && !e.role && !e.freeMail && emailCount.get(e.canonical) === 1 && c.additional_emails.length === 0 && c.company_id && domainOf.has(c.company_id);
    });
    const mk = async (kind: 'contact' | 'company', name: string, label: string, type: 'date' | 'number' | 'string') =>
      (await connector.createField(kind, { name, label, type, ...(type === 'string' ? { maxLength: 255 } : {}) })).name;
    f = {
      cLast: await mk('contact', 'snap_last_active', 'Snapshot last active', 'date'),
      cEvents: await mk('contact', 'snap_events_30d', 'Snapshot events 30d', 'number'),
      cTrend: await mk('contact', 'snap_trend', 'Snapshot trend', 'string'),
      cStamp: await mk('contact', 'snap_stamp', 'Snapshot stamp', 'string'),
      oUsers7: await mk('company', 'snap_active_users_7d', 'Snapshot active users 7d', 'number'),
      oUsers30: await mk('company', 'snap_active_users_30d', 'Snapshot active users 30d', 'number'),
      oStamp: await mk('company', 'snap_stamp', 'Snapshot stamp', 'string'),
    };
    config = configSchema.parse({
      crm: conn,
      objects: {
        contact: { fields: { [f.cLast]: { owner: 'ai', stamp: f.cStamp }, [f.cEvents]: { owner: 'ai' }, [f.cTrend]: { owner: 'ai' } } },
        company: { fields: { [f.oUsers7]: { owner: 'ai', stamp: f.oStamp }, [f.oUsers30]: { owner: 'ai' } } },
      },
      flows: [
        { name: 'usage-contact', kind: 'usage', object: 'contact', outputs: { last_active: f.cLast, events_30d: f.cEvents, trend: f.cTrend } },
        { name: 'usage-company', kind: 'usage', object: 'company', outputs: { active_users_7d: f.oUsers7, active_users_30d: f.oUsers30 } },
      ],
    });
  }, 90_000);

  afterAll(async () => {
    await connector?.close();
    await sim?.close();
    await store?.destroy();
  });

  it('from a CSV file: the latest snapshot per record as-is, stamped; then only the changed figures', async () => {
    const [a, b] = people as [ContactCandidate, ContactCandidate];
    expect(b, 'two contacts with unique addresses at companies with unique domains').toBeDefined();
    const acme = a.company_id as string;
    const dir = mkdtempSync(join(tmpdir(), 'inrecord-snap-'));
    const file = join(dir, 'snapshots.csv');
    const header = 'snapshot_at,user_email,domain,active_users_7d,active_users_30d,last_active,events_30d,trend';
    writeFileSync(
      file,
      [
        header,
        `${day(5)},${a.email},,,,${day(6)},3,falling`,
        `${day(1)},${a.email},,,,${day(2)},14,rising`,
        `${day(1)},${b.email},,,,${day(9)},4,steady`,
        `${day(1)},,${domainOf.get(acme)},5,9,,,`,
        `${day(1)},nobody@unknown-startup.example,,,,${day(1)},1,new`,
        `${day(1)},,,many,,,,`,
      ].join('\n'),
    );
    const first = await importUsage(store, connector, config, { source: { kind: 'file', path: file }, asOf: AS_OF });
    expect(first.mode).toBe('snapshots');
    expect(first.snapshots).toBe(5);
    expect(first.invalid).toBe(1);
    expect(first.unmatched).toBe(1);
    expect(first.failed).toBe(0);
    expect(first.contacts).toBe(2);
    expect(first.companies).toBe(1);
    const [ra, rb] = await connector.read('contact', [a.id, b.id], [f.cLast as string, f.cEvents as string, f.cTrend as string, f.cStamp as string]).then((rs) => [rs.find((r) => r.id === a.id), rs.find((r) => r.id === b.id)]);
    // a's latest snapshot, not the sum of a's two rows
    expect(ra?.fields).toMatchObject({ [f.cLast as string]: day(2).slice(0, 10), [f.cEvents as string]: 14, [f.cTrend as string]: 'rising' });
    expect(String(ra?.fields[f.cStamp as string])).toMatch(/^AI · usage-contact · model usage-1/);
    expect(rb?.fields).toMatchObject({ [f.cEvents as string]: 4, [f.cTrend as string]: 'steady' });
    const [co] = await connector.read('company', [acme], [f.oUsers7 as string, f.oUsers30 as string]);
    expect(co?.fields).toMatchObject({ [f.oUsers7 as string]: 5, [f.oUsers30 as string]: 9 });

    // next day: a's events and the account's 7-day users moved; everything else is the same
    writeFileSync(
      file,
      [header, `${day(0)},${a.email},,,,${day(2)},20,rising`, `${day(0)},${b.email},,,,${day(9)},4,steady`, `${day(0)},,${domainOf.get(acme)},6,9,,,`].join('\n'),
    );
    const second = await importUsage(store, connector, config, { source: { kind: 'file', path: file }, asOf: AS_OF });
    expect(second.snapshots).toBe(3);
    // (a stamp field is rewritten with the figure it stamps)
    const written = (await ledger(store, second.runIds)).filter((x) => x.outcome === 'written' && x.field !== f.cStamp && x.field !== f.oStamp);
    expect(written.map((x) => `${x.record_id}:${x.field}`).sort()).toEqual([`${a.id}:${f.cEvents}`, `${acme}:${f.oUsers7}`].sort());
    const [ra2] = await connector.read('contact', [a.id], [f.cEvents as string]);
    expect(ra2?.fields[f.cEvents as string]).toBe(20);
  }, 90_000);

  it('from a Postgres table of account snapshots, incremental on snapshot time', async () => {
    const c = people[2] as ContactCandidate;
    expect(c).toBeDefined();
    const account = c.company_id as string;
    const schema = uniqueSchema('snap');
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      await db.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.accounts (domain text, users_7 int, users_30 int, as_of timestamptz)`);
      await db.query(`INSERT INTO ${schema}.accounts VALUES ($1, 2, 11, $2), ($1, 3, 12, $3)`, [domainOf.get(account), day(3), day(1)]);
      const query = `SELECT domain, users_7 AS active_users_7d, users_30 AS active_users_30d, as_of FROM ${schema}.accounts`;
      const src = { kind: 'postgres' as const, url: TEST_DATABASE_URL, query };
      const first = await importUsage(store, connector, config, { source: src, name: `snapshots-${crm}`, asOf: AS_OF });
      expect(first).toMatchObject({ mode: 'snapshots', snapshots: 2, companies: 1, cursor: day(1) });
      const [r1] = await connector.read('company', [account], [f.oUsers7 as string, f.oUsers30 as string]);
      expect(r1?.fields).toMatchObject({ [f.oUsers7 as string]: 3, [f.oUsers30 as string]: 12 });
      await db.query(`INSERT INTO ${schema}.accounts VALUES ($1, 3, 14, $2)`, [domainOf.get(account), day(0)]);
      const second = await importUsage(store, connector, config, { source: src, name: `snapshots-${crm}`, asOf: AS_OF });
      // rows at or after the cursor only: the day(1) snapshot again and the new one
      expect(second.rows).toBe(2);
      const written = (await ledger(store, second.runIds)).filter((x) => x.outcome === 'written');
      expect(written.map((x) => `${x.record_id}:${x.field}`)).toEqual([`${account}:${f.oUsers30}`]);
    } finally {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await db.end();
    }
  }, 60_000);
});
