import { describe, expect, it } from 'vitest';
import { labelsFromArgs, parseLabelLines, sampleIds } from './review.js';

describe('review label arguments', () => {
  it('reads single ids, ranges and the verdict last', () => {
    expect(sampleIds('s12')).toEqual([12]);
    expect(sampleIds('s3-s6')).toEqual([3, 4, 5, 6]);
    expect(sampleIds('3-4')).toEqual([3, 4]);
    expect(labelsFromArgs(['s1-s3', 's2', 's9', 'correct'])).toEqual([1, 2, 3, 9].map((sampleId) => ({ sampleId, label: 'correct' })));
    expect(labelsFromArgs(['s4', 'incorrect'], 'stale title')).toEqual([{ sampleId: 4, label: 'incorrect', note: 'stale title' }]);
  });

  it('refuses a missing verdict, a backwards or huge range, and a lone sample', () => {
    expect(() => labelsFromArgs(['s1', 's2'])).toThrow(/must be correct or incorrect, got "s2"/);
    expect(() => labelsFromArgs(['correct'])).toThrow(/one or more samples and a label/);
    expect(() => sampleIds('s9-s3')).toThrow(/run upwards/);
    expect(() => sampleIds('s1-s20000')).toThrow(/at most 10,000/);
  });

  it('reads a labels file: spaces or commas, notes, comments, the last line for a sample wins', () => {
    const text = ['# batch 1', 's1 correct', 's2,incorrect,wrong industry, old data', '', 's3-s4 incorrect  looks stale', 's1 incorrect'].join('\n');
    expect(parseLabelLines(text, 'l.txt')).toEqual([
      { sampleId: 1, label: 'incorrect' },
      { sampleId: 2, label: 'incorrect', note: 'wrong industry,old data' },
      { sampleId: 3, label: 'incorrect', note: 'looks stale' },
      { sampleId: 4, label: 'incorrect', note: 'looks stale' },
    ]);
    expect(() => parseLabelLines('s1 maybe', 'l.txt')).toThrow(/l\.txt line 1: the label must be correct or incorrect, got "maybe"/);
    expect(() => parseLabelLines('sx correct', 'l.txt')).toThrow(/l\.txt line 1: sample id must be a positive integer/);
    expect(() => parseLabelLines('# nothing', 'l.txt')).toThrow(/holds no labels/);
  });
});
