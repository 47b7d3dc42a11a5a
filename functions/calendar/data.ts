/**
 * The data file of one year of the Russian production calendar (functions/calendar/data/<year>.json)
 * and its validation. The holidays and the moves of days off are DATA copied from their sources
 * (ТК РФ ст. 112 and the yearly Government decree), never rules computed at run time; the checks
 * below only make sure a file is coherent and agrees with the official yearly total.
 */
import type { IsoDate } from '../domain/types.ts';
import * as z from '../lib/zod-mini.ts';
import { daysInYear, isWeekend, parseIsoDate, toDayNumber } from './dates.ts';

const isoDateString = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'expected "YYYY-MM-DD"'));
const text = z.string().check(z.minLength(1));

const calendarYearSchema = z.object({
  year: z.int().check(z.minimum(1000), z.maximum(9999)),
  /**
   * `confirmed`: checked against the official publication of the year's decree (named in `sources`).
   * `provisional`: copied from a published production calendar before the decree was checked; every
   * deadline computed from it says so (SPEC «Working days»).
   */
  status: z.enum(['confirmed', 'provisional']),
  /** For a provisional year: where the data comes from and what is left to confirm. */
  statusNote: z.optional(z.string()),
  /** The normative acts the data is copied from: ТК РФ ст. 112 and the year's Government decree. */
  sources: z.array(z.object({ act: text, url: z.optional(z.string()) })).check(z.minLength(1)),
  /** Where the dates and the totals were cross-checked (secondary publications). */
  checkedAgainst: z.optional(z.array(z.string())),
  note: z.optional(z.string()),
  /** Non-working public holidays (ТК РФ ст. 112 ч. 1), also those that fall on a weekend. */
  holidays: z.array(z.object({ date: isoDateString, name: text })).check(z.minLength(1)),
  /** Days off moved: the weekend day `from` becomes (or stays, if a holiday) …, the weekday `to` is off. */
  transfers: z.array(z.object({ from: isoDateString, to: isoDateString, basis: text })),
  /** Saturdays/Sundays made working days by the decree (each is the `from` of a transfer). */
  workingWeekendDays: z.array(z.object({ date: isoDateString, basis: text })),
  /** The official totals for a five-day week. */
  totals: z.object({
    calendarDays: z.int(),
    workingDays: z.int(),
    daysOff: z.int(),
  }),
});

export type CalendarYearData = z.infer<typeof calendarYearSchema>;
export type CalendarYearStatus = CalendarYearData['status'];

/** A data file that is malformed or incoherent; lists every problem found. */
export class CalendarDataError extends Error {
  readonly year: number | undefined;
  readonly problems: string[];

  constructor(year: number | undefined, problems: string[]) {
    const which = year === undefined ? 'Invalid production calendar data file' : `Invalid production calendar data for ${year}`;
    super(`${which}:\n- ${problems.join('\n- ')}`);
    this.name = 'CalendarDataError';
    this.year = year;
    this.problems = problems;
  }
}

/** The days of one year as the calendar uses them. */
export interface CompiledYear {
  year: number;
  status: CalendarYearStatus;
  /** Weekdays that are not worked: holidays on Mon–Fri and the `to` of each transfer. */
  daysOff: ReadonlySet<IsoDate>;
  /** Weekend days that are worked. */
  workingWeekendDays: ReadonlySet<IsoDate>;
}

