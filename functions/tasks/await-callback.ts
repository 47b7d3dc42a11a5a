import { awaitCallback } from '../app/steps/execution.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('await-callback', awaitCallback);
