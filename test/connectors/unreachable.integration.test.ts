/**
 * A CRM that does not answer (wrong address, firewall): every connector's error names where the
 * call went and what failed underneath Node's "fetch failed", and says what to check.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import type { CrmName } from '../../src/crm/types.js';
import { InrecordError } from '../../src/errors/index.js';

/** A port that was free a moment ago: nothing listens on it. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe.each(['hubspot', 'salesforce', 'pipedrive'] as CrmName[])('%s connector with no CRM at its address', (crm) => {
  it('fails with IR_CRM_UNAVAILABLE naming the host and the refused connection', async () => {
    const port = await closedPort();
    const base = `http://127.0.0.1:${port}`;
    const connector = await createConnector(
      crmConnectionSchema.parse({ kind: crm, baseUrl: crm === 'pipedrive' ? `${base}/api/v2` : base, auth: { token: 'x' } }),
    );
    try {
      const err = await connector.read('contact', ['1'], []).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InrecordError);
      const e = err as InrecordError;
      expect(e.code).toBe('IR_CRM_UNAVAILABLE');
      expect(e.message).toContain(`127.0.0.1:${port}`);
      expect(e.message).toMatch(/ECONNREFUSED/);
      expect(e.fix).toMatch(/crm\.baseUrl/);
    } finally {
      await connector.close();
    }
  }, 60_000);
});
