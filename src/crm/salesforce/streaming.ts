/**
 * Change Data Capture over the Streaming API (reference salesforce.md §8.2): jsforce's streaming
 * client (faye, Bayeux long polling at `/cometd/<version>`) subscribed to `/data/<Object>ChangeEvent`
 * with jsforce's Replay extension, one client per channel, so each channel resumes from its own
 * replay id. The resume token the engine stores is the replay id of the last message it stored.
 *
 * decodeChangeMessage (pure) turns a message into engine change events: CREATE/UPDATE/DELETE/
 * UNDELETE with their changed fields and who committed them (the integration user's own changes
 * are `integration`, so the triggers ignore them); gap events (GAP_*) name records without
 * details (read as every job reads its record); GAP_OVERFLOW, or a wildcard record id, names no
 * record at all (the engine polls).
 */
import jsforce from 'jsforce';
import { StreamingExtension } from 'jsforce/lib/api/streaming.js';
import { InrecordError } from '../../errors/index.js';
import type { Logger } from '../../log/index.js';
import type {
  ChangeEvent,
  ChangeKind,
  ChangeStream,
  ChangeStreamHandlers,
  ChangeSubscription,
  ObjectKind,
  StreamMessage,
} from '../types.js';
import { SF_OBJECT, sameId } from './codec.js';

/** Salesforce keeps change events 72 hours. */
export const CDC_RETENTION_MS = 72 * 3_600_000;

export const changeChannel = (kind: ObjectKind) => `/data/${SF_OBJECT[kind]}ChangeEvent`;

interface Header {
  entityName?: string;
  recordIds?: string[];
  changeType?: string;
  transactionKey?: string;
  sequenceNumber?: number;
  commitTimestamp?: number;
  commitUser?: string;
  changedFields?: string[];
}

/** What a change-event subscriber receives (`data` of the Bayeux message). */
export interface CdcMessage {
  payload?: Record<string, unknown> & { ChangeEventHeader?: Header };
  event?: { replayId?: number | string };
}

/**
 * Audit stamps a change event carries beside the changed fields: an update sends LastModifiedDate,
 * and LastModifiedById when another user saved the record last; a create sends every system field
 * (Change Event Body Fields, Change Data Capture Developer Guide). They are not changes to act on.
 */
const AUDIT_FIELDS = new Set(['LastModifiedDate', 'LastModifiedById', 'CreatedById']);

const KIND: Record<string, ChangeKind> = {
  CREATE: 'created',
  UPDATE: 'updated',
  UNDELETE: 'updated',
  DELETE: 'deleted',
};

/**
 * A change-event message → the engine's stream message. Throws `IR_WEBHOOK_PAYLOAD` for one with
 * no replay id (nothing to resume from); an unknown change type is read as an update of its records.
 */
export function decodeChangeMessage(
  kind: ObjectKind,
  data: CdcMessage,
  integrationUserId: string | null,
): StreamMessage {
  const replayId = data.event?.replayId;
  if (replayId === undefined || replayId === null || String(replayId) === '') {
    throw new InrecordError(
      'IR_WEBHOOK_PAYLOAD',
      `Salesforce change event on ${changeChannel(kind)} without a replay id`,
    );
  }
  const resumeToken = String(replayId);
  const h = data.payload?.ChangeEventHeader ?? {};
  const type = String(h.changeType ?? 'UPDATE');
  const ids = Array.isArray(h.recordIds) ? h.recordIds.map(String) : [];
  // GAP_OVERFLOW names no record; a wildcard id (`00Q*`, a field conversion) names them all
  if (type === 'GAP_OVERFLOW' || ids.some((id) => id.endsWith('*')))
    return { kind, resumeToken, events: [], overflow: true };
  const gap = type.startsWith('GAP_');
  const base = gap ? type.slice(4) : type;
  const at =
    typeof h.commitTimestamp === 'number'
      ? new Date(h.commitTimestamp).toISOString()
      : new Date().toISOString();
  const user = typeof h.commitUser === 'string' ? h.commitUser : null;
  const actor =
    user && integrationUserId && sameId(user, integrationUserId)
      ? 'integration'
      : gap && !user
        ? 'system'
        : 'human';
  const changed = gap
    ? []
    : base === 'UPDATE'
      ? (h.changedFields ?? [])
      : base === 'CREATE'
        ? Object.keys(data.payload ?? {}).filter((k) => k !== 'ChangeEventHeader')
        : [];
  const events: ChangeEvent[] = ids.map((id) => ({
    crm: 'salesforce',
    object: kind,
    id,
    kind: KIND[base] ?? 'updated',
    fields: changed.filter((f) => !AUDIT_FIELDS.has(f)),
    occurredAt: at,
    actor,
    eventId: `${h.transactionKey ?? ''}:${h.sequenceNumber ?? ''}:${resumeToken}`,
  }));
  return { kind, resumeToken, events, overflow: false };
}

/** Whether a subscription failure is the Streaming API refusing a replay id it no longer holds. */
export function isReplayRefusal(error: string): boolean {
  return /replayId \{[^}]*\} you provided was invalid/i.test(error);
}

interface BayeuxMessage {
  channel?: string;
  successful?: boolean;
  error?: string;
  subscription?: string;
  advice?: { reconnect?: string };
  ext?: { sfdc?: { failureReason?: string } };
}

