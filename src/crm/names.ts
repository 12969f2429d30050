/**
 * Every CRM inrecord connects to: the one list. The config's `crm.kind`, the CLI's `--crm` checks
 * and the registry's tables derive from it; a CRM's facts (its display name, limits, id rules) are
 * on its card (`src/crm/<crm>/card.ts`, read through `cardOf` in the registry).
 */
export const CRM_NAMES = ['hubspot', 'salesforce', 'pipedrive'] as const;

export type CrmName = (typeof CRM_NAMES)[number];

export function isCrmName(name: string): name is CrmName {
  return (CRM_NAMES as readonly string[]).includes(name);
}
