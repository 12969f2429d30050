/**
 * Custom fields: the Tooling API `CustomField` create (FullName 'Object.Name__c' + Metadata).
 */
import type { FastifyInstance } from 'fastify';
import type { Rest, RouteContext } from '../routes.js';
import type { SfField, SfType } from '../schema.js';
import { SfApiError } from '../state.js';

const TOOLING_TYPES: Record<string, SfType> = {
  Text: 'string', TextArea: 'textarea', LongTextArea: 'textarea', Email: 'email', Phone: 'phone', Url: 'url', Picklist: 'picklist',
  MultiselectPicklist: 'multipicklist', Checkbox: 'boolean', Number: 'double', Currency: 'currency', Percent: 'percent', Date: 'date', DateTime: 'datetime',
};

export function registerToolingRoutes(app: FastifyInstance, ctx: RouteContext, rest: Rest): void {
  const { org } = ctx;
  app.post(
    '/services/data/:v/tooling/sobjects/CustomField',
    rest('POST /tooling/sobjects/CustomField', (req, reply) => {
      const body = (req.body ?? {}) as { FullName?: string; Metadata?: Record<string, unknown> };
      const [objName, fieldName] = String(body.FullName ?? '').split('.');
      const meta = body.Metadata ?? {};
      if (!objName || !fieldName || !/^[A-Za-z][A-Za-z0-9_]*__c$/.test(fieldName) || fieldName.includes('___')) {
        throw SfApiError.one(400, 'FIELD_INTEGRITY_EXCEPTION', `Invalid FullName '${body.FullName}': a custom field is 'Object.Name__c'`, ['FullName']);
      }
      const obj = org.object(objName);
      if (!obj || obj.name.endsWith('History') || obj.name === 'User') throw SfApiError.one(400, 'INVALID_TYPE', `sObject type '${objName}' is not supported.`, ['FullName']);
      const type = TOOLING_TYPES[String(meta.type)];
      if (!type) throw SfApiError.one(400, 'FIELD_INTEGRITY_EXCEPTION', `Unsupported custom field type: ${String(meta.type)}`, ['Metadata.type']);
      const valueSet = meta.valueSet as { restricted?: boolean; valueSetDefinition?: { value?: { fullName: string }[] } } | undefined;
      const field: SfField = {
        name: fieldName, label: String(meta.label ?? fieldName.replace(/__c$/, '').replace(/_/g, ' ')), type, custom: true, createable: true, updateable: true, tracked: true,
      };
      // Metadata.externalId: only text, email and number fields can be external ids.
      if (meta.externalId === true) {
        if (!['string', 'email', 'double'].includes(type)) throw SfApiError.one(400, 'FIELD_INTEGRITY_EXCEPTION', `External ID is not available for ${String(meta.type)} fields`, ['Metadata.externalId']);
        field.externalId = true;
      }
      if (['string', 'textarea', 'email', 'phone', 'url', 'picklist'].includes(type)) field.length = Number(meta.length ?? (type === 'textarea' && meta.type === 'LongTextArea' ? 32768 : 255));
      if (type === 'multipicklist') field.length = 4099;
      if (['double', 'currency', 'percent'].includes(type)) {
        field.precision = Number(meta.precision ?? 18);
        field.scale = Number(meta.scale ?? 0);
      }
      if (type === 'picklist' || type === 'multipicklist') {
        field.picklist = (valueSet?.valueSetDefinition?.value ?? []).map((v) => v.fullName);
        field.restricted = valueSet?.restricted === true;
      }
      org.addCustomField(obj.name, field);
      reply.code(201);
      return { id: org.ids.next('00N'), success: true, errors: [], warnings: [], infos: [] };
    }),
  );
}
