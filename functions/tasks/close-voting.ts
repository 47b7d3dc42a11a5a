import { closeVoting } from '../app/lifecycle.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler(closeVoting);
