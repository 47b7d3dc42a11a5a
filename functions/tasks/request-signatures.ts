import { requestSignatures } from '../app/steps/signatures.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('request-signatures', requestSignatures);
