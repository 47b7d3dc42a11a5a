import { ManualClock, isObservableClock, type Clock } from '../../functions/lib/clock.ts';

/** setTimeout cannot wait longer than this (ms); longer waits are re-armed. */
const MAX_TIMER_MS = 2_147_483_647;

interface PendingDeadline {
  readonly at: number;
  readonly check: () => void;
}

/**
 * Deadlines on the shared Clock instead of on real timers.
 * - A ManualClock only moves when a test sets it: deadlines are checked on every change.
 * - Any other clock (system, OffsetClock) moves by itself: a real timer is armed for the
 *   remaining time and re-checks the clock when it fires (and on every jump of an OffsetClock).
 */
export class ClockScheduler {
  private readonly pending = new Set<PendingDeadline>();
  private readonly unsubscribe: (() => void) | undefined;
  private readonly clockMovesByItself: boolean;

  constructor(private readonly clock: Clock) {
    this.clockMovesByItself = !(clock instanceof ManualClock);
    this.unsubscribe = isObservableClock(clock) ? clock.onChange(() => this.checkAll()) : undefined;
  }

  now(): Date {
    return this.clock.now();
  }

  /**
   * Resolves once clock.now() >= instant. Rejects with `signal.reason` if the signal aborts first.
   * Always asynchronous, even when the instant is already past.
   */
  sleepUntil(instant: Date, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const at = instant.getTime();
      let timer: NodeJS.Timeout | undefined;
      const finish = (outcome: () => void): void => {
        if (timer) clearTimeout(timer);
        this.pending.delete(entry);
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const onAbort = (): void => finish(() => reject(signal?.reason));
      const arm = (): void => {
        if (!this.clockMovesByItself) return;
        if (timer) clearTimeout(timer);
        const remaining = Math.max(1, Math.min(at - this.clock.now().getTime(), MAX_TIMER_MS));
        timer = setTimeout(check, remaining);
        timer.unref();
      };
      const check = (): void => {
        if (!this.pending.has(entry)) return;
        if (this.clock.now().getTime() >= at) finish(resolve);
        else arm();
      };
      const entry: PendingDeadline = { at, check };

      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.add(entry);
      if (this.clock.now().getTime() >= at) setImmediate(check);
      else arm();
    });
  }

  /** The earliest instant anything is waiting for, if any. */
  nextWakeUp(): Date | undefined {
    let earliest: number | undefined;
    for (const entry of this.pending) {
      if (earliest === undefined || entry.at < earliest) earliest = entry.at;
    }
    return earliest === undefined ? undefined : new Date(earliest);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private checkAll(): void {
    for (const entry of [...this.pending]) entry.check();
  }

  dispose(): void {
    this.unsubscribe?.();
  }
}
