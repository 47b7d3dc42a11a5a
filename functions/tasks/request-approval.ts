import { requestApproval } from '../app/steps/agenda.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('request-approval', requestApproval);
