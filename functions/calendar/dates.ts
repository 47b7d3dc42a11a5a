/**
 * Plain calendar dates "YYYY-MM-DD" — no time of day, no time zone. Arithmetic runs on a UTC
 * day number, so the host's time zone can never shift a date.
 */
import type { IsoDate } from '../domain/types.ts';

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A string that is not a real calendar date in the form "YYYY-MM-DD". */
export class InvalidCalendarDateError extends Error {
  readonly value: unknown;

  constructor(value: unknown, reason: string) {
    super(`Invalid calendar date ${JSON.stringify(value)}: ${reason} (expected "YYYY-MM-DD", e.g. "2026-03-10")`);
    this.name = 'InvalidCalendarDateError';
    this.value = value;
  }
}

export interface CalendarDateParts {
  year: number;
  month: number;
  day: number;
}

/** Parses and checks a date string: the form, and that the day exists (2025-02-30 does not). */
export function parseIsoDate(value: unknown): CalendarDateParts {
  if (typeof value !== 'string') throw new InvalidCalendarDateError(value, 'not a string');
  const match = ISO_DATE.exec(value);
  if (!match) throw new InvalidCalendarDateError(value, 'wrong format');
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12) throw new InvalidCalendarDateError(value, `month ${month} does not exist`);
  const lastDay = daysInMonth(year, month);
  if (day < 1 || day > lastDay) {
    throw new InvalidCalendarDateError(value, `day ${day} does not exist in ${match[1]}-${match[2]} (last day ${lastDay})`);
  }
  return { year, month, day };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInYear(year: number): number {
  return isLeapYear(year) ? 366 : 365;
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/** Days since 1970-01-01 of a validated date. */
export function toDayNumber(date: IsoDate): number {
  const { year, month, day } = parseIsoDate(date);
  const utc = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  utc.setUTCFullYear(year, month - 1, day);
  return Math.round(utc.getTime() / MS_PER_DAY);
}

export function fromDayNumber(dayNumber: number): IsoDate {
  const utc = new Date(dayNumber * MS_PER_DAY);
  const year = String(utc.getUTCFullYear()).padStart(4, '0');
  const month = String(utc.getUTCMonth() + 1).padStart(2, '0');
  const day = String(utc.getUTCDate()).padStart(2, '0');
  return `${year}-${month}-${day}`;
}

export function addCalendarDays(date: IsoDate, days: number): IsoDate {
  return fromDayNumber(toDayNumber(date) + days);
}

/** 1 = Monday … 7 = Sunday (ISO 8601). */
export function isoWeekday(date: IsoDate): number {
  const sundayBased = new Date(toDayNumber(date) * MS_PER_DAY).getUTCDay();
  return sundayBased === 0 ? 7 : sundayBased;
}

/** Saturday or Sunday: the weekly days off of the five-day week. */
export function isWeekend(date: IsoDate): boolean {
  return isoWeekday(date) >= 6;
}

export function yearOf(date: IsoDate): number {
  return parseIsoDate(date).year;
}

/**
 * The ISO 8601 week of a date: the week (Monday–Sunday) and its week-based year, which is the year of
 * the week's Thursday (so 2026-12-31 is in 2026-W53 and 2027-01-04 in 2027-W01).
 */
export function isoWeekOf(date: IsoDate): { year: number; week: number } {
  const thursday = toDayNumber(date) + 4 - isoWeekday(date);
  const year = yearOf(fromDayNumber(thursday));
  const week = Math.floor((thursday - toDayNumber(`${String(year).padStart(4, '0')}-01-01`)) / 7) + 1;
  return { year, week };
}

/** The ISO week as one number YYYYWW (e.g. 202653), for keys that must change once a week. */
export function isoWeekNumber(date: IsoDate): number {
  const { year, week } = isoWeekOf(date);
  return year * 100 + week;
}
