/**
 * The shipped Russian production calendar against the official calendars (ТК РФ ст. 112 and
 * the decrees № 1314 of 10.08.2023, № 1335 of 04.10.2024, № 1466 of 24.09.2025).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  InvalidCalendarDateError,
  MissingCalendarYearError,
  addWorkingDays,
  calendarYears,
  isWorkingDay,
  russianCalendar,
  workingDaysBetween,
} from '../../../functions/calendar/index.ts';

const dataDir = fileURLToPath(new URL('../../../functions/calendar/data/', import.meta.url));
const pad = (n: number): string => String(n).padStart(2, '0');
const lastDayOfMonth = (year: number, month: number): string =>
  `${year}-${pad(month)}-${pad(new Date(Date.UTC(year, month, 0)).getUTCDate())}`;
const workingDaysInMonth = (year: number, month: number): number =>
  workingDaysBetween(month === 1 ? `${year - 1}-12-31` : lastDayOfMonth(year, month - 1), lastDayOfMonth(year, month));
const workingDaysInYear = (year: number): number => workingDaysBetween(`${year - 1}-12-31`, `${year}-12-31`);
/** The Saturdays and Sundays of a year that are worked. */
function workedWeekendDays(year: number): string[] {
  const worked: string[] = [];
  for (let date = new Date(Date.UTC(year, 0, 1)); date.getUTCFullYear() === year; date.setUTCDate(date.getUTCDate() + 1)) {
    const iso = date.toISOString().slice(0, 10);
    if ((date.getUTCDay() === 0 || date.getUTCDay() === 6) && isWorkingDay(iso)) worked.push(iso);
  }
  return worked;
}

describe('shipped data files', () => {
  const files = readdirSync(dataDir).filter((f) => f.endsWith('.json')).sort();

  it('ships 2024 to 2027, and every data file is loaded', () => {
    expect(files).toEqual(['2024.json', '2025.json', '2026.json', '2027.json']);
    expect(calendarYears()).toEqual(files.map((f) => Number(f.slice(0, 4))));
  });

  it.each(files)('%s names its sources and matches its official totals', (file) => {
    const data = JSON.parse(readFileSync(dataDir + file, 'utf8')) as {
      year: number;
      status: string;
      sources: { act: string }[];
      totals: { calendarDays: number; workingDays: number; daysOff: number };
    };
    expect(file).toBe(`${data.year}.json`);
    expect(data.sources.some((s) => s.act.includes('статья 112'))).toBe(true);
    const decree = data.status === 'confirmed' ? 'Постановление Правительства' : 'О переносе выходных дней';
    expect(data.sources.some((s) => s.act.includes(decree) && s.act.includes(String(data.year)))).toBe(true);
    expect(workingDaysInYear(data.year)).toBe(data.totals.workingDays);
    expect(data.totals.calendarDays - workingDaysInYear(data.year)).toBe(data.totals.daysOff);
  });

  it('has the official yearly totals of working days (five-day week)', () => {
    // 2024: 248 (366 days, 118 off); 2025: 247 (118 off); 2026: 247 (118 off); 2027: 247 (118 off).
    expect(workingDaysInYear(2024)).toBe(248);
    expect(workingDaysInYear(2025)).toBe(247);
    expect(workingDaysInYear(2026)).toBe(247);
    expect(workingDaysInYear(2027)).toBe(247);
  });

  it('2024–2026 are confirmed against their decrees; 2027 is provisional until its decree is checked', () => {
    expect([2024, 2025, 2026].map((y) => russianCalendar.yearStatus(y))).toEqual(['confirmed', 'confirmed', 'confirmed']);
    expect(russianCalendar.yearStatus(2027)).toBe('provisional');
    expect(russianCalendar.yearStatus(2028)).toBeUndefined();
  });

  it('has the official monthly working days of 2026', () => {
    const official2026 = [15, 19, 21, 22, 19, 21, 23, 21, 22, 22, 20, 22];
    expect(official2026.map((_, i) => workingDaysInMonth(2026, i + 1))).toEqual(official2026);
  });

  it('has 21 working days in December 2024 (Saturday 28 Dec worked, 30–31 Dec off)', () => {
    expect(workingDaysInMonth(2024, 12)).toBe(21);
  });

  it('lists exactly the holidays of ТК РФ ст. 112 every year', () => {
    const article112 = ['01-01', '01-02', '01-03', '01-04', '01-05', '01-06', '01-07', '01-08', '02-23', '03-08', '05-01', '05-09', '06-12', '11-04'];
    for (const file of files) {
      const data = JSON.parse(readFileSync(dataDir + file, 'utf8')) as { year: number; holidays: { date: string }[] };
      expect(data.holidays.map((h) => h.date).sort()).toEqual(article112.map((md) => `${data.year}-${md}`));
    }
  });
});

