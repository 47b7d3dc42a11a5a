/**
 * The Russian production calendar (производственный календарь) for a five-day week: which dates are
 * working days, and the n-th working day after a date. It serves the deadline of п. 3.4: the signed
 * protocol goes to the members within 5 working days of the signing date, counted from the next day
 * (ГК РФ ст. 191 analogy), see SPEC.md "Working days".
 *
 * The data ships with the system, one file per year (data/<year>.json), copied from ТК РФ ст. 112 and
 * the year's Government decree on moving days off. A date in a year with no data is an error
 * (MissingCalendarYearError), never a guess.
 */
import type { IsoDate } from '../domain/types.ts';
import { addCalendarDays, parseIsoDate, toDayNumber } from './dates.ts';
import { CalendarDataError, compileCalendarYear, isWorkingDayIn, type CalendarYearData, type CalendarYearStatus, type CompiledYear } from './data.ts';
// Static imports so that esbuild bundles the data into each Lambda.
import data2024 from './data/2024.json' with { type: 'json' };
import data2025 from './data/2025.json' with { type: 'json' };
import data2026 from './data/2026.json' with { type: 'json' };
import data2027 from './data/2027.json' with { type: 'json' };

export type { CalendarYearData, CalendarYearStatus } from './data.ts';
export { CalendarDataError } from './data.ts';
export { InvalidCalendarDateError } from './dates.ts';

export interface WorkingCalendar {
  isWorkingDay(date: IsoDate): boolean;
  /** The n-th working day strictly after `date` (n ≥ 1; the count starts on the next day). */
  addWorkingDays(date: IsoDate, n: number): IsoDate;
}

/** The full calendar: the WorkingCalendar port plus helpers. */
export interface ProductionCalendar extends WorkingCalendar {
  /** Number of working days d with from < d ≤ to (from ≤ to). */
  workingDaysBetween(from: IsoDate, to: IsoDate): number;
  /** The years that have data, ascending. */
  calendarYears(): number[];
  /** Whether a year's data is confirmed against its decree, provisional, or missing (undefined). */
  yearStatus(year: number): CalendarYearStatus | undefined;
}

/**
 * A date falls in a year the calendar has no data for. Its message is for the log; people are told
 * `missingCalendarMessage(year)` in their language, and developers find the steps in the README
 * («Adding a year»).
 */
export class MissingCalendarYearError extends Error {
  readonly year: number;

  constructor(year: number, date: IsoDate) {
    super(`No production calendar data for ${year} (needed for ${date}): add functions/calendar/data/${year}.json, see README «Adding a year»`);
    this.name = 'MissingCalendarYearError';
    this.year = year;
  }
}

/** What a chair, secretary or ops reads when a year is missing: what is wrong and what to do. */
export function missingCalendarMessage(year: number): { ru: string; en: string } {
  return {
    ru: `В системе нет производственного календаря на ${year} год, поэтому срок в рабочих днях не рассчитать. Попросите администратора системы добавить производственный календарь на ${year} год.`,
    en: `The system has no production calendar for ${year}, so a deadline in working days cannot be computed. Ask the system administrator to add the production calendar for ${year}.`,
  };
}

/** Builds a calendar from year data files; each is validated (CalendarDataError on bad data). */
export function createCalendar(years: readonly unknown[]): ProductionCalendar {
  const byYear = new Map<number, CompiledYear>();
  for (const data of years) {
    const compiled = compileCalendarYear(data);
    if (byYear.has(compiled.year)) throw new CalendarDataError(compiled.year, [`year ${compiled.year} is given twice`]);
    byYear.set(compiled.year, compiled);
  }

  const isWorkingDay = (date: IsoDate): boolean => {
    const { year } = parseIsoDate(date);
    const compiled = byYear.get(year);
    if (!compiled) throw new MissingCalendarYearError(year, date);
    return isWorkingDayIn(compiled, date);
  };

  const addWorkingDays = (date: IsoDate, n: number): IsoDate => {
    parseIsoDate(date);
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new RangeError(`addWorkingDays: n must be a whole number ≥ 1, got ${String(n)}`);
    }
    // The start date itself is not counted (ГК РФ ст. 191): only the days after it are looked up,
    // so running into a year without data throws MissingCalendarYearError.
    let current = date;
    let remaining = n;
    while (remaining > 0) {
      current = addCalendarDays(current, 1);
      if (isWorkingDay(current)) remaining -= 1;
    }
    return current;
  };

  const workingDaysBetween = (from: IsoDate, to: IsoDate): number => {
    const start = toDayNumber(from);
    const end = toDayNumber(to);
    if (end < start) throw new RangeError(`workingDaysBetween: ${to} is before ${from}`);
    let count = 0;
    for (let current = from; current !== to; ) {
      current = addCalendarDays(current, 1);
      if (isWorkingDay(current)) count += 1;
    }
    return count;
  };

  const calendarYears = (): number[] => [...byYear.keys()].sort((a, b) => a - b);
  const yearStatus = (year: number): CalendarYearStatus | undefined => byYear.get(year)?.status;

  return { isWorkingDay, addWorkingDays, workingDaysBetween, calendarYears, yearStatus };
}

/** The Russian production calendar built from the shipped data files. */
export const russianCalendar: ProductionCalendar = createCalendar([data2024, data2025, data2026, data2027]);

export function isWorkingDay(date: IsoDate): boolean {
  return russianCalendar.isWorkingDay(date);
}

export function addWorkingDays(date: IsoDate, n: number): IsoDate {
  return russianCalendar.addWorkingDays(date, n);
}

export function workingDaysBetween(from: IsoDate, to: IsoDate): number {
  return russianCalendar.workingDaysBetween(from, to);
}

export function calendarYears(): number[] {
  return russianCalendar.calendarYears();
}
