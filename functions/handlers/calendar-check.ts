import { checkCalendarHorizon, type CalendarCheckResult } from '../app/calendar-check.ts';
import { getDeps } from '../app/deps.ts';

/**
 * Daily EventBridge schedule → the production calendar horizon check (README «Production calendar
 * horizon warning»). "Today" is taken in the groups' time zone (GROUP_TIME_ZONE).
 */
export const handler = async (): Promise<CalendarCheckResult> =>
  checkCalendarHorizon(getDeps(), process.env.GROUP_TIME_ZONE ? { timeZone: process.env.GROUP_TIME_ZONE } : {});