/** Checks a year's data (shape, coherence, official total) and compiles it; throws CalendarDataError. */
export function compileCalendarYear(input: unknown): CompiledYear {
  const parsed = calendarYearSchema.safeParse(input);
  if (!parsed.success) {
    const year = typeof (input as { year?: unknown } | null)?.year === 'number' ? (input as { year: number }).year : undefined;
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new CalendarDataError(year, problems);
  }
  const data = parsed.data;
  const problems: string[] = [];
  if (data.status === 'confirmed' && !data.sources.some((s) => s.act.includes('Постановление Правительства'))) {
    problems.push('status: a confirmed year names the Government decree in sources');
  }
  if (data.status === 'provisional' && !data.statusNote) problems.push('statusNote: a provisional year says where its data comes from');

  const checkDate = (date: string, where: string): boolean => {
    try {
      const { year } = parseIsoDate(date);
      if (year !== data.year) {
        problems.push(`${where} ${date} is not in ${data.year}`);
        return false;
      }
      return true;
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
      return false;
    }
  };
  const duplicates = (dates: string[], where: string): void => {
    const seen = new Set<string>();
    for (const date of dates) {
      if (seen.has(date)) problems.push(`${where} ${date} is listed twice`);
      seen.add(date);
    }
  };

  const holidays = data.holidays.filter((h) => checkDate(h.date, 'holiday')).map((h) => h.date);
  const transfers = data.transfers.filter((t) => checkDate(t.from, 'transfer from') && checkDate(t.to, 'transfer to'));
  const working = data.workingWeekendDays.filter((w) => checkDate(w.date, 'working weekend day')).map((w) => w.date);
  duplicates(holidays, 'holiday');
  duplicates(transfers.map((t) => t.from), 'transfer from');
  duplicates(transfers.map((t) => t.to), 'transfer to');
  duplicates(working, 'working weekend day');

  const holidaySet = new Set(holidays);
  const workingSet = new Set(working);
  const transferFrom = new Set(transfers.map((t) => t.from));

  for (const t of transfers) {
    // A move takes a weekly day off (Sat/Sun) and puts it on a weekday that would otherwise be worked.
    if (!isWeekend(t.from)) problems.push(`transfer ${t.from} → ${t.to}: ${t.from} is not a Saturday or Sunday`);
    if (isWeekend(t.to)) problems.push(`transfer ${t.from} → ${t.to}: ${t.to} is a Saturday or Sunday`);
    if (holidaySet.has(t.to)) problems.push(`transfer ${t.from} → ${t.to}: ${t.to} is already a holiday`);
    // A weekend day that is not a holiday and gives its day off away becomes a working day.
    if (isWeekend(t.from) && !holidaySet.has(t.from) && !workingSet.has(t.from)) {
      problems.push(`transfer ${t.from} → ${t.to}: ${t.from} is neither a holiday nor listed in workingWeekendDays`);
    }
  }
  for (const date of working) {
    if (!isWeekend(date)) problems.push(`working weekend day ${date} is not a Saturday or Sunday`);
    if (holidaySet.has(date)) problems.push(`${date} is both a holiday and a working day`);
    if (!transferFrom.has(date)) problems.push(`working weekend day ${date} is not the "from" of any transfer`);
  }

  const daysOff = new Set<IsoDate>([...holidays.filter((d) => !isWeekend(d)), ...transfers.map((t) => t.to)]);
  const compiled: CompiledYear = { year: data.year, status: data.status, daysOff, workingWeekendDays: workingSet };

  const calendarDays = daysInYear(data.year);
  if (data.totals.calendarDays !== calendarDays) {
    problems.push(`totals.calendarDays is ${data.totals.calendarDays}, but ${data.year} has ${calendarDays} days`);
  }
  if (data.totals.workingDays + data.totals.daysOff !== calendarDays) {
    problems.push(`totals.workingDays + totals.daysOff = ${data.totals.workingDays + data.totals.daysOff}, not ${calendarDays}`);
  }
  if (problems.length === 0) {
    const counted = countWorkingDaysOfYear(compiled);
    if (counted !== data.totals.workingDays) {
      problems.push(`the listed days give ${counted} working days, but the official total (totals.workingDays) is ${data.totals.workingDays}`);
    }
  }
  if (problems.length > 0) throw new CalendarDataError(data.year, problems);
  return compiled;
}

export function isWorkingDayIn(year: CompiledYear, date: IsoDate): boolean {
  if (year.workingWeekendDays.has(date)) return true;
  if (year.daysOff.has(date)) return false;
  return !isWeekend(date);
}

/**
 * The working days of a coherent year (every day off a weekday, every worked weekend day a Saturday
 * or Sunday): the weekdays, less the days off, plus the worked weekend days. Counted on day numbers,
 * not date strings: this runs for every year at every cold start.
 */
function countWorkingDaysOfYear(year: CompiledYear): number {
  const first = toDayNumber(`${String(year.year).padStart(4, '0')}-01-01`);
  let weekdays = 0;
  for (let day = first; day < first + daysInYear(year.year); day += 1) {
    // Day 0, 1970-01-01, was a Thursday; 0 = Sunday … 6 = Saturday.
    const weekday = (((day + 4) % 7) + 7) % 7;
    if (weekday !== 0 && weekday !== 6) weekdays += 1;
  }
  return weekdays - year.daysOff.size + year.workingWeekendDays.size;
}
