/**
 * A running apply keeps its progress in the store, where the console's process reads it: records
 * done of the total and the calls spent, as each chunk is planned and each batch written; the final
 * summary replaces it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldRule } from '../config/index.js';
import type { FieldSchema } from '../crm/types.js';
import { type TestStore, openTestStore } from '../store/testing/index.js';
import { applyRun } from './apply.js';
import { progressFigures, progressOf, type RunProgress } from './progress.js';
import { getRun, listRuns } from './queries.js';
import { memoryCrm } from './testing/memory-crm.js';
import type { RecordOutputs } from './types.js';

const score: FieldSchema = { name: 'score', label: 'score', type: 'integer', crmType: 'integer', required: false, writable: true, custom: true };
const objects: Record<string, { fields: Record<string, FieldRule> }> = {
  contact: { fields: { score: { owner: 'ai', onConflict: 'flag', firstWrite: 'protect', truncate: false } } },
};

describe('the progress of a running apply', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('pglite');
  });
  afterAll(async () => store?.destroy());

  it('is in the store while the run is under way, then the summary replaces it', async () => {
    const crm = memoryCrm({ schemas: { contact: { object: 'contacts', fields: [score] } }, limits: { write: 5, read: 5 } });
    for (let i = 0; i < 20; i++) crm.seed('contact', `c${i}`, { score: 1 });
    const seen: RunProgress[] = [];
    // the source looks at the store between chunks, as the console would
    async function* source(): AsyncGenerator<RecordOutputs> {
      for (let i = 0; i < 20; i++) {
        if (i > 0 && i % 5 === 0) {
          const [running] = await listRuns(store, { status: 'running' });
          const p = progressOf(running?.summary);
          if (p) seen.push(p);
        }
        yield { object: 'contact', recordId: `c${i}`, outputs: [{ name: 'score', field: 'score', value: 50 + i, flow: 'scoring' }] };
      }
    }
    const summary = await applyRun({ store, connector: crm, objects }, { source: source(), chunkSize: 5, total: () => 20 });
    expect(summary.status).toBe('succeeded');
    // the next chunk is produced while this one is written: each look sees the run part-way
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((p) => p.total === 20 && p.done > 0 && p.done < 20 && p.written <= p.done)).toBe(true);
    expect(seen.some((p) => p.written > 0 && p.calls > 0)).toBe(true);
    expect(seen.map((p) => p.done)).toEqual([...seen.map((p) => p.done)].sort((a, b) => a - b));
    const done = await getRun(store, summary.runId);
    expect(done?.status).toBe('succeeded');
    expect(progressOf(done?.summary)).toBeNull();
    expect((await listRuns(store, { status: 'running' })).length).toBe(0);
  });

  it('figures: rate over the run so far, time left at that rate', () => {
    const p: RunProgress = { done: 400, total: 1000, written: 380, calls: 17, startedAt: '2026-12-07T10:00:00.000Z', at: '2026-12-07T10:00:20.000Z' };
    expect(progressFigures(p, new Date('2026-12-07T10:00:21.000Z'))).toEqual({ done: 400, total: 1000, written: 380, calls: 17, perSecond: 20, etaSeconds: 30, ageSeconds: 1 });
    expect(progressFigures({ ...p, total: null }, new Date(p.at)).etaSeconds).toBeNull();
    expect(progressFigures({ ...p, at: p.startedAt }, new Date(p.at)).perSecond).toBeNull();
  });
});
