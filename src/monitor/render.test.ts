import { describe, expect, it } from 'vitest';
import { bar, histogramPair, sparkline } from './render.js';

describe('terminal charts', () => {
  it.each([
    { values: [], want: '' },
    { values: [1, 1, 1], want: '▁▁▁' },
    { values: [0, 7], want: '▁█' },
    { values: [0, 1, 2, 3, 4, 5, 6, 7], want: '▁▂▃▄▅▆▇█' },
  ])('sparkline($values) = $want', ({ values, want }) => expect(sparkline(values)).toBe(want));

  it.each([
    { ratio: 0, width: 4, want: '' },
    { ratio: 1, width: 4, want: '████' },
    { ratio: 0.5, width: 4, want: '██' },
    { ratio: 0.5625, width: 4, want: '██▎' },
    { ratio: 2, width: 2, want: '██' },
  ])('bar($ratio, $width) = $want', ({ ratio, width, want }) => expect(bar(ratio, width)).toBe(want));

  it('labels bins and shows both proportions', () => {
    const lines = histogramPair([50], [0.5, 0.5], [0.2, 0.8], 10);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^ *≤50 /);
    expect(lines[1]).toContain('50.0%');
    expect(lines[1]).toContain('20.0%');
    expect(lines[2]).toMatch(/^ *>50 /);
    expect(lines[2]).toContain('80.0%');
  });
});
