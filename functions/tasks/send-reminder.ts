import { sendReminder } from '../app/steps/reminders.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('send-reminder', sendReminder);
