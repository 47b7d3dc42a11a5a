import { distribute } from '../app/steps/distribute.ts';
import { taskHandler } from './task.ts';

export const handler = taskHandler('distribute', distribute);
