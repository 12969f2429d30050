import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestStore, openTestStore } from '../store/testing/index.js';
import {
  drawSample,
  evaluateGate,
  fallBackToShadow,
  gateStatus,
  labelSample,
  listSamples,
  recordShadowOutputs,
} from './gate.js';

const gate = { mode: 'gated' as const, threshold: 0.8, sampleSize: 30, shadowOnDrift: true };

function outputs(n: number, prefix: string) {
  return Array.from({ length: n }, (_, i) => ({
    crm: 'hubspot',
    object: 'contact',
    recordId: `${prefix}${i}`,
    output: 'score',
    field: 'ai_score',
    value: i % 100,
    currentValue: null,
    confidence: 0.7,
  }));
}

describe.each(BACKENDS)('validation gate on %s', (backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(backend);
  });
  afterAll(async () => {
    await store?.destroy();
  });

  it('a new model version starts in shadow', async () => {
    const s = await gateStatus(store, { name: 'fresh', gate }, 'v1');
    expect(s.mode).toBe('shadow');
    expect(s.reasonCode).toBe('no_decision');
    // the operator's explicit modes hold as configured
    expect((await gateStatus(store, { name: 'fresh', gate: { ...gate, mode: 'shadow' } }, 'v1')).mode).toBe(
      'shadow',
    );
    expect((await gateStatus(store, { name: 'fresh', gate: { ...gate, mode: 'open' } }, 'v1')).mode).toBe(
      'open',
    );
  });

  it('labels below the threshold keep it closed and the decision is in the store', async () => {
    const flow = { name: 'weak', gate };
    const ids = await recordShadowOutputs(store, {
      flow: 'weak',
      modelVersion: 'v1',
      outputs: outputs(60, 'w'),
    });
    expect(ids).toHaveLength(60);
    const sample = await drawSample(store, {
      flow: 'weak',
      modelVersion: 'v1',
      size: 40,
      drawnBy: 'ana',
      seed: 's1',
    });
    expect(sample).toHaveLength(40);
    expect(new Set(sample.map((s) => s.shadow_output_id)).size).toBe(40);
    // 28 of 40 correct: 70%, lower bound ~0.546 < 0.8
    for (const [i, s] of sample.entries()) {
      await labelSample(store, { sampleId: s.id, label: i < 28 ? 'correct' : 'incorrect', by: 'ana' });
    }
    const d = await evaluateGate(store, { flow, modelVersion: 'v1', by: 'ana' });
    expect(d.mode).toBe('shadow');
    expect(d.reasonCode).toBe('below_threshold');
    expect(d.figures).toMatchObject({ n: 40, correct: 28, threshold: 0.8, sampleSize: 30 });
    const rows = await store.query<Record<string, unknown>>('SELECT * FROM gate_decisions WHERE flow = $1', [
      'weak',
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ mode: 'shadow', n: 40, correct: 28, threshold: 0.8, decided_by: 'ana' });
    expect(rows[0].accuracy).toBeCloseTo(0.7, 10);
    expect(rows[0].lower_bound as number).toBeLessThan(0.8);
    expect(rows[0].decided_at).toBeTruthy();
    expect((await gateStatus(store, flow, 'v1')).mode).toBe('shadow');
  });

  it('too few labels keep it closed even when all are correct', async () => {
    const flow = { name: 'few', gate };
    await recordShadowOutputs(store, { flow: 'few', modelVersion: 'v1', outputs: outputs(20, 'f') });
    const sample = await drawSample(store, { flow: 'few', modelVersion: 'v1', size: 50, drawnBy: 'ana' });
    expect(sample).toHaveLength(20);
    for (const s of sample) await labelSample(store, { sampleId: s.id, label: 'correct', by: 'ana' });
    const d = await evaluateGate(store, { flow, modelVersion: 'v1', by: 'ana' });
    expect(d).toMatchObject({ mode: 'shadow', reasonCode: 'too_few_labels' });
    expect(d.figures.n).toBe(20);
  });

  it('enough good labels open it; a drift fallback closes it and old labels no longer count', async () => {
    const flow = { name: 'good', gate };
    await recordShadowOutputs(store, { flow: 'good', modelVersion: 'v2', outputs: outputs(50, 'g') });
    const sample = await drawSample(store, { flow: 'good', modelVersion: 'v2', size: 50, drawnBy: 'ana' });
    // 49 of 50 correct: lower bound ~0.895 ≥ 0.8
    for (const [i, s] of sample.entries())
      await labelSample(store, { sampleId: s.id, label: i === 0 ? 'incorrect' : 'correct', by: 'ana' });
    const d = await evaluateGate(store, { flow, modelVersion: 'v2', by: 'ana' });
    expect(d.mode).toBe('open');
    expect(d.reasonCode).toBe('passed');
    expect(d.figures.lower).toBeGreaterThanOrEqual(0.8);
    const status = await gateStatus(store, flow, 'v2');
    expect(status).toMatchObject({ mode: 'open', decidedBy: 'ana', figures: { n: 50, correct: 49 } });
    // a stricter gate in config closes it at once, without a new decision
    const stricter = await gateStatus(store, { name: 'good', gate: { ...gate, threshold: 0.95 } }, 'v2');
    expect(stricter).toMatchObject({ mode: 'shadow', reasonCode: 'below_threshold' });
    expect(stricter.reason).toContain('stricter');
    expect(
      (await gateStatus(store, { name: 'good', gate: { ...gate, sampleSize: 80 } }, 'v2')).reasonCode,
    ).toBe('too_few_labels');
    // another model version of the same flow starts in shadow again
    expect((await gateStatus(store, flow, 'v3')).mode).toBe('shadow');

    const fb = await fallBackToShadow(store, {
      flow,
      modelVersion: 'v2',
      by: 'monitor',
      reason: 'PSI 0.41 ≥ 0.25',
      figures: { psi: 0.41 },
    });
    expect(fb?.mode).toBe('shadow');
    expect((await gateStatus(store, flow, 'v2')).reasonCode).toBe('drift');
    // a second fallback while already in shadow changes nothing
    expect(
      await fallBackToShadow(store, {
        flow,
        modelVersion: 'v2',
        by: 'monitor',
        reason: 'again',
        figures: {},
      }),
    ).toBeNull();
    // re-evaluating on the pre-drift labels does not reopen it
    const again = await evaluateGate(store, { flow, modelVersion: 'v2', by: 'ana' });
    expect(again).toMatchObject({ mode: 'shadow', reasonCode: 'too_few_labels' });
    expect(again.figures.n).toBe(0);
    // outputs from before the drift are not drawn again
    expect(
      await drawSample(store, { flow: 'good', modelVersion: 'v2', size: 10, drawnBy: 'ana' }),
    ).toHaveLength(0);
  });

  it('lists a drawn sample with its output; labelling an unknown sample names it', async () => {
    await recordShadowOutputs(store, { flow: 'seeded', modelVersion: 'v1', outputs: outputs(30, 'x') });
    const a = await drawSample(store, {
      flow: 'seeded',
      modelVersion: 'v1',
      size: 5,
      drawnBy: 'ana',
      seed: 'k',
    });
    expect(a).toHaveLength(5);
    const listed = await listSamples(store, { flow: 'seeded', modelVersion: 'v1' });
    expect(listed.map((s) => s.id)).toEqual(a.map((s) => s.id));
    expect(listed[0].output).toMatchObject({ flow: 'seeded', output: 'score', field: 'ai_score' });
    await expect(labelSample(store, { sampleId: 999999, label: 'correct', by: 'ana' })).rejects.toMatchObject(
      { code: 'IR_GATE_SAMPLE_NOT_FOUND' },
    );
  });
});
