/**
 * Deal-risk notes on the Pipedrive simulator's seeded pipeline: a first run records every deal's
 * level without notes; after reps move some close dates, exactly the deals whose level changed get a
 * timeline note naming the old and new level and the factors; a third run adds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FlowConfig, crmConnectionSchema, flowSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector } from '../crm/types.js';
import type { RunningSimulator } from '../simulators/types.js';
import { startSimulator } from '../simulators/index.js';
import { type TestStore, openTestStore } from '../store/testing/index.js';
import { noteDealRiskChanges, riskChanges } from './deal-risk.js';

/** The Pipedrive simulator's in-process state, seen structurally (no import of CRM-specific code). */
type PipedriveSim = RunningSimulator & { state: { all(t: string): readonly { id: number; core: Record<string, unknown> }[] } };

const NOW = new Date('2026-11-28T12:00:00.000Z');

describe('deal-risk notes', () => {
  it.each([
    [null, 'high', true, 'note'],
    [null, 'high', false, 'baseline'],
    ['low', 'low', false, 'none'],
    ['low', 'high', false, 'note'],
  ] as const)('previous %s → %s (noteNew %s): %s', (prev, level, noteNew, want) => {
    const r = riskChanges(new Map(prev ? [['d', prev]] : []), [{ dealId: 'd', level, score: 70, reason: '+40 close date passed 3 days ago' }], noteNew);
    expect(r.changes.length ? 'note' : r.baseline.length ? 'baseline' : 'none').toBe(want);
    if (r.changes[0]) expect(r.changes[0].note).toContain('+40 close date passed 3 days ago');
  });

  describe('on the Pipedrive simulator', () => {
    let sim: PipedriveSim;
    let connector: CrmConnector;
    let store: TestStore;
    const flow: FlowConfig = flowSchema.parse({
      name: 'deal-risk',
      kind: 'deal-risk',
      object: 'deal',
      settings: {
        base: 0,
        features: {
          close_in: { field: 'expected_close_date', type: 'date', label: 'close date passed {value} days ago' },
          stage_age: { field: 'stage_change_time', type: 'date', label: '{value} days in the current stage' },
        },
        rules: [
          { feature: 'close_in', gte: 1, points: 40 },
          { feature: 'stage_age', gte: 45, points: 25 },
        ],
      },
    });

    beforeAll(async () => {
      sim = (await startSimulator('pipedrive', { records: 60, seed: 9 })) as PipedriveSim;
      connector = await createConnector(crmConnectionSchema.parse({ kind: 'pipedrive', baseUrl: sim.apiBase, auth: { token: sim.token } }));
      store = await openTestStore('pglite');
    }, 60_000);

    afterAll(async () => {
      await connector?.close();
      await sim?.close();
      await store?.destroy();
    });

    const notes = () => sim.state.all('note').map((n) => ({ id: n.id, deal: n.core.deal_id == null ? null : String(n.core.deal_id), content: String(n.core.content ?? '') }));
    const levels = async () => new Map((await store.query<{ deal_id: string; level: string }>('SELECT deal_id, level FROM signal_deal_risk')).map((r) => [r.deal_id, r.level]));

    it('notes exactly the deals whose level changed, with the factors', async () => {
      const before = notes().length;
      const first = await noteDealRiskChanges(store, connector, flow, { now: NOW });
      expect(first.notes).toBe(0);
      expect(first.baseline).toBe(first.deals);
      expect(notes().length).toBe(before);
      const l1 = await levels();
      const high = [...l1].filter(([, l]) => l === 'high').map(([id]) => id);
      const notHigh = [...l1].filter(([, l]) => l !== 'high').map(([id]) => id);
      expect(high.length).toBeGreaterThan(1);
      // reps push two high-risk deals' close dates into the future; one other deal gets an overdue date
      for (const id of high.slice(0, 2)) await sim.repEdit({ object: 'deals', id, fields: { expected_close_date: '2027-02-15' } });
      const other = notHigh[0];
      if (other) await sim.repEdit({ object: 'deals', id: other, fields: { expected_close_date: '2026-10-01' } });

      const second = await noteDealRiskChanges(store, connector, flow, { now: NOW });
      const l2 = await levels();
      const changed = [...l2].filter(([id, l]) => l1.get(id) !== l).map(([id]) => id).sort();
      const added = notes().slice(before);
      expect(added.map((n) => n.deal).sort()).toEqual(changed);
      expect(second.notes).toBe(changed.length);
      expect(changed).toEqual(expect.arrayContaining(high.slice(0, 2)));
      for (const n of added.filter((x) => high.slice(0, 2).includes(x.deal as string)))
        expect(n.content).toMatch(/Deal risk changed from high to (medium|low)/);
      if (other && l2.get(other) !== l1.get(other)) expect(added.find((n) => n.deal === other)?.content).toContain('close date passed');

      const third = await noteDealRiskChanges(store, connector, flow, { now: NOW });
      expect(third.notes).toBe(0);
      expect(notes().length).toBe(before + added.length);
    }, 60_000);
  });
});