type FayeClient = {
  subscribe(channel: string, cb: (data: CdcMessage) => void): unknown;
  disconnect(): unknown;
  addExtension(ext: unknown): void;
};

export interface StreamingDeps {
  instanceUrl: string;
  version: string;
  token(): Promise<string>;
  refresh(stale: string): Promise<string>;
  /** The integration user's id: its own changes are told apart from a rep's. */
  me(): Promise<string | null>;
  logger?: Logger;
  /** How long open() waits for the subscription to be acknowledged (default 60 s). */
  subscribeTimeoutMs?: number;
}

export function salesforceChangeStream(deps: StreamingDeps): ChangeStream {
  return {
    retentionMs: CDC_RETENTION_MS,
    open: (kind, resumeFrom, handlers) => openChannel(deps, kind, resumeFrom, handlers),
  };
}

async function openChannel(
  deps: StreamingDeps,
  kind: ObjectKind,
  resumeFrom: string | null,
  handlers: ChangeStreamHandlers,
): Promise<ChangeSubscription> {
  const channel = changeChannel(kind);
  const me = await deps.me();
  const token = await deps.token();
  const conn = new jsforce.Connection({
    instanceUrl: deps.instanceUrl,
    accessToken: token,
    version: deps.version,
  });
  const replay = resumeFrom === null ? -1 : Number(resumeFrom);
  let closed = false;
  let opened = false;
  let settle: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  const acknowledged = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });

  const fail = (err: unknown) => {
    if (closed) return;
    if (!opened) settle?.reject(err);
    else handlers.onError(err);
    void stop();
  };

  // Watches the meta answers: the subscription's acknowledgement or refusal (also when faye
  // subscribes again by itself after a new handshake), and a refused handshake.
  const watch = {
    incoming(m: BayeuxMessage, callback: (m: BayeuxMessage) => void) {
      if (m.channel === '/meta/subscribe' && m.subscription === channel) {
        if (m.successful) {
          opened = true;
          settle?.resolve();
        } else {
          const error = String(m.error ?? 'subscription refused');
          fail(
            isReplayRefusal(error)
              ? new InrecordError(
                  'IR_STREAM_RESUME_EXPIRED',
                  `Salesforce no longer holds ${channel} events after replay id ${replay} (change events are kept 72 hours): ${error}`,
                  {
                    context: { channel, replayId: replay },
                  },
                )
              : new InrecordError(
                  'IR_CRM_UNSUPPORTED',
                  `Salesforce refused the subscription to ${channel}: ${error}`,
                  {
                    context: { channel },
                    fix: `Enable Change Data Capture for ${SF_OBJECT[kind]} in Setup → Integrations → Change Data Capture, and give the integration user "View All Records" on ${SF_OBJECT[kind]} (or "View All Data"), then restart.`,
                  },
                ),
          );
        }
      } else if (
        (m.channel === '/meta/handshake' || m.channel === '/meta/connect') &&
        m.successful === false &&
        m.advice?.reconnect === 'none'
      ) {
        // the token was refused (or the session ended): faye gives up, and the next open gets a fresh token
        void deps.refresh(token).catch(() => {});
        fail(
          new InrecordError(
            'IR_CRM_AUTH',
            `Salesforce refused the streaming session (${m.channel}): ${m.error ?? ''} ${m.ext?.sfdc?.failureReason ?? ''}`.trim(),
          ),
        );
      }
      callback(m);
    },
  };

  const client = conn.streaming.createClient([
    new StreamingExtension.Replay(channel, replay),
    watch,
  ]) as unknown as FayeClient;

  // messages are handed on in order, those that came while the previous ones were handled together;
  // after a failure nothing more is handed on
  let buffer: CdcMessage[] = [];
  let draining: Promise<void> | null = null;
  let broken = false;
  const drain = async () => {
    while (buffer.length > 0 && !broken && !closed) {
      const batch = buffer;
      buffer = [];
      try {
        await handlers.onMessages(batch.map((data) => decodeChangeMessage(kind, data, me)));
      } catch (err) {
        broken = true;
        fail(err);
      }
    }
    draining = null;
  };
  client.subscribe(channel, (data) => {
    buffer.push(data);
    draining ??= drain();
  });

  const stop = async () => {
    closed = true;
    try {
      const bye = client.disconnect() as { then?: (ok: () => void, no: () => void) => void } | undefined;
      if (bye?.then)
        await Promise.race([
          new Promise<void>((r) => bye.then?.(r, r)),
          new Promise((r) => setTimeout(r, 2000)),
        ]);
    } catch {
      // already disconnected
    }
  };

  const timeoutMs = deps.subscribeTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      acknowledged,
      new Promise((_r, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new InrecordError(
                'IR_CRM_UNAVAILABLE',
                `Salesforce did not acknowledge the subscription to ${channel} within ${Math.round(timeoutMs / 1000)} s`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  deps.logger?.info(
    { channel, replayId: replay },
    `subscribed to ${channel} ${replay === -1 ? 'for new events' : `after replay id ${replay}`}`,
  );
  return {
    async close() {
      if (closed) return;
      await stop();
      // messages being stored are stored before close returns
      await draining;
    },
  };
}
