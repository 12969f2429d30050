/**
 * The one place that knows every CRM folder. The list of CRMs is `CRM_NAMES` (names.ts); each name
 * is a folder `src/crm/<name>/` read here by its role files: `card.ts` (`card`: the CRM's facts,
 * read by engine modules through `cardOf`), `example.ts` (`example`: its part of the config
 * `inrecord init` writes) and `index.ts` (`createConnector`, loaded on first use: the client
 * libraries are large). A CRM is its name in the list and its folder; no module names it elsewhere.
 */
import type { CrmConnection } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import type { AttributeFieldNames } from './attributes.js';
import { CRM_NAMES, type CrmName } from './names.js';
import type { ConfigExample, CrmConnector, ProviderCard } from './types.js';

export interface ConnectorDeps {
  /** Persists OAuth tokens and coordinates refreshes across workers. */
  store?: Store;
  logger?: Logger;
  /** How often a paused rolling daily quota (Salesforce) is read again; default 5 minutes. */
  quotaRecheckMs?: number;
  /** The contact fields the identifying attributes are read from, where not the CRM's standard ones (`identity.attributes`). */
  identityAttributes?: AttributeFieldNames;
}

export type ConnectorFactory = (conn: CrmConnection, deps: ConnectorDeps) => Promise<CrmConnector>;

/** What the registry reads from a CRM folder. */
interface CrmFolder {
  card: ProviderCard;
  example: ConfigExample;
  connector(): Promise<ConnectorFactory>;
}

/** A module of a CRM's folder by the CRM's name (the path is computed: resolved when it is loaded). */
function fromFolder<T>(crm: CrmName, file: string): Promise<T> {
  const path = `./${crm}/${file}`;
  return import(path) as Promise<T>;
}

// the card and the example of every CRM are small: read at once
const CRMS = Object.fromEntries(
  await Promise.all(
    CRM_NAMES.map(async (crm): Promise<[CrmName, CrmFolder]> => {
      const [{ card }, { example }] = await Promise.all([
        fromFolder<{ card: ProviderCard }>(crm, 'card.js'),
        fromFolder<{ example: ConfigExample }>(crm, 'example.js'),
      ]);
      const connector = async () =>
        (await fromFolder<{ createConnector: ConnectorFactory }>(crm, 'index.js')).createConnector;
      return [crm, { card, example, connector }];
    }),
  ),
) as Record<CrmName, CrmFolder>;

/** A CRM's facts: documented limits, id rules, capabilities, the name people use. */
export function cardOf(crm: CrmName): ProviderCard {
  return CRMS[crm].card;
}

/** A CRM's part of the commented inrecord.yaml `inrecord init` writes, and the simulator trial it points at. */
export function exampleOf(crm: CrmName): ConfigExample {
  return CRMS[crm].example;
}

export async function createConnector(conn: CrmConnection, deps: ConnectorDeps = {}): Promise<CrmConnector> {
  const factory = await CRMS[conn.kind].connector();
  return factory(conn, deps);
}
