import { closeVoting } from '../app/steps/voting.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('close-voting', closeVoting);
