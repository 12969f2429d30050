/**
 * The company's catalogue beside its records: products and their prices, the products attached to
 * deals, who follows which record, and the activity types. Plain data with the rules Pipedrive
 * applies to it (a deal product's sum, the owner following a record until unfollowed); the routes
 * in routes/ give it its HTTP shape.
 */

export interface ProductPrice {
  price: number;
  currency: string;
  cost: number;
  direct_cost: number | null;
  notes: string;
}

export const BILLING_FREQUENCIES = [
  'one-time',
  'annually',
  'semi-annually',
  'quarterly',
  'monthly',
  'weekly',
] as const;
export type BillingFrequency = (typeof BILLING_FREQUENCIES)[number];

export interface Product {
  id: number;
  name: string;
  code: string;
  description: string;
  unit: string;
  tax: number;
  category: number | null;
  owner_id: number;
  is_linkable: boolean;
  visible_to: number;
  prices: ProductPrice[];
  billing_frequency: BillingFrequency;
  billing_frequency_cycles: number | null;
  custom_fields: Record<string, unknown>;
  addTime: number;
  updateTime: number;
  deleted: boolean;
}

export const TAX_METHODS = ['exclusive', 'inclusive', 'none'] as const;
export const DISCOUNT_TYPES = ['percentage', 'amount'] as const;

/** A product attached to a deal (`/deals/{id}/products`): its own price, quantity, discount and tax. */
export interface DealProduct {
  id: number;
  deal_id: number;
  product_id: number;
  item_price: number;
  quantity: number;
  discount: number;
  discount_type: (typeof DISCOUNT_TYPES)[number];
  tax: number;
  tax_method: (typeof TAX_METHODS)[number];
  comments: string;
  currency: string;
  is_enabled: boolean;
  billing_frequency: BillingFrequency;
  billing_frequency_cycles: number | null;
  billing_start_date: string | null;
  addTime: number;
  updateTime: number;
}

/** The line total Pipedrive computes: price × quantity, less the discount, plus exclusive tax. */
export function dealProductSum(
  p: Pick<DealProduct, 'item_price' | 'quantity' | 'discount' | 'discount_type' | 'tax' | 'tax_method'>,
): number {
  const gross = p.item_price * p.quantity;
  const net = p.discount_type === 'amount' ? gross - p.discount : gross * (1 - p.discount / 100);
  const total = p.tax_method === 'exclusive' ? net * (1 + p.tax / 100) : net;
  return Math.round(total * 100) / 100;
}

export interface ActivityType {
  id: number;
  name: string;
  key_string: string;
  icon_key: string;
  /** 6-digit hex; the spec's example value, FFFFFF, when none is given. */
  color: string;
  order_nr: number;
  active_flag: boolean;
  is_custom_flag: boolean;
  addTime: number;
  updateTime: number;
}

/** The icons Pipedrive offers for an activity type (v1 spec, `icon_key`). */
export const ACTIVITY_ICONS = [
  'task',
  'email',
  'meeting',
  'deadline',
  'call',
  'lunch',
  'calendar',
  'downarrow',
  'document',
  'smartphone',
  'camera',
  'scissors',
  'cogs',
  'bubble',
  'uparrow',
  'checkbox',
  'signpost',
  'shuffle',
  'addressbook',
  'linegraph',
  'picture',
  'car',
  'world',
  'search',
  'clip',
  'sound',
  'brush',
  'key',
  'padlock',
  'pricetag',
  'suitcase',
  'finish',
  'plane',
  'loop',
  'wifi',
  'truck',
  'cart',
  'bulb',
  'bell',
  'presentation',
];

/** Records that have followers (v2 `/{plural}/{id}/followers`). */
export type FollowedType = 'person' | 'organization' | 'deal' | 'product';

export interface Follower {
  user_id: number;
  addTime: number;
}

export interface CatalogSnapshot {
  products: Product[];
  dealProducts: DealProduct[];
  activityTypes: ActivityType[];
  followers: [string, Follower[]][];
  nextProductId: number;
  nextDealProductId: number;
}

