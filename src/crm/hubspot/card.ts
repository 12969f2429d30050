/**
 * HubSpot as data (reference: docs/reference/hubspot.md): the documented limits, how record ids
 * compare, and what the API can do. Engine modules read it through `cardOf('hubspot')`.
 */
import type { ProviderCard } from '../types.js';

export const hubspotCard: ProviderCard = {
  crm: 'hubspot',
  displayName: 'HubSpot',
  // Private app, Free/Starter: 100 calls per 10 s and 250,000 a day (§9.1); corrected from X-HubSpot-RateLimit-Max.
  rateLimit: { callsPerWindow: 100, windowMs: 10_000, dailyQuota: 250_000 },
  // Batch read and update take 100 inputs; search IN takes 100 values; propertiesWithHistory caps a batch read at 50 (§2.4, §3.7, §4.2).
  batch: { read: 100, write: 100, search: 100, history: 50 },
  // Numeric ids, one form.
  ids: { canonical: (id) => id, aliases: (id) => [id] },
  capabilities: {
    fieldHistory: true, // propertiesWithHistory (§2.4)
    changeNotifications: ['webhook'],
    merges: true, // hs_merged_object_ids (§6)
    restores: true, // archived records are restorable for 90 days (§3)
    bulk: false,
  },
};

/** What the registry reads (`cardOf('hubspot')`). */
export { hubspotCard as card };
