import { openProposals } from '../app/steps/agenda.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('open-proposals', openProposals);
