/**
 * Access tokens for connectors: a static token, or OAuth 2.0 with a refresh token. OAuth tokens are
 * persisted in the store (table oauth_tokens), sealed with the store's secret key, and refreshed
 * before expiry and on a 401 — one refresh at a time across every worker: in-process callers share
 * one refresh in flight, and processes serialise on the row lock, so the second finds the fresh
 * token and does not refresh again. A revoked grant is a non-retryable IR_CRM_GRANT_REVOKED and
 * marks the connection paused, until a new grant replaces it (`replace`, or a different refresh
 * token in the config: grant.ts). Rows stored in plaintext are sealed when first touched.
 */
import { InrecordError } from '../../errors/index.js';
import { type Sql, type Store, isSealed } from '../../store/index.js';
import { seedAction, tokenHash } from './grant.js';

export interface TokenSource {
  /** A token valid for at least the refresh margin. */
  token(): Promise<string>;
  /** The CRM rejected `stale` (401): get a new one unless someone already did. */
  refresh(stale: string): Promise<string>;
  /** Refreshes performed by this process. */
  readonly refreshes: number;
}

/** A grant obtained by re-authorising: it replaces the stored one and clears a revoked state. */
export interface NewGrant {
  refreshToken: string;
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
}

export interface OAuthTokenSource extends TokenSource {
  replace(grant: NewGrant): Promise<void>;
}

export function staticToken(token: string): TokenSource {
  return {
    async token() {
      return token;
    },
    async refresh() {
      throw new InrecordError('IR_CRM_AUTH', 'the CRM rejected the configured token');
    },
    refreshes: 0,
  };
}

export interface TokenGrant {
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** Some CRMs rotate the refresh token. */
  refreshToken?: string;
}

/** Thrown by an exchange function when the token endpoint says the grant is gone (invalid_grant). */
export class GrantRevoked extends Error {}

export interface OAuthSourceOptions {
  /** Identifies the connection in the store: e.g. `hubspot:<clientId>`. */
  connection: string;
  refreshToken: string;
  /** Calls the CRM's token endpoint (with its own retries for 429/5xx). */
  exchange(refreshToken: string): Promise<TokenGrant>;
  store?: Store;
  refreshBeforeMs?: number;
  now?: () => number;
}

interface StoredRow {
  access_token: string | null;
  refresh_token: string;
  expires_at: Date | null;
  status: string;
}

interface Held {
  accessToken: string | null;
  refreshToken: string;
  expiresAt: number;
}