describe('2024 (decree № 1314 of 10.08.2023)', () => {
  it.each([
    ['2024-04-27', true, 'working Saturday (moved to 29 Apr)'],
    ['2024-04-29', false, 'day off moved from 27 Apr'],
    ['2024-04-30', false, 'day off moved from 2 Nov'],
    ['2024-05-10', false, 'day off moved from 6 Jan'],
    ['2024-11-02', true, 'working Saturday (moved to 30 Apr)'],
    ['2024-12-28', true, 'working Saturday (moved to 30 Dec)'],
    ['2024-12-30', false, 'day off moved from 28 Dec'],
    ['2024-12-31', false, 'day off moved from 7 Jan'],
    ['2024-01-09', true, 'first working day of the year'],
  ])('%s is working: %s (%s)', (date, working) => {
    expect(isWorkingDay(date)).toBe(working);
  });
});

describe('2025 (decree № 1335 of 04.10.2024)', () => {
  it('Saturday 2025-11-01 is a working day', () => {
    expect(isWorkingDay('2025-11-01')).toBe(true);
  });

  it('2025-11-02, 2025-11-03 and 2025-11-04 are off', () => {
    expect(isWorkingDay('2025-11-02')).toBe(false);
    expect(isWorkingDay('2025-11-03')).toBe(false);
    expect(isWorkingDay('2025-11-04')).toBe(false);
    expect(isWorkingDay('2025-11-05')).toBe(true);
  });

  it.each(['2025-05-02', '2025-05-08', '2025-06-13', '2025-12-31', '2025-01-08'])('%s is off', (date) => {
    expect(isWorkingDay(date)).toBe(false);
  });

  it('2025-12-30 is the last working day of 2025 and 2025-01-09 the first', () => {
    expect(isWorkingDay('2025-12-30')).toBe(true);
    expect(isWorkingDay('2025-01-09')).toBe(true);
  });
});

describe('2026 (decree № 1466 of 24.09.2025, no working Saturdays)', () => {
  it('1–11 January are off and 12 January is a working day', () => {
    for (let day = 1; day <= 11; day += 1) expect(isWorkingDay(`2026-01-${pad(day)}`)).toBe(false);
    expect(isWorkingDay('2026-01-12')).toBe(true);
  });

  it.each([
    ['2026-02-23', 'Defender of the Fatherland Day'],
    ['2026-03-09', '8 March falls on a Sunday: the day off moves to Monday'],
    ['2026-05-01', 'Spring and Labour Day'],
    ['2026-05-11', '9 May falls on a Saturday: the day off moves to Monday'],
    ['2026-06-12', 'Russia Day'],
    ['2026-11-04', 'Unity Day'],
    ['2026-12-31', 'day off moved from 4 January'],
  ])('%s is off (%s)', (date) => {
    expect(isWorkingDay(date)).toBe(false);
  });

  it('has no working Saturday or Sunday', () => {
    expect(workedWeekendDays(2026)).toEqual([]);
  });
});

