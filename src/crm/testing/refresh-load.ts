/**
 * Token refresh under load, shared by the conformance suite (which asserts on it) and the
 * connectors benchmark (which reports it): three connector instances — three workers — sharing one
 * Postgres store write N records at once against a simulator whose access tokens live `ttlSeconds`.
 *
 * Every replacement of the shared token is logged by a trigger on the store's oauth_tokens row, so
 * the figures come from what happened, not from the connectors' own counters:
 * - issued: access tokens the simulator issued from the start of the write until the first call
 *   after it (a refresh_token grant each);
 * - expiries: access tokens — the one in use when the write started and each one issued since —
 *   whose lifetime ended inside that window: each one replaced, and the last one if its TTL ran
 *   out before the closing call;
 * - early: replacements of a token that still had more than `EARLY_MS` to live (a refresh
 *   stampede replaces a fresh token at once).
 * One refresh per expiry means issued === expiries and early === 0.
 */
import { crmConnectionSchema } from '../../config/index.js';
import { type RunningSimulator, startSimulator } from '../../simulators/index.js';
import type { Store } from '../../store/index.js';
import { createConnector } from '../registry.js';
import type { CrmConnector, CrmName } from '../types.js';

/** The CRM may answer 401 a little before our clock says the token is over (issue vs receipt time). */
export const EARLY_MS = 250;

const OPEN_LIMIT = { callsPerWindow: 1_000_000, windowMs: 1000 };

export interface RefreshLoadResult {
  records: number;
  failed: number;
  /** Records whose value did not read back. */
  wrong: number;
  issued: number;
  expiries: number;
  early: number;
  writeSeconds: number;
  /** Refreshes each worker performed. */
  perWorker: number[];
}

/** How each simulator's OAuth grant is obtained and configured (see each connector's OAuth test). */
export async function simulatorOAuth(crm: CrmName, sim: RunningSimulator): Promise<Record<string, unknown>> {
  if (crm === 'hubspot') return { baseUrl: sim.apiBase, auth: { oauth: { clientId: 'sim-client-id', clientSecret: 'app-secret', refreshToken: 'rt-load', refreshBefore: '0s' } } };
  if (crm === 'pipedrive')
    return { baseUrl: `${sim.url}/api/v2`, auth: { oauth: { clientId: 'sim-client-id', clientSecret: 'sim-client-secret', refreshToken: 'rt-load', tokenUrl: `${sim.url}/oauth/token`, refreshBefore: '0s' } } };
  const sf = sim as RunningSimulator & { issueAuthCode(): string; oauth: { clientId: string; clientSecret: string } };
  const tokenUrl = `${sim.apiBase}/services/oauth2/token`;
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: sf.issueAuthCode(), client_id: sf.oauth.clientId, client_secret: sf.oauth.clientSecret, redirect_uri: 'http://127.0.0.1/cb' });
  const grant = (await (await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })).json()) as { refresh_token: string };
  return { baseUrl: sim.apiBase, auth: { oauth: { clientId: sf.oauth.clientId, clientSecret: sf.oauth.clientSecret, refreshToken: grant.refresh_token, tokenUrl, refreshBefore: '0s' } } };
}

async function logTokenIssues(db: Store): Promise<void> {
  await db.query('CREATE TABLE token_issue_log (at timestamptz NOT NULL)');
  await db.query(`CREATE FUNCTION log_token_issue() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.access_token IS DISTINCT FROM OLD.access_token THEN
        INSERT INTO token_issue_log VALUES (clock_timestamp());
      END IF;
      RETURN NEW;
    END $$`);
  await db.query('CREATE TRIGGER token_issue_log AFTER UPDATE ON oauth_tokens FOR EACH ROW EXECUTE FUNCTION log_token_issue()');
}

async function all<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of it) out.push(...page);
  return out;
}


export interface RefreshLoadOptions {
  records: number;
  ttlSeconds: number;
  /** Simulator options over an open rate limit (e.g. a rate limit that paces the write). */
  simOptions?: Record<string, unknown>;
  /** The connection's own rate limit: one budget, shared by the three workers through the store. */
  rateLimit?: { callsPerWindow: number; windowMs: number };
}

