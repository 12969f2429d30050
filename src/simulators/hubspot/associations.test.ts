/** Associations v4 in the account state (reference §7): both directions, primary + unlabeled, removal. */
import { describe, expect, it } from 'vitest';
import { HubspotState } from './state.js';

const src = { sourceType: 'INTEGRATION' as const, sourceId: '1' };

describe('HubSpot associations (§7.1, §7.2)', () => {
  it('are bidirectional, a primary one brings the unlabeled one, and removal clears both sides', () => {
    const s = new HubspotState(3);
    const co = s.create('companies', { name: 'Acme' }, src).id;
    const other = s.create('companies', { name: 'Beta' }, src).id;
    const ct = s.create('contacts', { email: 'a@acme.test' }, src).id;
    s.associate('contacts', ct, 'companies', co, [1]);
    s.associate('contacts', ct, 'companies', co, [1]); // again: no duplicate type ids
    s.associate('contacts', ct, 'companies', other);
    expect(s.associations('contacts', ct, 'companies')).toEqual([
      { id: co, types: [1, 279] },
      { id: other, types: [279] },
    ]);
    expect(s.associations('companies', co, 'contacts')).toEqual([{ id: ct, types: [2, 280] }]);
    s.dissociate('contacts', ct, 'companies', co);
    expect(s.associations('contacts', ct, 'companies')).toEqual([{ id: other, types: [279] }]);
    expect(s.associations('companies', co, 'contacts')).toEqual([]);
    expect(s.associations('companies', other, 'contacts')).toEqual([{ id: ct, types: [280] }]);
  });

  it('leave archived records out', () => {
    const s = new HubspotState(4);
    const ct = s.create('contacts', { email: 'b@beta.test' }, src).id;
    const deal = s.create('deals', { dealname: 'D' }, src);
    s.associate('deals', deal.id, 'contacts', ct);
    expect(s.associations('contacts', ct, 'deals')).toEqual([{ id: deal.id, types: [4] }]);
    s.archive(deal, src);
    expect(s.associations('contacts', ct, 'deals')).toEqual([]);
  });
});
