import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  computeDeadlines, defaultGroupSettings, distributionDeadline, InvalidGroupSettingsError, meetingDay, reminderAt, reminderTimes, signatureDeadline, validateGroupSettings,
} from '../../../functions/domain/deadlines.ts';
import { addCalendarDays, toMs } from '../../../functions/domain/time.ts';
import type { GroupSettings, MeetingDeadlines } from '../../../functions/domain/types.ts';
import { russianCalendar } from '../../../functions/calendar/index.ts';
import { calendar2026 } from './fixtures.ts';

const settings: GroupSettings = { ...defaultGroupSettings };

describe('defaultGroupSettings', () => {
  it('are the documented defaults and valid', () => {
    expect(defaultGroupSettings).toEqual({
      timeZone: 'Europe/Astrakhan', proposalsCloseDaysBefore: 5, approvalDaysBefore: 3, noticeDaysBefore: 2,
      voteDurationMinutes: 120, signatureWorkingDays: 3, reminderHoursBefore: 24,
      sendRatePerSecond: 14, attachPdfMaxBytes: 2 * 1024 * 1024, voteReceipts: false,
    });
    expect(validateGroupSettings(defaultGroupSettings)).toEqual([]);
  });

  it('refuse a send rate, PDF threshold or receipt flag out of range', () => {
    const fields = validateGroupSettings({ ...defaultGroupSettings, sendRatePerSecond: 0, attachPdfMaxBytes: -1, voteReceipts: 'yes' as unknown as boolean }).map((e) => e.field);
    expect(fields).toEqual(['settings.sendRatePerSecond', 'settings.attachPdfMaxBytes', 'settings.voteReceipts']);
  });
});

describe('computeDeadlines', () => {
  it('a Tuesday meeting in Astrakhan (UTC+4)', () => {
    expect(computeDeadlines({ date: '2026-03-10', time: '10:00' }, settings, calendar2026)).toEqual({
      proposalsClose: '2026-03-05T19:59:59Z', // end of 5 March local
      agendaApproval: '2026-03-07T19:59:59Z',
      notice: '2026-03-08T19:59:59Z',
      opinions: '2026-03-09T19:59:59Z', // п. 2.7: 23:59:59 local of the day before
      voteOpens: '2026-03-10T06:00:00Z',
      voteCloses: '2026-03-10T08:00:00Z',
      signatures: '2026-03-13T19:59:59Z', // Wed, Thu, Fri
      distribution: '2026-03-20T19:59:59Z', // Mon 16 … Fri 20
    } satisfies MeetingDeadlines);
  });

  it('a meeting at 00:30 local: the opinion deadline is still the end of the previous local day', () => {
    const d = computeDeadlines({ date: '2026-03-10', time: '00:30' }, settings, calendar2026);
    expect(d.opinions).toBe('2026-03-09T19:59:59Z');
    expect(d.voteOpens).toBe('2026-03-09T20:30:00Z');
    expect(toMs(d.opinions)).toBeLessThan(toMs(d.voteOpens));
  });

  it('skips the May holidays when counting working days', () => {
    const d = computeDeadlines({ date: '2026-04-28', time: '15:00' }, settings, calendar2026);
    expect(d.signatures).toBe('2026-05-04T19:59:59Z'); // 29, 30 April, (1–3 May off), 4 May
    expect(d.distribution).toBe('2026-05-12T19:59:59Z'); // 5, 6, 7, 8, (9–11 off), 12 May
  });

  it('a group in Europe/Berlin around the March switch', () => {
    const d = computeDeadlines({ date: '2026-03-30', time: '10:00' }, { ...settings, timeZone: 'Europe/Berlin' }, calendar2026);
    expect(d.opinions).toBe('2026-03-29T21:59:59Z'); // 23:59:59 CEST
    expect(d.notice).toBe('2026-03-28T22:59:59Z'); // 23:59:59 CET
    expect(d.voteOpens).toBe('2026-03-30T08:00:00Z');
  });

  it('a request in another zone: the meeting day is read in the group zone', () => {
    // 22:30 in Berlin (CET) on 9 March is 01:30 on 10 March in Astrakhan.
    expect(meetingDay({ date: '2026-03-09', time: '22:30', timeZone: 'Europe/Berlin' }, settings)).toBe('2026-03-10');
    const d = computeDeadlines({ date: '2026-03-09', time: '22:30', timeZone: 'Europe/Berlin' }, settings, calendar2026);
    expect(d.opinions).toBe('2026-03-09T19:59:59Z');
    expect(d.voteOpens).toBe('2026-03-09T21:30:00Z');
  });

  it('needs no calendar for the deadlines up to the meeting: the working-day ones are left out while their year has no data', () => {
    // 29 Dec 2026: 3 working days after it reach into 2027, which calendar2026 does not have.
    const d = computeDeadlines({ date: '2026-12-29', time: '10:00' }, settings, calendar2026);
    expect(d).toEqual({
      proposalsClose: '2026-12-24T19:59:59Z',
      agendaApproval: '2026-12-26T19:59:59Z',
      notice: '2026-12-27T19:59:59Z',
      opinions: '2026-12-28T19:59:59Z',
      voteOpens: '2026-12-29T06:00:00Z',
      voteCloses: '2026-12-29T08:00:00Z',
    });
    // A meeting in a year with no data at all is fine too.
    expect(computeDeadlines({ date: '2031-03-11', time: '10:00' }, settings, calendar2026).signatures).toBeUndefined();
  });

  it('leaves out only the distribution deadline when just its year is missing', () => {
    // Signatures: 3 working days after Wed 23 Dec are 24, 25 and 28 Dec; 5 working days after 28 Dec reach 2027.
    const d = computeDeadlines({ date: '2026-12-23', time: '10:00' }, settings, calendar2026);
    expect(d.signatures).toBe('2026-12-28T19:59:59Z');
    expect(d.distribution).toBeUndefined();
  });

  it('with the shipped calendar (2027 included) a meeting on 28 Dec 2026 gets every deadline', () => {
    const d = computeDeadlines({ date: '2026-12-28', time: '10:00' }, settings, russianCalendar);
    expect(d.signatures).toBe('2027-01-11T19:59:59Z'); // 29, 30 Dec, (31 Dec – 10 Jan off), 11 Jan
    expect(d.distribution).toBe('2027-01-18T19:59:59Z'); // 12, 13, 14, 15, 18 Jan
    expect(signatureDeadline(d.voteOpens, settings, russianCalendar)).toBe(d.signatures);
  });

  it('refuses settings that break the order of deadlines', () => {
    expect(() => computeDeadlines({ date: '2026-03-10', time: '10:00' }, { ...settings, noticeDaysBefore: 0 }, calendar2026)).toThrow(InvalidGroupSettingsError);
    expect(validateGroupSettings({ ...settings, approvalDaysBefore: 6 }).map((e) => e.field)).toEqual(['settings.proposalsCloseDaysBefore']);
    expect(validateGroupSettings({ ...settings, voteDurationMinutes: 0, signatureWorkingDays: 0, timeZone: 'Nowhere/City' }).map((e) => e.field))
      .toEqual(['settings.timeZone', 'settings.voteDurationMinutes', 'settings.signatureWorkingDays']);
  });
});

