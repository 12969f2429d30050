/**
 * What the simulated CRMs hold, for trigger tests: the tasks with a given subject (the record each
 * is on, and its owner) and a record's owner, read from each simulator's state.
 */
import type { CrmName } from '../../src/crm/types.js';
import type { RunningSimulator } from '../../src/simulators/index.js';

type HubspotState = { records: Record<string, Map<number, { props: Record<string, string> }>>; associations(from: string, id: number, to: string): { id: number }[] };
type SalesforceOrg = { rows(o: string): Map<string, Record<string, unknown>> };
type PipedriveState = { all(t: string): readonly { id: number; core: Record<string, unknown> }[] };

export interface CrmTask {
  recordId: string;
  ownerId: string | null;
}

export function tasksWithSubject(crm: CrmName, sim: RunningSimulator, subject: string): CrmTask[] {
  if (crm === 'hubspot') {
    const s = (sim as unknown as { state: HubspotState }).state;
    return [...(s.records.tasks ?? new Map()).entries()]
      .filter(([, t]) => t.props.hs_task_subject === subject)
      .map(([id, t]) => ({ recordId: String(s.associations('tasks', id, 'contacts')[0]?.id), ownerId: t.props.hubspot_owner_id ?? null }));
  }
  if (crm === 'salesforce') {
    const org = (sim as unknown as { org: SalesforceOrg }).org;
    return [...org.rows('Task').values()].filter((t) => t.Subject === subject).map((t) => ({ recordId: String(t.WhoId), ownerId: (t.OwnerId as string) ?? null }));
  }
  return (sim as unknown as { state: PipedriveState }).state
    .all('activity')
    .filter((a) => a.core.subject === subject)
    .map((a) => ({ recordId: String(a.core.person_id), ownerId: a.core.owner_id != null ? String(a.core.owner_id) : null }));
}

/** How many tasks with the subject each record has. */
export function tasksPerRecord(crm: CrmName, sim: RunningSimulator, subject: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of tasksWithSubject(crm, sim, subject)) m.set(t.recordId, (m.get(t.recordId) ?? 0) + 1);
  return m;
}

/** The record's owner in the CRM (HubSpot contact, Salesforce lead, Pipedrive person). */
export function ownerOf(crm: CrmName, sim: RunningSimulator, id: string): string | null {
  if (crm === 'hubspot') return (sim as unknown as { state: HubspotState }).state.records.contacts.get(Number(id))?.props.hubspot_owner_id ?? null;
  if (crm === 'salesforce') return ((sim as unknown as { org: SalesforceOrg }).org.rows('Lead').get(id)?.OwnerId as string) ?? null;
  const p = (sim as unknown as { state: PipedriveState }).state.all('person').find((x) => String(x.id) === id);
  return p?.core.owner_id != null ? String(p.core.owner_id) : null;
}
