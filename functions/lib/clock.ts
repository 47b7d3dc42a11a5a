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
