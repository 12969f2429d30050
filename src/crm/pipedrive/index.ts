/** Pipedrive connector (work in progress). */
import type { ConnectorFactory } from '../registry.js';
import { InrecordError } from '../../errors/index.js';

export const createPipedriveConnector: ConnectorFactory = async () => {
  throw new InrecordError('IR_CRM_UNSUPPORTED', 'the pipedrive connector is not available in this version');
};
