import { finaliseProtocol } from '../app/steps/signatures.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('finalise-protocol', finaliseProtocol);
