import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestStore, openTestStore } from '../store/testing/index.js';
import { bindHttpServer, buildServer, closeHttpServer } from './index.js';

describe('binding the port before the app', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('pglite');
  });
  afterAll(async () => store?.destroy());

  it('answers 503 until the app is attached, then the app answers', async () => {
    const { server, url } = await bindHttpServer('127.0.0.1', 0);
    try {
      const early = await fetch(`${url}/api/health`);
      expect(early.status).toBe(503);
      expect(early.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(((await early.json()) as { error: { code: string } }).error.code).toBe('IR_SERVER_STARTING');
      const app = buildServer({
        store,
        connectors: {},
        queue: { enqueue: async () => {} },
        actions: {},
        server,
      });
      await app.ready();
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
      await app.close();
    } finally {
      await closeHttpServer(server);
    }
  });

  it('reports a port in use as IR_SERVER_BIND', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const port = (squatter.address() as { port: number }).port;
    try {
      await expect(bindHttpServer('127.0.0.1', port)).rejects.toMatchObject({
        code: 'IR_SERVER_BIND',
        message: `cannot listen on 127.0.0.1:${port}: the port is in use`,
      });
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });
});
