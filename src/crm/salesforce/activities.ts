/**
 * Salesforce timeline and actions: Tasks and Events on a contact or lead and an account or
 * opportunity, a contact's open opportunities, and the actions a flow fires (owner, stage, task, note).
 */
import { InrecordError } from '../../errors/index.js';
import type { ActionResult, ActivityInput, CrmAction, FieldValue, ObjectKind, OpenDeal } from '../types.js';
import { IN_BATCH, type Rec, type SaveResult, type SalesforceClient } from './client.js';
import { SF_OBJECT, chunk, classifySfError, fixFor, isoFromSf, soqlString } from './codec.js';
import type { SalesforceRecords } from './records.js';

export class SalesforceActivities {
  constructor(
    private readonly api: SalesforceClient,
    private readonly records: SalesforceRecords,
  ) {}

  /**
   * Task (note/task/email/call) or Event (meeting). Salesforce takes one WhoId (Contact/Lead) and one
   * WhatId (Account/Opportunity) per activity: the first contact or lead, the first deal or else the
   * first company; a Lead WhoId takes no WhatId (a platform rule).
   */
  async createActivity(a: ActivityInput): Promise<{ id: string }> {
    const who = a.associations.find((x) => x.object === 'contact' || x.object === 'lead');
    // One WhatId: the deal when there is one (Salesforce rolls an Opportunity's activities up to its Account).
    const what = who?.object === 'lead' ? undefined : (a.associations.find((x) => x.object === 'deal') ?? a.associations.find((x) => x.object === 'company'));
    if (!who && !what) throw new InrecordError('IR_CRM_VALIDATION', 'Salesforce activity: no contact, lead, company or deal to attach it to');
    const links: Rec = { ...(who ? { WhoId: who.id } : {}), ...(what ? { WhatId: what.id } : {}), ...(a.ownerId ? { OwnerId: a.ownerId } : {}) };
    let object = 'Task';
    let rec: Rec;
    if (a.kind === 'meeting') {
      object = 'Event';
      const start = a.occurredAt ?? new Date().toISOString();
      const end = a.endsAt ?? new Date(Date.parse(start) + 30 * 60_000).toISOString();
      rec = { Subject: (a.subject ?? 'Meeting').slice(0, 255), Description: a.body ?? null, StartDateTime: start, EndDateTime: end, ...links };
    } else {
      const subtype = a.kind === 'email' ? 'Email' : a.kind === 'call' ? 'Call' : 'Task';
      const done = a.kind !== 'task';
      const subject = a.subject ?? (a.kind === 'note' ? `Note: ${(a.body ?? '').slice(0, 60)}` : a.kind);
      let body = a.body ?? null;
      if (a.kind === 'email' && (a.from || a.to?.length)) body = `From: ${a.from ?? ''}\nTo: ${(a.to ?? []).join(', ')}\n\n${a.body ?? ''}`;
      const day = (done ? a.occurredAt : a.dueAt) ?? a.occurredAt ?? a.dueAt;
      rec = { Subject: subject.slice(0, 255), Description: body, Status: done ? 'Completed' : 'Not Started', TaskSubtype: subtype, Priority: 'Normal', ...(day ? { ActivityDate: day.slice(0, 10) } : {}), ...links };
    }
    const res = (await this.api.call(`create ${object}`, (c) => c.sobject(object).create(rec as never))) as unknown as SaveResult;
    if (!res.success || !res.id) throw this.saveError(object, (who ?? what)?.id ?? '', res);
    return { id: res.id };
  }

