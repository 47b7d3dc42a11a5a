import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addCalendarDays, assertTimeZone, canonicalTimeZone, endOfLocalDay, isIsoDate, isLocalTime, isValidTimeZone,
  localDateOf, localTimeOf, localToInstant, offsetAt, resolveLocalTime, startOfLocalDay, toInstant, toMs, UnknownTimeZoneError, weekday,
} from '../../../functions/domain/time.ts';

const ZONES = ['Europe/Astrakhan', 'Europe/Moscow', 'Europe/Berlin', 'America/New_York', 'America/Santiago', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'UTC'];

describe('local time → instant', () => {
  it('reads Europe/Astrakhan as UTC+4', () => {
    expect(localToInstant('2026-03-10', '10:00', 'Europe/Astrakhan')).toBe('2026-03-10T06:00:00Z');
  });

  it('a meeting at 00:30 local falls on the previous UTC day but keeps its local date', () => {
    const start = localToInstant('2026-03-10', '00:30', 'Europe/Astrakhan');
    expect(start).toBe('2026-03-09T20:30:00Z');
    expect(localDateOf(start, 'Europe/Astrakhan')).toBe('2026-03-10');
    expect(localTimeOf(start, 'Europe/Astrakhan')).toBe('00:30');
  });

  it('a half-hour zone (Asia/Kolkata, UTC+5:30)', () => {
    expect(localToInstant('2026-03-10', '10:00', 'Asia/Kolkata')).toBe('2026-03-10T04:30:00Z');
  });

  it('Europe/Berlin around the March switch: before, in the gap, after', () => {
    expect(resolveLocalTime('2026-03-29', '01:30', 'Europe/Berlin')).toEqual({ instant: '2026-03-29T00:30:00Z', resolution: 'exact' });
    // 02:30 does not exist: moved forward by the gap → 03:30 CEST.
    expect(resolveLocalTime('2026-03-29', '02:30', 'Europe/Berlin')).toEqual({ instant: '2026-03-29T01:30:00Z', resolution: 'nonexistent-shifted' });
    expect(resolveLocalTime('2026-03-29', '03:30', 'Europe/Berlin')).toEqual({ instant: '2026-03-29T01:30:00Z', resolution: 'exact' });
    expect(localToInstant('2026-03-28', '10:00', 'Europe/Berlin')).toBe('2026-03-28T09:00:00Z');
    expect(localToInstant('2026-03-30', '10:00', 'Europe/Berlin')).toBe('2026-03-30T08:00:00Z');
  });

  it('Europe/Berlin in October: an ambiguous time takes the earlier instant', () => {
    expect(resolveLocalTime('2026-10-25', '02:30', 'Europe/Berlin')).toEqual({ instant: '2026-10-25T00:30:00Z', resolution: 'ambiguous-earlier' });
  });

  it('a DST-free zone never reports a gap or an ambiguity', () => {
    for (const date of ['2026-03-29', '2026-10-25', '2026-06-01', '2026-12-31']) {
      for (const time of ['00:00', '02:30', '23:59']) {
        expect(resolveLocalTime(date, time, 'Europe/Astrakhan').resolution).toBe('exact');
      }
    }
  });

  it('round-trips for any unambiguous local time in any zone', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.constantFrom(...ZONES),
        (day, h, m, zone) => {
          const date = day.toISOString().slice(0, 10);
          const time = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
          const resolved = resolveLocalTime(date, time, zone);
          if (resolved.resolution === 'nonexistent-shifted') {
            expect(toMs(resolved.instant)).toBeGreaterThan(toMs(resolveLocalTime(date, '00:00', zone).instant) - 1);
            return;
          }
          expect(localDateOf(resolved.instant, zone)).toBe(date);
          expect(localTimeOf(resolved.instant, zone)).toBe(time);
        },
      ),
    );
  });
});

describe('end of a local day', () => {
  it('Astrakhan: 23:59:59 local is 19:59:59Z', () => {
    expect(endOfLocalDay('2026-03-09', 'Europe/Astrakhan')).toBe('2026-03-09T19:59:59Z');
  });

  it('Berlin: the day before and the day of the March switch', () => {
    expect(endOfLocalDay('2026-03-28', 'Europe/Berlin')).toBe('2026-03-28T22:59:59Z');
    expect(endOfLocalDay('2026-03-29', 'Europe/Berlin')).toBe('2026-03-29T21:59:59Z');
  });

  it('America/Santiago: clock changes at midnight', () => {
    // 2026-09-06 starts at 01:00 local (00:00 does not exist).
    expect(startOfLocalDay('2026-09-06', 'America/Santiago')).toBe('2026-09-06T04:00:00Z');
    expect(endOfLocalDay('2026-09-05', 'America/Santiago')).toBe('2026-09-06T03:59:59Z');
    // On 2026-04-04 the hour 23:00–23:59 happens twice; the day ends after the second one.
    expect(endOfLocalDay('2026-04-04', 'America/Santiago')).toBe('2026-04-05T03:59:59Z');
  });

  it('is the last second of the day in any zone', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom(...ZONES),
        (day, zone) => {
          const date = day.toISOString().slice(0, 10);
          const end = endOfLocalDay(date, zone);
          expect(localDateOf(end, zone)).toBe(date);
          expect(localDateOf(toMs(end) + 1000, zone)).toBe(addCalendarDays(date, 1));
        },
      ),
    );
  });
});

describe('dates', () => {
  it('adds calendar days across months, years and leap days', () => {
    expect(addCalendarDays('2026-03-10', -1)).toBe('2026-03-09');
    expect(addCalendarDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addCalendarDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addCalendarDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addCalendarDays('2026-01-03', -5)).toBe('2025-12-29');
    expect(() => addCalendarDays('2026-02-30', 1)).toThrow(RangeError);
  });

  it('adding then subtracting days is the identity', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: -1000, max: 1000 }), (day, n) => {
        const date = day.toISOString().slice(0, 10);
        expect(addCalendarDays(addCalendarDays(date, n), -n)).toBe(date);
      }),
    );
  });

  it('validates dates and times', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-13-01')).toBe(false);
    expect(isIsoDate('10.03.2026')).toBe(false);
    expect(isLocalTime('00:30')).toBe(true);
    expect(isLocalTime('24:00')).toBe(false);
    expect(isLocalTime('9:00')).toBe(false);
    expect(weekday('2026-03-10')).toBe(2);
  });

  it('writes instants in whole seconds', () => {
    expect(toInstant(new Date('2026-03-10T07:00:00.999Z'))).toBe('2026-03-10T07:00:00Z');
  });
});

describe('time-zone names', () => {
  it('accepts IANA names and refuses the rest', () => {
    expect(isValidTimeZone('Europe/Astrakhan')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Foo/Bar')).toBe(false);
    expect(isValidTimeZone('+04:00')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone(4)).toBe(false);
    expect(canonicalTimeZone('europe/astrakhan')).toBe('Europe/Astrakhan');
    expect(() => assertTimeZone('Mars/Olympus')).toThrow(UnknownTimeZoneError);
    expect(() => localToInstant('2026-03-10', '10:00', 'Mars/Olympus')).toThrow(UnknownTimeZoneError);
  });

  it('reports offsets', () => {
    expect(offsetAt('2026-03-10T06:00:00Z', 'Europe/Astrakhan')).toBe(4 * 3600_000);
    expect(offsetAt('2026-07-01T00:00:00Z', 'Europe/Berlin')).toBe(2 * 3600_000);
  });
});