/** `db` must be a Postgres store of its own (the run adds a log table and a trigger to it). */
export async function runRefreshUnderLoad(crm: CrmName, opts: RefreshLoadOptions, db: Store): Promise<RefreshLoadResult> {
  const { records, ttlSeconds } = opts;
  const ttlMs = ttlSeconds * 1000;
  await logTokenIssues(db);
  const sim = await startSimulator(crm, { records, seed: 21, rateLimit: OPEN_LIMIT, ...opts.simOptions, tokenTtlSeconds: ttlSeconds, refreshToken: 'rt-load', ...(crm === 'hubspot' ? { clientSecret: 'app-secret' } : {}) });
  const workers: CrmConnector[] = [];
  try {
    // Salesforce writes go through REST collections here: with 1-s sessions a bulk upload of a
    // third of the records outlasts the session, and a token another worker refreshed a second ago
    // is already spent; what this measures is refresh per expiry across workers.
    const conn = crmConnectionSchema.parse({ kind: crm, ...(await simulatorOAuth(crm, sim)), rateLimit: opts.rateLimit ?? OPEN_LIMIT, ...(crm === 'salesforce' ? { bulk: { enabled: false } } : {}) });
    for (let i = 0; i < 3; i++) workers.push(await createConnector(conn, { store: db }));
    const field = await workers[0].createField('contact', { name: 'refresh_load', label: 'Refresh load', type: 'number' });
    const ids = (await all(workers[0].readChanged('contact', null, []))).map((r) => r.id).slice(0, records);
    if (ids.length < records) throw new Error(`${crm} simulator seeded ${ids.length} contacts, wanted ${records}`);
    await Promise.all(workers.map((w) => w.describe('contact')));
    const refreshesBefore = workers.map((w) => w.stats().tokenRefreshes);
    const issuedBefore = sim.stats().tokenRefreshes;
    const t0 = Date.now();
    // One write of N records, spread over the three workers as a queue would.
    const parts = [0, 1, 2].map((w) => ids.filter((_, i) => i % 3 === w));
    const results = await Promise.all(workers.map((wk, w) => wk.writeBatch('contact', parts[w].map((id) => ({ id, fields: { [field.name]: 7 } })))));
    const writeSeconds = (Date.now() - t0) / 1000;
    // Window end: one call replaces whatever expired before it started.
    const issuedAt = async () => (await db.query<{ at: Date }>('SELECT at FROM token_issue_log ORDER BY at')).map((r) => r.at.getTime());
    const tEnd = Date.now();
    await workers[0].read('contact', [ids[0]], []);
    const issued = sim.stats().tokenRefreshes - issuedBefore;
    const perWorker = workers.map((w, i) => w.stats().tokenRefreshes - (refreshesBefore[i] as number));
    const log = await issuedAt();
    // The chain of tokens in use: the last issued before t0, then each one issued since. Every
    // token but the last was replaced (early counts those replaced before their end); the last one
    // counts as ended if its life was over before the closing call started (that call must then
    // have replaced it, or the counts differ). A slow closing call — a loaded machine — cannot
    // make a lifetime that ended during it count without its replacement, or the other way round.
    const live = log.filter((at) => at < t0);
    const chain = [...live.slice(-1), ...log.filter((at) => at >= t0)];
    const expiries = Math.max(0, chain.length - 1) + (chain.length > 0 && (chain.at(-1) as number) + ttlMs <= tEnd ? 1 : 0);
    let early = 0;
    for (let i = 1; i < chain.length; i++) if (chain[i] < chain[i - 1] + ttlMs - EARLY_MS) early++;
    const back = await workers[0].read('contact', ids, [field.name]);
    const byId = new Map(back.map((r) => [r.id, r.fields[field.name]]));
    return {
      records,
      failed: results.flat().filter((r) => !r.ok).length + (records - results.flat().length),
      wrong: ids.filter((id) => byId.get(id) !== 7).length,
      issued,
      expiries,
      early,
      writeSeconds,
      perWorker,
    };
  } finally {
    for (const w of workers) await w.close();
    await sim.close();
  }
}
