/**
 * Clients that hold connections open by trickling bytes are dropped on the server's deadlines
 * (SERVER_TIMEOUTS: headers 10 s, whole request 30 s, idle keep-alive 5 s), within a few seconds
 * past them, while a client that sends its request at once is answered.
 */
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_TIMEOUTS, buildServer } from '../../src/server/index.js';
import { type ConsoleFixture, consoleFixture } from './fixture.js';

/** Opens a connection, writes `first`, then one byte of `drip` a second; resolves when the server closes it. */
function trickle(port: number, first: string, drip: string) {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  let i = 0;
  socket.write(first);
  const timer = setInterval(() => {
    if (!socket.destroyed && i < drip.length) socket.write(drip[i++]);
  }, 1000);
  socket.on('data', (c) => (answer += String(c)));
  socket.on('error', () => {});
  return {
    closed: new Promise<{ afterMs: number; answer: string }>((done) =>
      socket.once('close', () => {
        clearInterval(timer);
        done({ afterMs: Date.now() - started, answer });
      }),
    ),
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

describe('slow clients', () => {
  let fx: ConsoleFixture;
  let app: FastifyInstance;
  let port = 0;
  beforeAll(async () => {
    fx = await consoleFixture();
    app = buildServer({
      store: fx.store,
      connectors: {},
      queue: { enqueue: async () => {} },
      actions: fx.actions,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app?.close();
    await fx?.close();
  });

  it('drops trickled headers, a trickled body and an idle keep-alive connection past their deadlines', async () => {
    const { headersMs, requestMs, keepAliveMs } = SERVER_TIMEOUTS;
    const slack = 5000;
    const headers = trickle(
      port,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`,
      'X-Slow: '.padEnd(200, 'a'),
    );
    const body = trickle(
      port,
      `POST /webhooks/hubspot HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n`,
      '['.padEnd(500, ' '),
    );
    const idle = trickle(port, `GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, '');
    try {
      const [h, b, k] = await Promise.all([headers.closed, body.closed, idle.closed]);
      expect(h.afterMs, 'headers').toBeLessThan(headersMs + slack);
      expect(h.answer).toMatch(/^HTTP\/1\.1 408/);
      expect(b.afterMs, 'body').toBeLessThan(requestMs + slack);
      expect(b.answer).toMatch(/^HTTP\/1\.1 408/);
      // the idle connection was answered first, then closed
      expect(k.answer).toMatch(/^HTTP\/1\.1 200/);
      expect(k.afterMs, 'keep-alive').toBeLessThan(keepAliveMs + slack);
    } finally {
      headers.stop();
      body.stop();
      idle.stop();
    }
  }, 60_000);
});
