/**
 * Pipedrive as data (reference: docs/reference/pipedrive.md): the documented limits, how record ids
 * compare, and what the API can do. Engine modules read it through `cardOf('pipedrive')`.
 */
import type { ProviderCard } from '../types.js';

export const pipedriveCard: ProviderCard = {
  crm: 'pipedrive',
  displayName: 'Pipedrive',
  // Token-based limits: a burst of 100 requests per 2 s and a daily token budget (§6).
  rateLimit: { callsPerWindow: 100, windowMs: 2_000, dailyQuota: 1_500_000 },
  // v2 lists take 100 ids a call; there is no batch update, so writeBatch runs 50 single updates at once.
  // Field history is one changelog call per record (§9).
  batch: { read: 100, write: 1, search: 1, writeChunk: 50, history: 1 },
  // Integer ids, one form.
  ids: { canonical: (id) => id, aliases: (id) => [id] },
  capabilities: {
    fieldHistory: true, // the changelog endpoints (§7)
    changeNotifications: ['webhook'],
    merges: true, // merged_to_id on webhook events (§5)
    restores: false,
    bulk: false,
  },
};

/** What the registry reads (`cardOf('pipedrive')`). */
export { pipedriveCard as card };
