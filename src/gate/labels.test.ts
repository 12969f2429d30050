import { describe, expect, it } from 'vitest';
import { parseLabelLines, samplesOf } from './labels.js';

describe('which samples a batch names', () => {
  it('takes ids and ranges separated by spaces or commas, each sample once, in order', () => {
    expect(samplesOf('s3-s5, s9 4  s1')).toEqual([3, 4, 5, 9, 1]);
    expect(samplesOf('12')).toEqual([12]);
  });

  it('refuses an empty list, a reversed range and a word, naming the fix', () => {
    expect(() => samplesOf('  ,')).toThrow(/no samples named/);
    expect(() => samplesOf('s9-s3')).toThrow(/must run upwards/);
    expect(() => samplesOf('s1 all')).toThrow(/sample id must be a positive integer, got "all"/);
  });

  it('reads a file of labels: ranges, notes, comments; the last line for a sample wins', () => {
    expect(parseLabelLines('# reviewed by ana\ns1-s2 correct\ns2,incorrect,stale title\n\n', 'labels.txt')).toEqual([
      { sampleId: 1, label: 'correct' },
      { sampleId: 2, label: 'incorrect', note: 'stale title' },
    ]);
    expect(() => parseLabelLines('s1 maybe', 'labels.txt')).toThrow(/labels\.txt line 1: the label must be correct or incorrect/);
  });
});
