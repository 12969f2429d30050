import { describe, expect, it } from 'vitest';
import { chooseLogFormat, prettyLine } from './index.js';

describe('chooseLogFormat', () => {
  it('is pretty on a terminal and JSON lines when piped', () => {
    expect(chooseLogFormat({ isTTY: true })).toBe('pretty');
    expect(chooseLogFormat({ isTTY: false })).toBe('json');
  });

  it('takes the flag over the environment, and either over the terminal', () => {
    expect(chooseLogFormat({ flag: 'json', isTTY: true })).toBe('json');
    expect(chooseLogFormat({ flag: 'pretty', isTTY: false })).toBe('pretty');
    expect(chooseLogFormat({ env: 'pretty', isTTY: false })).toBe('pretty');
    expect(chooseLogFormat({ flag: 'json', env: 'pretty', isTTY: true })).toBe('json');
  });

  it('ignores a setting that names no format', () => {
    expect(chooseLogFormat({ env: 'yaml', isTTY: false })).toBe('json');
    expect(chooseLogFormat({ env: '', isTTY: true })).toBe('pretty');
  });
});

describe('prettyLine', () => {
  const time = Date.UTC(2026, 11, 6, 9, 5, 7);

  it('writes time, level, message and the other fields on one line, without the run id', () => {
    const line = prettyLine({
      level: 30,
      time,
      runId: 'run_1',
      msg: 'contact 155 · lead-scoring: wrote inrecord_score ∅ → 25',
      object: 'contact',
      record: '155',
      written: 1,
      outcomes: { written: 1 },
      source: 'webhook',
    });
    expect(line).toBe(
      '09:05:07 INFO  contact 155 · lead-scoring: wrote inrecord_score ∅ → 25 object=contact record=155 written=1 outcomes={"written":1} source=webhook\n',
    );
    expect(line.trimEnd()).not.toContain('\n');
  });

  it('quotes values with spaces, and shows an error by its message and code, not its stack', () => {
    const line = prettyLine({
      level: 50,
      time,
      msg: 'poll failed',
      object: 'lead',
      why: 'two words',
      err: {
        type: 'InrecordError',
        message: 'fetch failed',
        code: 'IR_CRM_UNREACHABLE',
        stack: 'at x (/a/b.ts:1)',
      },
    });
    expect(line).toBe(
      '09:05:07 ERROR poll failed object=lead why="two words" err="fetch failed (IR_CRM_UNREACHABLE)"\n',
    );
  });

  it('names warn level and keeps empty and null values visible', () => {
    expect(prettyLine({ level: 40, time, msg: 'x', a: '', b: null })).toBe('09:05:07 WARN  x a="" b=null\n');
  });
});
