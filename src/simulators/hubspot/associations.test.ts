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

  it('user labels: one type id per direction outside HubSpot ids, removing one label keeps the pair, deleting the label clears it everywhere', () => {
    const s = new HubspotState(5);
    const ct = s.create('contacts', { email: 'c@label.test' }, src).id;
    const co = s.create('companies', { name: 'Gamma' }, src).id;
    const l = s.assoc.addLabel('contacts', 'companies', 'billing', 'Billing', 'Billed');
    if (!l) throw new Error('no label');
    expect([l.typeId, l.inverseTypeId].some((t) => [1, 2, 279, 280].includes(t))).toBe(false);
    expect(s.assoc.addLabel('notes', 'tasks', 'x', 'X', null)).toBeNull();
    s.associate('companies', co, 'contacts', ct, [l.inverseTypeId]);
    expect(s.associations('contacts', ct, 'companies')).toEqual([{ id: co, types: [l.typeId, 279].sort((a, b) => a - b) }]);
    expect(s.assoc.typeSpec('companies', 'contacts', l.inverseTypeId)).toEqual({ category: 'USER_DEFINED', typeId: l.inverseTypeId, label: 'Billed' });
    s.assoc.removeTypes('contacts', ct, 'companies', co, [l.typeId]);
    expect(s.associations('companies', co, 'contacts')).toEqual([{ id: ct, types: [280] }]);
    s.associate('contacts', ct, 'companies', co, [l.typeId]);
    s.assoc.removeLabel(l);
    expect(s.associations('contacts', ct, 'companies')).toEqual([{ id: co, types: [279] }]);
    expect(s.isKnownType('contacts', 'companies', l.typeId)).toBe(false);
  });

  it('merge moves the other record\'s associations to the primary and archives the other', () => {
    const s = new HubspotState(6);
    const keep = s.create('contacts', { email: 'keep@m.test' }, src);
    const gone = s.create('contacts', { email: 'gone@m.test', phone: '+1 555' }, src);
    const co = s.create('companies', { name: 'Delta' }, src).id;
    s.associate('contacts', gone.id, 'companies', co, [1]);
    s.merge(keep, gone, src);
    expect(s.live('contacts', gone.id)).toBeUndefined();
    expect(keep.props).toMatchObject({ phone: '+1 555', hs_additional_emails: 'gone@m.test', hs_merged_object_ids: String(gone.id) });
    expect(s.contactByEmail('GONE@m.test')?.id).toBe(keep.id);
    expect(s.associations('companies', co, 'contacts')).toEqual([{ id: keep.id, types: [2, 280] }]);
  });
});
