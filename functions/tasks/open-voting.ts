import { openVoting } from '../app/steps/voting.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('open-voting', openVoting);
