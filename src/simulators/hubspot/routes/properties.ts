/**
 * Properties and property groups (reference §5): list, read, create, update and archive a
 * property; list, read, create, update and archive a group. A property names an existing group
 * (`groupName`); HubSpot-defined properties cannot be archived or redefined, only their options
 * (when not read-only) and labels change.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type ObjectType, type PropertyDef, makeProperty } from '../schema.js';
import type { HubspotState, PropertyGroup } from '../state.js';
import { type RouteContext, fail, send } from '../routes.js';

type Rec = Record<string, unknown>;
type Option = { label: string; value: string; displayOrder?: number; hidden?: boolean };

export function registerPropertyRoutes(app: FastifyInstance, ctx: RouteContext, typeOr400: (reply: FastifyReply, seg: string) => ObjectType | null): void {
  const { state } = ctx;
  // ---------- properties ----------

  const TYPE_FIELDS: Record<string, string[]> = {
    string: ['text', 'textarea', 'html', 'phonenumber', 'file', 'calculation_equation'],
    number: ['number', 'calculation_equation'],
    bool: ['booleancheckbox', 'calculation_equation'],
    enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox', 'calculation_equation'],
    date: ['date'],
    datetime: ['date'],
    phone_number: ['phonenumber'],
  };

  app.get('/crm/v3/properties/:type', async (req, reply) => {
    const type = typeOr400(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const archived = (req.query as Rec).archived === 'true';
    return send(reply, 200, { results: [...state.properties[type].values()].filter((d) => d.archived === archived).map((d) => propertyJson(state, type, d)) });
  });

  app.get('/crm/v3/properties/:type/:name', async (req, reply) => {
    const p = req.params as Rec;
    const type = typeOr400(reply, p.type as string);
    if (!type) return reply;
    const d = state.properties[type].get(String(p.name));
    if (!d || (d.archived && (req.query as Rec).archived !== 'true')) return fail(ctx, reply, 404, 'OBJECT_NOT_FOUND', `property ${p.name} does not exist on ${type}`, { context: { name: [String(p.name)] } });
    return send(reply, 200, propertyJson(state, type, d));
  });

  app.post('/crm/v3/properties/:type', async (req, reply) => {
    const type = typeOr400(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const b = (req.body ?? {}) as Partial<PropertyDef> & { options?: { label: string; value: string; displayOrder?: number; hidden?: boolean }[] };
    for (const k of ['name', 'label', 'type', 'fieldType', 'groupName'] as const) {
      if (!b[k]) return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Property ${k} is required.`, { errors: [{ message: `${k} is required`, in: k }] });
    }
    const name = String(b.name);
    if (!state.propertyGroups(type).has(String(b.groupName))) {
      return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Property group ${b.groupName} does not exist on ${type}: create it with POST /crm/v3/properties/${type}/groups or use one of ${[...state.propertyGroups(type).keys()].join(', ')}.`);
    }
    if (!/^[a-z][a-z0-9_]*$/.test(name)) return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Property name ${name} is invalid: use lower-case letters, digits and underscores.`);
    if (state.properties[type].has(name)) return fail(ctx, reply, 409, 'OBJECT_ALREADY_EXISTS', `A property named '${name}' already exists.`);
    const allowed = TYPE_FIELDS[String(b.type)];
    if (!allowed) return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Property type ${b.type} is not valid; use one of ${Object.keys(TYPE_FIELDS).join(', ')}.`);
    if (!allowed.includes(String(b.fieldType))) return fail(ctx, reply, 400, 'VALIDATION_ERROR', `fieldType ${b.fieldType} is not valid for type ${b.type}; use one of ${allowed.join(', ')}.`);
    if (b.type === 'enumeration' && (!b.options || b.options.length === 0) && b.fieldType !== 'booleancheckbox') {
      return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Enumeration property ${name} needs options.`);
    }
    const at = new Date().toISOString();
    const def = makeProperty(
      type,
      {
        name,
        label: String(b.label),
        type: b.type as PropertyDef['type'],
        fieldType: String(b.fieldType),
        groupName: String(b.groupName),
        description: String(b.description ?? ''),
        hasUniqueValue: b.hasUniqueValue === true,
        hubspotDefined: false,
        options: (b.options ?? []).map((o, i) => ({ label: o.label, value: o.value, displayOrder: o.displayOrder ?? i, hidden: o.hidden ?? false })),
      },
      at,
    );
    state.addProperty(type, def);
    return send(reply, 201, propertyJson(state, type, def));
  });

  const existing = (reply: FastifyReply, p: Rec): [ObjectType, PropertyDef] | null => {
    const type = typeOr400(reply, p.type as string);
    if (!type) return null;
    const d = state.properties[type].get(String(p.name));
    if (!d || d.archived) {
      fail(ctx, reply, 404, 'OBJECT_NOT_FOUND', `property ${p.name} does not exist on ${type}`, { context: { name: [String(p.name)] } });
      return null;
    }
    return [type, d];
  };

  app.patch('/crm/v3/properties/:type/:name', async (req, reply) => {
    const found = existing(reply, req.params as Rec);
    if (!found) return reply;
    const [type, d] = found;
    const b = (req.body ?? {}) as Partial<PropertyDef> & { options?: Option[] };
    if (d.modificationMetadata.readOnlyDefinition && (b.type !== undefined || b.fieldType !== undefined)) {
      return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Property ${d.name} is defined by HubSpot: its type and fieldType cannot change.`);
    }
    if (b.options !== undefined && d.modificationMetadata.readOnlyOptions) return fail(ctx, reply, 400, 'VALIDATION_ERROR', `The options of ${d.name} are read-only.`);
    if (b.groupName !== undefined && !state.propertyGroups(type).has(String(b.groupName))) {
      return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Property group ${b.groupName} does not exist on ${type}.`);
    }
    const type2 = b.type ?? d.type;
    const fieldType = String(b.fieldType ?? d.fieldType);
    const allowed = TYPE_FIELDS[String(type2)];
    if (!allowed) return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Property type ${type2} is not valid; use one of ${Object.keys(TYPE_FIELDS).join(', ')}.`);
    if (!allowed.includes(fieldType)) return fail(ctx, reply, 400, 'VALIDATION_ERROR', `fieldType ${fieldType} is not valid for type ${type2}; use one of ${allowed.join(', ')}.`);
    if (typeof b.label === 'string') d.label = b.label;
    if (typeof b.description === 'string') d.description = b.description;
    if (typeof b.groupName === 'string') d.groupName = b.groupName;
    if (typeof b.hidden === 'boolean') d.hidden = b.hidden;
    if (typeof b.displayOrder === 'number') d.displayOrder = b.displayOrder;
    d.type = type2 as PropertyDef['type'];
    d.fieldType = fieldType;
    // options are replaced as a whole, as HubSpot does
    if (b.options) d.options = b.options.map((o, i) => ({ label: o.label, value: o.value, displayOrder: o.displayOrder ?? i, hidden: o.hidden ?? false }));
    d.updatedAt = new Date().toISOString();
    return send(reply, 200, propertyJson(state, type, d));
  });

  app.delete('/crm/v3/properties/:type/:name', async (req, reply) => {
    const found = existing(reply, req.params as Rec);
    if (!found) return reply;
    const [, d] = found;
    if (d.hubspotDefined || !d.modificationMetadata.archivable) return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Property ${d.name} is defined by HubSpot and cannot be archived.`);
    d.archived = true;
    d.updatedAt = new Date().toISOString();
    return reply.code(204).send();
  });

  // ---------- groups ----------

  const groupOr404 = (reply: FastifyReply, p: Rec): [ObjectType, PropertyGroup] | null => {
    const type = typeOr400(reply, p.type as string);
    if (!type) return null;
    const g = state.propertyGroups(type).get(String(p.groupName));
    if (!g || g.archived) {
      fail(ctx, reply, 404, 'OBJECT_NOT_FOUND', `property group ${p.groupName} does not exist on ${type}`);
      return null;
    }
    return [type, g];
  };

  app.get('/crm/v3/properties/:type/groups', async (req, reply) => {
    const type = typeOr400(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    return send(reply, 200, { results: [...state.propertyGroups(type).values()].filter((g) => !g.archived) });
  });

  app.get('/crm/v3/properties/:type/groups/:groupName', async (req, reply) => {
    const found = groupOr404(reply, req.params as Rec);
    return found ? send(reply, 200, found[1]) : reply;
  });

  app.post('/crm/v3/properties/:type/groups', async (req, reply) => {
    const type = typeOr400(reply, (req.params as Rec).type as string);
    if (!type) return reply;
    const b = (req.body ?? {}) as Partial<PropertyGroup>;
    if (typeof b.name !== 'string' || !/^[a-z][a-z0-9_]*$/.test(b.name)) return fail(ctx, reply, 400, 'VALIDATION_ERROR', 'Property group name is required: lower-case letters, digits and underscores.');
    if (typeof b.label !== 'string' || b.label.length === 0) return fail(ctx, reply, 400, 'VALIDATION_ERROR', 'Property group label is required.');
    const groups = state.propertyGroups(type);
    if (groups.get(b.name)?.archived === false) return fail(ctx, reply, 409, 'OBJECT_ALREADY_EXISTS', `A property group named '${b.name}' already exists.`);
    const g: PropertyGroup = { name: b.name, label: b.label, displayOrder: typeof b.displayOrder === 'number' ? b.displayOrder : -1, archived: false };
    groups.set(g.name, g);
    return send(reply, 201, g);
  });

  app.patch('/crm/v3/properties/:type/groups/:groupName', async (req, reply) => {
    const found = groupOr404(reply, req.params as Rec);
    if (!found) return reply;
    const g = found[1];
    const b = (req.body ?? {}) as Partial<PropertyGroup>;
    if (typeof b.label === 'string') g.label = b.label;
    if (typeof b.displayOrder === 'number') g.displayOrder = b.displayOrder;
    return send(reply, 200, g);
  });

  app.delete('/crm/v3/properties/:type/groups/:groupName', async (req, reply) => {
    const found = groupOr404(reply, req.params as Rec);
    if (!found) return reply;
    const [type, g] = found;
    const used = [...state.properties[type].values()].filter((d) => !d.archived && d.groupName === g.name);
    if (used.length > 0) return fail(ctx, reply, 400, 'VALIDATION_ERROR', `Property group ${g.name} still holds ${used.length} properties (${used.slice(0, 3).map((d) => d.name).join(', ')}…): move or archive them first.`);
    g.archived = true;
    return reply.code(204).send();
  });
}

export function propertyJson(state: HubspotState, type: ObjectType, d: PropertyDef): Rec {
  // Owner options are external: the property lists none (§5.6); clients read /crm/v3/owners.
  // Deal stages are listed from the default pipeline so a client can validate a stage name.
  if (d.name === 'dealstage' && type === 'deals') {
    return { ...d, options: state.dealStages.map((s, i) => ({ label: s, value: s, displayOrder: i, hidden: false })) };
  }
  return { ...d };
}
