/**
 * Activity capture acceptance on the HubSpot, Salesforce and Pipedrive simulators, through their
 * real connectors: a mailbox and a calendar built from the seeded world land once each as native
 * activities (HubSpot email / meeting engagements, Salesforce Task / Event, Pipedrive activities) on
 * the right contact and on that contact's open deal (checked against the world's ground truth), a
 * re-import creates nothing, unknown senders are in the review queue, own-domain mail is skipped,
 * and an item left pending by an interrupted import goes to review instead of being created twice.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector, CrmName } from '../crm/types.js';
import { type World, generateWorld } from '../simulators/seed/index.js';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';
import { type TestStore, openTestStore } from '../store/testing/index.js';
import { chooseOpenDeal, importActivities, participantKey } from './capture.js';
import { claimActivity } from './queries.js';
import { readActivitySource } from './sources.js';
import { type WorldFixtures, worldFixtures } from './testdata/world-fixtures.js';

const RECORDS = 150;
const SEED = 11;

interface Truthful {
  world: World;
  crmId(worldId: string): string | null;
  /** Activities in the CRM: id → the contact it is on. */
  activities(): Map<string, string | null>;
  /** The deal an activity is on, if any. */
  activityDeal(id: string): string | null;
  /** The CRM ids of a world contact's open deals, as this CRM links deals to contacts. */
  openDeals(worldContactId: string): string[];
}

const OPEN = (stage: string) => stage !== 'closed_won' && stage !== 'closed_lost';
// the Pipedrive and HubSpot simulators seed from this world (src/simulators/<crm>/seed.ts)
const seededWorld = () => generateWorld({ seed: SEED, contacts: RECORDS, leads: Math.min(50, RECORDS), convertedLeads: Math.min(5, RECORDS), messages: 40, outsiders: 20 });

function truthOf(crm: CrmName, sim: RunningSimulator): Truthful {
  if (crm === 'hubspot') {
    const s = sim as RunningSimulator & {
      state: {
        records: Record<string, Map<number, unknown>>;
        associations(from: string, id: number, to: string): { id: number }[];
      };
    };
    const t = sim.groundTruth() as { ids: { contacts: Record<string, string>; deals: Record<string, string> } };
    const world = seededWorld();
    const kinds = ['emails', 'meetings'];
    const firstOf = (id: string, to: string) => {
      for (const k of kinds) if (s.state.records[k]?.has(Number(id))) return s.state.associations(k, Number(id), to)[0]?.id;
      return undefined;
    };
    return {
      world,
      crmId: (w) => t.ids.contacts[w] ?? null,
      activities: () => {
        const out = new Map<string, string | null>();
        for (const k of kinds) for (const id of s.state.records[k]?.keys() ?? []) out.set(String(id), s.state.associations(k, id, 'contacts')[0]?.id?.toString() ?? null);
        return out;
      },
      activityDeal: (id) => firstOf(id, 'deals')?.toString() ?? null,
      // HubSpot: the deals the contact is associated with
      openDeals: (w) => world.deals.filter((d) => OPEN(d.stage) && d.contactIds.includes(w)).map((d) => t.ids.deals[d.id] as string),
    };
  }
  if (crm === 'salesforce') {
    const s = sim as RunningSimulator & {
      org: { rows(o: string): Map<string, Record<string, unknown>> };
    };
    const t = sim.groundTruth() as { world: World; idOf: Record<string, string> };
    const companyOf = new Map(t.world.contacts.map((c) => [c.id, c.companyId]));
    return {
      world: t.world,
      crmId: (w) => t.idOf[w] ?? null,
      activityDeal: (id) => {
        for (const o of ['Task', 'Event']) {
          const what = s.org.rows(o).get(id)?.WhatId as string | undefined;
          if (what) return what.startsWith('006') ? what : null;
        }
        return null;
      },
      // Salesforce: the open Opportunities the contact has a role on, else those on its Account
      openDeals: (w) => {
        const byRole = t.world.deals.filter((d) => OPEN(d.stage) && d.contactIds.includes(w));
        return (byRole.length > 0 ? byRole : t.world.deals.filter((d) => OPEN(d.stage) && d.companyId === companyOf.get(w))).map((d) => t.idOf[d.id] as string);
      },
      activities: () => {
        const out = new Map<string, string | null>();
        for (const o of ['Task', 'Event'])
          for (const [id, row] of s.org.rows(o)) out.set(id, (row.WhoId as string | null) ?? null);
        return out;
      },
    };
  }
  const s = sim as RunningSimulator & {
    state: { all(t: string): readonly { id: number; core: Record<string, unknown> }[] };
  };
  const t = sim.groundTruth() as { ids: { persons: Record<string, number>; deals: Record<string, number> } };
  const world = seededWorld();
  return {
    world,
    crmId: (w) => (t.ids.persons[w] !== undefined ? String(t.ids.persons[w]) : null),
    activityDeal: (id) => {
      const a = s.state.all('activity').find((x) => String(x.id) === id);
      return a?.core.deal_id != null ? String(a.core.deal_id) : null;
    },
    // Pipedrive: the open deals whose person is the contact
    openDeals: (w) => world.deals.filter((d) => OPEN(d.stage) && d.contactIds[0] === w).map((d) => String(t.ids.deals[d.id])),
    activities: () =>
      new Map(s.state.all('activity').map((a) => [String(a.id), a.core.person_id != null ? String(a.core.person_id) : null])),
  };
}

