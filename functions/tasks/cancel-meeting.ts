import { cancelMeeting } from '../app/lifecycle.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler((deps, event) => cancelMeeting(deps, event));
