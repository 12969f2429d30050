/**
 * A daemon's first start on a CRM full of records: by default it processes only what changes from
 * its start on (no surprise re-score of the whole CRM, no rewrite of values a rollback restored), and
 * a restart keeps its place; `--backfill` (or `triggers.firstPoll: backfill`) reads every record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type InrecordConfig } from '../../src/config/index.js';
import { startDaemon } from '../../src/daemon/index.js';
import { demoConfig } from '../../src/demo/index.js';
import { type RunningSimulator, startSimulator } from '../../src/simulators/index.js';
import { openTestStore, type TestStore } from '../../src/store/testing/index.js';
import { checkLive } from '../../src/writeback/index.js';

describe('first start of the daemon (HubSpot simulator)', () => {
  let sim: RunningSimulator;
  let store: TestStore;
  let config: InrecordConfig;

  beforeAll(async () => {
    sim = await startSimulator('hubspot', { seed: 8, records: 40 });
    store = await openTestStore('pglite');
    const base = demoConfig('hubspot', sim);
    config = configSchema.parse({
      ...base,
      server: { port: 0 },
      flows: base.flows.filter((f) => f.kind === 'scoring' && f.object === 'contact').map((f) => ({ ...f, gate: { ...f.gate, mode: 'open' }, trigger: { webhook: false, poll: '1h' } })),
    });
    expect(config.flows).toHaveLength(1);
  }, 120_000);

  afterAll(async () => {
    await store?.destroy();
    await sim?.close();
  });

  const written = async () => (await store.query<{ n: number }>(`SELECT count(DISTINCT record_id)::int AS n FROM write_ledger WHERE outcome = 'written'`))[0].n;

  it('processes only records changed after the start, keeps its place across a restart, and reads everything with backfill', async () => {
    const first = await startDaemon(store, config, { serve: false, poll: false });
    const check = await checkLive(first.connector, config, { fix: true });
    expect(check.ok).toBe(true);
    // 40 seeded contacts, none read on a first start
    expect(await first.pollNow()).toBe(0);
    const [cursor] = await store.query<{ value: string }>(`SELECT value FROM cursors WHERE name = 'poll:hubspot:contact'`);
    expect(JSON.parse(cursor.value).at).not.toBeNull();
    let ids: string[] = [];
    for await (const page of first.connector.readChanged('contact', null, [])) {
      ids = page.slice(0, 3).map((r) => r.id);
      break;
    }
    expect(ids).toHaveLength(3);
    await first.stop();

    // a rep edits a record while the daemon is down: the restarted daemon still finds it
    await new Promise((r) => setTimeout(r, 1100));
    await sim.repEdit({ object: 'contacts', id: ids[0], fields: { jobtitle: 'VP Sales' } });
    const second = await startDaemon(store, config, { serve: false, poll: false });
    expect(await second.pollNow()).toBe(1);
    await second.engine.drain('records', 30_000);
    expect(await written()).toBe(1);
    await second.stop();

    // backfill on a fresh cursor reads every record
    await store.query(`DELETE FROM cursors WHERE name = 'poll:hubspot:contact'`);
    const third = await startDaemon(store, config, { serve: false, poll: false, backfill: true });
    expect(await third.pollNow()).toBeGreaterThanOrEqual(39);
    await third.stop();
  }, 120_000);
});
