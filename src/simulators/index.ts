/**
 * The simulators: local HTTP servers that behave like each CRM's API closely enough for its
 * official client to work unchanged. The test bed, the demo, and the way to try inrecord without
 * credentials. Each lives in its own folder, `src/simulators/<crm>/` for every name in `CRM_NAMES`;
 * this registry reads each folder's `entry.ts` (`simulator`: how to start it, the webhook settings
 * `inrecord sim` prints, the demo on its seeded world) by the CRM's name.
 */
import { CRM_NAMES } from '../crm/names.js';
import type { CrmName } from '../crm/types.js';
import type { RunningSimulator, SimulatorEntry, SimulatorOptions } from './types.js';

export type {
  DemoFieldSpec,
  DemoGates,
  DemoSetup,
  RepEdit,
  RunningSimulator,
  SimFaults,
  SimStats,
  SimulatorEntry,
  SimulatorOptions,
  SimWebhookOptions,
} from './types.js';

// each folder's entry by the CRM's name (a computed path, resolved when it is loaded): small, read
// at once; the servers load on first start
const ENTRIES = Object.fromEntries(
  await Promise.all(
    CRM_NAMES.map(async (crm) => {
      const path = `./${crm}/entry.js`;
      return [crm, ((await import(path)) as { simulator: SimulatorEntry }).simulator] as const;
    }),
  ),
) as Record<CrmName, SimulatorEntry>;

/** Every CRM has a simulator: the one list of CRMs. */
export const SIMULATED_CRMS: readonly CrmName[] = CRM_NAMES;

/** A simulator's entry: how to start it, its webhook settings, its demo. */
export function simulatorOf(crm: CrmName): SimulatorEntry {
  return ENTRIES[crm];
}

export async function startSimulator(crm: CrmName, opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const start = await ENTRIES[crm].start();
  // unset options keep each simulator's own defaults
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  return start(given);
}
