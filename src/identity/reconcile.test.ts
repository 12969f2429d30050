import { describe, expect, it } from 'vitest';
import type { CompanyCandidate, ContactCandidate } from '../crm/types.js';
import { parseInputLines, parseSnapshotLines, reconcile, resultLine, summarise } from './reconcile.js';

const contacts = parseSnapshotLines<ContactCandidate>(
  [
    '{"id":"c1","email":"ann@acme.com","additional_emails":[],"first_name":"Ann","last_name":"Lee","company_id":"a1","company_name":"Acme Inc","phone":null}',
    '{"id":"c2","email":"info@acme.com","first_name":"Bo","last_name":"Ray","company_id":"a1"}',
  ].join('\n'),
  'contacts',
);
const companies = parseSnapshotLines<CompanyCandidate>(
  '{"id":"a1","name":"Acme Inc","domain":"acme.com"}\n',
  'companies',
);

describe('parseInputLines', () => {
  it.each([
    ['not json', 'line:1', 'not JSON'],
    ['{"key":"k9","type":"person"}', 'k9', 'type'],
    ['{"type":"contact","email":"a@b.com"}', 'line:1', 'key'],
    ['[1,2]', 'line:1', 'malformed'],
  ])('%s → unmatched %s with the reason', (line, key, fragment) => {
    const { inputs, rejected, problems } = parseInputLines(line);
    expect(inputs).toEqual([]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ key, status: 'unmatched', id: null });
    expect(rejected[0]?.reason).toContain('line 1');
    expect(rejected[0]?.reason).toContain(fragment);
    expect(problems[0]?.line).toBe(1);
  });

  it('keeps valid lines, numbers lines from 1 and skips blank ones', () => {
    const { inputs, rejected } = parseInputLines(
      '\n{"key":1,"type":"contact","email":"ANN@acme.com"}\n{bad\n',
    );
    expect(inputs).toEqual([{ key: '1', type: 'contact', email: 'ANN@acme.com' }]);
    expect(rejected[0]?.reason).toContain('line 3');
  });
});

describe('reconcile', () => {
  it('resolves in process and renders the documented output line', () => {
    const { inputs } = parseInputLines(
      [
        '{"key":"x","type":"contact","email":" Ann@ACME.com "}',
        '{"key":"y","type":"contact","email":"info@acme.com"}',
        '{"key":"z","type":"company","website":"https://www.acme.com/about"}',
      ].join('\n'),
    );
    const results = reconcile(inputs, { contacts, companies });
    expect(results.map(resultLine)).toEqual([
      {
        key: 'x',
        status: 'matched',
        id: 'c1',
        candidates: ['c1'],
        confidence: 0.98,
        reason: expect.any(String),
      },
      {
        key: 'y',
        status: 'ambiguous',
        id: null,
        candidates: ['c2'],
        confidence: expect.any(Number),
        reason: expect.stringContaining('info@acme.com'),
      },
      {
        key: 'z',
        status: 'matched',
        id: 'a1',
        candidates: ['a1'],
        confidence: 0.95,
        reason: expect.any(String),
      },
    ]);
    expect(summarise(results, 2)).toEqual({ total: 3, matched: 2, ambiguous: 1, unmatched: 0, malformed: 2 });
  });
});
