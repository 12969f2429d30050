/**
 * Associations v4 (reference §7): HubSpot's association type ids and their inverses, the user's
 * association labels, and the store of who is associated with whom. Bidirectional: each link is
 * kept in both directions with the type id of its direction.
 */
import { ENGAGEMENT_ASSOC } from './engagements.js';
import type { ObjectType } from './schema.js';

/** Association type ids (§7.3): [from, to] → [typeId, inverse typeId]. Primary ones first. */
const ASSOC: Record<string, { primary?: [number, number]; unlabeled: [number, number] }> = {
  'contacts>companies': { primary: [1, 2], unlabeled: [279, 280] },
  'deals>contacts': { unlabeled: [3, 4] },
  'deals>companies': { primary: [5, 6], unlabeled: [341, 342] },
  'notes>contacts': { unlabeled: [202, 201] },
  'notes>companies': { unlabeled: [190, 189] },
  'notes>deals': { unlabeled: [214, 213] },
  'tasks>contacts': { unlabeled: [204, 203] },
  'tasks>companies': { unlabeled: [192, 191] },
  'tasks>deals': { unlabeled: [216, 215] },
  ...ENGAGEMENT_ASSOC,
};

/** The type id of the default (unlabeled) association from → to, and its inverse. */
export function defaultAssociation(from: ObjectType, to: ObjectType): [number, number] | undefined {
  return pairCached(defaultCache, from, to, () => {
    const direct = ASSOC[`${from}>${to}`];
    if (direct) return direct.unlabeled;
    const inverse = ASSOC[`${to}>${from}`];
    return inverse ? [inverse.unlabeled[1], inverse.unlabeled[0]] : undefined;
  });
}

/** Per (from, to) type pair, computed once: seeding makes ~600,000 association calls. */
function pairCached<T>(cache: Map<string, Map<string, T>>, from: string, to: string, compute: () => T): T {
  let byTo = cache.get(from);
  if (!byTo) {
    byTo = new Map();
    cache.set(from, byTo);
  }
  if (byTo.has(to)) return byTo.get(to) as T;
  const v = compute();
  byTo.set(to, v);
  return v;
}

const defaultCache = new Map<string, Map<string, [number, number] | undefined>>();
const knownCache = new Map<string, Map<string, Map<number, number>>>();

/** Every known type id from → to with its inverse (primary and unlabeled); cached per pair. */
function knownTypes(from: ObjectType, to: ObjectType): Map<number, number> {
  return pairCached(knownCache, from, to, () => knownTypesOf(from, to));
}

function knownTypesOf(from: ObjectType, to: ObjectType): Map<number, number> {
  const key = `${from}>${to}`;
  const m = new Map<number, number>();
  const direct = ASSOC[key];
  const inverse = ASSOC[`${to}>${from}`];
  for (const pair of [direct?.primary, direct?.unlabeled]) if (pair) m.set(pair[0], pair[1]);
  for (const pair of [inverse?.primary, inverse?.unlabeled]) if (pair) m.set(pair[1], pair[0]);
  return m;
}

export function associationLabel(typeId: number): string | null {
  return typeId === 1 || typeId === 2 || typeId === 5 || typeId === 6 ? 'Primary' : null;
}

/** The legacy v3 name of an association type on object GETs (§7.3). */
export function legacyAssociationName(from: ObjectType, to: ObjectType, typeId: number): string {
  const s = (t: ObjectType) => t.replace(/ies$/, 'y').replace(/s$/, '');
  const unl = defaultAssociation(from, to)?.[0];
  const primary =
    ASSOC[`${from}>${to}`]?.primary?.[0] ?? (ASSOC[`${to}>${from}`]?.primary?.[1] as number | undefined);
  return `${s(from)}_to_${s(to)}${typeId === unl && primary !== undefined ? '_unlabeled' : ''}`;
}

/**
 * A user-defined association label between two object types (`/crm/v4/associations/{from}/{to}/labels`):
 * one type id per direction, each direction with its label (the inverse label, or the same one).
 */
export interface AssociationLabel {
  from: ObjectType;
  to: ObjectType;
  name: string;
  /** from → to */
  typeId: number;
  label: string;
  /** to → from */
  inverseTypeId: number;
  inverseLabel: string | null;
}

