import { describe, expect, it } from 'vitest';
import { parseOutputLine } from './source.js';

describe('parseOutputLine', () => {
  it('reads one record’s outputs', () => {
    const r = parseOutputLine(
      JSON.stringify({ object: 'contact', recordId: '17', readAt: '2026-11-28T09:00:00+01:00', outputs: [{ name: 'score', field: 'Lead score', value: 81, flow: 'scoring', confidence: 0.7 }] }),
      'x.jsonl:1',
    );
    expect(r).toMatchObject({ object: 'contact', recordId: '17', outputs: [{ field: 'Lead score', value: 81 }] });
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '{oops', /x.jsonl:3: not valid JSON/],
    ['unknown object', JSON.stringify({ object: 'ticket', recordId: '1', outputs: [{ name: 'a', field: 'b', value: 1, flow: 'f' }] }), /object/],
    ['no outputs key', JSON.stringify({ object: 'contact', recordId: '1' }), /outputs/],
    ['object value', JSON.stringify({ object: 'contact', recordId: '1', outputs: [{ name: 'a', field: 'b', value: { x: 1 }, flow: 'f' }] }), /outputs\.0\.value/],
    ['readAt without zone', JSON.stringify({ object: 'contact', recordId: '1', readAt: '2026-11-28T09:00:00', outputs: [{ name: 'a', field: 'b', value: 1, flow: 'f' }] }), /readAt/],
  ];
  it.each(bad)('rejects a line with %s, naming the line', (_n, line, msg) => {
    expect(() => parseOutputLine(line, 'x.jsonl:3')).toThrow(msg);
    try {
      parseOutputLine(line, 'x.jsonl:3');
    } catch (e) {
      expect((e as { code: string }).code).toBe('IR_INPUT_INVALID');
      expect((e as Error).message).toMatch(/^x\.jsonl:3: /);
    }
  });
});
