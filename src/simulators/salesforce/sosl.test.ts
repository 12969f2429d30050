import { describe, expect, it } from 'vitest';
import { parseSosl } from './sosl.js';

describe('parseSosl', () => {
  it('reads the term, scope, objects with their fields and the limit', () => {
    const q = parseSosl('FIND {Acme Co} IN NAME FIELDS RETURNING Lead(Id, Name), Account LIMIT 10');
    expect(q).toMatchObject({
      term: 'Acme Co',
      scope: 'NAME',
      returning: [
        { object: 'Lead', fields: ['Id', 'Name'] },
        { object: 'Account', fields: [] },
      ],
      limit: 10,
    });
    expect(parseSosl('find {x1}')).toMatchObject({ scope: 'ALL', returning: [], limit: 2000 });
  });

  it('matches case-insensitively anywhere, * as any characters and ? as one, other characters literally', () => {
    const q = parseSosl('FIND {jo?n*smith}');
    expect(['JOHN SMITH', 'mr joan-smithers'].map(q.matches)).toEqual([true, true]);
    expect(q.matches('jon smith')).toBe(false);
    expect(parseSosl('FIND {a.b}').matches('axb')).toBe(false);
    expect(parseSosl('FIND {\\}x}').term).toBe('}x');
  });

  it('refuses what it does not parse with MALFORMED_SEARCH', () => {
    for (const s of [
      'FIND x',
      'FIND {a}',
      'FIND {ab} IN ANY FIELDS',
      'FIND {ab} RETURNING',
      'FIND {ab} LIMIT x',
      'FIND {ab} RETURNING Lead(Name',
    ]) {
      expect(() => parseSosl(s), s).toThrow(
        expect.objectContaining({ errors: [expect.objectContaining({ errorCode: 'MALFORMED_SEARCH' })] }),
      );
    }
  });
});
