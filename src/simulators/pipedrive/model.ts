/**
 * The simulated Pipedrive company's records as types: entities, changelog rows, users, webhooks,
 * pipelines and stages, the change events a write emits, who made a write, and the snapshot the
 * company is saved to. The store and its write path are state.ts's.
 */
import type { CatalogSnapshot } from './catalog.js';
import type { EntityType, FieldDef } from './schema.js';

export interface Entity {
  id: number;
  type: EntityType;
  /** Built-in fields in the v2 shape (integers, arrays, objects). */
  core: Record<string, unknown>;
  /** Custom field key → stored value (v2 canonical form). */
  custom: Record<string, unknown>;
  addTime: number;
  updateTime: number;
  deletedAt: number | null;
}

export interface ChangelogRow {
  seq: number;
  field_key: string;
  old_value: string | null;
  new_value: string | null;
  actor_user_id: number;
  time: number;
  change_source: string;
  change_source_user_agent: string | null;
  is_bulk_update_flag: boolean;
}

export interface User {
  id: number;
  name: string;
  email: string;
  active_flag: boolean;
  is_admin: boolean;
}

export interface Webhook {
  id: number;
  user_id: number;
  event_action: string;
  event_object: string;
  subscription_url: string;
  version: string;
  name: string;
  http_auth_user: string | null;
  http_auth_password: string | null;
  add_time: number;
  remove_time: number | null;
  is_active: number;
  last_delivery_time: number | null;
  last_http_status: number | null;
  /** Failures on a first try since the last ban (§5.4). */
  banCounter: number;
  bannedUntil: number;
  lastSuccess: number;
}

export interface Stage {
  id: number;
  name: string;
  pipeline_id: number;
  order_nr: number;
  deal_probability: number;
  is_deal_rot_enabled?: boolean;
  days_to_rotten?: number | null;
  /** ms; absent for the seeded stages. */
  addTime?: number;
  updateTime?: number;
}

export interface Pipeline {
  id: number;
  name: string;
  order_nr?: number;
  is_deal_probability_enabled?: boolean;
  /** ms; absent for the seeded pipelines. */
  addTime?: number;
  updateTime?: number;
}

export type ChangeAction = 'create' | 'change' | 'delete';

/** What one write did: the webhook dispatcher turns it into a v2 payload. */
export interface ChangeEventRecord {
  action: ChangeAction;
  entity: Entity;
  /** Snapshot before the change (null on create). */
  before: Entity | null;
  changedKeys: string[];
  userId: number;
  source: string;
  at: number;
}

export interface Actor {
  userId: number;
  /** `api` for API writes, `app` / `mobile` for simulated UI edits (§7.3). */
  source: string;
  userAgent?: string | null;
  bulk?: boolean;
}

export interface PipedriveSnapshot {
  version: number;
  seed: number;
  companyId: number;
  companyDomain: string;
  users: User[];
  fields: Record<FieldEntity, FieldDef[]>;
  pipelines: Pipeline[];
  stages: Stage[];
  webhooks: Webhook[];
  entities: Record<EntityType, Entity[]>;
  changelogs: [string, ChangelogRow[]][];
  counters: { nextId: Record<EntityType, number>; seq: number; fieldId: number; optionId: number; webhookId: number };
  /** Products, deal products, followers and activity types (absent in older snapshots). */
  catalog?: CatalogSnapshot;
}

export const ENTITY_TYPES: EntityType[] = ['person', 'organization', 'deal', 'activity', 'note'];
export const FIELD_ENTITIES = ['person', 'organization', 'deal'] as const;
export type FieldEntity = (typeof FIELD_ENTITIES)[number];
