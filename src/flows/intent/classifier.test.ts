import { describe, expect, it } from 'vitest';
import { dataPath } from '../data-path.js';
import { bundledIntentModel, classifyIntent, evaluateIntent, readLabelled, terms, tokenize, trainNaiveBayes } from './classifier.js';
import { sentences, summarise } from './summarise.js';
import { buildTrainingSet } from './training-set.js';

describe('intent classifier', () => {
  it('tokenises, drops quoted replies, adds bigrams', () => {
    expect(tokenize("We'd like 25 seats\n> On Monday you wrote: pricing")).toEqual(['wed', 'like', '#', 'seats']);
    expect([...terms('send a quote')]).toEqual(['send', 'a', 'quote', 'send a', 'a quote']);
  });

  it('the shipped training set is what the builder makes, several hundred examples over four labels', () => {
    const shipped = readLabelled(dataPath('intent', 'train.jsonl'));
    expect(shipped).toEqual(buildTrainingSet(150));
    expect(new Set(shipped.map((x) => x.label))).toEqual(new Set(['high', 'medium', 'low', 'not_sales']));
  });

  it('held-out accuracy (hand-written set, other wording than the training set)', () => {
    const holdout = readLabelled(dataPath('intent', 'holdout.jsonl'));
    const ev = evaluateIntent(bundledIntentModel(), holdout);
    expect(ev.n).toBe(80);
    // 0.825 when written; a drop below 0.75 means the classifier or its data regressed.
    expect(ev.accuracy).toBeGreaterThanOrEqual(0.75);
  });

  it('classifies clear cases and gives probabilities that sum to one', () => {
    const m = bundledIntentModel();
    expect(classifyIntent(m, 'Please send a quote for 40 seats, budget is approved').label).toBe('high');
    expect(classifyIntent(m, 'I cannot log in, the password reset never arrives').label).toBe('not_sales');
    const p = classifyIntent(m, 'hello');
    expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('training is deterministic', () => {
    const set = buildTrainingSet(40);
    expect(trainNaiveBayes(set).version).toBe(trainNaiveBayes(set).version);
  });
});

const CALL = `[00:01] Dana Lee: Hi everyone, thanks for joining.
[00:02] Sam: Yeah.
[00:03] Dana Lee: So today we wanted to walk through the rollout plan for the sales team.
[00:05] Sam: Sure. Our main concern is the Salesforce integration, last vendor broke our reports.
[00:07] Dana Lee: Understood. The integration writes only to fields you map, and you can roll back any run.
[00:08] Sam: Ok great.
[00:09] Sam: Budget is around $40k for the year and we need it live by end of March.
[00:11] Dana Lee: That works. Next step: I will send the proposal and a pilot plan by Friday.
[00:12] Sam: Sounds good.
[00:13] Sam: Our CFO has to sign, and she wants a reference customer in retail.`;

describe('extractive summary', () => {
  it('drops speakers and fillers', () => {
    const s = sentences(CALL);
    expect(s).not.toContain('Yeah.');
    expect(s[0]).toBe('Hi everyone, thanks for joining.');
  });

  it('keeps the outcome sentences, in order, within the budget', () => {
    const out = summarise(CALL, { maxChars: 300 });
    expect(out.length).toBeLessThanOrEqual(300);
    expect(out).toContain('Budget is around $40k');
    expect(out).toContain('Next step: I will send the proposal');
    expect(out.indexOf('Budget')).toBeLessThan(out.indexOf('Next step'));
  });

  it('cuts the best sentence at a word when nothing fits', () => {
    const out = summarise(CALL, { maxChars: 40 });
    expect(out.length).toBeLessThanOrEqual(40);
    expect(out.endsWith('…')).toBe(true);
  });

  it('empty text gives an empty summary', () => {
    expect(summarise('  \n Ok. \n')).toBe('');
  });
});
