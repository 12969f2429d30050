/**
 * What the configured refresh token does to the grant stored for a connection — a pure decision.
 * The config's token seeds the store once; the stored grant then lives on its own (some CRMs rotate
 * refresh tokens, so the stored one may differ from the config's). A *different* token in the
 * config later is a re-authorisation: it replaces the stored grant and clears a revoked state.
 */
import { createHash } from 'node:crypto';

/** keep: the config token was applied already · adopt: remember it as the grant's source · replace: re-authorised. */
export type SeedAction = 'keep' | 'adopt' | 'replace';

export interface StoredGrantState {
  /** Hash of the config token the grant came from; null for rows from before it was recorded. */
  sourceHash: string | null;
  status: 'active' | 'revoked' | string;
}

/** How a configured refresh token is remembered: its SHA-256, never the token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 32);
}

/**
 * `configIsStored`: the config token is the stored refresh token (only read for rows without a
 * recorded source: a revoked grant is then replaced only by another token than the revoked one).
 */
export function seedAction(
  row: StoredGrantState,
  configHash: string,
  configIsStored: () => boolean,
): SeedAction {
  if (row.sourceHash === configHash) return 'keep';
  if (row.sourceHash !== null) return 'replace';
  return row.status === 'revoked' && !configIsStored() ? 'replace' : 'adopt';
}
