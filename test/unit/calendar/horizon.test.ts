/**
 * The production calendar horizon rule (functions/calendar/horizon.ts): warn when the data that covers
 * today ends within 90 days, and while a provisional year is in use (today, or within the same 90 days).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoWeekNumber, isoWeekOf } from '../../../functions/calendar/dates.ts';
import { calendarHorizonWarnings, calendarYearInfo, HORIZON_DAYS, horizonWarnings, type CalendarYearInfo } from '../../../functions/calendar/horizon.ts';
import { createCalendar, russianCalendar } from '../../../functions/calendar/index.ts';
import data2025 from '../../../functions/calendar/data/2025.json' with { type: 'json' };
import data2026 from '../../../functions/calendar/data/2026.json' with { type: 'json' };
import type { IsoDate } from '../../../functions/domain/types.ts';

const DAY = 86_400_000;
const plusDays = (date: IsoDate, n: number): IsoDate => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const daysBetween = (from: IsoDate, to: IsoDate): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);
const confirmed = (...years: number[]): CalendarYearInfo[] => years.map((year) => ({ year, status: 'confirmed' as const }));

/** A calendar that ends soon: copies of the shipped 2025 and 2026 files, nothing after. */
const until2026 = createCalendar([data2025, data2026]);
/** The same, with 2026 as if it were still provisional. */
const provisional2026 = createCalendar([data2025, { ...data2026, status: 'provisional', statusNote: 'Предварительные данные (копия для теста).' }]);

describe('the last year with data ends within 90 days', () => {
  it('looks 90 days ahead', () => {
    expect(HORIZON_DAYS).toBe(90);
  });

  it('warns at exactly 90 days left, not at 91 (calendar built from copies of the shipped data)', () => {
    expect(daysBetween('2026-10-02', '2026-12-31')).toBe(90);
    expect(calendarHorizonWarnings(until2026, '2026-10-01')).toEqual([]);
    expect(calendarHorizonWarnings(until2026, '2026-10-02')).toEqual([
      { kind: 'calendar-ends', endsOn: '2026-12-31', lastYear: 2026, daysLeft: 90, missingYear: 2027 },
    ]);
  });

  it('counts down to 0 on the last day, then goes negative once the data has run out', () => {
    expect(calendarHorizonWarnings(until2026, '2026-12-31')).toEqual([{ kind: 'calendar-ends', endsOn: '2026-12-31', lastYear: 2026, daysLeft: 0, missingYear: 2027 }]);
    expect(calendarHorizonWarnings(until2026, '2027-01-15')).toEqual([{ kind: 'calendar-ends', endsOn: '2026-12-31', lastYear: 2026, daysLeft: -15, missingYear: 2027 }]);
  });

  it('on the shipped calendar: 2027 ends in 90 days on 2 Oct 2027, and 2027 is provisional then', () => {
    expect(calendarHorizonWarnings(russianCalendar, '2027-10-01')).toEqual([{ kind: 'provisional-in-use', years: [2027] }]);
    expect(calendarHorizonWarnings(russianCalendar, '2027-10-02')).toEqual([
      { kind: 'calendar-ends', endsOn: '2027-12-31', lastYear: 2027, daysLeft: 90, missingYear: 2028 },
      { kind: 'provisional-in-use', years: [2027] },
    ]);
  });

  it('stops at the first gap: later years do not cover a missing one', () => {
    expect(horizonWarnings('2024-11-01', confirmed(2024, 2026))).toEqual([
      { kind: 'calendar-ends', endsOn: '2024-12-31', lastYear: 2024, daysLeft: 60, missingYear: 2025 },
    ]);
    expect(horizonWarnings('2025-03-01', confirmed(2024, 2026))).toEqual([
      { kind: 'calendar-ends', endsOn: '2024-12-31', lastYear: 2024, daysLeft: -60, missingYear: 2025 },
    ]);
  });

  it('says when no year up to today has data at all', () => {
    expect(horizonWarnings('2026-03-01', [])).toEqual([{ kind: 'calendar-ends', endsOn: null, lastYear: null, daysLeft: -60, missingYear: 2026 }]);
    expect(horizonWarnings('2026-03-01', confirmed(2027))).toEqual([{ kind: 'calendar-ends', endsOn: null, lastYear: null, daysLeft: -60, missingYear: 2026 }]);
  });

  it('property: warns exactly when the end of the covered years is at most 90 days away, with the exact count', () => {
    const years = confirmed(2024, 2025, 2026);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * 366 + 100 }), (offset) => {
        const today = plusDays('2024-01-01', offset);
        const daysLeft = daysBetween(today, '2026-12-31');
        const warnings = horizonWarnings(today, years);
        if (daysLeft <= 90) {
          expect(warnings).toEqual([{ kind: 'calendar-ends', endsOn: '2026-12-31', lastYear: 2026, daysLeft, missingYear: 2027 }]);
        } else {
          expect(warnings).toEqual([]);
        }
      }),
    );
  });

  it('property: the boundary follows the horizon for any length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), (horizonDays) => {
        const years = confirmed(2025, 2026);
        const atBoundary = plusDays('2026-12-31', -horizonDays);
        expect(horizonWarnings(atBoundary, years, { horizonDays }).map((w) => w.kind)).toEqual(['calendar-ends']);
        if (horizonDays < 365) expect(horizonWarnings(plusDays(atBoundary, -1), years, { horizonDays })).toEqual([]);
      }),
    );
  });

  it('refuses a horizon that is not a whole number ≥ 0', () => {
    expect(() => horizonWarnings('2026-01-01', confirmed(2026), { horizonDays: -1 })).toThrow(RangeError);
    expect(() => horizonWarnings('2026-01-01', confirmed(2026), { horizonDays: 1.5 })).toThrow(RangeError);
  });
});

