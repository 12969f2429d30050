/**
 * Conformance of the Pipedrive simulator: field definitions, v1 and v2, driven through the `pipedrive` npm client v33,
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

describe('§4.1 fields', () => {
  it('v1 field list: numeric ids, 40-hex keys, edit_flag, options with ids', async () => {
    const r = await new v1.PersonFieldsApi(c1).getPersonFields({});
    const custom = (r.data ?? []).filter((f) => f.edit_flag);
    expect(custom.length).toBeGreaterThan(0);
    for (const f of custom) expect(f.key).toMatch(/^[0-9a-f]{40}$/);
    expect((r.data ?? []).find((f) => f.key === 'name')?.edit_flag).toBe(false);
  });

  it('v2 field API: field_code / is_custom_field; add a field and options; delete it', async () => {
    const api = new v2.DealFieldsApi(c2);
    const list = await api.getDealFields({});
    expect(list.data?.some((f) => f.is_custom_field && /^[0-9a-f]{40}$/.test(String(f.field_code)))).toBe(true);
    const added = (await api.addDealField({ AddDealFieldRequest: { field_name: 'Champion', field_type: 'enum', options: [{ label: 'Yes' }] } as never })).data as unknown as Record<string, unknown>;
    const code = String(added.field_code);
    expect(code).toMatch(/^[0-9a-f]{40}$/);
    const opts = await api.addDealFieldOptions({ field_code: code, AddDealFieldOptionsRequestInner: [{ label: 'No' }] } as never);
    expect((opts as { data: { label: string }[] }).data[0].label).toBe('No');
    const renamed = await api.updateDealField({ field_code: code, UpdateDealFieldRequest: { field_name: 'Executive champion' } });
    expect(renamed.data?.field_name).toBe('Executive champion');
    const yes = (opts as { data: { id: number }[] }).data[0].id;
    const relabelled = await api.updateDealFieldOptions({ field_code: code, UpdateDealFieldOptionsRequestInner: [{ id: yes, label: 'Nope' }] });
    expect((relabelled as { data: { id: number; label: string }[] }).data).toEqual([{ id: yes, label: 'Nope' }]);
    const deleted = await api.deleteDealField({ field_code: code });
    // v2 answers the deleted field itself, not only its code
    expect(deleted.data).toMatchObject({ field_code: code, field_name: 'Executive champion', is_custom_field: true });
    expect(sim.state.fields.deal.some((f) => f.key === code)).toBe(false);
    const system = await failure(api.updateDealField({ field_code: 'title', UpdateDealFieldRequest: { field_name: 'Name' } }));
    expect(system).toMatchObject({ success: false, code: 'ERR_SCHEMA_VALIDATION_FAILED' });
  });

  it('person labels are a set field with options (v1 and v2)', async () => {
    const v2Labels = (await new v2.PersonFieldsApi(c2).getPersonField({ field_code: 'label_ids' })).data;
    expect(v2Labels?.options?.map((o) => o.label)).toEqual(['Customer', 'Hot lead', 'Warm lead', 'Cold lead']);
    const v1Fields = await new v1.PersonFieldsApi(c1).getPersonFields({});
    const labels = v1Fields.data?.find((f) => f.key === 'label_ids');
    expect(labels?.options?.length).toBe(4);
  });
});

describe('field updates (official client)', () => {
  // Like any client, these wait out the burst limit (§6.3) before a run of calls.
  const roomForCalls = async () => {
    const r = await raw('/v1/users/me');
    await r.arrayBuffer();
    if (Number(r.headers.get('x-ratelimit-remaining')) < 60) await new Promise((ok) => setTimeout(ok, (Number(r.headers.get('x-ratelimit-reset') ?? 2) + 0.1) * 1000));
  };

  it('v1 field update renames and replaces the option list (kept ids, new labels, left-out options deleted); v2 deletes options', async () => {
    await roomForCalls();
    const cases = [
      { v1api: new v1.PersonFieldsApi(c1), v2api: new v2.PersonFieldsApi(c2), entity: 'person' as const },
      { v1api: new v1.OrganizationFieldsApi(c1), v2api: new v2.OrganizationFieldsApi(c2), entity: 'organization' as const },
      { v1api: new v1.DealFieldsApi(c1), v2api: new v2.DealFieldsApi(c2), entity: 'deal' as const },
    ];
    for (const { entity } of cases) {
      const def = sim.state.addCustomField(entity, { name: `Tier of ${entity}`, field_type: 'enum', options: ['Gold', 'Silver', 'Bronze'] });
      const [gold, silver] = def.options ?? [];
      const v1Update = (id: number, body: unknown) =>
        entity === 'person'
          ? new v1.PersonFieldsApi(c1).updatePersonField({ id, UpdateFieldRequest: body as never })
          : entity === 'organization'
            ? new v1.OrganizationFieldsApi(c1).updateOrganizationField({ id, UpdateFieldRequest: body as never })
            : new v1.DealFieldsApi(c1).updateDealField({ id, UpdateFieldRequest: body as never });
      const updated = (await v1Update(def.id, { name: `Customer tier (${entity})`, options: [{ id: gold.id, label: 'Platinum' }, { id: silver.id, label: 'Silver' }, { label: 'Copper' }] })).data;
      expect(updated?.name).toBe(`Customer tier (${entity})`);
      expect(updated?.options?.map((o) => (o as { label: string }).label)).toEqual(['Platinum', 'Silver', 'Copper']);
      expect(updated?.options?.map((o) => (o as { id: number }).id).slice(0, 2)).toEqual([gold.id, silver.id]);
      const v2Delete = (field_code: string, ids: number[]) => {
        const body = ids.map((id) => ({ id }));
        return entity === 'person'
          ? new v2.PersonFieldsApi(c2).deletePersonFieldOptions({ field_code, DeleteDealFieldOptionsRequestInner: body })
          : entity === 'organization'
            ? new v2.OrganizationFieldsApi(c2).deleteOrganizationFieldOptions({ field_code, DeleteDealFieldOptionsRequestInner: body })
            : new v2.DealFieldsApi(c2).deleteDealFieldOptions({ field_code, DeleteDealFieldOptionsRequestInner: body });
      };
      const removed = await v2Delete(def.key, [silver.id]);
      expect((removed as { data: { id: number; label: string }[] }).data).toEqual([{ id: silver.id, label: 'Silver' }]);
      expect(sim.state.fieldDef(entity, def.key)?.options?.map((o) => o.label)).toEqual(['Platinum', 'Copper']);
      expect(await failure(v2Delete(def.key, [silver.id]))).toMatchObject({ success: false });
    }
    const system = sim.state.fields.person.find((f) => f.key === 'name');
    expect(await failure(new v1.PersonFieldsApi(c1).updatePersonField({ id: Number(system?.id), UpdateFieldRequest: { name: 'Full name' } }))).toMatchObject({ success: false });
  });
});

describe('every implemented operation of this suite once, over HTTP (for the published-description check below)', () => {
  // Like any client of Pipedrive, the sweep waits out the burst limit (§6.3) instead of failing on it.
  let call: ReturnType<typeof sweepCall>;
  beforeAll(() => {
    call = sweepCall(sim);
  });

  it('field APIs of persons, organizations and deals, v1 and v2', async () => {
    for (const path of ['personFields', 'organizationFields', 'dealFields']) {
      const v1Fields = (await call('GET', `/v1/${path}`)) as unknown as { id: number }[];
      await call('GET', `/v1/${path}/${v1Fields[0].id}`);
      const v1Made = await call('POST', `/v1/${path}`, { name: 'Sweep v1 field', field_type: 'varchar' });
      await call('DELETE', `/v1/${path}/${v1Made.id}`);
      await call('GET', `/api/v2/${path}`);
      const made = await call('POST', `/api/v2/${path}`, { field_name: 'Sweep field', field_type: 'enum', options: [{ label: 'One' }] });
      await call('GET', `/api/v2/${path}/${made.field_code}`);
      await call('PATCH', `/api/v2/${path}/${made.field_code}`, { field_name: 'Sweep field 2' });
      const added = (await call('POST', `/api/v2/${path}/${made.field_code}/options`, [{ label: 'Two' }])) as unknown as { id: number }[];
      await call('PATCH', `/api/v2/${path}/${made.field_code}/options`, [{ id: added[0].id, label: 'Deux' }]);
      await call('DELETE', `/api/v2/${path}/${made.field_code}`);
    }
  });
});

// Last in the file: it reads the answers of every test above.
describe("Pipedrive's published OpenAPI description", () => {
  it('every answer above has a documented status and matches the documented schema; every operation of the suite answered', () => {
    const { report, unanswered } = checkSuite('fields', answers);
    expect(report.violations).toEqual([]);
    expect(report.checked).toBeGreaterThan(50);
    // every answer is on Pipedrive's paths
    expect([...new Set(report.unmatched.map((a) => `${a.method} ${a.path.split('/').slice(0, 3).join('/')}`))].sort()).toEqual([]);
    expect(unanswered).toEqual([]);
  });
});
