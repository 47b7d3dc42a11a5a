import { cancelMeeting } from '../app/steps/cancel.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('cancel-meeting', cancelMeeting);