describe('a provisional year is in use', () => {
  it('warns when today falls in a provisional year', () => {
    expect(calendarHorizonWarnings(provisional2026, '2026-03-10')).toEqual([{ kind: 'provisional-in-use', years: [2026] }]);
  });

  it('warns when the provisional year starts within 90 days, not at 91 (shipped calendar, 2027 provisional)', () => {
    // 2026-10-03 + 90 days = 2027-01-01.
    expect(plusDays('2026-10-03', 90)).toBe('2027-01-01');
    expect(calendarHorizonWarnings(russianCalendar, '2026-10-02')).toEqual([]);
    expect(calendarHorizonWarnings(russianCalendar, '2026-10-03')).toEqual([{ kind: 'provisional-in-use', years: [2027] }]);
    expect(calendarHorizonWarnings(russianCalendar, '2026-12-02')).toEqual([{ kind: 'provisional-in-use', years: [2027] }]);
  });

  it('does not warn about a provisional year that is past, nor one beyond the horizon', () => {
    const years: CalendarYearInfo[] = [
      { year: 2025, status: 'provisional' },
      { year: 2026, status: 'confirmed' },
      { year: 2027, status: 'confirmed' },
      { year: 2028, status: 'provisional' },
    ];
    expect(horizonWarnings('2026-06-01', years)).toEqual([]);
    expect(horizonWarnings('2027-12-01', years)).toEqual([{ kind: 'provisional-in-use', years: [2028] }]);
  });

  it('names every provisional year in use, with the end of the data when both apply', () => {
    const years: CalendarYearInfo[] = [
      { year: 2026, status: 'provisional' },
      { year: 2027, status: 'provisional' },
    ];
    expect(horizonWarnings('2026-11-15', years)).toEqual([{ kind: 'provisional-in-use', years: [2026, 2027] }]);
    expect(horizonWarnings('2027-12-01', years)).toEqual([
      { kind: 'calendar-ends', endsOn: '2027-12-31', lastYear: 2027, daysLeft: 30, missingYear: 2028 },
      { kind: 'provisional-in-use', years: [2027] },
    ]);
  });

  it('reads the years and their status from a calendar', () => {
    expect(calendarYearInfo(russianCalendar)).toEqual([
      { year: 2024, status: 'confirmed' },
      { year: 2025, status: 'confirmed' },
      { year: 2026, status: 'confirmed' },
      { year: 2027, status: 'provisional' },
    ]);
    expect(calendarYearInfo(provisional2026)).toEqual([
      { year: 2025, status: 'confirmed' },
      { year: 2026, status: 'provisional' },
    ]);
  });
});

describe('ISO weeks (the key of the weekly e-mail)', () => {
  it.each([
    ['2026-12-02', 2026, 49],
    ['2026-12-28', 2026, 53],
    ['2027-01-03', 2026, 53],
    ['2027-01-04', 2027, 1],
    ['2024-12-30', 2025, 1],
    ['2021-01-03', 2020, 53],
    ['2025-06-15', 2025, 24],
  ])('%s is in %i-W%i', (date, year, week) => {
    expect(isoWeekOf(date)).toEqual({ year, week });
    expect(isoWeekNumber(date)).toBe(year * 100 + week);
  });

  it('property: the week changes exactly on Mondays', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4000 }), (offset) => {
        const date = plusDays('2020-01-01', offset);
        const next = plusDays(date, 1);
        const isMonday = new Date(`${next}T00:00:00Z`).getUTCDay() === 1;
        expect(isoWeekNumber(next) !== isoWeekNumber(date)).toBe(isMonday);
      }),
    );
  });
});