/** An association type as v4 answers name it. */
export interface AssociationTypeSpec {
  category: 'HUBSPOT_DEFINED' | 'USER_DEFINED';
  typeId: number;
  label: string | null;
}

/** Every type id HubSpot defines; user-defined labels get ids outside them. */
const HUBSPOT_TYPE_IDS = new Set(Object.values(ASSOC).flatMap((a) => [...(a.primary ?? []), ...a.unlabeled]));

export class AssociationStore {
  constructor(private readonly isLive: (type: ObjectType, id: number) => boolean) {}

  /**
   * from type → to type → from id → flat pairs [toId, typeId, toId, typeId, …]. Flat arrays, not a
   * map per record: 100,000 seeded contacts have ~900,000 association lists, and per-record maps (or
   * `type:id` string keys) made the start slow and the heap large.
   */
  private readonly assoc = new Map<ObjectType, Map<ObjectType, Map<number, number[]>>>();

  /** User-defined association labels, in creation order. */
  readonly labels: AssociationLabel[] = [];
  private nextLabelTypeId = 28;

  /** The inverse of type id `t` from → to, HubSpot-defined or user-defined; undefined when unknown. */
  private inverseType(from: ObjectType, to: ObjectType, t: number): number | undefined {
    const known = knownTypes(from, to).get(t);
    if (known !== undefined) return known;
    for (const l of this.labels) {
      if (l.from === from && l.to === to && l.typeId === t) return l.inverseTypeId;
      if (l.from === to && l.to === from && l.inverseTypeId === t) return l.typeId;
    }
    return undefined;
  }

  /** The category and label of type id `t` from → to. */
  typeSpec(from: ObjectType, to: ObjectType, t: number): AssociationTypeSpec {
    for (const l of this.labels) {
      if (l.from === from && l.to === to && l.typeId === t)
        return { category: 'USER_DEFINED', typeId: t, label: l.label };
      if (l.from === to && l.to === from && l.inverseTypeId === t)
        return { category: 'USER_DEFINED', typeId: t, label: l.inverseLabel ?? l.label };
    }
    return { category: 'HUBSPOT_DEFINED', typeId: t, label: associationLabel(t) };
  }

  /** Every association type from → to (HubSpot's first, then the user's labels). */
  typesBetween(from: ObjectType, to: ObjectType): AssociationTypeSpec[] {
    const out = [...knownTypes(from, to).keys()].sort((a, b) => a - b).map((t) => this.typeSpec(from, to, t));
    for (const l of this.labels) {
      if (l.from === from && l.to === to) out.push(this.typeSpec(from, to, l.typeId));
      else if (l.from === to && l.to === from) out.push(this.typeSpec(from, to, l.inverseTypeId));
    }
    return out;
  }

  /** Defines a label from → to (and its inverse direction); null when the pair has no associations at all. */
  addLabel(
    from: ObjectType,
    to: ObjectType,
    name: string,
    label: string,
    inverseLabel: string | null,
  ): AssociationLabel | null {
    if (defaultAssociation(from, to) === undefined) return null;
    const id = () => {
      while (HUBSPOT_TYPE_IDS.has(this.nextLabelTypeId)) this.nextLabelTypeId++;
      return this.nextLabelTypeId++;
    };
    const l: AssociationLabel = { from, to, name, typeId: id(), label, inverseTypeId: id(), inverseLabel };
    this.labels.push(l);
    return l;
  }

  /** The user-defined label whose type id from → to (either direction of it) is `t`. */
  labelOf(from: ObjectType, to: ObjectType, t: number): AssociationLabel | undefined {
    return this.labels.find(
      (l) =>
        (l.from === from && l.to === to && l.typeId === t) ||
        (l.from === to && l.to === from && l.inverseTypeId === t),
    );
  }

  /** Removes a label and its type ids from every association that carried them. */
  removeLabel(l: AssociationLabel): void {
    this.labels.splice(this.labels.indexOf(l), 1);
    for (const [type, to, t] of [
      [l.from, l.to, l.typeId],
      [l.to, l.from, l.inverseTypeId],
    ] as const) {
      for (const pairs of this.links(type, to).values()) {
        let w = 0;
        for (let i = 0; i < pairs.length; i += 2)
          if (pairs[i + 1] !== t) {
            pairs[w++] = pairs[i];
            pairs[w++] = pairs[i + 1];
          }
        pairs.length = w;
      }
    }
  }

