/**
 * The local stand-in for the stack's daily EventBridge schedule of CalendarCheck (local/daily-timer.ts).
 * The e-mail to ops still goes at most once per ISO week (send ledger).
 */
import { checkCalendarHorizon, type CalendarCheckResult } from '../functions/app/calendar-check.ts';
import type { Deps } from '../functions/app/deps.ts';
import { defaultGroupSettings } from '../functions/domain/deadlines.ts';
import { startDailyTimer, type DailyTimer } from './daily-timer.ts';

export interface CalendarCheckTimerOptions {
  /** Real-time interval between looks at the clock's date; default one hour. */
  pollMs?: number;
  /** The zone "today" is taken in; default Europe/Astrakhan. */
  timeZone?: string;
  /** Told after every run (tests, logs). */
  onResult?: (result: CalendarCheckResult) => void;
}

export type CalendarCheckTimer = DailyTimer;

export function startCalendarCheckTimer(deps: Deps, options: CalendarCheckTimerOptions = {}): CalendarCheckTimer {
  const timeZone = options.timeZone ?? defaultGroupSettings.timeZone;
  return startDailyTimer(deps.clock, {
    name: 'calendar check',
    timeZone,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    run: async () => {
      const result = await checkCalendarHorizon(deps, { timeZone });
      if (result.mail === 'sent') console.log(`Production calendar warning e-mailed to ${deps.opsAddress} (week ${result.week}).`);
      options.onResult?.(result);
    },
  });
}
