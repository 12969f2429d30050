/**
 * Conformance of the Pipedrive simulator: pipelines and stages, products and deal products, followers, activity types and users, driven through the `pipedrive` npm client v33,
 * plus raw HTTP where the SDK hides what is being checked (status codes, headers, legacy v1 CRUD).
 * Every quirk cites its section of docs/reference/pipedrive.md; the suites, their shared setup and
 * the operations each answers for are in spec/suite.ts.
 */
import { v1, v2 } from 'pipedrive';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimAnswer } from '../conformance.js';
import type { RunningPipedriveSimulator } from './index.js';
import { failure, checkSuite, rawRequest, startConformanceSimulator, sweepCall } from './spec/suite.js';

let sim: RunningPipedriveSimulator;
let c2: v2.Configuration;
let c1: v1.Configuration;
/** Every answer the simulator gave in this file, checked against Pipedrive's published spec at the end. */
const answers: SimAnswer[] = [];

beforeAll(async () => {
  sim = await startConformanceSimulator(answers);
  c2 = new v2.Configuration({ apiKey: sim.token, basePath: sim.apiBase });
  c1 = new v1.Configuration({ apiKey: sim.token, basePath: sim.apiBaseV1 });
});

afterAll(async () => {
  await sim?.close();
});

const raw = (path: string, init: RequestInit = {}, token: string | null = sim.token) => rawRequest(sim, path, init, token);

describe('pipelines, stages, archived deals, deal products, users (official client)', () => {
  it('reads one pipeline and one stage; 404 for an unknown one', async () => {
    const pipelines = await new v2.PipelinesApi(c2).getPipelines({});
    const first = pipelines.data?.[0];
    const one = await new v2.PipelinesApi(c2).getPipeline({ id: Number(first?.id) });
    expect(one.data).toMatchObject({ id: first?.id, name: first?.name });
    const stages = await new v2.StagesApi(c2).getStages({ pipeline_id: Number(first?.id) });
    const stage = await new v2.StagesApi(c2).getStage({ id: Number(stages.data?.[0]?.id) });
    expect(stage.data).toMatchObject({ id: stages.data?.[0]?.id, pipeline_id: first?.id });
    expect(await failure(new v2.StagesApi(c2).getStage({ id: 999_999 }))).toMatchObject({ success: false });
  });

  it('archived deals leave the deal list and are listed by /deals/archived (not shadowed by /deals/{id})', async () => {
    const deals = new v2.DealsApi(c2);
    const made = await deals.addDeal({ AddDealRequest: { title: 'Archive me' } });
    const id = Number(made.data?.id);
    const archived = await deals.updateDeal({ id, UpdateDealRequest: { is_archived: true } as never });
    expect(archived.data?.is_archived).toBe(true);
    expect((await deals.getArchivedDeals({ limit: 500 })).data?.map((d) => d.id)).toContain(id);
    expect((await deals.getDeals({ ids: String(id) })).data ?? []).toEqual([]);
    const products = await new v2.DealProductsApi(c2).getDealsProducts({ deal_ids: [id] });
    expect(products.data).toEqual([]);
  });

  it('finds users by name and by e-mail (/users/find, not shadowed by /users/{id})', async () => {
    const me = await new v1.UsersApi(c1).getCurrentUser();
    const byName = await new v1.UsersApi(c1).findUsersByName({ term: String(me.data?.name).slice(0, 4) });
    expect(byName.data?.map((u) => u.id)).toContain(me.data?.id);
    const byEmail = await new v1.UsersApi(c1).findUsersByName({ term: String(me.data?.email), search_by_email: 1 });
    expect(byEmail.data?.map((u) => u.id)).toEqual([me.data?.id]);
  });

  it('v1 deals expand creator_user_id and owner to user objects; nested organizations carry their cc_email', async () => {
    const body = await (await raw('/v1/deals?limit=5')).json();
    const deal = body.data.find((d: { org_id: unknown }) => d.org_id !== null);
    expect(deal.creator_user_id).toMatchObject({ id: expect.any(Number), name: expect.any(String), email: expect.any(String) });
    expect(deal.org_id.cc_email).toMatch(/@pipedrivemail\.com$/);
  });
});

