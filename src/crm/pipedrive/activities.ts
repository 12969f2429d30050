/**
 * Pipedrive timeline and actions: notes (v1) and activities (v2) on a person, organization, deal or
 * lead, a person's open deals, and the actions a flow fires (owner, stage, task, note).
 */
import { v1, v2 } from 'pipedrive';
import { InrecordError } from '../../errors/index.js';
import type { ActionResult, ActivityInput, CrmAction, OpenDeal } from '../types.js';
import { PAGE, type Page, type PipedriveClient, type Rec } from './client.js';
import { isoFromPd } from './codec.js';

const ACTIVITY_TYPE: Record<string, string> = { task: 'task', email: 'email', meeting: 'meeting', call: 'call' };
/** Up to this many contacts, openDeals asks per person; beyond, it lists the open deals once. */
const OPEN_DEALS_PER_PERSON_MAX = 10;

export class PipedriveActivities {
  private stagesCache: { id: number; name: string; pipeline_id: number }[] | null = null;

  constructor(private readonly api: PipedriveClient) {}

  async createActivity(a: ActivityInput): Promise<{ id: string }> {
    const refs: Rec = {};
    for (const as of a.associations) {
      if (as.object === 'contact') refs.person_id ??= Number(as.id);
      else if (as.object === 'company') refs.org_id ??= Number(as.id);
      else if (as.object === 'deal') refs.deal_id ??= Number(as.id);
      else if (as.object === 'lead') refs.lead_id ??= as.id;
    }
    if (Object.keys(refs).length === 0) throw new InrecordError('IR_INPUT_INVALID', 'Pipedrive activity without a person, organization, deal or lead to attach it to');
    if (a.kind === 'note') {
      const notes = this.api.instrument(new v1.NotesApi(this.api.cfg1));
      const content = [a.subject ? `<b>${escapeHtml(a.subject)}</b>` : '', a.body ? escapeHtml(a.body).replace(/\n/g, '<br>') : ''].filter(Boolean).join('<br>');
      const res = (await this.api.call('add note', () => notes.addNote({ AddNoteRequest: { content: content || '(empty)', ...refs } as never }))) as { data?: { id?: number } };
      return { id: String(res.data?.id) };
    }
    const acts = this.api.instrument(new v2.ActivitiesApi(this.api.cfg2));
    const when = a.kind === 'task' ? (a.dueAt ?? a.occurredAt) : (a.occurredAt ?? a.dueAt);
    const body: Rec = {
      subject: a.subject ?? a.kind,
      type: ACTIVITY_TYPE[a.kind] ?? 'task',
      note: a.body ? escapeHtml(a.body).replace(/\n/g, '<br>') : undefined,
      done: a.kind !== 'task' && !!a.occurredAt && Date.parse(a.occurredAt) <= Date.now(),
    };
    if (when) {
      body.due_date = when.slice(0, 10);
      body.due_time = when.slice(11, 16);
    }
    if (a.occurredAt && a.endsAt) {
      const mins = Math.max(0, Math.round((Date.parse(a.endsAt) - Date.parse(a.occurredAt)) / 60_000));
      body.duration = `${String(Math.floor(mins / 60)).padStart(2, '0')}:${String(mins % 60).padStart(2, '0')}`;
    }
    if (a.ownerId) body.owner_id = Number(a.ownerId);
    // person_id is read-only in v2: it follows the primary participant (§3.5).
    if (refs.person_id !== undefined) body.participants = [{ person_id: refs.person_id, primary: true }];
    if (refs.org_id !== undefined) body.org_id = refs.org_id;
    if (refs.deal_id !== undefined) body.deal_id = refs.deal_id;
    if (refs.lead_id !== undefined) body.lead_id = refs.lead_id;
    for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
    const res = (await this.api.call('add activity', () => acts.addActivity({ AddActivityRequest: body as never }))) as { data?: { id?: number } };
    return { id: String(res.data?.id) };
  }

