/**
 * The local stand-in for a daily EventBridge schedule: runs a job at start and then once per day of the
 * shared clock. The clock runs in real time but can jump (the console's «Перевести часы к следующему
 * сроку»), so the timer looks at the clock's date every `pollMs` of real time and after every jump, and
 * runs the job whenever the date has changed since its last run. A failed run is tried again at the
 * next look rather than the next day.
 */
import type { Clock } from '../functions/lib/clock.ts';
import { isObservableClock } from '../functions/lib/clock.ts';
import { localDateOf } from '../functions/domain/time.ts';

export interface DailyTimer {
  /** Runs the job now if the clock's date changed since the last run (or it never ran); resolves when done. */
  tick(): Promise<void>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startDailyTimer(clock: Clock, options: { name: string; timeZone: string; pollMs?: number; run: () => Promise<void> }): DailyTimer {
  let lastDate: string | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const tick = (): Promise<void> => {
    running = running.then(async () => {
      if (stopped) return;
      const today = localDateOf(clock.now(), options.timeZone);
      if (today === lastDate) return;
      lastDate = today;
      try {
        await options.run();
      } catch (error) {
        lastDate = undefined;
        console.error(`${options.name} failed: ${(error as Error).message}`);
      }
    });
    return running;
  };

  const interval = setInterval(() => void tick(), options.pollMs ?? 3_600_000);
  interval.unref();
  const unsubscribe = isObservableClock(clock) ? clock.onChange(() => void tick()) : () => undefined;
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
