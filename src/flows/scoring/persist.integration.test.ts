import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect((await trainingScores(store, 'lead-score', choice.model.version))?.length).toBe(choice.metrics?.trainRows);
    expect(await trainingScoreReference(store)({ name: 'lead-score' }, choice.model.version)).toEqual(choice.trainingScores);
    expect(await trainingScoreReference(store)({ name: 'lead-score' }, 'nope')).toBeNull();
    const loaded = await loadScoringModel(store, 'lead-score', EXAMPLE_SCORING_SETTINGS);
    for (const r of records.slice(0, 50)) expect(scoreRecord(loaded.model, r, now)).toEqual(scoreRecord(choice.model, r, now));

    // A retrain on other data is a new active version; the old one stays for the record.
    const more = syntheticLeads(5000, 22, now);
    const second = await trainScoringModel(store, 'lead-score', EXAMPLE_SCORING_SETTINGS, more.records, now);
    const all = await listModels(store, 'lead-score');
    expect(all.map((m) => m.version).sort()).toEqual([choice.model.version, second.model.version].sort());
    expect(all.filter((m) => m.active).map((m) => m.version)).toEqual([second.model.version]);
  });
});