  /**
   * Open deals (status open) whose person is the contact, most recently updated first. Few contacts:
   * one `GET /api/v2/deals?person_id=…&status=open` each; more: the open deals listed page by page
   * (500 a page) and matched locally — whichever takes fewer calls.
   */
  async openDeals(contactIds: string[]): Promise<Map<string, OpenDeal[]>> {
    const wanted = new Set(contactIds.map((id) => Number(id)).filter((n) => Number.isInteger(n)));
    const found: Rec[] = [];
    if (wanted.size <= OPEN_DEALS_PER_PERSON_MAX) {
      for (const person of wanted) {
        let cursor: string | undefined;
        do {
          const p = await this.api.list('deal', { person_id: person, status: 'open', limit: PAGE, cursor });
          found.push(...(p.data ?? []));
          cursor = p.additional_data?.next_cursor ?? undefined;
        } while (cursor);
      }
    } else {
      let cursor: string | undefined;
      do {
        const p = await this.api.list('deal', { status: 'open', limit: PAGE, cursor });
        found.push(...(p.data ?? []).filter((d) => wanted.has(Number(d.person_id))));
        cursor = p.additional_data?.next_cursor ?? undefined;
      } while (cursor);
    }
    const out = new Map<string, OpenDeal[]>();
    for (const d of found) {
      if (d.status !== 'open' || d.person_id == null) continue;
      const key = String(d.person_id);
      const list = out.get(key) ?? [];
      if (!list.some((x) => x.id === String(d.id))) list.push({ id: String(d.id), modifiedAt: isoFromPd(String(d.update_time)) });
      out.set(key, list);
    }
    for (const list of out.values()) list.sort((a, b) => (a.modifiedAt < b.modifiedAt ? 1 : a.modifiedAt > b.modifiedAt ? -1 : 0));
    return out;
  }

  async performAction(action: CrmAction): Promise<ActionResult> {
    switch (action.type) {
      case 'assign_owner': {
        const k = this.api.kindOf(action.object);
        await this.api.update(k, Number(action.id), { owner_id: Number(action.ownerId) });
        return { ok: true };
      }
      case 'change_stage': {
        if (action.object !== 'deal') throw new InrecordError('IR_CRM_UNSUPPORTED', `Pipedrive: only deals have stages (got ${action.object} ${action.id})`, { context: { crm: 'pipedrive', object: action.object, recordId: action.id } });
        const stage = await this.resolveStage(action.stage);
        if (stage === 'won' || stage === 'lost' || stage === 'open') await this.api.update('deal', Number(action.id), { status: stage });
        else await this.api.update('deal', Number(action.id), { stage_id: stage });
        return { ok: true };
      }
      case 'create_task': {
        const r = await this.createActivity({ kind: 'task', subject: action.subject, body: action.body, dueAt: action.dueAt, ownerId: action.ownerId, associations: [{ object: action.object, id: action.id }] });
        return { ok: true, createdId: r.id };
      }
      case 'add_note': {
        const r = await this.createActivity({ kind: 'note', body: action.body, associations: [{ object: action.object, id: action.id }] });
        return { ok: true, createdId: r.id };
      }
      case 'enroll':
        throw new InrecordError('IR_CRM_UNSUPPORTED', `Pipedrive has no API to enroll a ${action.object} in a sequence (${action.sequenceId})`, {
          context: { crm: 'pipedrive', object: action.object, recordId: action.id },
        });
    }
  }

  /** A stage id, or a stage name (case-insensitive), or the deal status open/won/lost. */
  private async resolveStage(stage: string): Promise<number | 'open' | 'won' | 'lost'> {
    if (/^\d+$/.test(stage)) return Number(stage);
    if (!this.stagesCache) {
      const api = this.api.instrument(new v2.StagesApi(this.api.cfg2));
      const p = (await this.api.call('list stages', () => api.getStages({ limit: PAGE } as never))) as Page<{ id: number; name: string; pipeline_id: number }>;
      this.stagesCache = p.data ?? [];
    }
    const s = this.stagesCache.filter((x) => x.name.toLowerCase() === stage.trim().toLowerCase());
    if (s.length === 1) return s[0].id;
    const lower = stage.trim().toLowerCase();
    if (lower === 'won' || lower === 'lost' || lower === 'open') return lower;
    throw new InrecordError('IR_CRM_VALIDATION', s.length > 1 ? `Pipedrive stage "${stage}" exists in several pipelines; use its id (${s.map((x) => x.id).join(', ')})` : `Pipedrive has no stage named "${stage}"`, {
      context: { crm: 'pipedrive', field: 'stage_id', value: stage },
      fix: 'Use a stage id or an existing stage name (GET /api/v2/stages).',
    });
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