describe('distributionDeadline (п. 3.4, ГК РФ ст. 191)', () => {
  it('counts from the day after the LOCAL signing date', () => {
    // 23:30 Thursday local → Fri 13, Mon 16 … Thu 19.
    expect(distributionDeadline('2026-03-12T19:30:00Z', 'Europe/Astrakhan', calendar2026)).toBe('2026-03-19T19:59:59Z');
    // 00:30 Friday local → Mon 16 … Fri 20.
    expect(distributionDeadline('2026-03-12T20:30:00Z', 'Europe/Astrakhan', calendar2026)).toBe('2026-03-20T19:59:59Z');
  });
  it('signing on a Saturday counts from Monday', () => {
    expect(distributionDeadline('2026-03-14T08:00:00Z', 'Europe/Astrakhan', calendar2026)).toBe('2026-03-20T19:59:59Z');
  });
  it('with the shipped Russian calendar (functions/calendar)', () => {
    // Signed Thursday 30 April: (1–3 May off) 4, 5, 6, 7, 8 May.
    expect(distributionDeadline('2026-04-30T10:00:00Z', 'Europe/Astrakhan', russianCalendar)).toBe('2026-05-08T19:59:59Z');
    expect(distributionDeadline('2026-04-30T10:00:00Z', 'Europe/Astrakhan', calendar2026)).toBe('2026-05-08T19:59:59Z');
    // 2025: Fri 31 Oct, the working Saturday 1 Nov (decree № 1335), (2–4 Nov off), 5, 6, 7 Nov.
    expect(distributionDeadline('2025-10-30T10:00:00Z', 'Europe/Astrakhan', russianCalendar)).toBe('2025-11-07T19:59:59Z');
    expect(computeDeadlines({ date: '2026-03-10', time: '10:00' }, settings, russianCalendar))
      .toEqual(computeDeadlines({ date: '2026-03-10', time: '10:00' }, settings, calendar2026));
  });
});

