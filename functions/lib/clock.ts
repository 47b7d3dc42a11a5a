/**
 * Time is a port. Every handler, the mailer and the local workflow runner read the
 * clock through this interface, so a test can run a whole meeting in seconds.
 */
export interface Clock {
  /** The current instant. */
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock a test (or the local runtime's control) sets and advances by hand. */
export class ManualClock implements Clock {
  private current: number;
  private readonly listeners = new Set<() => void>();

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(to: Date | string): void {
    const next = new Date(to).getTime();
    if (Number.isNaN(next)) throw new Error(`ManualClock.set: invalid date ${String(to)}`);
    this.current = next;
    for (const listener of [...this.listeners]) listener();
  }

  advance(ms: number): void {
    this.set(new Date(this.current + ms));
  }

  /** Called after every change of the time; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A clock whose changes can be observed (ManualClock, OffsetClock). */
export interface ObservableClock extends Clock {
  /** Called after every jump of the time; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/**
 * Real time plus an offset that can only grow. `npm start` runs on it: time flows as usual,
 * but the local control can jump forward to the next deadline (`advanceTo`) instead of
 * waiting days for it. Listeners are told about every jump (not about the normal flow of time).
 */
export class OffsetClock implements ObservableClock {
  private offset: number;
  private readonly listeners = new Set<() => void>();

  /** `start`, when given, is the instant the clock shows right now. */
  constructor(options: { offsetMs?: number; start?: Date | string } = {}) {
    if (options.start !== undefined) {
      const start = new Date(options.start).getTime();
      if (Number.isNaN(start)) throw new Error(`OffsetClock: invalid start ${String(options.start)}`);
      this.offset = start - Date.now();
    } else {
      this.offset = options.offsetMs ?? 0;
    }
  }

  now(): Date {
    return new Date(Date.now() + this.offset);
  }

  /** Milliseconds this clock is ahead of the real time. */
  get offsetMs(): number {
    return this.offset;
  }

  /** Jumps forward so that now() is at least `instant`. Never goes back. */
  advanceTo(instant: Date | string): void {
    const target = new Date(instant).getTime();
    if (Number.isNaN(target)) throw new Error(`OffsetClock.advanceTo: invalid date ${String(instant)}`);
    const needed = target - Date.now();
    if (needed <= this.offset) return;
    this.offset = needed;
    for (const listener of [...this.listeners]) listener();
  }

  advanceBy(ms: number): void {
    if (!(ms > 0)) return;
    this.offset += ms;
    for (const listener of [...this.listeners]) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function isObservableClock(clock: Clock): clock is ObservableClock {
  return typeof (clock as Partial<ObservableClock>).onChange === 'function';
}