  /**
   * Per contact, the open Opportunities (IsClosed = false) it has a contact role on; a contact with
   * no role on an open one takes the open Opportunities of its Account (roles are optional in many
   * orgs, the Account link is always there). Three or four SOQL queries per 200 contacts.
   */
  async openDeals(contactIds: string[]): Promise<Map<string, OpenDeal[]>> {
    const out = new Map<string, OpenDeal[]>();
    for (const part of chunk([...new Set(contactIds)], IN_BATCH)) {
      const ids = part.map(soqlString).join(', ');
      const roles = await this.api.queryAllRecords('read contact roles', `SELECT ContactId, OpportunityId FROM OpportunityContactRole WHERE ContactId IN (${ids})`);
      const contacts = await this.api.queryAllRecords('read contact accounts', `SELECT Id, AccountId FROM Contact WHERE Id IN (${ids})`);
      const accountOf = new Map(contacts.filter((r) => typeof r.AccountId === 'string').map((r) => [String(r.Id), r.AccountId as string]));
      const open = new Map<string, Rec>();
      const roleOpps = [...new Set(roles.map((r) => String(r.OpportunityId)))];
      for (const opps of chunk(roleOpps, IN_BATCH)) {
        const soql = `SELECT Id, AccountId, LastModifiedDate FROM Opportunity WHERE IsClosed = false AND Id IN (${opps.map(soqlString).join(', ')})`;
        for (const o of await this.api.queryAllRecords('find open opportunities by role', soql)) open.set(String(o.Id), o);
      }
      const byContact = new Map<string, Set<string>>();
      for (const r of roles) if (open.has(String(r.OpportunityId))) byContact.set(String(r.ContactId), (byContact.get(String(r.ContactId)) ?? new Set()).add(String(r.OpportunityId)));
      const accounts = [...new Set(part.filter((c) => !byContact.has(c)).flatMap((c) => (accountOf.has(c) ? [accountOf.get(c) as string] : [])))];
      const byAccount = new Map<string, string[]>();
      for (const acc of chunk(accounts, IN_BATCH)) {
        const soql = `SELECT Id, AccountId, LastModifiedDate FROM Opportunity WHERE IsClosed = false AND AccountId IN (${acc.map(soqlString).join(', ')})`;
        for (const o of await this.api.queryAllRecords('find open opportunities by account', soql)) {
          open.set(String(o.Id), o);
          byAccount.set(o.AccountId as string, [...(byAccount.get(o.AccountId as string) ?? []), String(o.Id)]);
        }
      }
      for (const c of part) {
        const opps = byContact.get(c) ?? (accountOf.has(c) ? byAccount.get(accountOf.get(c) as string) : undefined);
        if (!opps || (opps instanceof Set ? opps.size : opps.length) === 0) continue;
        const deals = [...opps].map((id) => ({ id, modifiedAt: isoFromSf((open.get(id) as Rec).LastModifiedDate as string) }));
        out.set(c, deals.sort((a, b) => (a.modifiedAt < b.modifiedAt ? 1 : a.modifiedAt > b.modifiedAt ? -1 : a.id < b.id ? -1 : 1)));
      }
    }
    return out;
  }

  private saveError(object: string, id: string, res: SaveResult): InrecordError {
    const e = res.errors[0];
    const code = typeof e === 'string' ? 'UNKNOWN' : (e?.statusCode ?? e?.errorCode ?? 'UNKNOWN');
    const msg = typeof e === 'string' ? e : (e?.message ?? 'failed');
    const c = classifySfError(code, msg);
    return new InrecordError(c.code as 'IR_CRM_VALIDATION', `Salesforce ${object} ${id}: ${code}: ${msg} — ${fixFor(code)}`, { retryable: c.retryable, context: { object, id, crmCode: code } });
  }

  private async updateOne(kind: ObjectKind, id: string, fields: Rec, what: string): Promise<void> {
    const [r] = await this.records.writeBatch(kind, [{ id, fields: fields as Record<string, FieldValue> }]);
    if (r && !r.ok) throw new InrecordError(r.code as 'IR_CRM_VALIDATION', `${what}: ${r.message}`, { retryable: r.retryable, context: { object: SF_OBJECT[kind], id, field: r.field } });
  }

  async performAction(action: CrmAction): Promise<ActionResult> {
    switch (action.type) {
      case 'assign_owner':
        await this.updateOne(action.object, action.id, { OwnerId: action.ownerId }, 'assign owner');
        return { ok: true };
      case 'change_stage': {
        // Opportunities move through StageName, leads through Status; contacts/accounts have no stage.
        const field = action.object === 'deal' ? 'StageName' : action.object === 'lead' ? 'Status' : null;
        if (!field) throw new InrecordError('IR_CRM_UNSUPPORTED', `Salesforce ${SF_OBJECT[action.object]} has no stage; use change_stage on a deal (StageName) or a lead (Status)`);
        await this.updateOne(action.object, action.id, { [field]: action.stage }, 'change stage');
        return { ok: true };
      }
      case 'create_task': {
        const t = await this.createActivity({ kind: 'task', subject: action.subject, ...(action.body ? { body: action.body } : {}), dueAt: action.dueAt, ...(action.ownerId ? { ownerId: action.ownerId } : {}), associations: [{ object: action.object, id: action.id }] });
        return { ok: true, createdId: t.id };
      }
      case 'add_note': {
        const n = await this.createActivity({ kind: 'note', body: action.body, associations: [{ object: action.object, id: action.id }] });
        return { ok: true, createdId: n.id };
      }
      case 'enroll':
        throw new InrecordError('IR_CRM_UNSUPPORTED', `Salesforce: enrolling ${SF_OBJECT[action.object]} ${action.id} in a sequence is not available through the REST API (Sales Engagement cadences); use create_task or a Flow triggered by a field inrecord writes`, {
          context: { crm: 'salesforce', object: action.object, id: action.id },
        });
    }
  }
}