describe.each<CrmName>(['hubspot', 'salesforce', 'pipedrive'])('activity capture on %s', (crm) => {
  let sim: RunningSimulator;
  let connector: CrmConnector;
  let store: TestStore;
  let truth: Truthful;
  let fx: WorldFixtures;
  let dir: string;

  beforeAll(async () => {
    sim = await startSimulator(crm, { records: RECORDS, seed: SEED });
    connector = await createConnector(crmConnectionSchema.parse({ kind: crm, baseUrl: sim.apiBase, auth: { token: sim.token } }));
    store = await openTestStore('pglite');
    truth = truthOf(crm, sim);
    fx = worldFixtures(truth.world);
    dir = mkdtempSync(join(tmpdir(), 'inrecord-signals-'));
    writeFileSync(join(dir, 'inbox.mbox'), fx.mbox);
    writeFileSync(join(dir, 'calendar.ics'), fx.ics);
  }, 60_000);

  afterAll(async () => {
    await connector?.close();
    await sim?.close();
    await store?.destroy();
  });

  it('lands every message and meeting once on the right contact; re-import creates nothing; strangers go to review', async () => {
    const world = truth.world;
    const own = [world.teamDomain];
    const mail = await readActivitySource('emails', join(dir, 'inbox.mbox'));
    const cal = await readActivitySource('calendar', join(dir, 'calendar.ics'));
    expect(mail.problems).toEqual([]);
    expect(cal.problems).toEqual([]);
    const items = [...mail.items, ...cal.items];
    expect(items.length).toBe(fx.items.length);

    const before = truth.activities();
    const first = await importActivities(store, connector, items, { crm, ownDomains: own, storeBodies: false, source: dir });
    const after = truth.activities();
    const created = [...after.keys()].filter((id) => !before.has(id));
    expect(created.length).toBe(first.summary.imported);
    expect(first.summary.failed).toBe(0);
    expect(first.summary.skippedOwnDomain).toBe(1);

    const contacts = new Map(world.contacts.map((c) => [c.id, c]));
    const roleInboxes = new Set(world.truth.roleInboxes.map((r) => r.email.toLowerCase()));
    const outcome = new Map(first.results.map((r) => [r.externalId, r.outcome]));
    let clean = 0;
    let onDeal = 0;
    let several = 0;
    const worldIdOf = new Map(world.contacts.map((c) => [truth.crmId(c.id), c.id]));
    for (const it of fx.items) {
      const o = outcome.get(it.externalId);
      expect(o, it.externalId).toBeDefined();
      if (it.internalOnly) {
        expect(o?.status).toBe('own_domain');
        continue;
      }
      if (!it.contactId) {
        // someone outside the CRM: never an activity, always a review item for the address
        expect(o?.status).toBe('unmatched');
        const key = participantKey({ email: it.externalEmail as string });
        const open = await store.query('SELECT 1 FROM review_items WHERE kind = $1 AND crm = $2 AND (subject_key = $3 OR subject_key LIKE $4) AND status = $5', ['identity', crm, key, `${key}|%`, 'open']);
        expect(open.length, `${it.externalEmail} in review`).toBeGreaterThan(0);
        continue;
      }
      const c = contacts.get(it.contactId) as World['contacts'][number];
      const sameHuman = (world.truth.persons[c.personId] ?? [c.id]).map((w) => truth.crmId(w));
      if (o?.status === 'imported') {
        // never on the wrong human; and the CRM shows it on that contact
        expect(sameHuman).toContain(o.contactId);
        expect(after.get(o.activityId)).toBe(o.contactId);
        // and on that contact's open deal: none, the only one, or (several) one of them, most recently updated
        const open = truth.openDeals(worldIdOf.get(o.contactId) as string);
        expect(o.openDeals, it.externalId).toBe(open.length);
        if (open.length === 0) expect(o.dealId).toBeNull();
        else {
          expect(open).toContain(o.dealId);
          onDeal++;
        }
        if (open.length > 1) {
          several++;
          expect(o.dealId).toBe(chooseOpenDeal((await connector.openDeals([o.contactId])).get(o.contactId)));
        }
        expect(truth.activityDeal(o.activityId)).toBe(o.dealId);
      }
      const stored = [c.email, ...c.additionalEmails].filter(Boolean).map((e) => (e as string).toLowerCase());
      const unique = sameHuman.length === 1 && stored.includes(it.externalEmail as string) && !roleInboxes.has(it.externalEmail as string);
      if (unique) {
        clean++;
        expect(o, it.externalId).toMatchObject({ status: 'imported', contactId: truth.crmId(c.id) });
      } else expect(['imported', 'unmatched']).toContain(o?.status);
    }
    expect(clean).toBeGreaterThan(20);
    expect(onDeal).toBeGreaterThan(5);
    expect(first.summary.withDeal).toBe(onDeal);
    expect(first.summary.severalOpenDeals).toBe(several);
    expect(first.summary.reviewItems).toBeGreaterThan(0);

    const again = await importActivities(store, connector, items, { crm, ownDomains: own, storeBodies: false, source: dir });
    expect(truth.activities().size).toBe(after.size);
    expect(again.summary.imported).toBe(0);
    expect(again.summary.duplicates).toBe(first.summary.imported);
  }, 120_000);

  it('an item left pending by an interrupted import goes to review and is not created', async () => {
    const c = truth.world.contacts.find((x) => x.email && truth.crmId(x.id)) as World['contacts'][number];
    const item = {
      externalId: `<crash-1@${crm}.example>`,
      kind: 'email' as const,
      subject: 'Following up',
      body: 'Body text',
      occurredAt: '2026-11-20T10:00:00.000Z',
      endsAt: null,
      participants: [{ email: (c.email as string).toLowerCase(), name: null, role: 'from' as const }],
      origin: 'test',
    };
    await claimActivity(store, { crm, externalId: item.externalId, kind: 'email', contactId: truth.crmId(c.id) as string, companyId: null, source: 'test' });
    const n = truth.activities().size;
    const r = await importActivities(store, connector, [item], { crm, ownDomains: [truth.world.teamDomain], storeBodies: true, source: 'test' });
    expect(r.summary.uncertain).toBe(1);
    expect(truth.activities().size).toBe(n);
    const rev = await store.query<{ reason: string }>(`SELECT reason FROM review_items WHERE kind = 'conflict' AND object = 'activity' AND subject_key = $1 AND status = 'open'`, [item.externalId]);
    expect(rev[0]?.reason).toContain(item.externalId);
  });
});