export function oauthToken(opts: OAuthSourceOptions): OAuthTokenSource {
  const now = opts.now ?? Date.now;
  const margin = opts.refreshBeforeMs ?? 60_000;
  let held: Held = { accessToken: null, refreshToken: opts.refreshToken, expiresAt: 0 };
  let inflight: Promise<string> | null = null;
  let refreshes = 0;
  let seeded = false;

  const fresh = (h: Held) => h.accessToken !== null && h.expiresAt - margin > now();

  const sourceHash = tokenHash(opts.refreshToken);
  const what = `the OAuth tokens of ${opts.connection}`;
  const sealed = (store: Store, v: string) => store.secrets.seal(v);
  // A value stored before sealing is read as it is (and sealed by seed()).
  const opened = (store: Store, v: string) => (isSealed(v) ? store.secrets.open(v, what) : v);

  /** The config's refresh token meets the stored grant (grant.ts); plaintext values get sealed. */
  async function seed(): Promise<void> {
    if (seeded || !opts.store) return;
    const store = opts.store;
    await store.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO oauth_tokens (connection, refresh_token, source_hash) VALUES ($1, $2, $3) ON CONFLICT (connection) DO NOTHING RETURNING connection`,
        [opts.connection, sealed(store, opts.refreshToken), sourceHash],
      );
      if (inserted.length > 0) return;
      const [row] = await tx.query<StoredRow & { source_hash: string | null }>(
        'SELECT access_token, refresh_token, expires_at, status, source_hash FROM oauth_tokens WHERE connection = $1 FOR UPDATE',
        [opts.connection],
      );
      const action = seedAction({ sourceHash: row.source_hash, status: row.status }, sourceHash, () => row.refresh_token === opts.refreshToken);
      if (action === 'replace') {
        await tx.query(
          `UPDATE oauth_tokens SET refresh_token = $2, access_token = NULL, expires_at = NULL, status = 'active', revoked_reason = NULL, source_hash = $3, updated_at = now()
           WHERE connection = $1`,
          [opts.connection, sealed(store, opts.refreshToken), sourceHash],
        );
        return;
      }
      const plain = !isSealed(row.refresh_token) || (row.access_token !== null && !isSealed(row.access_token));
      if (action === 'keep' && !plain) return;
      // Sealing values stored before: open each (plaintext passes through), seal under the current key.
      await tx.query('UPDATE oauth_tokens SET refresh_token = $2, access_token = $3, source_hash = $4 WHERE connection = $1', [
        opts.connection,
        sealed(store, opened(store, row.refresh_token)),
        row.access_token === null ? null : sealed(store, opened(store, row.access_token)),
        action === 'adopt' ? sourceHash : row.source_hash,
      ]);
    });
    seeded = true;
  }

  const revokedError = (connection: string, why: string) =>
    new InrecordError('IR_CRM_GRANT_REVOKED', `${connection}: the OAuth grant was revoked (${why}); flows for this CRM are paused`, {
      context: { connection },
    });

  async function refreshShared(stale: string | null): Promise<string> {
    if (!opts.store) {
      const grant = await opts.exchange(held.refreshToken).catch((err) => {
        throw err instanceof GrantRevoked ? revokedError(opts.connection, err.message) : err;
      });
      refreshes++;
      held = { accessToken: grant.accessToken, refreshToken: grant.refreshToken ?? held.refreshToken, expiresAt: now() + grant.expiresIn * 1000 };
      return grant.accessToken;
    }
    await seed();
    const store = opts.store;
    const outcome = await store.transaction(async (tx): Promise<{ token: string } | { revoked: string }> => {
      const [row] = await tx.query<StoredRow>('SELECT access_token, refresh_token, expires_at, status FROM oauth_tokens WHERE connection = $1 FOR UPDATE', [
        opts.connection,
      ]);
      if (row.status === 'revoked') return { revoked: 'earlier' };
      const stored: Held = {
        accessToken: row.access_token === null ? null : opened(store, row.access_token),
        refreshToken: opened(store, row.refresh_token),
        expiresAt: row.expires_at ? row.expires_at.getTime() : 0,
      };
      // another worker refreshed while we waited for the lock
      if (fresh(stored) && stored.accessToken !== stale) {
        held = stored;
        return { token: stored.accessToken as string };
      }
      let grant: TokenGrant;
      try {
        grant = await opts.exchange(stored.refreshToken);
      } catch (err) {
        if (!(err instanceof GrantRevoked)) throw err;
        // recorded in this transaction: a second connection would wait on our own row lock
        await tx.query(
          `UPDATE oauth_tokens SET status = 'revoked', revoked_reason = $2, updated_at = now() WHERE connection = $1`,
          [opts.connection, err.message],
        );
        return { revoked: err.message };
      }
      refreshes++;
      held = {
        accessToken: grant.accessToken,
        refreshToken: grant.refreshToken ?? stored.refreshToken,
        expiresAt: now() + grant.expiresIn * 1000,
      };
      await tx.query(
        `UPDATE oauth_tokens SET access_token = $2, refresh_token = $3, expires_at = $4, refreshes = refreshes + 1, updated_at = now()
         WHERE connection = $1`,
        [opts.connection, sealed(store, held.accessToken as string), sealed(store, held.refreshToken), new Date(held.expiresAt)],
      );
      return { token: held.accessToken as string };
    });
    if ('revoked' in outcome) throw revokedError(opts.connection, outcome.revoked);
    return outcome.token;
  }

  function singleFlight(stale: string | null): Promise<string> {
    if (!inflight) {
      inflight = refreshShared(stale).finally(() => {
        inflight = null;
      });
    }
    return inflight;
  }

  return {
    async token() {
      if (fresh(held)) return held.accessToken as string;
      return singleFlight(held.accessToken);
    },
    async refresh(stale: string) {
      if (held.accessToken !== stale && fresh(held)) return held.accessToken as string;
      return singleFlight(stale);
    },
    get refreshes() {
      return refreshes;
    },
    async replace(grant: NewGrant) {
      const next: Held = { accessToken: grant.accessToken, refreshToken: grant.refreshToken, expiresAt: now() + grant.expiresIn * 1000 };
      if (opts.store) {
        const store = opts.store;
        // The config's token stays recorded as this grant's source: it is not applied again.
        await store.query(
          `INSERT INTO oauth_tokens (connection, access_token, refresh_token, expires_at, status, source_hash) VALUES ($1, $2, $3, $4, 'active', $5)
           ON CONFLICT (connection) DO UPDATE SET access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token,
             expires_at = EXCLUDED.expires_at, status = 'active', revoked_reason = NULL, source_hash = EXCLUDED.source_hash, updated_at = now()`,
          [opts.connection, sealed(store, grant.accessToken), sealed(store, grant.refreshToken), new Date(next.expiresAt), sourceHash],
        );
        seeded = true;
      }
      held = next;
    },
  };
}

/** Whether the flows for a connection are paused because its grant was revoked. */
export async function isConnectionPaused(store: Store, connection: string): Promise<boolean> {
  const rows = await store.query<{ status: string }>('SELECT status FROM oauth_tokens WHERE connection = $1', [connection]);
  return rows[0]?.status === 'revoked';
}

/** A connection whose flows are paused because its grant was revoked: shown to operators with the fix. */
export interface PausedConnection {
  connection: string;
  reason: string | null;
  since: Date;
}

/** Every connection paused by a revoked grant, for the console and `status`-like views. */
export async function pausedConnections(store: Store): Promise<PausedConnection[]> {
  const rows = await store.query<{ connection: string; revoked_reason: string | null; updated_at: Date | string }>(
    "SELECT connection, revoked_reason, updated_at FROM oauth_tokens WHERE status = 'revoked' ORDER BY connection",
  );
  return rows.map((r) => ({ connection: r.connection, reason: r.revoked_reason, since: new Date(r.updated_at) }));
}

/** What a user brings to re-authorise: the code the CRM's authorise page redirected with, or a refresh token. */
export type Reauthorisation = { code: string; redirectUri: string } | { refreshToken: string };

/** The form fields of a token request for a re-authorisation (OAuth 2.0, RFC 6749 §4.1.3 and §6). */
export function reauthorisationGrant(how: Reauthorisation): Record<string, string> {
  return 'code' in how
    ? { grant_type: 'authorization_code', code: how.code, redirect_uri: how.redirectUri }
    : { grant_type: 'refresh_token', refresh_token: how.refreshToken };
}

/**
 * Re-authorises a connection, for every connector alike: the CRM's token endpoint turns the code
 * (or checks the refresh token) into a grant, which replaces the stored one and clears a revoked
 * state. A refused code or token is IR_CRM_AUTH, and the stored grant is left as it was.
 */
export async function reauthorise(source: OAuthTokenSource, how: Reauthorisation, exchange: (form: Record<string, string>) => Promise<TokenGrant>, what: string): Promise<void> {
  const kind = 'code' in how ? 'authorization code' : 'refresh token';
  let grant: TokenGrant;
  try {
    grant = await exchange(reauthorisationGrant(how));
  } catch (err) {
    if (!(err instanceof GrantRevoked)) throw err;
    throw new InrecordError('IR_CRM_AUTH', `${what}: the token endpoint refused the ${kind} (${err.message}); the stored grant is unchanged`, {
      fix: 'Open the authorise URL again for a fresh code (codes work once and expire within minutes), or pass a refresh token the app issued.',
      cause: err,
    });
  }
  const refreshToken = grant.refreshToken ?? ('refreshToken' in how ? how.refreshToken : undefined);
  if (!refreshToken) {
    throw new InrecordError('IR_CRM_AUTH', `${what}: the token endpoint answered the authorization code without a refresh token`, {
      fix: 'Give the app offline access (the refresh_token scope), then authorise again.',
    });
  }
  await source.replace({ refreshToken, accessToken: grant.accessToken, expiresIn: grant.expiresIn });
}

/** The CRM's authorise page URL with the app's query parameters. */
export function authorizeUrl(page: string, params: Record<string, string>): string {
  const u = new URL(page);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}
