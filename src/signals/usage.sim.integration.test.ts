/**
 * Product-usage acceptance on the Salesforce and Pipedrive simulators: usage from a CSV file and
 * from a Postgres table (the test database, a schema of its own) lands as typed, stamped properties
 * through write-back; a second run after new events writes only the values that changed, on the
 * records that had new events; a run with no new events writes nothing; a row dated in the future
 * is set aside and moves no cursor.
 */
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InrecordConfig, configSchema, crmConnectionSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { ContactCandidate, CrmConnector, CrmName } from '../crm/types.js';
import { normaliseEmail } from '../identity/index.js';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';
import { TEST_DATABASE_URL, type TestStore, openTestStore, uniqueSchema } from '../store/testing/index.js';
import { importUsage } from './usage.js';

const AS_OF = new Date('2026-11-28T12:00:00.000Z');
const day = (n: number, h = 10) => new Date(AS_OF.getTime() - n * 86_400_000 + (h - 12) * 3_600_000).toISOString();

async function uniqueContacts(connector: CrmConnector, n: number): Promise<ContactCandidate[]> {
  const all: ContactCandidate[] = [];
  for await (const page of connector.listContacts()) all.push(...page);
  const count = new Map<string, number>();
  for (const c of all) for (const e of [c.email, ...c.additional_emails]) {
    const k = normaliseEmail(e)?.canonical;
    if (k) count.set(k, (count.get(k) ?? 0) + 1);
  }
  return all
    .filter((c) => {
      const e = normaliseEmail(c.email);
      return e && !e.role && !e.freeMail && c.company_id && count.get(e.canonical) === 1 && c.additional_emails.length === 0;
    })
    .slice(0, n);
}

async function ledger(store: TestStore, runIds: string[]): Promise<{ record_id: string; field: string; outcome: string }[]> {
  return store.query(`SELECT record_id, field, outcome FROM write_ledger WHERE run_id = ANY($1::text[])`, [runIds]);
}

