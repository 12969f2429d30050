import { rmSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

/**
 * The embedded Postgres has one session. Everything that talks to it — the owner's own queries and
 * transactions, and each connection served on the store's socket — takes this gate first, and a
 * holder keeps it until its work is whole: an in-process query until it returns, a transaction
 * until it commits, a socket connection until the backend is idle after a Sync or a simple Query
 * (so one client's transaction or Parse…Sync sequence never interleaves with another's).
 */
export class SessionGate {
  private tail: Promise<void> = Promise.resolve();

  async acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const previous = this.tail;
    this.tail = previous.then(() => released);
    await previous;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release();
    };
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** The socket's file name is the one a Postgres client looks for in a socket directory. */
export const SOCKET_PORT = 5432;
export function socketPath(dir: string): string {
  return join(dir, `.s.PGSQL.${SOCKET_PORT}`);
}
/** The connection string a second process uses to reach the owner's store through its socket. */
export function socketUrl(dir: string): string {
  return `postgresql://inrecord@localhost:${SOCKET_PORT}/postgres?host=${encodeURIComponent(dir)}`;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'
/** A Sync, sent when a client goes away in the middle of an extended-protocol sequence. */
const SYNC_MESSAGE = new Uint8Array([SYNC, 0, 0, 0, 4]);

/** One client connection: frames the wire protocol into messages and runs each under the gate. */
class Connection {
  private buffer = Buffer.alloc(0);
  private started = false;
  private holding: (() => void) | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: PGlite,
    private readonly gate: SessionGate,
    private readonly socket: Socket,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.chain = this.chain
        .then(() => this.drain())
        .catch(() => {
          socket.destroy();
        });
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.chain = this.chain.then(() => this.abandon());
    });
  }

  private next(): { message: Uint8Array; kind: number | 'startup' | 'negotiate' | 'cancel' } | undefined {
    const b = this.buffer;
    if (!this.started) {
      if (b.length < 8) return undefined;
      const length = b.readInt32BE(0);
      if (b.length < length) return undefined;
      const code = b.readInt32BE(4);
      this.buffer = b.subarray(length);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) return { message: new Uint8Array(), kind: 'negotiate' };
      if (code === CANCEL_REQUEST) return { message: new Uint8Array(), kind: 'cancel' };
      if (code !== PROTOCOL_3) return { message: new Uint8Array(), kind: 'cancel' };
      this.started = true;
      return { message: new Uint8Array(b.subarray(0, length)), kind: 'startup' };
    }
    if (b.length < 5) return undefined;
    const length = 1 + b.readInt32BE(1);
    if (b.length < length) return undefined;
    this.buffer = b.subarray(length);
    return { message: new Uint8Array(b.subarray(0, length)), kind: b[0] };
  }

  private async drain(): Promise<void> {
    for (let m = this.next(); m; m = this.next()) {
      if (m.kind === 'negotiate') {
        this.socket.write('N'); // no TLS on a local socket
        continue;
      }
      if (m.kind === 'cancel') {
        this.socket.destroy();
        return;
      }
      this.holding ??= await this.gate.acquire();
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(m.message, {
          // `data` is a view of the WebAssembly heap, overwritten by the next chunk: a socket that
          // cannot send at once keeps what it was given, so it is given a copy
          onRawData: (data) => {
            if (data.length > 0 && this.socket.writable) this.socket.write(Buffer.from(data));
          },
        }),
      );
      const boundary = m.kind === 'startup' || m.kind === SYNC || m.kind === QUERY || m.kind === TERMINATE;
      if (boundary && !this.db.isInTransaction()) this.releaseGate();
      if (m.kind === TERMINATE) {
        this.socket.end();
        return;
      }
    }
  }

  /** The client went away holding the session: end its extended-protocol sequence and roll back its transaction. */
  private async abandon(): Promise<void> {
    if (!this.holding) return;
    try {
      await this.db.runExclusive(() => this.db.execProtocolRaw(SYNC_MESSAGE));
      if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    } finally {
      this.releaseGate();
    }
  }

  private releaseGate(): void {
    const release = this.holding;
    this.holding = undefined;
    release?.();
  }
}

export interface StoreSocket {
  /** Directory holding the socket (a Postgres client's `host`). */
  readonly dir: string;
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the embedded store on a Unix socket in `dir`, for commands run beside its owner. */
export async function serveSession(db: PGlite, gate: SessionGate, dir: string): Promise<StoreSocket> {
  const path = socketPath(dir);
  rmSync(path, { force: true }); // left by an owner that was killed; the lock says it is gone
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new Connection(db, gate, socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    dir,
    url: socketUrl(dir),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
