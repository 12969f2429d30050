import type { StoreLockHolder } from './lock.js';
import type { SecretBox } from './secrets.js';

export type Row = Record<string, unknown>;

/** The SQL surface every module uses. Same SQL on both backends. */
export interface Sql {
  /** One parameterised statement ($1, $2 …). */
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements without parameters, in one round trip. */
  exec(text: string): Promise<void>;
}

export type Backend = 'pglite' | 'postgres';

export interface Store extends Sql {
  readonly backend: Backend;
  /** Schema holding inrecord's tables (search_path is set to it). */
  readonly schema: string;
  /** Schema for pg-boss's tables. */
  readonly bossSchema: string;
  /** Where the embedded store lives, or the redacted server URL. */
  readonly location: string;
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** pg-boss's `db` adapter: statements without parameters go through exec (several statements). */
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
  close(): Promise<void>;
  /** Seals and opens the secrets this store keeps (secrets.ts). */
  readonly secrets: SecretBox;
}

/** What a backend opens; openStore adds the secrets. */
export type StoreBackend = Omit<Store, 'secrets'>;

export interface StoreOptions {
  /** Postgres server URL; when absent, the embedded store is used. */
  databaseUrl?: string;
  /** Embedded store directory (default `.inrecord/db`); `memory://` for an in-memory store. */
  dataDir?: string;
  /** Schema for inrecord's tables (default `inrecord`). */
  schema?: string;
  /** Run migrations on open (default true). */
  migrate?: boolean;
  /** Pool size on the server (default 10). */
  poolSize?: number;
  /** Told when the embedded store's lock, left by a process that is gone, is taken over. */
  onLockTakeover?: (previous: StoreLockHolder) => void;
  /**
   * Own the embedded store and serve it on a Unix socket in the data dir, so commands run beside
   * this process reach it through this process (the daemon does). Without it, a command that
   * finds the store served by its owner connects through the owner's socket.
   */
  serve?: boolean;
  /** Key material for secrets (base64 or hex); before INRECORD_SECRET_KEY. */
  secretKey?: string;
  /** The directory of the config file: a server store's key file is `inrecord.key` there (default: the working directory). */
  configDir?: string;
}
