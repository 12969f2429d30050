/**
 * Products (v2 `/products`) and the products attached to deals (`/deals/{id}/products`, and
 * `/deals/products?deal_ids=` across deals). A deleted product leaves the list and its attachments
 * stay on their deals; an attachment's `sum` is computed from price, quantity, discount and tax,
 * and a deal with products is worth their total.
 */
import {
  BILLING_FREQUENCIES,
  DISCOUNT_TYPES,
  type DealProduct,
  type Product,
  type ProductPrice,
  TAX_METHODS,
  dealProductSum,
} from '../catalog.js';
import { SchemaError } from '../entities.js';
import { v2Time } from '../schema.js';
import type { Entity } from '../model.js';
import {
  type Answer,
  type Req,
  type Route,
  type RouteContext,
  badRequest,
  decodeCursor,
  encodeCursor,
  notFound,
  ok,
} from '../routes.js';
import { checkedBody } from './body.js';

export function productV2(p: Product): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    code: p.code,
    description: p.description,
    unit: p.unit,
    tax: p.tax,
    category: p.category === null ? null : String(p.category),
    is_deleted: p.deleted,
    is_linkable: p.is_linkable,
    visible_to: p.visible_to,
    owner_id: p.owner_id,
    add_time: v2Time(p.addTime),
    update_time: v2Time(p.updateTime),
    billing_frequency: p.billing_frequency,
    billing_frequency_cycles: p.billing_frequency_cycles,
    prices: p.prices.map((x) => ({ product_id: p.id, ...x })),
    custom_fields: p.custom_fields,
  };
}

export function dealProductV2(c: RouteContext, a: DealProduct): Record<string, unknown> {
  const product = c.state.catalog.products.find((p) => p.id === a.product_id);
  return {
    id: a.id,
    deal_id: a.deal_id,
    product_id: a.product_id,
    product_variation_id: null,
    name: product?.name ?? '',
    order_nr: c.state.catalog.attachments(a.deal_id).indexOf(a) + 1,
    item_price: a.item_price,
    quantity: a.quantity,
    discount: a.discount,
    discount_type: a.discount_type,
    tax: a.tax,
    tax_method: a.tax_method,
    sum: dealProductSum(a),
    currency: a.currency,
    comments: a.comments,
    is_enabled: a.is_enabled,
    billing_frequency: a.billing_frequency,
    billing_frequency_cycles: a.billing_frequency_cycles,
    billing_start_date: a.billing_start_date,
    add_time: v2Time(a.addTime),
    update_time: v2Time(a.updateTime),
  };
}

const PRODUCT_BODY = {
  name: 'string',
  code: 'string',
  description: 'string',
  unit: 'string',
  tax: 'number',
  category: 'number',
  owner_id: 'integer',
  is_linkable: 'boolean',
  visible_to: 'number',
  prices: 'array',
  custom_fields: 'object',
  billing_frequency: BILLING_FREQUENCIES,
  billing_frequency_cycles: 'integer',
} as const;

const DEAL_PRODUCT_BODY = {
  product_id: 'integer',
  item_price: 'number',
  quantity: 'number',
  tax: 'number',
  comments: 'string',
  discount: 'number',
  is_enabled: 'boolean',
  tax_method: TAX_METHODS,
  discount_type: DISCOUNT_TYPES,
  product_variation_id: 'integer',
  billing_frequency: BILLING_FREQUENCIES,
  billing_frequency_cycles: 'integer',
  billing_start_date: 'string',
} as const;