describe.each<CrmName>(['pipedrive', 'salesforce'])('usage signals on %s', (crm) => {
  let sim: RunningSimulator;
  let connector: CrmConnector;
  let store: TestStore;
  let config: InrecordConfig;
  let people: ContactCandidate[];
  let f: Record<string, string>;

  beforeAll(async () => {
    sim = await startSimulator(crm, { records: 60, seed: 5 });
    const conn = crmConnectionSchema.parse({ kind: crm, baseUrl: sim.apiBase, auth: { token: sim.token } });
    connector = await createConnector(conn);
    store = await openTestStore('pglite');
    people = await uniqueContacts(connector, 6);
    const mk = async (kind: 'contact' | 'company', name: string, label: string, type: 'date' | 'number' | 'string') =>
      (await connector.createField(kind, { name, label, type, ...(type === 'string' ? { maxLength: 255 } : {}) })).name;
    f = {
      cLast: await mk('contact', 'usage_last_active', 'Usage last active', 'date'),
      cEvents: await mk('contact', 'usage_events_30d', 'Usage events 30d', 'number'),
      cTrend: await mk('contact', 'usage_trend', 'Usage trend', 'string'),
      cStamp: await mk('contact', 'usage_stamp', 'Usage stamp', 'string'),
      oUsers: await mk('company', 'usage_active_users_30d', 'Usage active users 30d', 'number'),
      oStamp: await mk('company', 'usage_stamp', 'Usage stamp', 'string'),
    };
    config = configSchema.parse({
      crm: conn,
      objects: {
        contact: { fields: { [f.cLast]: { owner: 'ai', stamp: f.cStamp }, [f.cEvents]: { owner: 'ai' }, [f.cTrend]: { owner: 'ai' } } },
        company: { fields: { [f.oUsers]: { owner: 'ai', stamp: f.oStamp } } },
      },
      flows: [
        { name: 'usage-contact', kind: 'usage', object: 'contact', outputs: { last_active: f.cLast, events_30d: f.cEvents, trend: f.cTrend } },
        { name: 'usage-company', kind: 'usage', object: 'company', outputs: { active_users_30d: f.oUsers } },
      ],
    });
  }, 90_000);

  afterAll(async () => {
    await connector?.close();
    await sim?.close();
    await store?.destroy();
  });

  async function check(ids: string[], expected: Record<string, { last: string; events: number }>) {
    const recs = await connector.read('contact', ids, [f.cLast as string, f.cEvents as string, f.cStamp as string]);
    for (const r of recs) {
      const want = expected[r.id];
      if (!want) continue;
      expect(r.fields[f.cLast as string], `${r.id} last active`).toBe(want.last);
      expect(r.fields[f.cEvents as string]).toBe(want.events);
      expect(String(r.fields[f.cStamp as string])).toMatch(/^AI · usage-contact · model usage-1/);
    }
  }

  it('from a CSV file: stamped properties, then only the changed values after new events', async () => {
    const [a, b, c] = people as [ContactCandidate, ContactCandidate, ContactCandidate];
    expect(c).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'inrecord-usage-'));
    const file = join(dir, 'usage.csv');
    const rows = [
      ['e1', a.email, 'reports', day(20)],
      ['e2', a.email, 'export', day(3)],
      ['e3', b.email, 'reports', day(10)],
      ['e4', b.email, '"dash, beta"', day(9)],
      ['e5', c.email, 'reports', day(40)],
      ['e6', 'nobody@unknown-startup.example', 'reports', day(2)],
    ];
    writeFileSync(file, `event_id,user_email,feature,occurred_at\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const first = await importUsage(store, connector, config, { source: { kind: 'file', path: file }, asOf: AS_OF });
    expect(first.events).toBe(6);
    expect(first.failed).toBe(0);
    expect(first.unmatched).toBeGreaterThan(0);
    expect(first.contacts).toBe(3);
    await check([a.id, b.id, c.id], {
      [a.id]: { last: day(3).slice(0, 10), events: 2 },
      [b.id]: { last: day(9).slice(0, 10), events: 2 },
      [c.id]: { last: day(40).slice(0, 10), events: 0 },
    });
    const l1 = await ledger(store, first.runIds);
    expect(l1.filter((x) => x.outcome === 'written').length).toBeGreaterThan(0);

    // new events for a only (one a duplicate of an old row): only a's changed values are written
    appendFileSync(file, `e2,${a.email},export,${day(3)}\ne7,${a.email},reports,${day(1)}\n`);
    const second = await importUsage(store, connector, config, { source: { kind: 'file', path: file }, asOf: AS_OF });
    expect(second.events).toBe(1);
    expect(second.contacts).toBe(1);
    const l2 = await ledger(store, second.runIds);
    const written = l2.filter((x) => x.outcome === 'written');
    const contactWrites = written.filter((x) => x.record_id === a.id).map((x) => x.field).sort();
    expect(contactWrites).toEqual(expect.arrayContaining([f.cLast, f.cEvents]));
    expect(written.every((x) => x.record_id === a.id || x.record_id === a.company_id)).toBe(true);
    expect(l2.some((x) => x.record_id === b.id || x.record_id === c.id)).toBe(false);
    await check([a.id], { [a.id]: { last: day(1).slice(0, 10), events: 3 } });

    const third = await importUsage(store, connector, config, { source: { kind: 'file', path: file }, asOf: AS_OF });
    expect(third.events).toBe(0);
    expect(third.runIds).toEqual([]);
  }, 60_000);

  it('from a Postgres table: incremental on event time with a cursor', async () => {
    const [, , , d, e] = people as ContactCandidate[];
    expect(e).toBeDefined();
    const schema = uniqueSchema('usage');
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      await db.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.events (id text, email text, feature text, ts timestamptz)`);
      await db.query(`INSERT INTO ${schema}.events VALUES ('p1', $1, 'reports', $3), ('p2', $1, 'export', $4), ('p3', $2, 'reports', $5)`, [
        d?.email, e?.email, day(12), day(5), day(8),
      ]);
      const query = `SELECT id AS event_id, email AS user_email, feature, ts AS occurred_at FROM ${schema}.events`;
      const src = { kind: 'postgres' as const, url: TEST_DATABASE_URL, query };
      const first = await importUsage(store, connector, config, { source: src, name: 'warehouse', asOf: AS_OF });
      expect(first.events).toBe(3);
      expect(first.cursor).toBe(day(5));
      await check([d?.id as string, e?.id as string], {
        [d?.id as string]: { last: day(5).slice(0, 10), events: 2 },
        [e?.id as string]: { last: day(8).slice(0, 10), events: 1 },
      });
      await db.query(`INSERT INTO ${schema}.events VALUES ('p4', $1, 'reports', $2)`, [e?.email, day(2)]);
      const second = await importUsage(store, connector, config, { source: src, name: 'warehouse', asOf: AS_OF });
      // the query returns rows at or after the cursor only: p2 (at the cursor, already stored) and p4
      expect(second.rows).toBe(2);
      expect(second.events).toBe(1);
      const written = (await ledger(store, second.runIds)).filter((x) => x.outcome === 'written');
      expect(written.length).toBeGreaterThan(0);
      expect(written.every((x) => x.record_id === e?.id || x.record_id === e?.company_id)).toBe(true);
      await check([e?.id as string], { [e?.id as string]: { last: day(2).slice(0, 10), events: 2 } });

      // a row dated 2062 by a typo is set aside and listed; it moves no cursor, so later events still come in
      await db.query(`INSERT INTO ${schema}.events VALUES ('p5', $1, 'reports', '2062-11-27T10:00:00Z'), ('p6', $1, 'export', $2)`, [e?.email, day(1)]);
      const third = await importUsage(store, connector, config, { source: src, name: 'warehouse', asOf: AS_OF });
      expect(third.future).toBe(1);
      expect(third.problems.map((p) => p.message)).toEqual([expect.stringMatching(/dated 2062-11-27T10:00:00.000Z, after the import's time/)]);
      expect(third.events).toBe(1);
      expect(third.cursor).toBe(day(1));
      await db.query(`INSERT INTO ${schema}.events VALUES ('p7', $1, 'reports', $2)`, [e?.email, day(0, 11)]);
      const fourth = await importUsage(store, connector, config, { source: src, name: 'warehouse', asOf: AS_OF });
      expect(fourth.events).toBe(1);
      await check([e?.id as string], { [e?.id as string]: { last: day(0, 11).slice(0, 10), events: 4 } });
    } finally {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await db.end();
    }
  }, 60_000);
});
