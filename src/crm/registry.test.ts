import { describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../config/index.js';
import { CRM_NAMES, isCrmName } from './names.js';
import { cardOf, createConnector } from './registry.js';

describe('the CRM registry', () => {
  it.each(CRM_NAMES)('%s: its connector takes its limits from its card', async (crm) => {
    const card = cardOf(crm);
    expect(card.crm).toBe(crm);
    expect(card.displayName.length).toBeGreaterThan(0);
    const conn = crmConnectionSchema.parse({
      kind: crm,
      baseUrl: 'http://127.0.0.1:9',
      auth: { token: 't' },
      // known up front: no call to learn it
      integrationUserId: '1',
      bulk: { enabled: false },
    });
    const connector = await createConnector(conn);
    try {
      expect(connector.crm).toBe(crm);
      // the batch limits are the card's; the batches in flight are the connection's (writeConcurrency)
      const { inFlight, ...limits } = connector.limits;
      expect(limits).toEqual(card.batch);
      expect(inFlight ?? 1).toBeGreaterThanOrEqual(1);
      expect(connector.rateLimit).toEqual(card.rateLimit);
    } finally {
      await connector.close();
    }
  });

  it.each(CRM_NAMES)('%s: an id is one of its own aliases, and so is its canonical form', (crm) => {
    const { ids } = cardOf(crm);
    for (const id of ['42', '003R00000000001AAA', '003R00000000001']) {
      expect(ids.aliases(id)).toContain(id);
      expect(ids.aliases(id)).toContain(ids.canonical(id));
    }
  });

  it('knows a CRM by its name only', () => {
    expect(CRM_NAMES.every(isCrmName)).toBe(true);
    expect(isCrmName('HubSpot')).toBe(false);
    expect(isCrmName('zoho')).toBe(false);
  });
});