const CATALOGUE_START = Date.UTC(2024, 0, 2, 9, 0, 0);
const DEFAULT_TYPES = ['call', 'meeting', 'task', 'deadline', 'email', 'lunch'];

export class PipedriveCatalog {
  readonly products: Product[] = [];
  readonly dealProducts: DealProduct[] = [];
  readonly activityTypes: ActivityType[] = DEFAULT_TYPES.map((k, i) => ({
    id: i + 1,
    name: k[0].toUpperCase() + k.slice(1),
    key_string: k,
    icon_key: k,
    color: 'FFFFFF',
    order_nr: i + 1,
    active_flag: true,
    is_custom_flag: false,
    addTime: CATALOGUE_START,
    updateTime: CATALOGUE_START,
  }));
  /** `${type}:${id}` → followers, once the list was changed; before that the owner follows. */
  private readonly followers = new Map<string, Follower[]>();
  private nextProductId = 1;
  private nextDealProductId = 1;

  addProduct(p: Omit<Product, 'id' | 'addTime' | 'updateTime' | 'deleted'>, at: number): Product {
    const product: Product = { ...p, id: this.nextProductId++, addTime: at, updateTime: at, deleted: false };
    this.products.push(product);
    return product;
  }

  product(id: number): Product | undefined {
    return this.products.find((p) => p.id === id && !p.deleted);
  }

  attach(d: Omit<DealProduct, 'id' | 'addTime' | 'updateTime'>, at: number): DealProduct {
    const a: DealProduct = { ...d, id: this.nextDealProductId++, addTime: at, updateTime: at };
    this.dealProducts.push(a);
    return a;
  }

  attachments(dealId: number): DealProduct[] {
    return this.dealProducts.filter((a) => a.deal_id === dealId);
  }

  detach(a: DealProduct): void {
    this.dealProducts.splice(this.dealProducts.indexOf(a), 1);
  }

  addActivityType(t: Pick<ActivityType, 'name' | 'icon_key' | 'color'>, at: number): ActivityType {
    const id = Math.max(0, ...this.activityTypes.map((x) => x.id)) + 1;
    const base =
      t.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_+|_+$/g, '') || 'activity';
    let key = base;
    for (let n = 2; this.activityTypes.some((x) => x.key_string === key); n++) key = `${base}_${n}`;
    const type: ActivityType = {
      ...t,
      id,
      key_string: key,
      order_nr: this.activityTypes.length + 1,
      active_flag: true,
      is_custom_flag: true,
      addTime: at,
      updateTime: at,
    };
    this.activityTypes.push(type);
    return type;
  }

  /** The followers of a record: its owner until the list is first changed (Pipedrive adds the owner). */
  followersOf(type: FollowedType, id: number, owner: { userId: number | null; since: number }): Follower[] {
    return (
      this.followers.get(`${type}:${id}`) ??
      (owner.userId === null ? [] : [{ user_id: owner.userId, addTime: owner.since }])
    );
  }

  setFollowers(type: FollowedType, id: number, list: Follower[]): void {
    this.followers.set(`${type}:${id}`, list);
  }

  toSnapshot(): CatalogSnapshot {
    return {
      products: this.products,
      dealProducts: this.dealProducts,
      activityTypes: this.activityTypes,
      followers: [...this.followers],
      nextProductId: this.nextProductId,
      nextDealProductId: this.nextDealProductId,
    };
  }

  static fromSnapshot(s: CatalogSnapshot): PipedriveCatalog {
    const c = new PipedriveCatalog();
    c.products.push(...s.products);
    c.dealProducts.push(...s.dealProducts);
    c.activityTypes.splice(0, c.activityTypes.length, ...s.activityTypes);
    for (const [k, v] of s.followers) c.followers.set(k, v);
    c.nextProductId = s.nextProductId;
    c.nextDealProductId = s.nextDealProductId;
    return c;
  }
}
