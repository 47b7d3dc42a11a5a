import { sendNotice } from '../app/steps/notice.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('send-notice', sendNotice);
