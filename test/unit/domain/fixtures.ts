import { MissingCalendarYearError } from '../../../functions/calendar/index.ts';
import type { WorkingCalendar } from '../../../functions/domain/deadlines.ts';
import { weekday } from '../../../functions/domain/time.ts';
import type { Group, GroupSettings, IsoDate, Member } from '../../../functions/domain/types.ts';
import { defaultGroupSettings } from '../../../functions/domain/deadlines.ts';

/** Public holidays of 2026 (ТК РФ ст. 112 and decree № 1466 of 24.09.2025), no working Saturdays. */
export const HOLIDAYS_2026: IsoDate[] = [
  '2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09',
  '2026-02-23', '2026-03-09', '2026-05-01', '2026-05-11', '2026-06-12', '2026-11-04', '2026-12-31',
];

/** A small calendar from explicit holiday lists; weekends Sat/Sun; throws outside the given years. */
export function holidayCalendar(holidays: IsoDate[], years: number[]): WorkingCalendar {
  const off = new Set(holidays);
  const isWorkingDay = (date: IsoDate): boolean => {
    const year = Number(date.slice(0, 4));
    if (!years.includes(year)) throw new MissingCalendarYearError(year, date);
    const day = weekday(date);
    return day !== 0 && day !== 6 && !off.has(date);
  };
  return {
    isWorkingDay,
    addWorkingDays(date, n) {
      let current = date;
      for (let left = n; left > 0; ) {
        const d = new Date(`${current}T00:00:00Z`);
        d.setUTCDate(d.getUTCDate() + 1);
        current = d.toISOString().slice(0, 10);
        if (isWorkingDay(current)) left -= 1;
      }
      return current;
    },
  };
}

export const calendar2026 = holidayCalendar(HOLIDAYS_2026, [2026]);

export function member(id: string, role: Member['role'] = 'member', extra: Partial<Member> = {}): Member {
  return { id, name: `Member ${id}`, email: `${id}@example.ru`, role, lang: 'ru', ...extra };
}

/** A roster of n members: m1 chair, m2 deputy, m3 secretary (as far as n allows), the rest members. */
export function roster(n: number): Member[] {
  const roles: Member['role'][] = ['chair', 'deputy', 'secretary'];
  return Array.from({ length: n }, (_, i) => member(`m${i + 1}`, roles[i] ?? 'member'));
}

export function group(members: Member[] = roster(16), settings: Partial<GroupSettings> = {}): Group {
  return {
    id: 'g1',
    bodyName: 'Администрация муниципального образования «Городской округ город Астрахань»',
    name: 'Рабочая группа',
    settings: { ...defaultGroupSettings, ...settings },
    members,
  };
}
