/**
 * Validation of calendar data when it is loaded (createCalendar): a malformed or incoherent year
 * is refused with a CalendarDataError that names the year and the problem.
 */
import { describe, expect, it } from 'vitest';
import { CalendarDataError, createCalendar, type CalendarYearData } from '../../../functions/calendar/index.ts';
import data2025 from '../../../functions/calendar/data/2025.json' with { type: 'json' };
import data2026 from '../../../functions/calendar/data/2026.json' with { type: 'json' };

const copy = (data: unknown): CalendarYearData => structuredClone(data) as CalendarYearData;

function problemsOf(years: unknown[]): string {
  try {
    createCalendar(years);
  } catch (error) {
    expect(error).toBeInstanceOf(CalendarDataError);
    return (error as CalendarDataError).message;
  }
  throw new Error('expected CalendarDataError, the data was accepted');
}

describe('calendar data validation', () => {
  it('accepts the shipped files', () => {
    expect(createCalendar([copy(data2025), copy(data2026)]).calendarYears()).toEqual([2025, 2026]);
  });

  it('says which field of a malformed file is wrong and why', () => {
    const data = copy(data2026) as unknown as { year: unknown; status: string; holidays: { name?: string }[] };
    data.year = '2026';
    data.status = 'maybe';
    delete data.holidays[0]!.name;
    const problems = problemsOf([data]);
    expect(problems).toContain('year: Invalid input: expected number, received string');
    expect(problems).toContain('status: Invalid option: expected one of "confirmed"|"provisional"');
    expect(problems).toContain('holidays.0.name: Invalid input: expected string, received undefined');
  });

  it('accepts a provisional year that says where its data comes from', () => {
    const data = copy(data2026);
    data.status = 'provisional';
    data.statusNote = 'from a published production calendar, decree not yet checked';
    expect(createCalendar([data]).yearStatus(2026)).toBe('provisional');
  });

  it('refuses a provisional year without its note, and a confirmed year that names no decree', () => {
    const provisional = copy(data2026);
    provisional.status = 'provisional';
    expect(problemsOf([provisional])).toContain('statusNote: a provisional year says where its data comes from');
    const confirmed = copy(data2026);
    confirmed.sources = confirmed.sources.filter((s) => !s.act.includes('Постановление'));
    expect(problemsOf([confirmed])).toContain('status: a confirmed year names the Government decree');
  });

  it('refuses a year without a status', () => {
    const data = copy(data2026) as Partial<CalendarYearData>;
    delete data.status;
    expect(problemsOf([data])).toMatch(/status/);
  });

  it('refuses a date outside its own year', () => {
    const data = copy(data2025);
    data.holidays.push({ date: '2026-03-10', name: 'Not this year' });
    expect(problemsOf([data])).toMatch(/2025[\s\S]*holiday 2026-03-10 is not in 2025/);
  });

  it('refuses a date that does not exist', () => {
    const data = copy(data2025);
    data.transfers.push({ from: '2025-02-30', to: '2025-03-03', basis: 'test' });
    expect(problemsOf([data])).toMatch(/transfer from: Invalid calendar date "2025-02-30"/);
  });

  it('refuses a date in the wrong format', () => {
    const data = copy(data2025);
    data.holidays.push({ date: '2025-3-8', name: 'Bad format' });
    expect(problemsOf([data])).toContain('YYYY-MM-DD');
  });

  it('refuses a date that is both a holiday and a working day', () => {
    const data = copy(data2025);
    // 2025-02-23 is a Sunday and a holiday (and the "from" of a move): declaring it worked too is a contradiction.
    data.workingWeekendDays.push({ date: '2025-02-23', basis: 'test' });
    expect(problemsOf([data])).toContain('2025-02-23 is both a holiday and a working day');
  });

  it('refuses a working "weekend" day that is a weekday', () => {
    const data = copy(data2025);
    data.workingWeekendDays.push({ date: '2025-03-12', basis: 'test' });
    expect(problemsOf([data])).toContain('working weekend day 2025-03-12 is not a Saturday or Sunday');
  });

  it('refuses a working Saturday that is not the "from" of a transfer', () => {
    const data = copy(data2025);
    data.workingWeekendDays.push({ date: '2025-03-15', basis: 'test' });
    expect(problemsOf([data])).toContain('working weekend day 2025-03-15 is not the "from" of any transfer');
  });

  it('refuses a transfer from a plain Saturday not listed as working', () => {
    const data = copy(data2025);
    data.workingWeekendDays = [];
    expect(problemsOf([data])).toContain('transfer 2025-11-01 → 2025-11-03: 2025-11-01 is neither a holiday nor listed in workingWeekendDays');
  });

  it('refuses a transfer onto a weekend or onto a holiday', () => {
    const onWeekend = copy(data2025);
    onWeekend.transfers[0] = { from: '2025-01-04', to: '2025-05-03', basis: 'test' };
    expect(problemsOf([onWeekend])).toContain('2025-05-03 is a Saturday or Sunday');
    const onHoliday = copy(data2025);
    onHoliday.transfers[0] = { from: '2025-01-04', to: '2025-05-01', basis: 'test' };
    expect(problemsOf([onHoliday])).toContain('2025-05-01 is already a holiday');
  });

  it('refuses a transfer from a weekday', () => {
    const data = copy(data2025);
    data.transfers.push({ from: '2025-03-12', to: '2025-03-13', basis: 'test' });
    expect(problemsOf([data])).toContain('2025-03-12 is not a Saturday or Sunday');
  });

  it('refuses a date listed twice', () => {
    const data = copy(data2025);
    data.holidays.push({ date: '2025-06-12', name: 'День России' });
    expect(problemsOf([data])).toContain('holiday 2025-06-12 is listed twice');
  });

  it('refuses data that does not add up to the official total of working days', () => {
    const data = copy(data2026);
    // A forgotten move (9 May → 11 May) leaves one working day too many.
    data.transfers = data.transfers.filter((t) => t.to !== '2026-05-11');
    expect(problemsOf([data])).toContain('the listed days give 248 working days, but the official total (totals.workingDays) is 247');
  });

  it('refuses inconsistent totals', () => {
    const wrongLength = copy(data2026);
    wrongLength.totals = { calendarDays: 366, workingDays: 247, daysOff: 119 };
    expect(problemsOf([wrongLength])).toContain('totals.calendarDays is 366, but 2026 has 365 days');
    const wrongSum = copy(data2026);
    wrongSum.totals = { calendarDays: 365, workingDays: 247, daysOff: 119 };
    expect(problemsOf([wrongSum])).toContain('totals.workingDays + totals.daysOff = 366, not 365');
  });

  it('refuses a file without sources or with a missing field', () => {
    const noSources = { ...copy(data2026), sources: [] };
    expect(problemsOf([noSources])).toMatch(/2026[\s\S]*sources/);
    const { totals: _dropped, ...noTotals } = copy(data2026);
    expect(problemsOf([noTotals])).toContain('totals');
  });

  it('refuses the same year given twice', () => {
    expect(problemsOf([copy(data2025), copy(data2025)])).toContain('year 2025 is given twice');
  });
});