/** One page of `rows` by an offset cursor and `limit` (≤ 500), with `next_cursor`. */
function page<T>(r: Req, rows: T[], json: (x: T) => unknown): Answer {
  const limit = r.query.limit === undefined ? 100 : Number(r.query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    return badRequest(2, 'Validation failed: limit: Expected an integer between 1 and 500');
  const cur = r.query.cursor ? decodeCursor(r.query.cursor) : { offset: 0 };
  if (!cur || typeof cur.offset !== 'number')
    return badRequest(2, `Validation failed: cursor: '${r.query.cursor}' is not a valid cursor`);
  const offset = cur.offset;
  return ok(rows.slice(offset, offset + limit).map(json), {
    next_cursor: offset + limit < rows.length ? encodeCursor({ offset: offset + limit }) : null,
  });
}

function prices(raw: unknown): ProductPrice[] {
  const list = (raw ?? []) as Record<string, unknown>[];
  return list.map((p, i) => {
    if (typeof p !== 'object' || p === null || typeof p.price !== 'number' || typeof p.currency !== 'string')
      throw new SchemaError([
        `prices[${i}]: Expected an object with 'price' (number) and 'currency' (string)`,
      ]);
    return {
      price: p.price,
      currency: p.currency,
      cost: typeof p.cost === 'number' ? p.cost : 0,
      direct_cost: typeof p.direct_cost === 'number' ? p.direct_cost : null,
      notes: typeof p.notes === 'string' ? p.notes : '',
    };
  });
}

function liveDeal(c: RouteContext, id: string): Entity | undefined {
  const e = c.state.get('deal', Number(id));
  return e && e.deletedAt === null ? e : undefined;
}

/**
 * A deal with products is worth their total: Pipedrive sets the deal value to the sum of its
 * enabled product lines whenever they change (a change like any other: changelog, webhook).
 */
function syncDealValue(c: RouteContext, r: Req, deal: Entity): void {
  const lines = c.state.catalog.attachments(deal.id).filter((a) => a.is_enabled);
  if (lines.length === 0) return;
  const total = Math.round(lines.reduce((sum, a) => sum + dealProductSum(a), 0) * 100) / 100;
  if (deal.core.value !== total) c.state.update(deal, { value: total }, {}, r.actor);
}

function checkVisibleAndOwner(c: RouteContext, b: Record<string, unknown>): void {
  if (b.visible_to !== undefined && ![1, 3, 5, 7].includes(b.visible_to as number))
    throw new SchemaError([`visible_to: '${String(b.visible_to)}' is not one of 1, 3, 5, 7`]);
  if (b.owner_id !== undefined && !c.state.user(b.owner_id as number))
    throw new SchemaError([`owner_id: User with id ${String(b.owner_id)} does not exist`]);
}

export function productRoutes(): Omit<Route, 're' | 'names'>[] {
  return [
    {
      method: 'GET',
      version: 2,
      template: '/products',
      op: 'list',
      handler: (c, r) => {
        const owner = r.query.owner_id === undefined ? undefined : Number(r.query.owner_id);
        const ids = r.query.ids === undefined ? undefined : r.query.ids.split(',').map(Number);
        if (ids && (ids.length > 100 || ids.some((n) => !Number.isInteger(n))))
          return badRequest(2, 'Validation failed: ids: Expected up to 100 integers');
        return page(
          r,
          c.state.catalog.products.filter(
            (p) =>
              !p.deleted && (owner === undefined || p.owner_id === owner) && (!ids || ids.includes(p.id)),
          ),
          productV2,
        );
      },
    },
    {
      method: 'GET',
      version: 2,
      template: '/products/:id',
      op: 'get',
      handler: (c, r) => {
        const p = c.state.catalog.product(Number(r.params.id));
        return p ? ok(productV2(p)) : notFound(2, 'Product');
      },
    },
    {
      method: 'POST',
      version: 2,
      template: '/products',
      op: 'write',
      handler: (c, r) => {
        const b = checkedBody(r, PRODUCT_BODY, ['name']);
        if ((b.name as string).trim() === '')
          return badRequest(2, "Validation failed: name: Expected non-empty 'string'");
        checkVisibleAndOwner(c, b);
        const p = c.state.catalog.addProduct(
          {
            name: b.name as string,
            code: (b.code as string | undefined) ?? '',
            description: (b.description as string | undefined) ?? '',
            unit: (b.unit as string | undefined) ?? '',
            tax: (b.tax as number | undefined) ?? 0,
            category: (b.category as number | undefined) ?? null,
            owner_id: (b.owner_id as number | undefined) ?? r.actor.userId,
            is_linkable: (b.is_linkable as boolean | undefined) ?? true,
            visible_to: (b.visible_to as number | undefined) ?? 3,
            prices: prices(b.prices),
            billing_frequency:
              (b.billing_frequency as Product['billing_frequency'] | undefined) ?? 'one-time',
            billing_frequency_cycles: (b.billing_frequency_cycles as number | undefined) ?? null,
            custom_fields: (b.custom_fields as Record<string, unknown> | undefined) ?? {},
          },
          c.state.now(),
        );
        return { status: 201, body: { success: true, data: productV2(p) } };
      },
    },
    {
      method: 'PATCH',
      version: 2,
      template: '/products/:id',
      op: 'write',
      handler: (c, r) => {
        const p = c.state.catalog.product(Number(r.params.id));
        if (!p) return notFound(2, 'Product');
        const b = checkedBody(r, PRODUCT_BODY);
        checkVisibleAndOwner(c, b);
        if (typeof b.name === 'string' && b.name.trim() === '')
          return badRequest(2, "Validation failed: name: Expected non-empty 'string'");
        for (const k of [
          'name',
          'code',
          'description',
          'unit',
          'tax',
          'owner_id',
          'is_linkable',
          'visible_to',
          'billing_frequency',
          'billing_frequency_cycles',
        ] as const) {
          if (b[k] !== undefined) Object.assign(p, { [k]: b[k] });
        }
        if (b.category !== undefined) p.category = b.category as number;
        // prices are replaced as a whole, per currency
        if (b.prices !== undefined) p.prices = prices(b.prices);
        if (b.custom_fields !== undefined)
          p.custom_fields = { ...p.custom_fields, ...(b.custom_fields as Record<string, unknown>) };
        p.updateTime = c.state.now();
        return ok(productV2(p));
      },
    },
    {
      method: 'DELETE',
      version: 2,
      template: '/products/:id',
      op: 'delete',
      handler: (c, r) => {
        const p = c.state.catalog.product(Number(r.params.id));
        if (!p) return notFound(2, 'Product');
        p.deleted = true;
        p.updateTime = c.state.now();
        return ok({ id: p.id });
      },
    },
    {
      method: 'GET',
      version: 2,
      template: '/deals/products',
      op: 'list',
      handler: (c, r) => {
        if (!r.query.deal_ids)
          return badRequest(2, "Validation failed: deal_ids: Required parameter 'deal_ids' is missing");
        const ids = r.query.deal_ids.split(',').map(Number);
        if (ids.length > 100 || ids.some((n) => !Number.isInteger(n) || n <= 0))
          return badRequest(2, 'Validation failed: deal_ids: Expected up to 100 positive integers');
        return page(
          r,
          c.state.catalog.dealProducts.filter((a) => ids.includes(a.deal_id)),
          (a) => dealProductV2(c, a),
        );
      },
    },
    {
      method: 'GET',
      version: 2,
      template: '/deals/:id/products',
      op: 'list',
      handler: (c, r) => {
        const deal = liveDeal(c, r.params.id);
        if (!deal) return notFound(2, 'Deal');
        return page(r, c.state.catalog.attachments(deal.id), (a) => dealProductV2(c, a));
      },
    },
    {
      method: 'POST',
      version: 2,
      template: '/deals/:id/products',
      op: 'write',
      handler: (c, r) => {
        const deal = liveDeal(c, r.params.id);
        if (!deal) return notFound(2, 'Deal');
        const b = checkedBody(r, DEAL_PRODUCT_BODY, ['product_id', 'item_price', 'quantity']);
        const product = c.state.catalog.product(b.product_id as number);
        if (!product)
          return badRequest(
            2,
            `Validation failed: product_id: Product with id ${String(b.product_id)} does not exist`,
          );
        if (b.product_variation_id !== undefined)
          return badRequest(
            2,
            `Validation failed: product_variation_id: Product ${product.id} has no variation ${String(b.product_variation_id)}`,
          );
        if (!product.is_linkable)
          return badRequest(
            2,
            `Validation failed: product_id: Product ${product.id} cannot be added to deals (is_linkable is false)`,
          );
        const a = c.state.catalog.attach(
          {
            deal_id: deal.id,
            product_id: product.id,
            item_price: b.item_price as number,
            quantity: b.quantity as number,
            discount: (b.discount as number | undefined) ?? 0,
            discount_type: (b.discount_type as DealProduct['discount_type'] | undefined) ?? 'percentage',
            tax: (b.tax as number | undefined) ?? 0,
            tax_method: (b.tax_method as DealProduct['tax_method'] | undefined) ?? 'inclusive',
            comments: (b.comments as string | undefined) ?? '',
            currency: typeof deal.core.currency === 'string' ? deal.core.currency : 'EUR',
            is_enabled: (b.is_enabled as boolean | undefined) ?? true,
            billing_frequency:
              (b.billing_frequency as DealProduct['billing_frequency'] | undefined) ?? 'one-time',
            billing_frequency_cycles: (b.billing_frequency_cycles as number | undefined) ?? null,
            billing_start_date: (b.billing_start_date as string | undefined) ?? null,
          },
          c.state.now(),
        );
        syncDealValue(c, r, deal);
        return { status: 201, body: { success: true, data: dealProductV2(c, a) } };
      },
    },
    {
      method: 'PATCH',
      version: 2,
      template: '/deals/:id/products/:attachment',
      op: 'write',
      handler: (c, r) => {
        const deal = liveDeal(c, r.params.id);
        if (!deal) return notFound(2, 'Deal');
        const a = c.state.catalog.attachments(deal.id).find((x) => x.id === Number(r.params.attachment));
        if (!a) return notFound(2, 'Deal product');
        const b = checkedBody(r, DEAL_PRODUCT_BODY);
        if (b.product_id !== undefined && !c.state.catalog.product(b.product_id as number))
          return badRequest(
            2,
            `Validation failed: product_id: Product with id ${String(b.product_id)} does not exist`,
          );
        for (const k of Object.keys(DEAL_PRODUCT_BODY))
          if (b[k] !== undefined && k !== 'product_variation_id') Object.assign(a, { [k]: b[k] });
        a.updateTime = c.state.now();
        syncDealValue(c, r, deal);
        return ok(dealProductV2(c, a));
      },
    },
    {
      method: 'DELETE',
      version: 2,
      template: '/deals/:id/products/:attachment',
      op: 'delete',
      handler: (c, r) => {
        const deal = liveDeal(c, r.params.id);
        if (!deal) return notFound(2, 'Deal');
        const a = c.state.catalog.attachments(deal.id).find((x) => x.id === Number(r.params.attachment));
        if (!a) return notFound(2, 'Deal product');
        c.state.catalog.detach(a);
        syncDealValue(c, r, deal);
        return ok({ id: a.id });
      },
    },
  ];
}
