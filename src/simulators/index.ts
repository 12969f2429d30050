/**
 * The simulators: local HTTP servers that behave like each CRM's API closely enough for its
 * official client to work unchanged. The test bed, the demo, and the way to try inrecord without
 * credentials. Each lives in its own folder; this registry starts one by name.
 */
import { CRM_NAMES } from '../crm/names.js';
import type { CrmName } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import type { RunningSimulator, SimulatorOptions } from './types.js';

export type { RepEdit, RunningSimulator, SimFaults, SimStats, SimulatorOptions } from './types.js';

const STARTERS: Record<CrmName, () => Promise<(opts: SimulatorOptions) => Promise<RunningSimulator>>> = {
  hubspot: async () => {
    // resolved at run time: the HubSpot simulator is optional in a build
    const path = './hubspot/index.js';
    const mod = (await import(path).catch(() => null)) as { startHubspotSimulator?: (o: SimulatorOptions) => Promise<RunningSimulator> } | null;
    if (!mod?.startHubspotSimulator) throw new InrecordError('IR_CRM_UNSUPPORTED', 'the HubSpot simulator is not available in this version');
    return mod.startHubspotSimulator;
  },
  salesforce: async () => (await import('./salesforce/index.js')).startSalesforceSimulator,
  pipedrive: async () => (await import('./pipedrive/index.js')).startPipedriveSimulator,
};

/** Every CRM has a simulator: the one list of CRMs. */
export const SIMULATED_CRMS: readonly CrmName[] = CRM_NAMES;

export async function startSimulator(crm: CrmName, opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const start = await STARTERS[crm]();
  // unset options keep each simulator's own defaults
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  return start(given);
}
