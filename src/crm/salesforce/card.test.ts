import { describe, expect, it } from 'vitest';
import { id18, salesforceCard } from './card.js';

// Real ids and their 18-character forms (docs/reference/salesforce.md §5.2).
const VECTORS: [string, string][] = [
  ['001D000000IqhSL', '001D000000IqhSLIAZ'],
  ['001R0000005hDFY', '001R0000005hDFYIA2'],
  ['003RO0000035WQg', '003RO0000035WQgYAM'],
];

describe('Salesforce card: record ids', () => {
  it.each(VECTORS)('%s is %s in its 18-character form', (short, long) => {
    expect(id18(short)).toBe(long);
    expect(salesforceCard.ids.canonical(short)).toBe(long);
    expect(salesforceCard.ids.canonical(long)).toBe(long);
  });

  it('names both forms of one record, and only one form of what is not an id', () => {
    expect(salesforceCard.ids.aliases('001D000000IqhSLIAZ')).toEqual([
      '001D000000IqhSLIAZ',
      '001D000000IqhSL',
    ]);
    expect(salesforceCard.ids.aliases('001D000000IqhSL')).toEqual(['001D000000IqhSL', '001D000000IqhSLIAZ']);
    expect(salesforceCard.ids.aliases('junk')).toEqual(['junk']);
    expect(salesforceCard.ids.canonical('junk')).toBe('junk');
  });
});
