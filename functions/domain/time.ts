/**
 * Time-zone arithmetic with Intl only (no libraries). Every deadline of the regulation is a local
 * calendar notion («до 23:59:59 дня, предшествующего дню заседания», «5 рабочих дней»), while the
 * state machine waits for UTC instants; these helpers convert between the two for any IANA zone.
 *
 * Rules for local times that a zone's clock change makes odd (the same as Temporal's "compatible"):
 * - nonexistent (the clock jumps forward over it, e.g. 02:30 on 2026-03-29 in Europe/Berlin):
 *   the time is read with the offset in force before the jump, i.e. moved forward by the gap
 *   (02:30 → 03:30 CEST = 01:30Z);
 * - ambiguous (the clock falls back and it happens twice): the earlier of the two instants.
 * The end of a local day is the last second whose local date is that day (normally 23:59:59 local).
 */
import type { Instant, IsoDate } from './types.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export class UnknownTimeZoneError extends RangeError {
  constructor(readonly timeZone: unknown) {
    super(`Unknown IANA time zone: ${JSON.stringify(timeZone)}`);
    this.name = 'UnknownTimeZoneError';
  }
}

// IANA names: "Europe/Astrakhan", "America/Argentina/Buenos_Aires", "Etc/GMT-4", "UTC".
// Offsets such as "+04:00" are not zone names and are refused even where Intl would accept them.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    if (!IANA_NAME.test(timeZone)) throw new UnknownTimeZoneError(timeZone);
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new UnknownTimeZoneError(timeZone);
    }
    // Intl accepts any letter case, so the keys are not bounded by the zone list: keep the cache small.
    if (formatters.size >= 1000) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True for a time-zone name Intl knows (IANA, case-insensitive as Intl is). */
export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Throws UnknownTimeZoneError for anything but a known IANA zone. */
export function assertTimeZone(timeZone: unknown): asserts timeZone is string {
  if (!isValidTimeZone(timeZone)) throw new UnknownTimeZoneError(timeZone);
}

/** The zone's canonical spelling as Intl reports it ("europe/astrakhan" → "Europe/Astrakhan"). */
export function canonicalTimeZone(timeZone: string): string {
  return formatterFor(timeZone).resolvedOptions().timeZone;
}

// ---------- dates and instants ----------

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "YYYY-MM-DD" naming a real calendar date (no 2026-02-30). */
export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

/** "HH:MM", 24-hour. */
export function isLocalTime(value: unknown): value is string {
  return typeof value === 'string' && HH_MM.test(value);
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0)).getUTCDate();
}

/** Milliseconds of the UTC instant with these fields (years 0–99 taken literally). */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

function parseIsoDate(date: IsoDate): [number, number, number] {
  if (!isIsoDate(date)) throw new RangeError(`Not a calendar date "YYYY-MM-DD": ${JSON.stringify(date)}`);
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return [y, m, d];
}

function formatIsoDate(year: number, month: number, day: number): IsoDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Milliseconds since the epoch of an Instant, a Date or a number. */
export function toMs(value: Instant | Date | number): number {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : value.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`Not an instant: ${String(value)}`);
  return ms;
}

/** The Instant form "2026-03-10T07:00:00Z" (whole seconds, rounded down). */
export function toInstant(value: Date | number): Instant {
  const ms = Math.floor(toMs(value) / SECOND) * SECOND;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function addMinutes(instant: Instant, minutes: number): Instant {
  return toInstant(toMs(instant) + minutes * MINUTE);
}

export function addHours(instant: Instant, hours: number): Instant {
  return toInstant(toMs(instant) + hours * HOUR);
}

/** The date n calendar days after (n < 0: before) the given one. */
export function addCalendarDays(date: IsoDate, n: number): IsoDate {
  if (!Number.isInteger(n)) throw new RangeError(`addCalendarDays: n must be an integer, got ${n}`);
  const [y, m, d] = parseIsoDate(date);
  const shifted = new Date(utcMs(y, m, d) + n * DAY);
  return formatIsoDate(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, shifted.getUTCDate());
}

/** Day of the week of a calendar date: 0 = Sunday … 6 = Saturday. */
export function weekday(date: IsoDate): number {
  const [y, m, d] = parseIsoDate(date);
  return new Date(utcMs(y, m, d)).getUTCDay();
}

// ---------- zone conversions ----------

interface LocalFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localFields(ms: number, timeZone: string): LocalFields {
  const fields: Partial<Record<string, number>> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? NaN,
    month: fields.month ?? NaN,
    day: fields.day ?? NaN,
    hour: fields.hour ?? NaN,
    minute: fields.minute ?? NaN,
    second: fields.second ?? NaN,
  };
}

