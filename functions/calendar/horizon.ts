/**
 * The production calendar must never run out silently (SPEC «Working days»: a date in a year with no
 * data is an error, never a guess). This is the rule of the daily check, pure and AWS-free: given
 * today's date and the years the calendar has, what ops must be told.
 *
 * - `calendar-ends`: the data that covers today runs out within HORIZON_DAYS (or already has): the
 *   next year's file must be added (README «Adding a year»).
 * - `provisional-in-use`: today, or a day within the same horizon, falls in a provisional year: its
 *   file must be confirmed against the decree (README «Confirming a provisional year»).
 */
import type { IsoDate } from '../domain/types.ts';
import type { CalendarYearStatus, ProductionCalendar } from './index.ts';
import { addCalendarDays, toDayNumber, yearOf } from './dates.ts';

/** How far ahead the check looks, in calendar days. */
export const HORIZON_DAYS = 90;

export interface CalendarYearInfo {
  year: number;
  status: CalendarYearStatus;
}

export type HorizonWarning =
  | {
      kind: 'calendar-ends';
      /**
       * The last day with data in the run of consecutive years that covers today (31 Dec of
       * `lastYear`); null when no year up to today's has data.
       */
      endsOn: IsoDate | null;
      lastYear: number | null;
      /**
       * Calendar days from today to `endsOn`: 0 on that day itself, negative once the data no longer
       * covers today (with no data at all: counted from 31 Dec of last year).
       */
      daysLeft: number;
      /** The first year without data after today's coverage: the file to add. */
      missingYear: number;
    }
  | {
      kind: 'provisional-in-use';
      /** Provisional years that today or a day of the horizon falls in, ascending. */
      years: number[];
    };

export interface HorizonOptions {
  /** Defaults to HORIZON_DAYS. */
  horizonDays?: number;
}

/** The years of a calendar with their status, ascending. */
export function calendarYearInfo(calendar: Pick<ProductionCalendar, 'calendarYears' | 'yearStatus'>): CalendarYearInfo[] {
  return calendar.calendarYears().flatMap((year) => {
    const status = calendar.yearStatus(year);
    return status ? [{ year, status }] : [];
  });
}

const lastDayOf = (year: number): IsoDate => `${String(year).padStart(4, '0')}-12-31`;

/** What ops must be told today; [] when the calendar covers the horizon with confirmed data. */
export function horizonWarnings(today: IsoDate, years: readonly CalendarYearInfo[], options: HorizonOptions = {}): HorizonWarning[] {
  const horizonDays = options.horizonDays ?? HORIZON_DAYS;
  if (!Number.isSafeInteger(horizonDays) || horizonDays < 0) throw new RangeError(`horizonWarnings: horizonDays must be a whole number ≥ 0, got ${String(horizonDays)}`);
  const todayNumber = toDayNumber(today);
  const thisYear = yearOf(today);
  const has = new Set(years.map((y) => y.year));
  const warnings: HorizonWarning[] = [];

  // The coverage that matters is the run of consecutive years starting with today's: a gap after it
  // is where the calendar runs out, even if later years have data.
  let missingYear = thisYear;
  while (has.has(missingYear)) missingYear += 1;
  const earlier = [...has].filter((y) => y < thisYear);
  const lastYear = missingYear > thisYear ? missingYear - 1 : earlier.length > 0 ? Math.max(...earlier) : null;
  const endsOn = lastYear === null ? null : lastDayOf(lastYear);
  const daysLeft = toDayNumber(endsOn ?? lastDayOf(thisYear - 1)) - todayNumber;
  if (daysLeft <= horizonDays) warnings.push({ kind: 'calendar-ends', endsOn, lastYear, daysLeft, missingYear });

  const horizonYear = yearOf(addCalendarDays(today, horizonDays));
  const provisional = years
    .filter((y) => y.status === 'provisional' && y.year >= thisYear && y.year <= horizonYear)
    .map((y) => y.year)
    .sort((a, b) => a - b);
  if (provisional.length > 0) warnings.push({ kind: 'provisional-in-use', years: provisional });
  return warnings;
}

/** horizonWarnings for a calendar (e.g. `deps.calendar`). */
export function calendarHorizonWarnings(calendar: Pick<ProductionCalendar, 'calendarYears' | 'yearStatus'>, today: IsoDate, options: HorizonOptions = {}): HorizonWarning[] {
  return horizonWarnings(today, calendarYearInfo(calendar), options);
}