  /** Removes only the type ids `typeIds` of the association from → to (both directions). */
  removeTypes(from: ObjectType, fromId: number, to: ObjectType, toId: number, typeIds: number[]): void {
    for (const t of typeIds) {
      const inv = this.inverseType(from, to, t);
      this.unlinkType(from, fromId, to, toId, t);
      if (inv !== undefined) this.unlinkType(to, toId, from, fromId, inv);
    }
  }

  private unlinkType(type: ObjectType, id: number, to: ObjectType, toId: number, t: number): void {
    const pairs = this.assoc.get(type)?.get(to)?.get(id);
    if (!pairs) return;
    let w = 0;
    for (let i = 0; i < pairs.length; i += 2)
      if (pairs[i] !== toId || pairs[i + 1] !== t) {
        pairs[w++] = pairs[i];
        pairs[w++] = pairs[i + 1];
      }
    pairs.length = w;
  }

  /** Creates the association from → to with `typeIds` and the inverse types (§7.1: bidirectional). */
  associate(from: ObjectType, fromId: number, to: ObjectType, toId: number, typeIds?: number[]): number[] {
    const types = typeIds ?? [defaultAssociation(from, to)?.[0]].filter((x): x is number => x !== undefined);
    const out: number[] = [];
    for (const t of types) {
      const inv = this.inverseType(from, to, t);
      if (inv === undefined) continue;
      this.link(from, fromId, to, toId, t);
      this.link(to, toId, from, fromId, inv);
      out.push(t);
      // A primary association also creates the unlabeled one (§7.2).
      const unl = defaultAssociation(from, to);
      if (unl && t !== unl[0]) {
        this.link(from, fromId, to, toId, unl[0]);
        this.link(to, toId, from, fromId, unl[1]);
      }
    }
    return out;
  }

  /** The links of `type` records to `to` records, by record id. */
  private links(type: ObjectType, to: ObjectType): Map<number, number[]> {
    let byTo = this.assoc.get(type);
    if (!byTo) {
      byTo = new Map();
      this.assoc.set(type, byTo);
    }
    let byId = byTo.get(to);
    if (!byId) {
      byId = new Map();
      byTo.set(to, byId);
    }
    return byId;
  }

  /** One direction of an association: `type` record `id` → `to` record `toId` with type id `t`. */
  private link(type: ObjectType, id: number, to: ObjectType, toId: number, t: number): void {
    const byId = this.links(type, to);
    const pairs = byId.get(id);
    if (!pairs) {
      byId.set(id, [toId, t]);
      return;
    }
    for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === toId && pairs[i + 1] === t) return;
    pairs.push(toId, t);
  }

  /** Removes every link of `type` record `id` to `to` record `toId`. */
  private unlink(type: ObjectType, id: number, to: ObjectType, toId: number): void {
    const pairs = this.assoc.get(type)?.get(to)?.get(id);
    if (!pairs) return;
    let w = 0;
    for (let i = 0; i < pairs.length; i += 2)
      if (pairs[i] !== toId) {
        pairs[w++] = pairs[i];
        pairs[w++] = pairs[i + 1];
      }
    pairs.length = w;
  }

  isKnownType(from: ObjectType, to: ObjectType, typeId: number): boolean {
    return this.inverseType(from, to, typeId) !== undefined;
  }

  dissociate(from: ObjectType, fromId: number, to: ObjectType, toId: number): void {
    this.unlink(from, fromId, to, toId);
    this.unlink(to, toId, from, fromId);
  }

  /** Associated live records of `to`, in id order, with their type ids. */
  associations(from: ObjectType, fromId: number, to: ObjectType): { id: number; types: number[] }[] {
    const pairs = this.assoc.get(from)?.get(to)?.get(fromId);
    if (!pairs) return [];
    const byId = new Map<number, number[]>();
    for (let i = 0; i < pairs.length; i += 2) {
      const types = byId.get(pairs[i]);
      if (types) types.push(pairs[i + 1]);
      else byId.set(pairs[i], [pairs[i + 1]]);
    }
    const out: { id: number; types: number[] }[] = [];
    for (const [id, types] of byId) {
      if (!this.isLive(to, id)) continue;
      out.push({ id, types: types.sort((a, b) => a - b) });
    }
    return out.sort((a, b) => a.id - b.id);
  }
}