/** The zone's offset from UTC at that moment, in milliseconds (+4 h for Europe/Astrakhan). */
export function offsetAt(instant: Instant | Date | number, timeZone: string): number {
  const ms = Math.floor(toMs(instant) / SECOND) * SECOND;
  const f = localFields(ms, timeZone);
  return utcMs(f.year, f.month, f.day, f.hour, f.minute, f.second) - ms;
}

/** The local calendar date of an instant in a zone. */
export function localDateOf(instant: Instant | Date | number, timeZone: string): IsoDate {
  const f = localFields(toMs(instant), timeZone);
  return formatIsoDate(f.year, f.month, f.day);
}

/** The local wall time "HH:MM" of an instant in a zone. */
export function localTimeOf(instant: Instant | Date | number, timeZone: string): string {
  const f = localFields(toMs(instant), timeZone);
  return `${String(f.hour).padStart(2, '0')}:${String(f.minute).padStart(2, '0')}`;
}

export type LocalTimeResolution = 'exact' | 'ambiguous-earlier' | 'nonexistent-shifted';

export interface ResolvedLocalTime {
  instant: Instant;
  /** How the wall time mapped to an instant (see the module comment for the rules). */
  resolution: LocalTimeResolution;
}

/**
 * A local date and wall time ("HH:MM" or "HH:MM:SS") in a zone → the UTC instant, telling whether
 * the wall time was unique, happened twice (earlier taken) or did not exist (moved forward by the gap).
 */
export function resolveLocalTime(date: IsoDate, time: string, timeZone: string): ResolvedLocalTime {
  const [y, mo, d] = parseIsoDate(date);
  const tm = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/.exec(time);
  if (!tm) throw new RangeError(`Not a local time "HH:MM": ${JSON.stringify(time)}`);
  const wall = utcMs(y, mo, d, Number(tm[1]), Number(tm[2]), Number(tm[3] ?? 0));
  // Offsets in force around that wall time: at most one transition is expected within a day.
  const offsetBefore = offsetAt(wall - DAY, timeZone);
  const offsets = new Set([offsetBefore, offsetAt(wall, timeZone), offsetAt(wall + DAY, timeZone)]);
  const matches = [...offsets]
    .map((offset) => wall - offset)
    .filter((candidate) => {
      const f = localFields(candidate, timeZone);
      return utcMs(f.year, f.month, f.day, f.hour, f.minute, f.second) === wall;
    })
    .sort((a, b) => a - b);
  const [first] = matches;
  if (first === undefined) return { instant: toInstant(wall - offsetBefore), resolution: 'nonexistent-shifted' };
  return { instant: toInstant(first), resolution: matches.length > 1 ? 'ambiguous-earlier' : 'exact' };
}

/** A local date and wall time in a zone → the UTC instant (rules for odd times: module comment). */
export function localToInstant(date: IsoDate, time: string, timeZone: string): Instant {
  return resolveLocalTime(date, time, timeZone).instant;
}

/** The first instant of a local calendar day (00:00 local, or the first existing time after it). */
export function startOfLocalDay(date: IsoDate, timeZone: string): Instant {
  return localToInstant(date, '00:00', timeZone);
}

/**
 * The end of a local calendar day as an instant: 23:59:59 local — precisely, one second before the
 * next day starts, which is right even where a clock change happens at midnight.
 */
export function endOfLocalDay(date: IsoDate, timeZone: string): Instant {
  return toInstant(toMs(startOfLocalDay(addCalendarDays(date, 1), timeZone)) - SECOND);
}
