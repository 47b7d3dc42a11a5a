/**
 * The shown times (functions/lib/format.ts) with cached Intl formatters: the same text as formatters
 * built afresh for every call, for any instant, zone and language.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lang } from '../../../functions/domain/types.ts';
import { formatDate, formatInstant, utcOffset } from '../../../functions/lib/format.ts';

/** The text as built with new formatters on every call (the behaviour before the cache). */
function uncached(instant: Date, timeZone: string, lang: Lang): string {
  const date = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { timeZone, day: 'numeric', month: 'long', year: 'numeric' }).format(instant);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant);
  const offset = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value;
  return `${date}, ${time} (${timeZone}, ${!offset || offset === 'GMT' ? 'UTC+00:00' : offset.replace('GMT', 'UTC')})`;
}

const zones = ['Europe/Astrakhan', 'Europe/Moscow', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'];

describe('formatInstant, formatDate, utcOffset', () => {
  it('show the date, the time, the zone and its offset', () => {
    expect(formatInstant('2026-03-10T06:00:00Z', 'Europe/Astrakhan', 'ru')).toBe('10 марта 2026 г., 10:00 (Europe/Astrakhan, UTC+04:00)');
    expect(formatInstant('2026-03-10T06:00:00Z', 'Europe/Astrakhan', 'en')).toBe('10 March 2026, 10:00 (Europe/Astrakhan, UTC+04:00)');
    expect(formatInstant(new Date('2026-07-01T12:30:00Z'), 'Europe/Berlin', 'en')).toBe('1 July 2026, 14:30 (Europe/Berlin, UTC+02:00)');
    expect(formatDate('2026-12-31T21:00:00Z', 'Europe/Moscow', 'ru')).toBe('1 января 2027 г.');
    expect(utcOffset(new Date('2026-01-15T00:00:00Z'), 'UTC')).toBe('UTC+00:00');
    expect(utcOffset(new Date('2026-01-15T00:00:00Z'), 'Asia/Kolkata')).toBe('UTC+05:30');
  });

  it('give the same text as formatters built afresh, whatever was formatted before', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            ms: fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }),
            zone: fc.constantFrom(...zones),
            lang: fc.constantFrom<Lang>('ru', 'en'),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        (calls) => {
          for (const { ms, zone, lang } of calls) {
            const d = new Date(ms);
            expect(formatInstant(d, zone, lang)).toBe(uncached(d, zone, lang));
            expect(formatInstant(d.toISOString(), zone, lang)).toBe(uncached(d, zone, lang));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuse an unknown zone every time (a failed formatter is not cached)', () => {
    expect(() => formatInstant('2026-03-10T06:00:00Z', 'Mars/Olympus_Mons', 'ru')).toThrow(RangeError);
    expect(() => formatInstant('2026-03-10T06:00:00Z', 'Mars/Olympus_Mons', 'ru')).toThrow(RangeError);
    expect(() => formatDate('2026-03-10T06:00:00Z', 'Mars/Olympus_Mons', 'en')).toThrow(RangeError);
  });
});
