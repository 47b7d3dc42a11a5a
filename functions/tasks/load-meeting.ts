import { loadMeeting } from '../app/steps/agenda.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('load-meeting', loadMeeting);
