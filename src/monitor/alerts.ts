/**
 * Alert delivery: a Slack-compatible incoming webhook (POST JSON `{ "text": … }`), and the record
 * the console reads. A failed delivery is recorded with its error, never dropped.
 */
import type { Sql } from '../store/index.js';
import type { AlertDraft } from './assess.js';
import {
  type AlertRow,
  acknowledgeAlertRow,
  alertSentSince,
  insertAlert,
  selectAlerts,
  setAlertDelivery,
} from './queries.js';
import { InrecordError } from '../errors/index.js';

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export interface DeliveryResult {
  ok: boolean;
  error?: string;
}

export function alertText(a: Pick<AlertDraft, 'severity' | 'message'>): string {
  return `${a.severity === 'alert' ? ':rotating_light: inrecord alert' : ':warning: inrecord warning'}: ${a.message}`;
}

export async function postToWebhook(
  url: string,
  text: string,
  fetchImpl: FetchLike = fetch as unknown as FetchLike,
  timeoutMs = 10_000,
): Promise<DeliveryResult> {
  try {
    const res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok)
      return { ok: false, error: `webhook answered ${res.status}: ${(await res.text()).slice(0, 200)}` };
    return { ok: true };
  } catch (err) {
    return { ok: false, error: `webhook unreachable: ${(err as Error).message}` };
  }
}

export interface RaisedAlert extends AlertRow {}

/**
 * Records each alert, then sends it to the webhook unless the same alert (flow, metric, severity)
 * was already delivered since `repeatSince` — a weekly report and an on-demand one in the same
 * week do not page twice; the repeat is still recorded for the console.
 */
export async function raiseAlerts(
  store: Sql,
  drafts: AlertDraft[],
  opts: { at: Date; webhook?: string; repeatSince: Date; fetchImpl?: FetchLike },
): Promise<RaisedAlert[]> {
  const out: RaisedAlert[] = [];
  for (const d of drafts) {
    const repeat = opts.webhook
      ? await alertSentSince(store, d.flow, d.metric, d.severity, opts.repeatSince)
      : false;
    const row = await insertAlert(store, { ...d, at: opts.at });
    if (!opts.webhook) {
      out.push(row);
      continue;
    }
    if (repeat) {
      await setAlertDelivery(store, row.id, 'repeat', null);
      out.push({ ...row, delivery: 'repeat' });
      continue;
    }
    const res = await postToWebhook(opts.webhook, alertText(d), opts.fetchImpl);
    await setAlertDelivery(store, row.id, res.ok ? 'sent' : 'failed', res.error ?? null);
    out.push({ ...row, delivery: res.ok ? 'sent' : 'failed', delivery_error: res.error ?? null });
  }
  return out;
}

export async function listAlerts(
  store: Sql,
  opts: { limit?: number; open?: boolean } = {},
): Promise<AlertRow[]> {
  return selectAlerts(store, { limit: opts.limit ?? 50, open: opts.open });
}

export async function acknowledgeAlert(store: Sql, id: number, by: string): Promise<AlertRow> {
  const row = await acknowledgeAlertRow(store, id, by);
  if (!row)
    throw new InrecordError('IR_REVIEW_NOT_FOUND', `alert ${id} does not exist`, {
      context: { alertId: id },
      fix: 'List alerts with `inrecord monitor alerts`.',
    });
  return row;
}
