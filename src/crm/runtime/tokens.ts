/**
 * Access tokens for connectors: a static token, or OAuth 2.0 with a refresh token. OAuth tokens are
 * persisted in the store (table oauth_tokens) and refreshed before expiry and on a 401 — one
 * refresh at a time across every worker: in-process callers share one refresh in flight, and
 * processes serialise on the row lock, so the second finds the fresh token and does not refresh
 * again. A revoked grant is a non-retryable IR_CRM_GRANT_REVOKED and marks the connection paused.
 */
import { InrecordError } from '../../errors/index.js';
import type { Sql, Store } from '../../store/index.js';

export interface TokenSource {
  /** A token valid for at least the refresh margin. */
  token(): Promise<string>;
  /** The CRM rejected `stale` (401): get a new one unless someone already did. */
  refresh(stale: string): Promise<string>;
  /** Refreshes performed by this process. */
  readonly refreshes: number;
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

interface Held {
  accessToken: string | null;
  refreshToken: string;
  expiresAt: number;
}

export function oauthToken(opts: OAuthSourceOptions): TokenSource {
  const now = opts.now ?? Date.now;
  const margin = opts.refreshBeforeMs ?? 60_000;
  let held: Held = { accessToken: null, refreshToken: opts.refreshToken, expiresAt: 0 };
  let inflight: Promise<string> | null = null;
  let refreshes = 0;
  let seeded = false;

  const fresh = (h: Held) => h.accessToken !== null && h.expiresAt - margin > now();

  async function seed(): Promise<void> {
    if (seeded || !opts.store) return;
    seeded = true;
    await opts.store.query(
      `INSERT INTO oauth_tokens (connection, refresh_token) VALUES ($1, $2) ON CONFLICT (connection) DO NOTHING`,
      [opts.connection, opts.refreshToken],
    );
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
    const outcome = await opts.store.transaction(async (tx): Promise<{ token: string } | { revoked: string }> => {
      const [row] = await tx.query<{ access_token: string | null; refresh_token: string; expires_at: Date | null; status: string }>(
        'SELECT access_token, refresh_token, expires_at, status FROM oauth_tokens WHERE connection = $1 FOR UPDATE',
        [opts.connection],
      );
      if (row.status === 'revoked') return { revoked: 'earlier' };
      const stored: Held = {
        accessToken: row.access_token,
        refreshToken: row.refresh_token,
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
        [opts.connection, held.accessToken, held.refreshToken, new Date(held.expiresAt)],
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
  };
}

/** Whether the flows for a connection are paused because its grant was revoked. */
export async function isConnectionPaused(store: Store, connection: string): Promise<boolean> {
  const rows = await store.query<{ status: string }>('SELECT status FROM oauth_tokens WHERE connection = $1', [connection]);
  return rows[0]?.status === 'revoked';
}
