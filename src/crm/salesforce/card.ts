/**
 * Salesforce as data (reference: docs/reference/salesforce.md): the documented limits, how record
 * ids compare, and what the API can do. Engine modules read it through `cardOf('salesforce')`.
 */
import type { ProviderCard } from '../types.js';

const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID15 = /^[a-zA-Z0-9]{15}$/;
const ID18 = /^[a-zA-Z0-9]{18}$/;

/**
 * The 18-character form of a 15-character id: the suffix encodes which characters are upper case,
 * five a letter (§5.2); the API always answers with it and accepts both (§5.1).
 */
export function id18(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') flags |= 1 << i;
    }
    suffix += SUFFIX.charAt(flags);
  }
  return id15 + suffix;
}

/** Every form of one record's id: as given, its 18-character form, its 15-character prefix. */
function aliases(id: string): string[] {
  if (ID18.test(id)) return [id, id.slice(0, 15)];
  if (ID15.test(id)) return [id, id18(id)];
  return [id];
}

export const salesforceCard: ProviderCard = {
  crm: 'salesforce',
  displayName: 'Salesforce',
  // No short window is documented, only the rolling 24 h allocation (§9.1): a polite default.
  rateLimit: { callsPerWindow: 50, windowMs: 1_000, dailyQuota: 100_000 },
  // SOQL reads 2,000 rows a page; sObject Collections update 200 records a call (§1.4, §3).
  batch: { read: 2000, write: 200, search: 200 },
  ids: { canonical: (id) => (ID15.test(id) ? id18(id) : id), aliases },
  capabilities: {
    fieldHistory: true, // <Object>History rows, where field history tracking is on
    changeNotifications: ['outbound-message', 'change-data-capture'],
    merges: true, // MasterRecordId on the deleted record
    restores: true, // undelete from the recycle bin
    bulk: true, // Bulk API 2.0
  },
};

/** What the registry reads (`cardOf('salesforce')`). */
export { salesforceCard as card };
