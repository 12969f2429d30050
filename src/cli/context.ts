import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { type InrecordConfig, defaultConfigPath, loadConfig } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector } from '../crm/types.js';
import { type Logger, createLogger } from '../log/index.js';
import { type Store, type StoreOptions, openStore } from '../store/index.js';
import { globals } from './command.js';

/**
 * Where the store is, for every command alike: --data-dir, else the config's store section (data
 * dir, server URL and schema), else DATABASE_URL / the embedded default. A server store's secret key
 * file sits beside the config.
 */
export function storeOptions(g: { dataDir?: string; config?: string }, config?: InrecordConfig): StoreOptions {
  return {
    dataDir: g.dataDir ?? config?.store.dataDir,
    databaseUrl: config?.store.databaseUrl,
    ...(config?.store.schema ? { schema: config.store.schema } : {}),
    onLockTakeover: (previous) =>
      createLogger().warn({ previous }, `taking over the embedded store's lock from PID ${previous.pid} (${previous.command || 'inrecord'}), which is no longer running`),
    configDir: dirname(resolve(g.config ?? defaultConfigPath())),
  };
}

export interface CommandContext {
  config: InrecordConfig;
  store: Store;
  /** The CRM connection (absent when the command asked for none). */
  connector: CrmConnector;
  close(): Promise<void>;
}

/**
 * The one place a command opens what it works on: the config, the store it names and, unless told
 * otherwise, the CRM connection. Everything opened is closed by `close()`, also when a later step
 * fails to open. An embedded store has one owner: a long-running command (`run`, `serve`) asks to
 * `serve` it, and a command started beside it then reaches the store through it.
 */
export async function openCommandContext(cmd: Command, opts: { connector?: boolean; logger?: Logger; serve?: boolean } = {}): Promise<CommandContext> {
  const g = globals(cmd);
  const config = loadConfig(g.config);
  const store = await openStore({ ...storeOptions(g, config), ...(opts.serve ? { serve: true } : {}) });
  let connector: CrmConnector | undefined;
  try {
    connector = opts.connector === false ? undefined : await createConnector(config.crm, { store, identityAttributes: config.identity.attributes, ...(opts.logger ? { logger: opts.logger } : {}) });
  } catch (e) {
    await store.close();
    throw e;
  }
  return {
    config,
    store,
    connector: connector as CrmConnector,
    async close() {
      await connector?.close().catch(() => {});
      await store.close();
    },
  };
}

/** Where the store is for commands that may run without a config (dlq, review, import, backup …). */
export function commandStoreOptions(cmd: Command): { options: StoreOptions; config?: InrecordConfig } {
  const g = globals(cmd);
  const path = g.config ?? defaultConfigPath();
  const config = g.config || existsSync(path) ? loadConfig(path) : undefined;
  return { options: storeOptions(g, config), config };
}

/** The store for commands that need no CRM and may run without a config (dlq, review, import …). */
export async function openCommandStore(cmd: Command): Promise<{ store: Store; config?: InrecordConfig }> {
  const { options, config } = commandStoreOptions(cmd);
  const store = await openStore(options);
  return { store, config };
}
