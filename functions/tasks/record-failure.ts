import { recordFailure } from '../app/steps/failure.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('record-failure', recordFailure);
