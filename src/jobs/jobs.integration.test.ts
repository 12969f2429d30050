import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InrecordError } from '../errors/index.js';
import { once } from '../store/index.js';
import { BACKENDS, openTestStore, type TestStore } from '../store/testing/index.js';
import { type JobEngine, countOpenDeadLetters, createJobEngine, listDeadLetters, onceInTransaction, replayDeadLetter } from './index.js';

const until = async (pred: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe.each(BACKENDS)('job engine on %s', (backend) => {
  let store: TestStore;
  let engine: JobEngine;
  const seen: Record<string, number> = {};
  let poisonFixed = false;
  const batchSizes: number[] = [];
  const batchDone: number[] = [];
  const batchAttempts: Record<number, number> = {};
  const alerts: number[] = [];

  beforeAll(async () => {
    store = await openTestStore(backend);
    await store.exec('CREATE TABLE test_effects (n integer NOT NULL)');
    engine = await createJobEngine(store, { pollIntervalMs: 50, onDeadLetters: (open) => void alerts.push(open) });
    await engine.register<{ n: number }>(
      'work',
      async (d) => {
        await onceInTransaction(store, `work:${d.n}`, (tx) => tx.query('INSERT INTO test_effects (n) VALUES ($1)', [d.n]));
      },
      { retryLimit: 2, retryDelaySeconds: 1 },
    );
    await engine.register<{ kind: string }>(
      'flaky',
      async (d, ctx) => {
        seen[d.kind] = ctx.attempt;
        if (d.kind === 'poison' && !poisonFixed) {
          throw new InrecordError('IR_JOB_POISON', 'record 42: field "score" got "abc", expected a number', {
            context: { recordId: '42', field: 'score' },
          });
        }
        if (d.kind === 'transient' && ctx.attempt < 2) throw new Error('socket hang up');
        if (d.kind === 'always') throw new Error('CRM 503');
      },
      { retryLimit: 1, retryDelaySeconds: 1 },
    );
    await engine.registerBatch<{ n: number; fail?: 'poison' | 'transient' }>(
      'batched',
      async (items) => {
        batchSizes.push(items.length);
        return items.map(({ data, ctx }) => {
          batchAttempts[data.n] = ctx.attempt;
          if (data.fail === 'poison') return { ok: false, error: new InrecordError('IR_JOB_POISON', `item ${data.n}: cannot be processed`, { context: { recordId: String(data.n) } }) };
          if (data.fail === 'transient' && ctx.attempt < 2) return { ok: false, error: new Error('socket hang up') };
          batchDone.push(data.n);
          return { ok: true };
        });
      },
      { retryLimit: 2, retryDelaySeconds: 1, batchSize: 25 },
    );
    engine.work();
  });
  afterAll(async () => {
    await engine.stop();
    await store.destroy();
  });

  it('completes every job and records each effect once', async () => {
    await engine.sendBatch('work', Array.from({ length: 200 }, (_, n) => ({ data: { n } })));
    await engine.drain('work');
    const [row] = await store.query<{ n: number; d: number }>('SELECT count(*) AS n, count(DISTINCT n) AS d FROM test_effects');
    expect(row).toEqual({ n: 200, d: 200 });
  });

  it('does an effect once when the same key runs concurrently', async () => {
    let calls = 0;
    const runs = await Promise.all(
      Array.from({ length: 12 }, () =>
        once(store, 'concurrent:1', async (tx) => {
          calls++;
          await new Promise((r) => setTimeout(r, 30));
          await tx.query('INSERT INTO test_effects (n) VALUES ($1)', [-1]);
          return { calls };
        }),
      ),
    );
    expect(calls).toBe(1);
    expect(runs.filter((r) => r.fresh)).toHaveLength(1);
    expect(runs.every((r) => r.result.calls === 1)).toBe(true);
    const [row] = await store.query<{ n: number }>('SELECT count(*) AS n FROM test_effects WHERE n = -1');
    expect(row.n).toBe(1);
  });

  it('retries a transient failure with backoff and then succeeds', async () => {
    await engine.send('flaky', { kind: 'transient' });
    await until(async () => seen.transient === 2);
    await engine.drain('flaky');
    const dls = await listDeadLetters(store, { queue: 'flaky' });
    expect(dls.find((d) => (d.data as { kind: string }).kind === 'transient')).toBeUndefined();
  });

  it('sends a typed non-retryable error straight to dead letters with its reason, and replays it', async () => {
    await engine.send('flaky', { kind: 'poison' });
    await until(async () => (await listDeadLetters(store, { queue: 'flaky' })).some((d) => (d.data as { kind: string }).kind === 'poison'));
    const dl = (await listDeadLetters(store, { queue: 'flaky' })).find((d) => (d.data as { kind: string }).kind === 'poison')!;
    expect(dl.attempts).toBe(1);
    expect(dl.error.code).toBe('IR_JOB_POISON');
    expect(dl.error.message).toContain('record 42');
    expect(seen.poison).toBe(1);
    poisonFixed = true;
    const { jobId } = await replayDeadLetter(engine, dl.id);
    expect(jobId).toBeTruthy();
    await engine.drain('flaky');
    const after = (await listDeadLetters(store, { queue: 'flaky' })).find((d) => d.id === dl.id)!;
    expect(after.status).toBe('replayed');
    expect(after.replayed_job_id).toBe(jobId);
  });

  it('ends a retryable failure in dead letters after its last attempt', async () => {
    await engine.send('flaky', { kind: 'always' });
    await until(async () => (await listDeadLetters(store, { queue: 'flaky' })).some((d) => (d.data as { kind: string }).kind === 'always'));
    const dl = (await listDeadLetters(store, { queue: 'flaky' })).find((d) => (d.data as { kind: string }).kind === 'always')!;
    expect(dl.attempts).toBe(2);
    expect(dl.error.message).toContain('CRM 503');
    const [gauge] = await store.query<{ value: number }>("SELECT value FROM metrics WHERE name = 'jobs_dead_letters_open' ORDER BY id DESC LIMIT 1");
    expect(gauge.value).toBe(await countOpenDeadLetters(store));
    expect(alerts.at(-1)).toBe(gauge.value);
  });

  it('works a batch queue a fetch at a time and settles each job on its own', async () => {
    const items = Array.from({ length: 60 }, (_, n) => ({ data: { n: 1000 + n, ...(n === 7 ? { fail: 'poison' as const } : n === 8 ? { fail: 'transient' as const } : {}) } }));
    await engine.sendBatch('batched', items);
    await engine.drain('batched');
    // every good item once; the transient one on its second attempt; the poison one only in dead letters
    expect([...batchDone].sort((a, b) => a - b)).toEqual(items.map((i) => i.data.n).filter((n) => n !== 1007));
    expect(batchAttempts[1008]).toBe(2);
    expect(batchAttempts[1007]).toBe(1);
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(25);
    const dls = (await listDeadLetters(store, { queue: 'batched' })).map((d) => d.data as { n: number });
    expect(dls).toEqual([{ n: 1007, fail: 'poison' }]);
  });
});
