/**
 * The local stand-in for the stack's daily EventBridge schedule of CalendarCheck: runs
 * checkCalendarHorizon at start and then once per day of the shared clock. The clock runs in real
 * time but can jump (the console's «Перевести часы к следующему сроку»), so the timer looks at the
 * clock's date every `pollMs` of real time and after every jump, and runs the check whenever the date
 * has changed since its last run. The e-mail to ops still goes at most once per ISO week (send ledger).
 */
import { checkCalendarHorizon, type CalendarCheckResult } from '../functions/app/calendar-check.ts';
import type { Deps } from '../functions/app/deps.ts';
import { defaultGroupSettings } from '../functions/domain/deadlines.ts';
import { localDateOf } from '../functions/domain/time.ts';
import { isObservableClock } from '../functions/lib/clock.ts';

export interface CalendarCheckTimerOptions {
  /** Real-time interval between looks at the clock's date; default one hour. */
  pollMs?: number;
  /** The zone "today" is taken in; default Europe/Astrakhan. */
  timeZone?: string;
  /** Told after every run (tests, logs). */
  onResult?: (result: CalendarCheckResult) => void;
}

export interface CalendarCheckTimer {
  /** Runs the check now if the clock's date changed since the last run (or it never ran); resolves when done. */
  tick(): Promise<void>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startCalendarCheckTimer(deps: Deps, options: CalendarCheckTimerOptions = {}): CalendarCheckTimer {
  const timeZone = options.timeZone ?? defaultGroupSettings.timeZone;
  let lastDate: string | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const tick = (): Promise<void> => {
    running = running.then(async () => {
      if (stopped) return;
      const today = localDateOf(deps.clock.now(), timeZone);
      if (today === lastDate) return;
      lastDate = today;
      try {
        const result = await checkCalendarHorizon(deps, { timeZone });
        if (result.mail === 'sent') console.log(`Production calendar warning e-mailed to ${deps.opsAddress} (week ${result.week}).`);
        options.onResult?.(result);
      } catch (error) {
        // Try again at the next look rather than wait for the next day.
        lastDate = undefined;
        console.error(`calendar check failed: ${(error as Error).message}`);
      }
    });
    return running;
  };

  const interval = setInterval(() => void tick(), options.pollMs ?? 3_600_000);
  interval.unref();
  const unsubscribe = isObservableClock(deps.clock) ? deps.clock.onChange(() => void tick()) : () => undefined;
  void tick();

  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(interval);
      unsubscribe();
      await running;
    },
  };
}
