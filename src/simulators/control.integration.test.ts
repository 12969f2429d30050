/**
 * The control API is the same on the three simulators: same paths, same answers, and a malformed
 * request is a 400 naming what is wrong (not a server error).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmName } from '../crm/types.js';
import { CONTROL_PATHS } from './control.js';
import { type RunningSimulator, SIMULATED_CRMS, startSimulator } from './index.js';

const sims = new Map<CrmName, RunningSimulator>();

beforeAll(async () => {
  for (const crm of SIMULATED_CRMS) sims.set(crm, await startSimulator(crm, { records: 20, seed: 3 }));
}, 60_000);

afterAll(async () => {
  for (const s of sims.values()) await s.close();
});

const post = (sim: RunningSimulator, path: string, body: string) => fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe.each(SIMULATED_CRMS)('%s control API', (crm) => {
  it('answers a malformed rep edit or fault set with 400 and what is wrong', async () => {
    const sim = sims.get(crm) as RunningSimulator;
    const empty = await post(sim, CONTROL_PATHS.repEdit, '{}');
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ ok: false, error: expect.stringMatching(/^rep edit: object is required/) });
    const noFields = await post(sim, CONTROL_PATHS.repEdit, JSON.stringify({ object: 'x', id: '1' }));
    expect((await noFields.json()).error).toMatch(/fields is required/);
    const unknownRecord = await post(sim, CONTROL_PATHS.repEdit, JSON.stringify({ object: 'nosuchobject', id: '1', fields: { a: 1 } }));
    expect(unknownRecord.status).toBe(400);
    const badShare = await post(sim, CONTROL_PATHS.faults, JSON.stringify({ error429: 2 }));
    expect(badShare.status).toBe(400);
    expect((await badShare.json()).error).toMatch(/error429 must be a share between 0 and 1/);
    const unknownFault = await post(sim, CONTROL_PATHS.faults, JSON.stringify({ explode: true }));
    expect((await unknownFault.json()).error).toMatch(/unknown fault explode/);
  });

  it('counts calls in stats, zeroes them on reset, and serves the ground truth', async () => {
    const sim = sims.get(crm) as RunningSimulator;
    await fetch(`${sim.url}${CONTROL_PATHS.groundTruth}`).then((r) => expect(r.status).toBe(200));
    expect((await post(sim, CONTROL_PATHS.faults, '{}')).status).toBe(200);
    expect((await post(sim, CONTROL_PATHS.resetStats, '{}')).status).toBe(200);
    const stats = await (await fetch(`${sim.url}${CONTROL_PATHS.stats}`)).json();
    expect(stats).toMatchObject({ totalCalls: 0, integrationWrites: 0, humanWrites: 0 });
  });
});
