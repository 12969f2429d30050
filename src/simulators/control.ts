/**
 * The control API every simulator serves beside the CRM's own paths, written once:
 *
 *   GET  /_sim/stats          the counters (SimStats)
 *   POST /_sim/stats/reset    zero them
 *   POST /_sim/faults         set injected faults (SimFaults; `{}` clears them)
 *   POST /_sim/rep-edit       change a record as a rep would in the CRM's UI: {object, id, fields, userId?}
 *   GET  /_sim/ground-truth   the seeded truth (same people / companies, intent labels)
 *
 * A malformed request is answered 400 `{ ok: false, error }` naming what is wrong; so is a rep edit
 * the CRM would refuse (unknown record or field, invalid value). A simulator adds its own `/_sim/…`
 * routes (Salesforce: outbound messages, revoking grants) next to these.
 */
import type { FastifyInstance } from 'fastify';
import { emptyStats } from './stats.js';
import type { RepEdit, SimFaults, SimStats } from './types.js';

export interface SimControl {
  stats(): SimStats;
  resetStats(): void;
  setFaults(faults: SimFaults): void;
  repEdit(edit: RepEdit): Promise<void>;
  groundTruth(): unknown;
}

/**
 * The counters and injected faults of one running simulator: its routes and webhook sender read
 * them here, and `control()` hands the control API and the in-process handle the same methods.
 */
export class ControlState {
  stats: SimStats = emptyStats();
  faults: SimFaults = {};

  /** The control methods over this state, with the simulator's own rep edit and ground truth. */
  control(repEdit: (edit: RepEdit) => Promise<void>, groundTruth: () => unknown): SimControl {
    return {
      stats: () => this.stats,
      resetStats: () => {
        this.stats = emptyStats();
      },
      setFaults: (f) => {
        this.faults = f;
      },
      repEdit,
      groundTruth,
    };
  }
}

/**
 * The `onRequest` hook every simulator installs first: holds each API request for the injected
 * `latencyMs`, so a client is measured against the round trips a CRM in another data centre costs.
 */
export function latencyHook(live: ControlState): (req: { url: string }) => Promise<void> {
  return async (req) => {
    const ms = live.faults.latencyMs;
    if (ms && !req.url.startsWith('/_sim')) await new Promise((r) => setTimeout(r, ms));
  };
}

/** The control paths, for `inrecord sim --help` and the README. */
export const CONTROL_PATHS = {
  stats: '/_sim/stats',
  resetStats: '/_sim/stats/reset',
  faults: '/_sim/faults',
  repEdit: '/_sim/rep-edit',
  groundTruth: '/_sim/ground-truth',
} as const;

/** A control request the simulator cannot act on: answered 400 with this message. */
export class ControlError extends Error {}

const FAULT_SHARES = ['webhookDrop', 'webhookDuplicate', 'error429', 'error500'] as const;

/** The faults a request body asks for, or why it cannot. */
export function parseFaults(body: unknown): SimFaults {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new ControlError('faults must be a JSON object, e.g. {"error429": 0.1}');
  const b = body as Record<string, unknown>;
  const known = new Set<string>([
    ...FAULT_SHARES,
    'webhookReorder',
    'webhookDelayMs',
    'latencyMs',
    'errorMethods',
    'seed',
  ]);
  const unknown = Object.keys(b).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw new ControlError(`unknown fault ${unknown.join(', ')}: use ${[...known].join(', ')}`);
  for (const k of FAULT_SHARES) {
    const v = b[k];
    if (v !== undefined && (typeof v !== 'number' || !(v >= 0 && v <= 1)))
      throw new ControlError(`${k} must be a share between 0 and 1, got ${JSON.stringify(v)}`);
  }
  if (b.webhookReorder !== undefined && typeof b.webhookReorder !== 'boolean')
    throw new ControlError('webhookReorder must be true or false');
  for (const k of ['webhookDelayMs', 'latencyMs', 'seed'] as const) {
    const v = b[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0))
      throw new ControlError(`${k} must be a number ≥ 0, got ${JSON.stringify(v)}`);
  }
  if (
    b.errorMethods !== undefined &&
    !(Array.isArray(b.errorMethods) && b.errorMethods.every((m) => typeof m === 'string'))
  ) {
    throw new ControlError('errorMethods must be a list of HTTP methods, e.g. ["POST", "PATCH"]');
  }
  return b as SimFaults;
}

/** The rep edit a request body asks for, or why it cannot. */
export function parseRepEdit(body: unknown): RepEdit {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ControlError('a rep edit is a JSON object {object, id, fields, userId?}');
  const b = body as Record<string, unknown>;
  if (typeof b.object !== 'string' || b.object.length === 0)
    throw new ControlError(
      'rep edit: object is required (the object name as the CRM API names it, e.g. contacts, Lead, persons)',
    );
  if ((typeof b.id !== 'string' || b.id.length === 0) && typeof b.id !== 'number')
    throw new ControlError('rep edit: id is required (the record id)');
  if (typeof b.fields !== 'object' || b.fields === null || Array.isArray(b.fields))
    throw new ControlError('rep edit: fields is required (an object of field name → new value)');
  if (b.userId !== undefined && typeof b.userId !== 'string' && typeof b.userId !== 'number')
    throw new ControlError('rep edit: userId must be the id of a CRM user');
  return {
    object: b.object,
    id: String(b.id),
    fields: b.fields as Record<string, unknown>,
    ...(b.userId !== undefined ? { userId: String(b.userId) } : {}),
  };
}

/** Registers the shared control routes on a simulator's server. */
export function registerControl(app: FastifyInstance, ctl: SimControl): void {
  const fail = (e: unknown) => ({ ok: false, error: e instanceof Error ? e.message : String(e) });
  app.get(CONTROL_PATHS.stats, async () => ctl.stats());
  app.post(CONTROL_PATHS.resetStats, async () => {
    ctl.resetStats();
    return { ok: true };
  });
  app.post(CONTROL_PATHS.faults, async (req, reply) => {
    try {
      ctl.setFaults(parseFaults(req.body));
      return { ok: true };
    } catch (e) {
      return reply.code(400).send(fail(e));
    }
  });
  app.post(CONTROL_PATHS.repEdit, async (req, reply) => {
    let edit: RepEdit;
    try {
      edit = parseRepEdit(req.body);
    } catch (e) {
      return reply.code(400).send(fail(e));
    }
    try {
      await ctl.repEdit(edit);
      return { ok: true };
    } catch (e) {
      // the simulators throw plain errors for what the CRM itself would refuse (unknown record, field or value)
      return reply.code(400).send(fail(e));
    }
  });
  app.get(CONTROL_PATHS.groundTruth, async () => ctl.groundTruth());
}

/**
 * Serves `/ui/<object>/<id>`, the record page a rep would see; `render` answers undefined for an
 * unknown object or record (404).
 */
export function registerRecordPage(
  app: FastifyInstance,
  render: (object: string, id: string) => string | undefined,
): void {
  app.get('/ui/:object/:id', async (req, reply) => {
    const { object, id } = req.params as { object: string; id: string };
    const html = render(object, id);
    if (html === undefined)
      return reply.code(404).type('text/html').send('<!doctype html><p>No such record.</p>');
    return reply.type('text/html; charset=utf-8').send(html);
  });
}
