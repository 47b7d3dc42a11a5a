import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../functions/lib/clock.ts';
import { LIFECYCLE_HORIZON_DAYS, lifecycleEnd, validateConveneRequest } from '../../../functions/domain/convene.ts';
import { russianCalendar } from '../../../functions/calendar/index.ts';
import type { DomainError } from '../../../functions/domain/result.ts';
import { calendar2026, group, member, roster } from './fixtures.ts';

const clock = new ManualClock('2026-02-20T09:00:00Z');
const g = group();
const good = {
  groupId: 'g1',
  title: '  О благоустройстве набережной  ',
  date: '2026-03-10',
  time: '10:00',
  place: ' каб. 12 ',
  agenda: [{ title: 'Отчёт', speakers: ['m4', 'Петров П. П.'] }],
  invitees: [{ name: 'Сидоров С. С.', email: 'sidorov@minstroy.example.ru', position: 'начальник отдела', lang: 'ru' as const }],
};

function errorsOf(req: unknown, grp = g, c = clock): DomainError[] {
  const result = validateConveneRequest(req, grp, c, calendar2026);
  if (result.ok) throw new Error('expected errors');
  for (const e of result.errors) {
    expect(e.message.ru).not.toBe('');
    expect(e.message.en).not.toBe('');
  }
  return result.errors;
}
const pairs = (errors: DomainError[]) => errors.map((e) => [e.field, e.code]);

