/** The catalogue's own rules, on plain values: deal product sums, owner as first follower, snapshots. */
import { describe, expect, it } from 'vitest';
import { PipedriveCatalog, dealProductSum } from './catalog.js';

describe('Pipedrive catalogue', () => {
  it('a deal product sums price × quantity, less a percentage or an amount, plus exclusive tax only', () => {
    const line = {
      item_price: 100,
      quantity: 3,
      discount: 10,
      discount_type: 'percentage' as const,
      tax: 20,
      tax_method: 'exclusive' as const,
    };
    expect(dealProductSum(line)).toBe(324);
    expect(dealProductSum({ ...line, tax_method: 'inclusive' })).toBe(270);
    expect(dealProductSum({ ...line, tax_method: 'none' })).toBe(270);
    expect(dealProductSum({ ...line, discount_type: 'amount', discount: 50, tax_method: 'none' })).toBe(250);
    expect(dealProductSum({ ...line, item_price: 0.1, quantity: 3, discount: 0, tax_method: 'none' })).toBe(
      0.3,
    );
  });

  it('the owner follows a record until its list is changed; activity type keys are unique', () => {
    const c = new PipedriveCatalog();
    expect(c.followersOf('deal', 7, { userId: 3, since: 1000 })).toEqual([{ user_id: 3, addTime: 1000 }]);
    expect(c.followersOf('deal', 8, { userId: null, since: 1000 })).toEqual([]);
    c.setFollowers('deal', 7, [{ user_id: 4, addTime: 2000 }]);
    expect(c.followersOf('deal', 7, { userId: 3, since: 1000 })).toEqual([{ user_id: 4, addTime: 2000 }]);
    const a = c.addActivityType({ name: 'Site visit', icon_key: 'car', color: 'FFFFFF' }, 5);
    const b = c.addActivityType({ name: 'Site  visit!', icon_key: 'car', color: 'FFFFFF' }, 6);
    expect([a.key_string, b.key_string]).toEqual(['site_visit', 'site_visit_2']);
    expect(c.addActivityType({ name: 'Call', icon_key: 'call', color: 'FFFFFF' }, 7).key_string).toBe(
      'call_2',
    );
  });

  it('comes back from its snapshot with its products, attachments, followers, types and counters', () => {
    const c = new PipedriveCatalog();
    const p = c.addProduct(
      {
        name: 'Seat',
        code: '',
        description: '',
        unit: '',
        tax: 0,
        category: null,
        owner_id: 1,
        is_linkable: true,
        visible_to: 3,
        prices: [],
        billing_frequency: 'one-time',
        billing_frequency_cycles: null,
        custom_fields: {},
      },
      10,
    );
    c.attach(
      {
        deal_id: 2,
        product_id: p.id,
        item_price: 5,
        quantity: 1,
        discount: 0,
        discount_type: 'percentage',
        tax: 0,
        tax_method: 'none',
        comments: '',
        currency: 'EUR',
        is_enabled: true,
        billing_frequency: 'one-time',
        billing_frequency_cycles: null,
        billing_start_date: null,
      },
      11,
    );
    c.setFollowers('product', p.id, []);
    const back = PipedriveCatalog.fromSnapshot(JSON.parse(JSON.stringify(c.toSnapshot())));
    expect(back.product(p.id)?.name).toBe('Seat');
    expect(back.attachments(2)).toHaveLength(1);
    expect(back.followersOf('product', p.id, { userId: 1, since: 0 })).toEqual([]);
    expect(back.addProduct({ ...p }, 12).id).toBe(p.id + 1);
    expect(back.activityTypes).toHaveLength(6);
  });
});
