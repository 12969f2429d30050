/**
 * The Streaming API's CometD endpoint, `POST /cometd/<version>` (Bayeux 1.0 over long polling, as
 * jsforce's streaming client — faye — speaks it), delivering the change events of changeevents.ts.
 *
 *   /meta/handshake   authenticated like the REST API (`Authorization: OAuth <token>` or Bearer);
 *                     a bad token is `403::Handshake denied` with `ext.sfdc.failureReason
 *                     401::Authentication invalid` and `advice.reconnect: none`. The answer says
 *                     `ext.replay: true` (the replay extension is on).
 *   /meta/subscribe   `ext.replay: { <channel>: <replayId> }` resumes after that id (-1: new events
 *                     only, the default; -2: every retained event); an id outside the retention
 *                     window fails the subscription: `400::The replayId {…} you provided was invalid…`.
 *   /meta/connect     held until events arrive or `holdMs` passes (Salesforce advises 110 s);
 *                     an unknown client id is told to handshake again (`403::Unknown client`).
 *   /meta/unsubscribe, /meta/disconnect.
 *
 * Streaming calls do not count toward the REST request allocation (they use event-delivery
 * allocations, which the simulator does not limit).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ALL_CHANGES, type ChangeEventBus, type RetainedEvent, entityOfChannel } from './changeevents.js';

export interface CometdOptions {
  bus: ChangeEventBus;
  /** The session of a token, as the REST API resolves it; null for none. */
  authenticate(token: string | undefined): { userId: string } | null;
  versions: string[];
  /** How long a /meta/connect waits for events (default 110 s, Salesforce's advice timeout). */
  holdMs?: number;
}

type Message = Record<string, unknown> & { channel?: string; id?: string; clientId?: string };

interface Client {
  id: string;
  userId: string;
  /** channel → last replay id delivered to this client. */
  channels: Set<string>;
  queue: RetainedEvent[];
  waiting: ((events: RetainedEvent[]) => void) | null;
  lastSeen: number;
}

/** A client that has not connected for this long is dropped (Salesforce: 40 s). */
const CLIENT_TTL_MS = 40_000;

export interface CometdServer {
  /** Clients currently handshaken. */
  clients(): number;
  /** Answers every held connect (the server is closing). */
  close(): void;
}