describe('reminders', () => {
  const d = computeDeadlines({ date: '2026-03-10', time: '10:00' }, settings, calendar2026);
  it('one per deadline, 24 h before, only when not before now or the phase start', () => {
    expect(reminderTimes(d, settings, '2026-02-20T09:00:00Z')).toEqual([
      { deadline: 'proposalsClose', at: '2026-03-04T19:59:59Z' },
      { deadline: 'agendaApproval', at: '2026-03-06T19:59:59Z' },
      { deadline: 'opinions', at: '2026-03-08T19:59:59Z' },
      { deadline: 'signatures', at: '2026-03-12T19:59:59Z' },
    ]); // no vote reminder: the vote lasts 2 h
  });
  it('none that would already be past', () => {
    expect(reminderTimes(d, settings, '2026-03-05T10:00:00Z').map((r) => r.deadline)).toEqual(['agendaApproval', 'opinions', 'signatures']);
  });
  it('reminderAt', () => {
    expect(reminderAt('2026-03-09T19:59:59Z', 24, '2026-03-01T00:00:00Z')).toBe('2026-03-08T19:59:59Z');
    expect(reminderAt('2026-03-09T19:59:59Z', 24, '2026-03-09T00:00:00Z')).toBeNull();
    expect(reminderAt('2026-03-09T19:59:59Z', 0, '2026-03-01T00:00:00Z')).toBeNull();
  });
  it('a long vote gets a reminder before it closes', () => {
    const long = computeDeadlines({ date: '2026-03-10', time: '10:00' }, { ...settings, voteDurationMinutes: 600 }, calendar2026);
    expect(reminderTimes(long, { reminderHoursBefore: 2 }, '2026-02-20T09:00:00Z').find((r) => r.deadline === 'voteCloses')).toEqual({ deadline: 'voteCloses', at: '2026-03-10T14:00:00Z' });
  });
});

const ZONES = ['Europe/Astrakhan', 'Europe/Moscow', 'Europe/Berlin', 'America/Santiago', 'Asia/Kolkata', 'Pacific/Chatham', 'UTC'];

const validSettings = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    notice: fc.integer({ min: 1, max: 10 }),
    approvalExtra: fc.integer({ min: 0, max: 5 }),
    proposalsExtra: fc.integer({ min: 0, max: 5 }),
    voteDurationMinutes: fc.integer({ min: 1, max: 720 }),
    signatureWorkingDays: fc.integer({ min: 1, max: 10 }),
    reminderHoursBefore: fc.integer({ min: 0, max: 72 }),
  })
  .map((r): GroupSettings => ({
    timeZone: r.timeZone,
    noticeDaysBefore: r.notice,
    approvalDaysBefore: r.notice + r.approvalExtra,
    proposalsCloseDaysBefore: r.notice + r.approvalExtra + r.proposalsExtra,
    voteDurationMinutes: r.voteDurationMinutes,
    signatureWorkingDays: r.signatureWorkingDays,
    reminderHoursBefore: r.reminderHoursBefore,
    sendRatePerSecond: 14,
    attachPdfMaxBytes: 2 * 1024 * 1024,
    voteReceipts: false,
  }));

const validRequest = fc.record({
  day: fc.integer({ min: 0, max: 300 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  timeZone: fc.option(fc.constantFrom(...ZONES), { nil: undefined }),
}).map((r) => ({
  date: addCalendarDays('2026-01-20', r.day),
  time: `${String(r.hour).padStart(2, '0')}:${String(r.minute).padStart(2, '0')}`,
  timeZone: r.timeZone,
}));

describe('deadline properties', () => {
  it('are strictly ordered for any valid request and settings', () => {
    fc.assert(
      fc.property(validRequest, validSettings, (request, s) => {
        const d = computeDeadlines(request, s, calendar2026);
        const t = (k: keyof MeetingDeadlines) => toMs(d[k] ?? Number.NaN);
        expect(t('proposalsClose')).toBeLessThanOrEqual(t('agendaApproval'));
        expect(t('agendaApproval')).toBeLessThanOrEqual(t('notice'));
        expect(t('notice')).toBeLessThanOrEqual(t('opinions'));
        expect(t('opinions')).toBeLessThan(t('voteOpens'));
        expect(t('voteOpens')).toBeLessThan(t('voteCloses'));
        expect(t('voteCloses')).toBeLessThan(t('signatures'));
        expect(t('signatures')).toBeLessThan(t('distribution'));
      }),
      { numRuns: 300 },
    );
  });

  it('reminders fall between their phase start (or now) and their deadline', () => {
    fc.assert(
      fc.property(validRequest, validSettings, fc.integer({ min: 0, max: 60 }), (request, s, daysBefore) => {
        const d = computeDeadlines(request, s, calendar2026);
        const now = toMs(d.voteOpens) - daysBefore * 86_400_000;
        for (const r of reminderTimes(d, s, new Date(now))) {
          expect(toMs(r.at)).toBeGreaterThanOrEqual(now);
          expect(toMs(r.at)).toBeLessThanOrEqual(toMs(d[r.deadline] ?? Number.NaN));
        }
      }),
      { numRuns: 100 },
    );
  });
});
