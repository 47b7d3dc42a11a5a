/**
 * Real time for pacing e-mail sends (functions/app/fan-out.ts): a monotonic millisecond clock and a
 * sleep on it. It is a port, like the Clock: Lambda and `npm start` sleep for real, tests use a
 * VirtualPacer whose time moves only when something sleeps, so pacing is exact and takes no time.
 */
export interface Pacer {
  /** Milliseconds on a monotonic clock (only differences mean anything). */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realPacer: Pacer = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Time that passes only by sleeping: each sleep wakes, one per macrotask and earliest first, at its own
 * instant, so concurrent sleepers see the times real ones would. Every sleep is recorded.
 */
export class VirtualPacer implements Pacer {
  private time = 0;
  private readonly pending: { at: number; wake: () => void }[] = [];
  readonly sleeps: number[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((wake) => {
      this.pending.push({ at: this.time + Math.max(0, ms), wake });
      setImmediate(() => this.wakeEarliest());
    });
  }

  private wakeEarliest(): void {
    let earliest = 0;
    for (let i = 1; i < this.pending.length; i++) if (this.pending[i]!.at < this.pending[earliest]!.at) earliest = i;
    const [next] = this.pending.splice(earliest, 1);
    if (!next) return;
    this.time = Math.max(this.time, next.at);
    next.wake();
  }
}