describe('2027 (provisional: production calendar published 2 Sep 2026)', () => {
  it('1–10 January are off (1–8 holidays, 9–10 the weekend) and 11 January is the first working day', () => {
    for (let day = 1; day <= 10; day += 1) expect(isWorkingDay(`2027-01-${pad(day)}`)).toBe(false);
    expect(isWorkingDay('2027-01-11')).toBe(true);
  });

  it.each([
    ['2027-11-05', 'Friday: the day off moved from Saturday 2 January'],
    ['2027-12-31', 'Friday: the day off moved from Sunday 3 January'],
    ['2027-02-22', 'Monday: the day off moved from the working Saturday 20 February'],
    ['2027-02-23', 'Defender of the Fatherland Day (Tuesday)'],
    ['2027-03-08', "Women's Day (Monday)"],
    ['2027-05-03', '1 May is a Saturday: the day off moves to Monday 3 May'],
    ['2027-05-10', '9 May is a Sunday: the day off moves to Monday 10 May'],
    ['2027-06-14', '12 June is a Saturday: the day off moves to Monday 14 June'],
    ['2027-11-04', 'Unity Day (Thursday)'],
  ])('%s is off (%s)', (date) => {
    expect(isWorkingDay(date)).toBe(false);
  });

  it('Saturday 20 February is a working day, and it is the only working weekend day of 2027', () => {
    expect(isWorkingDay('2027-02-20')).toBe(true);
    expect(workedWeekendDays(2027)).toEqual(['2027-02-20']);
  });

  it('the days around the moves are worked: 19 Feb, 24 Feb, 4 May, 11 May, 15 June, 3 Nov, 8 Nov, 30 Dec', () => {
    for (const date of ['2027-02-19', '2027-02-24', '2027-05-04', '2027-05-11', '2027-06-15', '2027-11-03', '2027-11-08', '2027-12-30']) {
      expect(isWorkingDay(date), date).toBe(true);
    }
  });

  it('has 247 working days and 118 days off', () => {
    expect(workingDaysInYear(2027)).toBe(247);
    expect(365 - workingDaysInYear(2027)).toBe(118);
  });
});

describe('addWorkingDays', () => {
  it('counts from the next day: 1 working day after a Monday is the Tuesday', () => {
    expect(addWorkingDays('2026-03-02', 1)).toBe('2026-03-03');
  });

  it('5 working days after Thursday 2026-04-30 skip 1–3 May', () => {
    expect(addWorkingDays('2026-04-30', 5)).toBe('2026-05-08');
  });

  it('6 working days after 2026-04-30 skip 1–3 May and 9–11 May', () => {
    expect(addWorkingDays('2026-04-30', 6)).toBe('2026-05-12');
  });

  it('п. 3.4: a protocol signed on Friday 2025-10-31 is due by 2025-11-10 (the working Saturday counts)', () => {
    // Working days after 31 Oct: 1 Nov (Saturday), then 2–4 Nov are off, then 5, 6, 7 and 10 Nov.
    expect(addWorkingDays('2025-10-31', 5)).toBe('2025-11-10');
    expect(addWorkingDays('2025-10-31', 1)).toBe('2025-11-01');
  });

  it('crosses the year boundary 2025 → 2026 over 31 Dec and the January holidays', () => {
    expect(addWorkingDays('2025-12-26', 2)).toBe('2025-12-30');
    expect(addWorkingDays('2025-12-26', 3)).toBe('2026-01-12');
    expect(addWorkingDays('2025-12-26', 5)).toBe('2026-01-14');
    expect(addWorkingDays('2025-12-30', 1)).toBe('2026-01-12');
  });

  it('crosses the year boundary 2026 → 2027 over 31 Dec 2026 and the January holidays of 2027', () => {
    // 2026-12-30 is the last working day of 2026 (31 Dec is off); 2027-01-11 the first of 2027.
    expect(addWorkingDays('2026-12-28', 2)).toBe('2026-12-30');
    expect(addWorkingDays('2026-12-28', 3)).toBe('2027-01-11');
    expect(addWorkingDays('2026-12-30', 1)).toBe('2027-01-11');
    expect(addWorkingDays('2026-12-30', 5)).toBe('2027-01-15');
    expect(workingDaysBetween('2026-12-25', '2027-01-31')).toBe(3 + 15);
  });

  it('п. 3.4 across the working Saturday of 2027: signed on Thursday 18 Feb, due by Thursday 25 Feb', () => {
    // After 18 Feb: 19 (Fri), 20 (working Sat), 24, 25; 21 Sun, 22 moved off, 23 holiday.
    expect(addWorkingDays('2027-02-18', 4)).toBe('2027-02-25');
    expect(addWorkingDays('2027-02-18', 5)).toBe('2027-02-26');
  });

  it('crosses the year boundary 2024 → 2025', () => {
    expect(addWorkingDays('2024-12-28', 1)).toBe('2025-01-09');
  });

  it('rejects n that is not a whole number ≥ 1', () => {
    expect(() => addWorkingDays('2026-03-02', 0)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-03-02', -1)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-03-02', 1.5)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-03-02', Number.NaN)).toThrow(RangeError);
  });
});

