import { describe, expect, it } from 'vitest';
import { IdGenerator, normalizeId, to18 } from './ids.js';

// Test vectors from salesforce.md §5.2 (real ids whose suffix the algorithm reproduces).
const VECTORS: [string, string][] = [
  ['001D000000IqhSL', '001D000000IqhSLIAZ'],
  ['001R0000005hDFY', '001R0000005hDFYIA2'],
  ['003RO0000035WQg', '003RO0000035WQgYAM'],
  ['a00D0000008pQRA', 'a00D0000008pQRAIA2'],
  ['001xx000003DGb2', '001xx000003DGb2AAG'],
  ['003q000000KvQ1t', '003q000000KvQ1tAAF'],
  ['00Di0000000icUB', '00Di0000000icUBEAY'],
  ['005i0000002MUqL', '005i0000002MUqLAAW'],
  ['01gD0000002HU6K', '01gD0000002HU6KIAW'],
  ['001A0000006Vm9r', '001A0000006Vm9rIAC'],
  ['001A0000006VM9r', '001A0000006VM9rIAG'],
  ['AAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAA555'],
];

describe('salesforce ids (§5.2)', () => {
  it.each(VECTORS)('to18(%s) = %s', (id15, id18) => {
    expect(to18(id15)).toBe(id18);
  });
  it.each(VECTORS)('normalizeId accepts 15 (%s), 18 and a lower-cased 18', (id15, id18) => {
    expect(normalizeId(id15)).toBe(id18);
    expect(normalizeId(id18)).toBe(id18);
    expect(normalizeId(id18.toLowerCase())).toBe(id18);
  });
  it('rejects the guide’s incorrect id, wrong lengths and non-alphanumerics', () => {
    expect(normalizeId('001900K0001pPuOAAU')).toBeNull();
    expect(normalizeId('001900K0001pPuOACU')).toBe('001900K0001pPuOACU');
    expect(normalizeId('23foo')).toBeNull();
    expect(normalizeId('001D000000IqhS-')).toBeNull();
  });
  it('generates distinct, valid, mixed-case ids with the key prefix', () => {
    const gen = new IdGenerator();
    const ids = Array.from({ length: 500 }, () => gen.next('00Q'));
    expect(new Set(ids).size).toBe(500);
    for (const id of ids) {
      expect(id.startsWith('00Q')).toBe(true);
      expect(normalizeId(id)).toBe(id);
    }
    expect(ids.some((id) => /[a-z]/.test(id.slice(3, 15)))).toBe(true);
  });
});
