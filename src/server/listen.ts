/**
 * The HTTP server under the app: its timeouts (a client that trickles bytes is dropped), and its
 * port bound before the daemon starts anything else, so a port in use stops the start cleanly.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { InrecordError } from '../errors/index.js';

export interface ServerTimeouts {
  /** The request line and headers must arrive within this (ms). */
  headersMs: number;
  /** The whole request, body included, must arrive within this (ms). */
  requestMs: number;
  /** An idle keep-alive connection is closed after this (ms). */
  keepAliveMs: number;
  /** A connection that sends nothing for this long is closed (ms). */
  idleMs: number;
}

/**
 * Sized for webhooks: a CRM sends its headers at once and a body of at most a few hundred KB within
 * seconds. Deadlines are checked every second, so a slow client is dropped about a second past them.
 */
export const SERVER_TIMEOUTS: ServerTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
  idleMs: 30_000,
};

/** On every answer: no inline script, scripts talk only to this server, no framing, no type sniffing, no referrer, no caching. */
export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

const starting = new WeakMap<Server, (req: IncomingMessage, res: ServerResponse) => void>();

export function createHttpServer(t: ServerTimeouts = SERVER_TIMEOUTS): Server {
  const server = createServer({
    headersTimeout: t.headersMs,
    requestTimeout: t.requestMs,
    keepAliveTimeout: t.keepAliveMs,
    connectionsCheckingInterval: 1000,
  });
  // no 'timeout' listener: node destroys a socket idle this long
  server.setTimeout(t.idleMs);
  return server;
}

/**
 * A server bound to host:port that answers 503 until the app is attached (`attachApp`). A port in
 * use or not permitted is IR_SERVER_BIND.
 */
export async function bindHttpServer(
  host: string,
  port: number,
  t: ServerTimeouts = SERVER_TIMEOUTS,
): Promise<{ server: Server; url: string }> {
  const server = createHttpServer(t);
  const notYet = (_req: IncomingMessage, res: ServerResponse) => {
    const e = new InrecordError('IR_SERVER_STARTING', 'the server is starting');
    res.writeHead(503, {
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'retry-after': '2',
    });
    res.end(JSON.stringify({ ok: false, error: e.toJSON() }));
  };
  starting.set(server, notYet);
  server.on('request', notYet);
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'the port is in use'
          : err.code === 'EACCES'
            ? 'permission denied'
            : err.code === 'EADDRNOTAVAIL'
              ? 'no such address on this machine'
              : (err.code ?? 'bind failed');
      reject(new InrecordError('IR_SERVER_BIND', `cannot listen on ${host}:${port}: ${why}`));
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}` };
}

/** Hands the server's requests to the app (fastify's serverFactory). */
export function attachApp(
  server: Server,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  const notYet = starting.get(server);
  if (notYet) server.off('request', notYet);
  server.on('request', handler);
  return server;
}

/** Stops accepting connections; requests in hand get a moment to finish, then every connection is closed. */
export async function closeHttpServer(server: Server, graceMs = 2000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(force);
}
