/** Salesforce connector (work in progress). */
import type { ConnectorFactory } from '../registry.js';
import { InrecordError } from '../../errors/index.js';

export const createSalesforceConnector: ConnectorFactory = async () => {
  throw new InrecordError('IR_CRM_UNSUPPORTED', 'the salesforce connector is not available in this version');
};