export function registerCometd(app: FastifyInstance, opts: CometdOptions): CometdServer {
  const holdMs = opts.holdMs ?? 110_000;
  const clients = new Map<string, Client>();
  const advice = { reconnect: 'retry', interval: 0, timeout: holdMs };

  opts.bus.listeners.push((e) => {
    for (const c of clients.values()) {
      if (!c.channels.has(e.channel) && !c.channels.has(ALL_CHANGES)) continue;
      c.queue.push(e);
      flush(c);
    }
  });

  const flush = (c: Client) => {
    if (!c.waiting || c.queue.length === 0) return;
    const w = c.waiting;
    c.waiting = null;
    w(c.queue.splice(0));
  };

  const sweep = () => {
    const cutoff = Date.now() - CLIENT_TTL_MS;
    for (const [id, c] of clients) if (!c.waiting && c.lastSeen < cutoff) clients.delete(id);
  };

  const delivery = (events: RetainedEvent[], subscribed: Set<string>): Message[] =>
    events.map((e) => ({ channel: subscribed.has(e.channel) ? e.channel : ALL_CHANGES, data: e.data }));

  const tokenOf = (req: FastifyRequest) =>
    /^(?:OAuth|Bearer)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];

  const handle = async (req: FastifyRequest, m: Message, hold: boolean): Promise<Message[]> => {
    const base = { channel: m.channel, ...(m.id !== undefined ? { id: m.id } : {}) };
    if (m.channel === '/meta/handshake') {
      const session = opts.authenticate(tokenOf(req));
      if (!session) {
        return [
          {
            ...base,
            successful: false,
            error: '403::Handshake denied',
            ext: { sfdc: { failureReason: '401::Authentication invalid' }, replay: true },
            advice: { reconnect: 'none' },
          },
        ];
      }
      sweep();
      const id = randomBytes(16).toString('base64url');
      clients.set(id, {
        id,
        userId: session.userId,
        channels: new Set(),
        queue: [],
        waiting: null,
        lastSeen: Date.now(),
      });
      return [
        {
          ...base,
          version: '1.0',
          minimumVersion: '1.0',
          clientId: id,
          supportedConnectionTypes: ['long-polling'],
          successful: true,
          ext: { replay: true, 'payload.format': true },
          advice: { ...advice, reconnect: 'retry' },
        },
      ];
    }
    const client = typeof m.clientId === 'string' ? clients.get(m.clientId) : undefined;
    if (!client)
      return [
        {
          ...base,
          clientId: m.clientId,
          successful: false,
          error: '403::Unknown client',
          advice: { reconnect: 'handshake', interval: 0 },
        },
      ];
    client.lastSeen = Date.now();
    switch (m.channel) {
      case '/meta/connect': {
        // a connect sent together with other messages is answered at once, with their replies
        const events =
          client.queue.length > 0 || !hold
            ? client.queue.splice(0)
            : await new Promise<RetainedEvent[]>((resolve) => {
                const timer = setTimeout(() => {
                  client.waiting = null;
                  resolve([]);
                }, holdMs);
                client.waiting = (ev) => {
                  clearTimeout(timer);
                  resolve(ev);
                };
              });
        client.lastSeen = Date.now();
        if (!clients.has(client.id))
          return [
            {
              ...base,
              clientId: client.id,
              successful: false,
              error: '403::Unknown client',
              advice: { reconnect: 'handshake', interval: 0 },
            },
          ];
        return [
          ...delivery(events, client.channels),
          { ...base, clientId: client.id, successful: true, advice },
        ];
      }
      case '/meta/subscribe': {
        const channel = String(m.subscription ?? '');
        const fail = (error: string) => [
          { ...base, clientId: client.id, subscription: channel, successful: false, error },
        ];
        if (channel !== ALL_CHANGES) {
          const entity = entityOfChannel(channel);
          if (!entity || !opts.bus.entities.has(entity))
            return fail(`400::The channel you requested to subscribe to does not exist {${channel}}`);
        }
        const replay = (m.ext as { replay?: Record<string, unknown> } | undefined)?.replay?.[channel];
        const replayId = replay === undefined || replay === null ? -1 : Number(replay);
        const refusal = opts.bus.refusal(replayId);
        if (refusal) return fail(refusal);
        client.channels.add(channel);
        // events retained after the replay id go first, then new ones as they come
        client.queue.push(...opts.bus.after(channel, replayId).filter((e) => !client.queue.includes(e)));
        client.queue.sort((a, b) => a.replayId - b.replayId);
        flush(client);
        return [{ ...base, clientId: client.id, subscription: channel, successful: true }];
      }
      case '/meta/unsubscribe': {
        const channel = String(m.subscription ?? '');
        client.channels.delete(channel);
        return [{ ...base, clientId: client.id, subscription: channel, successful: true }];
      }
      case '/meta/disconnect': {
        clients.delete(client.id);
        client.waiting?.([]);
        return [{ ...base, clientId: client.id, successful: true }];
      }
      default:
        return [
          { ...base, clientId: client.id, successful: false, error: `403::Publish denied {${m.channel}}` },
        ];
    }
  };

  const route = async (req: FastifyRequest, reply: FastifyReply) => {
    const version = (req.params as { version: string }).version;
    if (!opts.versions.includes(version))
      return reply
        .code(404)
        .type('application/json;charset=UTF-8')
        .send([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    const body = req.body;
    const messages = (Array.isArray(body) ? body : [body]).filter(
      (x): x is Message => typeof x === 'object' && x !== null,
    );
    const hold = messages.every((m) => m.channel === '/meta/connect');
    // a batch's connect goes last: it carries the events its subscriptions made due
    const ordered = [
      ...messages.filter((m) => m.channel !== '/meta/connect'),
      ...messages.filter((m) => m.channel === '/meta/connect'),
    ];
    const answers: Message[] = [];
    for (const m of ordered) answers.push(...(await handle(req, m, hold)));
    return reply.type('application/json;charset=UTF-8').send(answers);
  };
  app.post('/cometd/:version', route);

  return {
    clients: () => clients.size,
    close() {
      for (const c of clients.values()) c.waiting?.([]);
      clients.clear();
    },
  };
}

/**
 * The simulator's change-event controls, beside the shared /_sim API:
 *
 *   POST /_sim/change-events/expire    every event published so far leaves the retention window (a
 *                                      stored replay id becomes invalid, as after 72 h away)
 *   POST /_sim/change-events/gap       {object, id, fields, userId?}: a change applied outside the
 *                                      application servers — published as GAP_UPDATE (ids only)
 *   POST /_sim/change-events/overflow  {object, edits: [{id, fields}], userId?}: the edits as one
 *                                      transaction past the overflow threshold — one GAP_OVERFLOW
 *                                      event, no record ids
 */
export function registerChangeEventControl(
  app: FastifyInstance,
  o: {
    bus: ChangeEventBus;
    update(object: string, id: string, fields: Record<string, unknown>, userId?: string): void;
  },
): void {
  const bad = (reply: FastifyReply, error: string) => reply.code(400).send({ ok: false, error });
  const edit = (b: Record<string, unknown>): { id: string; fields: Record<string, unknown> } | null =>
    typeof b.id === 'string' && typeof b.fields === 'object' && b.fields !== null && !Array.isArray(b.fields)
      ? { id: b.id, fields: b.fields as Record<string, unknown> }
      : null;
  app.post('/_sim/change-events/expire', async () => ({ ok: true, expired: o.bus.expireAll() }));
  app.post('/_sim/change-events/gap', async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const e = edit(b);
    if (typeof b.object !== 'string' || !e)
      return bad(
        reply,
        'a gap is {object, id, fields, userId?}: the object as the API names it (Lead), the record id, the field values',
      );
    try {
      o.bus.asGap(() =>
        o.update(b.object as string, e.id, e.fields, typeof b.userId === 'string' ? b.userId : undefined),
      );
    } catch (err) {
      return bad(reply, (err as Error).message);
    }
    return { ok: true };
  });
  app.post('/_sim/change-events/overflow', async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const edits = Array.isArray(b.edits)
      ? b.edits.map((x) => (typeof x === 'object' && x !== null ? edit(x as Record<string, unknown>) : null))
      : [];
    if (typeof b.object !== 'string' || edits.length === 0 || edits.some((x) => !x))
      return bad(reply, 'an overflow is {object, edits: [{id, fields}], userId?}');
    try {
      o.bus.asOverflow(() => {
        for (const e of edits)
          o.update(b.object as string, e!.id, e!.fields, typeof b.userId === 'string' ? b.userId : undefined);
      });
    } catch (err) {
      return bad(reply, (err as Error).message);
    }
    return { ok: true };
  });
}