describe('years without data', () => {
  const missingYear = (fn: () => unknown): MissingCalendarYearError => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(MissingCalendarYearError);
      return error as MissingCalendarYearError;
    }
    throw new Error('expected MissingCalendarYearError, nothing was thrown');
  };

  it('a date in 2028 throws MissingCalendarYearError naming 2028; its message points developers to the README', () => {
    const error = missingYear(() => isWorkingDay('2028-03-01'));
    expect(error.year).toBe(2028);
    expect(error.message).toContain('functions/calendar/data/2028.json');
    expect(error.message).toContain('Adding a year');
  });

  it('a date in 2023 throws MissingCalendarYearError naming 2023', () => {
    const error = missingYear(() => isWorkingDay('2023-12-29'));
    expect(error.year).toBe(2023);
    expect(error.message).toContain('2023');
  });

  it('counting that crosses into 2028 throws, naming 2028', () => {
    // 2027-12-30 is the last working day of 2027 (31 Dec is off); the next one would be in 2028.
    expect(addWorkingDays('2027-12-29', 1)).toBe('2027-12-30');
    expect(missingYear(() => addWorkingDays('2027-12-29', 2)).year).toBe(2028);
    expect(missingYear(() => addWorkingDays('2027-12-30', 1)).year).toBe(2028);
  });

  it('counting that starts in 2023 throws, naming 2023', () => {
    expect(missingYear(() => addWorkingDays('2023-12-20', 5)).year).toBe(2023);
  });

  it('workingDaysBetween throws on a range reaching into a year without data', () => {
    expect(missingYear(() => workingDaysBetween('2027-12-01', '2028-01-31')).year).toBe(2028);
  });
});

describe('date validation', () => {
  it.each(['2025-02-30', '2025-13-01', '2025-00-10', '2025-04-31', '2025-2-3', '25-02-03', '2025-02-03T00:00:00Z', '', 'tomorrow'])(
    '%j is rejected with InvalidCalendarDateError',
    (bad) => {
      expect(() => isWorkingDay(bad)).toThrow(InvalidCalendarDateError);
      expect(() => addWorkingDays(bad, 1)).toThrow(InvalidCalendarDateError);
    },
  );

  it('names the bad value and the expected form', () => {
    expect(() => isWorkingDay('2025-02-30')).toThrow(/"2025-02-30".*day 30 does not exist.*YYYY-MM-DD/);
  });

  it('accepts 29 February in a leap year only', () => {
    expect(isWorkingDay('2024-02-29')).toBe(true);
    expect(() => isWorkingDay('2025-02-29')).toThrow(InvalidCalendarDateError);
  });

  it('workingDaysBetween rejects a reversed range', () => {
    expect(() => russianCalendar.workingDaysBetween('2026-03-10', '2026-03-09')).toThrow(RangeError);
    expect(russianCalendar.workingDaysBetween('2026-03-10', '2026-03-10')).toBe(0);
  });
});
