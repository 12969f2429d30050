import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../log/index.js';
import { BACKENDS, type TestStore, openTestStore } from '../../store/testing/index.js';
import { activeModel, listModels, trainingScoreReference, trainingScores } from '../queries.js';
import { scoreRecord } from './model.js';
import { loadScoringModel, trainScoringModel } from './persist.js';
import { EXAMPLE_SCORING_SETTINGS } from './settings.js';
import { syntheticLeads } from './synthetic.js';

const now = new Date('2026-11-28T09:00:00.000Z');

describe.each(BACKENDS)('scoring model store on %s', (backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(backend);
  });
  afterAll(async () => {
    await store?.destroy();
  });

  it('before training, auto scores with rules; model: trained is an error', async () => {
    const r = await loadScoringModel(store, 'lead-score', EXAMPLE_SCORING_SETTINGS);
    expect(r.model.kind).toBe('rules');
    expect(r.explanation).toMatch(/no trained model is stored/);
    await expect(loadScoringModel(store, 'lead-score', { ...EXAMPLE_SCORING_SETTINGS, model: 'trained' })).rejects.toMatchObject({ code: 'IR_MODEL_NOT_TRAINED' });
  });

  it('trains, versions and stores the model; the restored model scores identically', async () => {
    const { records } = syntheticLeads(5000, 21, now);
    const choice = await trainScoringModel(store, 'lead-score', EXAMPLE_SCORING_SETTINGS, records, now);
    expect(choice.model.kind).toBe('trained');
    const stored = await activeModel(store, 'lead-score');
    expect(stored?.version).toBe(choice.model.version);
    expect(stored?.metrics).toMatchObject({ holdoutAuc: choice.metrics?.holdoutAuc });
    expect((await trainingScores(store, 'lead-score', choice.model.version))?.length).toBe(records.length);
    expect(await trainingScoreReference(store)({ name: 'lead-score' }, choice.model.version)).toEqual(choice.trainingScores);
    expect(await trainingScoreReference(store)({ name: 'lead-score' }, 'nope')).toBeNull();
    const loaded = await loadScoringModel(store, 'lead-score', EXAMPLE_SCORING_SETTINGS);
    for (const r of records.slice(0, 50)) expect(scoreRecord(loaded.model, r, now)).toEqual(scoreRecord(choice.model, r, now));

    // A retrain on other data is a new active version; the old one stays for the record.
    const more = syntheticLeads(12000, 11, now);
    const second = await trainScoringModel(store, 'lead-score', EXAMPLE_SCORING_SETTINGS, more.records, now);
    const all = await listModels(store, 'lead-score');
    expect(all.map((m) => m.version).sort()).toEqual([choice.model.version, second.model.version].sort());
    expect(all.filter((m) => m.active).map((m) => m.version)).toEqual([second.model.version]);
  });

  it('a retrained model that is not served is stored inactive with the reason, logged, and the flow scores with its rules', async () => {
    const { records } = syntheticLeads(4000, 5, now);
    // A rule on the label itself ranks perfectly: no trained model can clear it.
    const settings = {
      ...EXAMPLE_SCORING_SETTINGS,
      minConversions: 100,
      features: {
        ...EXAMPLE_SCORING_SETTINGS.features,
        conv: { field: 'converted', type: 'boolean' as const },
      },
      rules: [{ feature: 'conv', equals: 1, points: 50 }],
    };
    const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
    const logger = {
      warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ obj, msg }),
    } as unknown as Logger;
    const choice = await trainScoringModel(store, 'lead-score', settings, records, now, { logger });
    expect(choice.model.kind).toBe('rules');
    expect(choice.rejected).toBe('not better than rules');
    const candidate = choice.candidate?.version;
    const stored = (await listModels(store, 'lead-score')).find((m) => m.version === candidate);
    expect(stored).toMatchObject({
      active: false,
      explanation: choice.explanation,
      metrics: { rejected: 'not better than rules' },
    });
    expect(await activeModel(store, 'lead-score')).toBeNull();
    const loaded = await loadScoringModel(store, 'lead-score', settings);
    expect(loaded.model.kind).toBe('rules');
    expect(loaded.explanation).toBe(choice.explanation);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toMatch(
      /^flow lead-score: trained model not served: rules model: the trained model's held-out AUC/,
    );
    expect(warnings[0].obj).toMatchObject({
      flow: 'lead-score',
      rejected: 'not better than rules',
      rulesHoldoutAuc: 1,
    });
  });
});
