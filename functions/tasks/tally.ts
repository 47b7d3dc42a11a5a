import { tally } from '../app/steps/voting.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('tally', tally);