describe('pipelines and stages, products, deal products, followers, activity types (official client)', () => {
  // Like any client, these wait out the burst limit (§6.3) before a run of calls.
  const roomForCalls = async () => {
    const r = await raw('/v1/users/me');
    await r.arrayBuffer();
    if (Number(r.headers.get('x-ratelimit-remaining')) < 60) await new Promise((ok) => setTimeout(ok, (Number(r.headers.get('x-ratelimit-reset') ?? 2) + 0.1) * 1000));
  };

  it('adds a pipeline and a stage in it, updates both, moves the stage, and deletes them; a stage holding deals stays', async () => {
    await roomForCalls();
    const pipelines = new v2.PipelinesApi(c2);
    const stages = new v2.StagesApi(c2);
    const p = (await pipelines.addPipeline({ AddPipelineRequest: { name: 'Renewals', is_deal_probability_enabled: true } })).data;
    expect(p).toMatchObject({ name: 'Renewals', is_deal_probability_enabled: true, is_deleted: false });
    const pid = Number(p?.id);
    expect((await pipelines.updatePipeline({ id: pid, UpdatePipelineRequest: { name: 'Renewals 2027' } })).data?.name).toBe('Renewals 2027');
    const s = (await stages.addStage({ AddStageRequest: { name: 'Notice given', pipeline_id: pid, deal_probability: 40 } })).data;
    expect(s).toMatchObject({ name: 'Notice given', pipeline_id: pid, deal_probability: 40, order_nr: 1 });
    const sid = Number(s?.id);
    const updated = (await stages.updateStage({ id: sid, UpdateStageRequest: { name: 'Notice received', is_deal_rot_enabled: true, days_to_rotten: 14 } })).data;
    expect(updated).toMatchObject({ name: 'Notice received', is_deal_rot_enabled: true, days_to_rotten: 14 });
    expect((await stages.getStages({ pipeline_id: pid })).data?.map((x) => x.id)).toEqual([sid]);

    const deal = (await new v2.DealsApi(c2).addDeal({ AddDealRequest: { title: 'Renewal of Acme', stage_id: sid } })).data;
    expect(deal?.pipeline_id).toBe(pid);
    expect(await failure(stages.deleteStage({ id: sid }))).toMatchObject({ success: false, code: 'ERR_SCHEMA_VALIDATION_FAILED' });
    expect(await failure(pipelines.deletePipeline({ id: pid }))).toMatchObject({ success: false });
    // moving the stage to the first pipeline takes its deal along
    const first = Number((await pipelines.getPipelines({})).data?.[0]?.id);
    await stages.updateStage({ id: sid, UpdateStageRequest: { pipeline_id: first } });
    expect((await new v2.DealsApi(c2).getDeal({ id: Number(deal?.id) })).data?.pipeline_id).toBe(first);
    await new v2.DealsApi(c2).deleteDeal({ id: Number(deal?.id) });
    expect((await stages.deleteStage({ id: sid })).data).toEqual({ id: sid });
    expect((await pipelines.deletePipeline({ id: pid })).data).toEqual({ id: pid });
    expect(await failure(pipelines.getPipeline({ id: pid }))).toMatchObject({ success: false, error: 'Pipeline not found' });
    expect(await failure(stages.addStage({ AddStageRequest: { name: 'Orphan', pipeline_id: pid } }))).toMatchObject({ success: false });
  });

  it('adds, lists, updates and deletes products; attaches one to a deal with its sum, updates and removes the attachment', async () => {
    await roomForCalls();
    const products = new v2.ProductsApi(c2);
    const made = (await products.addProduct({ AddProductRequest: { name: 'Seat licence', code: 'SEAT-1', unit: 'seat', tax: 20, prices: [{ price: 120, currency: 'EUR', cost: 30 }] } as never })).data;
    expect(made).toMatchObject({ name: 'Seat licence', code: 'SEAT-1', tax: 20, is_deleted: false, billing_frequency: 'one-time', prices: [{ product_id: made?.id, price: 120, currency: 'EUR', cost: 30 }] });
    const id = Number(made?.id);
    await products.addProduct({ AddProductRequest: { name: 'Another product' } as never });
    expect((await products.getProducts({ ids: String(id) } as never)).data?.map((p) => p.id)).toEqual([id]);
    expect((await products.getProduct({ id })).data?.name).toBe('Seat licence');
    const renamed = (await products.updateProduct({ id, UpdateProductRequest: { name: 'Seat licence (annual)', billing_frequency: 'annually' } as never })).data;
    expect(renamed).toMatchObject({ name: 'Seat licence (annual)', billing_frequency: 'annually', code: 'SEAT-1' });

    const dealProducts = new v2.DealProductsApi(c2);
    const deal = Number((await new v2.DealsApi(c2).addDeal({ AddDealRequest: { title: 'Seats for Acme' } })).data?.id);
    const attached = (await dealProducts.addDealProduct({ id: deal, AddDealProductRequest: { product_id: id, item_price: 100, quantity: 3, discount: 10, tax: 20, tax_method: 'exclusive' } as never })).data;
    // 100 × 3 less 10 % is 270, plus 20 % exclusive tax: 324
    expect(attached).toMatchObject({ deal_id: deal, product_id: id, name: 'Seat licence (annual)', sum: 324, discount_type: 'percentage' });
    // a deal with products is worth their total
    expect((await new v2.DealsApi(c2).getDeal({ id: deal })).data?.value).toBe(324);
    const aid = Number(attached?.id);
    expect((await dealProducts.getDealProducts({ id: deal })).data?.map((a) => a.id)).toEqual([aid]);
    expect((await dealProducts.getDealsProducts({ deal_ids: [deal] })).data?.map((a) => a.id)).toEqual([aid]);
    const changed = (await dealProducts.updateDealProduct({ id: deal, product_attachment_id: aid, UpdateDealProductRequest: { quantity: 5, discount: 0 } as never })).data;
    expect(changed?.sum).toBe(600);
    expect((await new v2.DealsApi(c2).getDeal({ id: deal })).data?.value).toBe(600);
    expect(await failure(dealProducts.addDealProduct({ id: deal, AddDealProductRequest: { product_id: 987_654, item_price: 1, quantity: 1 } as never }))).toMatchObject({ success: false });
    expect((await dealProducts.deleteDealProduct({ id: deal, product_attachment_id: aid })).data).toEqual({ id: aid });
    expect((await dealProducts.getDealProducts({ id: deal })).data).toEqual([]);

    expect((await products.deleteProduct({ id })).data).toEqual({ id });
    expect(await failure(products.getProduct({ id }))).toMatchObject({ success: false, error: 'Product not found' });
    expect((await products.getProducts({})).data?.map((p) => p.id) ?? []).not.toContain(id);
  });

  it('lists, adds and removes followers of persons, organizations, deals and products; the owner follows first', async () => {
    await roomForCalls();
    const other = sim.state.users.find((u) => u.id !== 1)?.id as number;
    const product = Number((await new v2.ProductsApi(c2).addProduct({ AddProductRequest: { name: 'Followed product' } as never })).data?.id);
    const person = new v2.PersonsApi(c2);
    const org = new v2.OrganizationsApi(c2);
    const deals = new v2.DealsApi(c2);
    const products = new v2.ProductsApi(c2);
    const sets = [
      { list: (id: number) => person.getPersonFollowers({ id }), add: (id: number, user_id: number) => person.addPersonFollower({ id, AddDealFollowerRequest: { user_id } }), remove: (id: number, follower_id: number) => person.deletePersonFollower({ id, follower_id }), id: Number((await person.addPerson({ AddPersonRequest: { name: 'Followed person' } as never })).data?.id) },
      { list: (id: number) => org.getOrganizationFollowers({ id }), add: (id: number, user_id: number) => org.addOrganizationFollower({ id, AddDealFollowerRequest: { user_id } }), remove: (id: number, follower_id: number) => org.deleteOrganizationFollower({ id, follower_id }), id: Number((await org.addOrganization({ AddOrganizationRequest: { name: 'Followed org' } as never })).data?.id) },
      { list: (id: number) => deals.getDealFollowers({ id }), add: (id: number, user_id: number) => deals.addDealFollower({ id, AddDealFollowerRequest: { user_id } }), remove: (id: number, follower_id: number) => deals.deleteDealFollower({ id, follower_id }), id: Number((await deals.addDeal({ AddDealRequest: { title: 'Followed deal' } })).data?.id) },
      { list: (id: number) => products.getProductFollowers({ id }), add: (id: number, user_id: number) => products.addProductFollower({ id, AddDealFollowerRequest: { user_id } }), remove: (id: number, follower_id: number) => products.deleteProductFollower({ id, follower_id }), id: product },
    ];
    for (const f of sets) {
      expect((await f.list(f.id)).data?.map((x) => x.user_id)).toEqual([1]);
      const added = await f.add(f.id, other);
      expect(added.data?.user_id).toBe(other);
      expect(added.data?.add_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(await failure(f.add(f.id, other))).toMatchObject({ success: false });
      expect((await f.list(f.id)).data?.map((x) => x.user_id)).toEqual([1, other]);
      expect((await f.remove(f.id, 1)).data).toEqual({ user_id: 1 });
      expect((await f.list(f.id)).data?.map((x) => x.user_id)).toEqual([other]);
      expect(await failure(f.remove(f.id, 1))).toMatchObject({ success: false, error: 'Follower not found' });
    }
    expect(await failure(person.getPersonFollowers({ id: 987_654 }))).toMatchObject({ success: false, error: 'Person not found' });
  });

  it('adds an activity type, updates it and deletes it (it stays listed, inactive)', async () => {
    await roomForCalls();
    const api = new v1.ActivityTypesApi(c1);
    const made = (await api.addActivityType({ AddActivityTypeRequest: { name: 'Demo call', icon_key: 'presentation', color: '00A1E0' } as never })).data;
    expect(made).toMatchObject({ name: 'Demo call', key_string: 'demo_call', icon_key: 'presentation', is_custom_flag: true, active_flag: true });
    const id = Number(made?.id);
    expect((await api.updateActivityType({ id, UpdateActivityTypeRequest: { name: 'Product demo', icon_key: 'camera' } as never })).data).toMatchObject({ id, name: 'Product demo', icon_key: 'camera', key_string: 'demo_call' });
    expect((await api.deleteActivityType({ id })).data).toMatchObject({ id, active_flag: false });
    expect((await api.getActivityTypes()).data?.find((t) => t.id === id)?.active_flag).toBe(false);
    expect(await failure(api.addActivityType({ AddActivityTypeRequest: { name: 'No icon', icon_key: 'unicorn' } as never }))).toMatchObject({ success: false });
  });
});

describe('every implemented operation of this suite once, over HTTP (for the published-description check below)', () => {
  // Like any client of Pipedrive, the sweep waits out the burst limit (§6.3) instead of failing on it.
  let call: ReturnType<typeof sweepCall>;
  beforeAll(() => {
    call = sweepCall(sim);
  });

  it('users, activity types, pipelines, stages and deal products', async () => {
    for (const p of ['/v1/users', '/v1/users/me', '/v1/users/1', '/v1/activityTypes', '/api/v2/pipelines', '/api/v2/pipelines/1', '/api/v2/stages', '/api/v2/stages/1', '/api/v2/deals/products?deal_ids=1']) await call('GET', p);
  });
});

// Last in the file: it reads the answers of every test above.
describe("Pipedrive's published OpenAPI description", () => {
  it('every answer above has a documented status and matches the documented schema; every operation of the suite answered', () => {
    const { report, unanswered } = checkSuite('catalog', answers);
    expect(report.violations).toEqual([]);
    expect(report.checked).toBeGreaterThan(90);
    // every answer is on Pipedrive's paths
    expect([...new Set(report.unmatched.map((a) => `${a.method} ${a.path.split('/').slice(0, 3).join('/')}`))].sort()).toEqual([]);
    expect(unanswered).toEqual([]);
  });
});
