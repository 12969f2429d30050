/**
 * HubSpot timeline and actions: notes, tasks, emails, meetings and calls associated with records
 * (§7), a contact's open deals, and the actions a flow fires (owner, stage, task, note).
 */
import { InrecordError } from '../../errors/index.js';
import type { ActionResult, ActivityInput, CrmAction, ObjectKind, OpenDeal } from '../types.js';
import { BATCH, type BatchJson, type HubspotClient } from './client.js';
import { ACTIVITY_ASSOC, chunk } from './codec.js';
import { writeFailure } from './records.js';
import type { HubspotSchema } from './schema.js';

export class HubspotActivities {
  constructor(
    private readonly api: HubspotClient,
    private readonly schema: HubspotSchema,
  ) {}

  async createActivity(a: ActivityInput): Promise<{ id: string }> {
    const when = a.occurredAt ?? new Date().toISOString();
    let type: string;
    let properties: Record<string, string>;
    switch (a.kind) {
      case 'note':
        type = 'notes';
        properties = { hs_timestamp: when, hs_note_body: a.body ?? a.subject ?? '' };
        break;
      case 'task':
        type = 'tasks';
        // hs_timestamp is the due date on tasks (§7.4).
        properties = { hs_timestamp: a.dueAt ?? when, hs_task_subject: a.subject ?? '', hs_task_body: a.body ?? '', hs_task_status: 'NOT_STARTED' };
        break;
      case 'email':
        type = 'emails';
        properties = {
          hs_timestamp: when,
          hs_email_subject: a.subject ?? '',
          hs_email_text: a.body ?? '',
          hs_email_direction: a.direction === 'inbound' ? 'INCOMING_EMAIL' : 'EMAIL',
          hs_email_status: 'SENT',
          // HubSpot fills hs_email_from_email / hs_email_to_email from these headers (JSON, "Activities | Email").
          ...(a.from || a.to?.length ? { hs_email_headers: JSON.stringify({ ...(a.from ? { from: { email: a.from } } : {}), to: (a.to ?? []).map((email) => ({ email })), cc: [], bcc: [] }) } : {}),
        };
        break;
      case 'meeting':
        type = 'meetings';
        properties = {
          hs_timestamp: when,
          hs_meeting_title: a.subject ?? '',
          hs_meeting_body: a.body ?? '',
          hs_meeting_start_time: when,
          ...(a.endsAt ? { hs_meeting_end_time: a.endsAt } : {}),
          hs_meeting_outcome: Date.parse(when) <= Date.now() ? 'COMPLETED' : 'SCHEDULED',
        };
        break;
      default:
        type = 'calls';
        properties = { hs_timestamp: when, hs_call_title: a.subject ?? '', hs_call_body: a.body ?? '', ...(a.direction ? { hs_call_direction: a.direction === 'inbound' ? 'INBOUND' : 'OUTBOUND' } : {}) };
    }
    if (a.ownerId) properties.hubspot_owner_id = a.ownerId;
    const associations = a.associations.map((x) => {
      const to = this.schema.obj(x.object);
      return { to: { id: x.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: ACTIVITY_ASSOC[type][to] }] };
    });
    const created = (await this.api.call(`create ${type.slice(0, -1)}`, (c) => c.crm.objects.basicApi.create(type, { properties, associations } as never))) as unknown as { id: string };
    return { id: String(created.id) };
  }

  /**
   * contact → deal associations (v4 batch read, 1,000 a call), then the deals (batch read, 100 a
   * call) whose calculated hs_is_closed is not "true" — won and lost stages of any pipeline.
   */
  async openDeals(contactIds: string[]): Promise<Map<string, OpenDeal[]>> {
    const dealsOf = new Map<string, string[]>();
    for (const part of chunk([...new Set(contactIds)], 1000)) {
      const res = (await this.api.call('batch read contact→deal associations', (c) =>
        c.crm.associations.v4.batchApi.getPage('contacts', 'deals', { inputs: part.map((id) => ({ id })) } as never),
      )) as unknown as { results: { _from?: { id: string }; from?: { id: string }; to: { toObjectId: number | string }[] }[] };
      for (const r of res.results) dealsOf.set(String((r._from ?? r.from)?.id), [...new Set(r.to.map((t) => String(t.toObjectId)))]);
    }
    const open = new Map<string, OpenDeal>();
    for (const part of chunk([...new Set([...dealsOf.values()].flat())], BATCH)) {
      const res = (await this.api.call('batch read deals', (c) =>
        c.crm.deals.batchApi.read({ inputs: part.map((id) => ({ id })), properties: ['hs_is_closed', 'hs_lastmodifieddate'], propertiesWithHistory: [] } as never),
      )) as unknown as BatchJson;
      for (const d of res.results)
        if (d.properties.hs_is_closed !== 'true') open.set(String(d.id), { id: String(d.id), modifiedAt: new Date(d.properties.hs_lastmodifieddate ?? d.updatedAt ?? 0).toISOString() });
    }
    const out = new Map<string, OpenDeal[]>();
    for (const [contact, ids] of dealsOf) {
      const deals = ids.map((id) => open.get(id)).filter((d): d is OpenDeal => d !== undefined);
      if (deals.length > 0) out.set(contact, deals.sort((a, b) => (a.modifiedAt < b.modifiedAt ? 1 : a.modifiedAt > b.modifiedAt ? -1 : 0)));
    }
    return out;
  }

  async performAction(action: CrmAction): Promise<ActionResult> {
    switch (action.type) {
      case 'assign_owner':
        await this.updateOne(action.object, action.id, { hubspot_owner_id: action.ownerId });
        return { ok: true };
      case 'change_stage':
        // deals move through pipeline stages; contacts and companies through the lifecycle (§13).
        await this.updateOne(action.object, action.id, action.object === 'deal' ? { dealstage: action.stage } : { lifecyclestage: action.stage });
        return { ok: true };
      case 'create_task': {
        const t = await this.createActivity({ kind: 'task', subject: action.subject, body: action.body, dueAt: action.dueAt, ownerId: action.ownerId, associations: [{ object: action.object, id: action.id }] });
        return { ok: true, createdId: t.id };
      }
      case 'add_note': {
        const n = await this.createActivity({ kind: 'note', body: action.body, associations: [{ object: action.object, id: action.id }] });
        return { ok: true, createdId: n.id };
      }
      case 'enroll':
        throw new InrecordError('IR_CRM_UNSUPPORTED', `HubSpot ${action.object} ${action.id}: enrolling in sequence ${action.sequenceId} is not supported by this connector`, {
          context: { crm: 'hubspot', action: 'enroll', id: action.id },
        });
    }
  }

  private async updateOne(kind: ObjectKind, id: string, properties: Record<string, string>): Promise<void> {
    const o = this.schema.obj(kind);
    const r = await this.api.attempt(`update ${o} ${id}`, (c) => c.crm.objects.basicApi.update(o, id, { properties } as never));
    if (!r.ok) {
      if (r.status === 400) {
        const f = writeFailure(id, r.body, 400);
        throw new InrecordError('IR_CRM_VALIDATION', f.ok ? '' : f.message, { context: { object: o, id, fields: Object.keys(properties) } });
      }
      if (r.status === 404) throw new InrecordError('IR_CRM_NOT_FOUND', `HubSpot ${o} ${id} was not found (deleted or merged)`, { context: { object: o, id } });
      throw r.err;
    }
  }
}
