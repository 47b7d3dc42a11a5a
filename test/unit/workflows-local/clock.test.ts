import { describe, expect, it } from 'vitest';
import { ManualClock, OffsetClock, isObservableClock, systemClock } from '../../../functions/lib/clock.ts';
import { ClockScheduler } from '../../../workflows/local/clock-scheduler.ts';

describe('OffsetClock', () => {
  it('starts at the given instant, only jumps forward, and notifies on jumps', () => {
    const clock = new OffsetClock({ start: '2030-01-01T00:00:00Z' });
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(Date.parse('2030-01-01T00:00:00Z'));
    let notified = 0;
    const unsubscribe = clock.onChange(() => notified++);

    clock.advanceTo('2030-02-01T00:00:00Z');
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(Date.parse('2030-02-01T00:00:00Z'));
    expect(notified).toBe(1);

    const offsetBefore = clock.offsetMs;
    clock.advanceTo('2029-01-01T00:00:00Z'); // the past: ignored
    expect(clock.offsetMs).toBe(offsetBefore);
    expect(notified).toBe(1);

    clock.advanceBy(1000);
    expect(clock.offsetMs).toBe(offsetBefore + 1000);
    unsubscribe();
    clock.advanceBy(1000);
    expect(notified).toBe(2);
    expect(() => clock.advanceTo('not a date')).toThrow(/invalid/);
  });

  it('is observable, unlike the system clock', () => {
    expect(isObservableClock(new OffsetClock())).toBe(true);
    expect(isObservableClock(new ManualClock('2026-01-01T00:00:00Z'))).toBe(true);
    expect(isObservableClock(systemClock)).toBe(false);
  });
});

describe('ClockScheduler on a ManualClock', () => {
  it('resolves sleeps when the clock passes them, reports the earliest, and rejects on abort', async () => {
    const clock = new ManualClock('2026-03-10T07:00:00Z');
    const scheduler = new ClockScheduler(clock);
    const woke: string[] = [];
    const late = scheduler.sleepUntil(new Date('2026-03-10T09:00:00Z')).then(() => woke.push('late'));
    const early = scheduler.sleepUntil(new Date('2026-03-10T08:00:00Z')).then(() => woke.push('early'));
    const controller = new AbortController();
    const aborted = scheduler.sleepUntil(new Date('2026-03-10T07:30:00Z'), controller.signal);
    expect(scheduler.nextWakeUp()?.toISOString()).toBe('2026-03-10T07:30:00.000Z');

    controller.abort(new Error('stopped'));
    await expect(aborted).rejects.toThrow('stopped');
    expect(scheduler.nextWakeUp()?.toISOString()).toBe('2026-03-10T08:00:00.000Z');

    clock.set('2026-03-10T08:00:00Z');
    await early;
    expect(woke).toEqual(['early']);
    clock.set('2026-03-10T10:00:00Z');
    await late;
    expect(woke).toEqual(['early', 'late']);
    expect(scheduler.nextWakeUp()).toBeUndefined();
    await scheduler.sleepUntil(new Date('2026-01-01T00:00:00Z')); // already past: resolves
    scheduler.dispose();
  });
});