describe('validateConveneRequest', () => {
  it('normalises a good request and computes its deadlines', () => {
    const result = validateConveneRequest(good, g, clock, calendar2026);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({
      groupId: 'g1', title: 'О благоустройстве набережной', date: '2026-03-10', time: '10:00', timeZone: 'Europe/Astrakhan', place: 'каб. 12',
      startsAt: '2026-03-10T06:00:00Z',
      agenda: [{ title: 'Отчёт', speakers: [{ kind: 'member', memberId: 'm4' }, { kind: 'name', name: 'Петров П. П.' }] }],
      invitees: [{ name: 'Сидоров С. С.', email: 'sidorov@minstroy.example.ru', position: 'начальник отдела', lang: 'ru' }],
    });
    expect(result.value.deadlines.opinions).toBe('2026-03-09T19:59:59Z');
    expect(result.value.deadlines.voteOpens).toBe(result.value.startsAt);
  });

  it('a minimal request (no place, agenda or invitees) is fine', () => {
    const result = validateConveneRequest({ title: 'Заседание', date: '2026-03-10', time: '10:00' }, g, clock, calendar2026);
    expect(result.ok && result.value.place === undefined && result.value.agenda.length === 0).toBe(true);
  });

  it('refuses a meeting in the past, naming both times', () => {
    const errors = errorsOf({ ...good, date: '2026-02-19' });
    expect(pairs(errors)).toEqual([['date', 'meeting-in-past']]);
    expect(errors[0]?.message.ru).toContain('19 февраля 2026 г., 10:00 (Europe/Astrakhan, UTC+04:00)');
    expect(errors[0]?.message.en).toContain('20 February 2026, 13:00');
  });

  it('refuses a meeting whose lifecycle cannot end within the one year an execution lives', () => {
    // 692 days ahead (issue 10): refused; the calendar lacks 2028, so the end is bounded from the vote.
    const far = errorsOf({ ...good, date: '2028-01-12' }, g, clock);
    expect(pairs(far)).toEqual([['date', 'beyond-horizon']]);
    expect(far[0]?.message.ru).toContain(`в течение ${LIFECYCLE_HORIZON_DAYS} дней`);
    // With the full calendar: the last day that fits is accepted, a week later is not.
    const c = new ManualClock('2026-01-10T09:00:00Z');
    const ok = validateConveneRequest({ ...good, date: '2026-11-20' }, g, c, russianCalendar);
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(Date.parse(lifecycleEnd(ok.value.deadlines, g.settings.signatureWorkingDays))).toBeLessThanOrEqual(c.now().getTime() + LIFECYCLE_HORIZON_DAYS * 86_400_000);
    expect(pairs(errorsOf({ ...good, date: '2026-12-10' }, g, c))).toEqual([['date', 'beyond-horizon']]);
  });

  it('bounds the lifecycle from the vote while the calendar lacks a year, never below the real deadline', () => {
    const c = new ManualClock('2026-03-01T09:00:00Z');
    for (const date of ['2026-04-28', '2026-12-25', '2026-12-30', '2026-06-10']) {
      const result = validateConveneRequest({ ...good, date }, g, c, russianCalendar);
      if (!result.ok) throw new Error(date);
      const { distribution, ...withoutCalendar } = result.value.deadlines;
      expect(Date.parse(lifecycleEnd(withoutCalendar, g.settings.signatureWorkingDays)), date).toBeGreaterThanOrEqual(Date.parse(distribution!));
    }
  });

  it('refuses deadlines that cannot fit: proposals would have closed already', () => {
    const errors = errorsOf({ ...good, date: '2026-02-24' });
    expect(pairs(errors)).toEqual([['date', 'deadlines-do-not-fit']]);
    expect(errors[0]?.message.en).toContain('19 February 2026, 23:59 (Europe/Astrakhan, UTC+04:00)');
    expect(errors[0]?.message.ru).toContain('20 февраля 2026 г., 13:00');
  });

  it('the first day that fits', () => {
    // It is 20 Feb, 13:00 local. Proposals close at the end of the 5th day before the meeting day:
    // a meeting on 25 Feb leaves the rest of today for proposals, one on 24 Feb does not.
    expect(validateConveneRequest({ ...good, date: '2026-02-24' }, g, clock, calendar2026).ok).toBe(false);
    expect(validateConveneRequest({ ...good, date: '2026-02-25' }, g, clock, calendar2026).ok).toBe(true);
  });

  it('refuses bad formats', () => {
    expect(pairs(errorsOf({ ...good, date: '10.03.2026', time: '10.00' }))).toEqual([['date', 'bad-format'], ['time', 'bad-format']]);
    expect(pairs(errorsOf({ ...good, date: '2026-02-30' }))).toEqual([['date', 'bad-format']]);
    expect(pairs(errorsOf({ ...good, time: 1000 }))).toEqual([['time', 'bad-format']]);
    expect(pairs(errorsOf('not an object'))).toEqual([['', 'not-an-object']]);
  });

  it('refuses an unknown time zone', () => {
    expect(pairs(errorsOf({ ...good, timeZone: 'Europe/Atlantis' }))).toEqual([['timeZone', 'unknown-time-zone']]);
  });

  it('refuses a local time the clocks skip', () => {
    const berlin = group(roster(16), { timeZone: 'Europe/Berlin' });
    expect(pairs(errorsOf({ ...good, date: '2026-03-29', time: '02:30' }, berlin))).toEqual([['time', 'nonexistent-local-time']]);
  });

  it('accepts another zone and reads the meeting day in the group zone', () => {
    const result = validateConveneRequest({ ...good, date: '2026-03-09', time: '22:30', timeZone: 'europe/berlin' }, g, clock, calendar2026);
    expect(result.ok && result.value.timeZone).toBe('Europe/Berlin');
    expect(result.ok && result.value.deadlines.opinions).toBe('2026-03-09T19:59:59Z');
  });

  it('refuses an empty title', () => {
    expect(pairs(errorsOf({ ...good, title: '   ' }))).toEqual([['title', 'empty']]);
    expect(pairs(errorsOf({ ...good, title: undefined }))).toEqual([['title', 'empty']]);
  });

  it('refuses a group without a chair or secretary, or with duplicate members', () => {
    const bad = group([member('a'), member('b'), member('b', 'member', { email: 'x@example.ru' })]);
    expect(pairs(errorsOf(good, bad))).toEqual([
      ['group.members', 'no-chair'], ['group.members', 'no-secretary'], ['group.members[2].id', 'duplicate-member'],
      ['agenda[0].speakers[0]', 'unknown-speaker'],
    ]);
  });

  it('refuses agenda items with empty titles or unknown speaker ids', () => {
    const errors = errorsOf({ ...good, agenda: [{ title: '' }, { title: 'Б', speakers: ['m99', ''] }, 'oops'] });
    expect(pairs(errors)).toEqual([
      ['agenda[0].title', 'empty'], ['agenda[1].speakers[0]', 'unknown-speaker'], ['agenda[1].speakers[1]', 'empty'], ['agenda[2].title', 'empty'],
    ]);
    expect(errors[1]?.message.ru).toContain('m99');
  });

  it('refuses invitees with bad or duplicate e-mails and missing position', () => {
    const errors = errorsOf({
      ...good,
      invitees: [
        { name: 'A', email: 'not-an-email', position: 'x' },
        { name: 'B', email: 'M5@example.ru', position: 'x' },
        { name: 'C', email: 'c@example.ru', position: '' },
        { name: 'D', email: 'C@EXAMPLE.RU', position: 'x', lang: 'de' },
      ],
    });
    expect(pairs(errors)).toEqual([
      ['invitees[0].email', 'invalid-email'], ['invitees[1].email', 'duplicate-email'], ['invitees[2].position', 'empty'],
      ['invitees[3].lang', 'bad-language'], ['invitees[3].email', 'duplicate-email'],
    ]);
  });

  it('convenes a meeting whose working-day deadlines fall in a year the calendar does not have yet', () => {
    // calendar2026 ends on 31 Dec 2026: the signature deadline of 29 Dec would be in 2027.
    const result = validateConveneRequest({ ...good, date: '2026-12-29' }, g, new ManualClock('2026-06-01T09:00:00Z'), calendar2026);
    if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.errors)}`);
    expect(result.value.deadlines.voteOpens).toBe('2026-12-29T06:00:00Z');
    expect(result.value.deadlines.signatures).toBeUndefined();
    expect(result.value.deadlines.distribution).toBeUndefined();
  });

  it('refuses a request for another group', () => {
    expect(pairs(errorsOf({ ...good, groupId: 'g2' }))).toEqual([['groupId', 'group-mismatch']]);
  });

  it('reports every problem at once', () => {
    expect(errorsOf({ title: '', date: 'tomorrow', time: 'noon', agenda: [{ title: '' }] }).length).toBe(4);
  });
});
