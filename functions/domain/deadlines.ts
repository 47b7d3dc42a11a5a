/**
 * Every deadline of one meeting (SPEC «The meeting lifecycle»), computed from the convene request,
 * the group's settings and the Russian production calendar (SPEC «Working days»).
 *
 * Day-based deadlines are read in the GROUP's time zone (SPEC п. 2.7: «23:59:59, group time zone»):
 * the meeting's start comes from the request's date, time and zone (defaulting to the group's), and
 * "the meeting day" is the local date of that start in the group's zone.
 */
import type { ConveneRequest, GroupSettings, Instant, IsoDate, MeetingDeadlines } from './types.ts';
import { MissingCalendarYearError, type WorkingCalendar } from '../calendar/index.ts';
import { domainError, type DomainError } from './result.ts';
import { addCalendarDays, addHours, addMinutes, endOfLocalDay, isValidTimeZone, localDateOf, localToInstant, toMs } from './time.ts';

/**
 * The working-day calendar port, implemented for Russia by functions/calendar/index.ts (`russianCalendar`).
 * `addWorkingDays(d, n)` is the n-th working day strictly after d; it throws for a year with no data.
 */
export type { WorkingCalendar };

/** п. 3.4: the protocol reaches the members within 5 working days of the signing date. */
export const DISTRIBUTION_WORKING_DAYS = 5;

/** Longest vote this module accepts: keeps the vote inside the day after the meeting day,
 *  so voting always closes before the signature deadline (ordering of MeetingDeadlines). */
export const MAX_VOTE_DURATION_MINUTES = 720;

export const defaultGroupSettings: Readonly<GroupSettings> = Object.freeze({
  timeZone: 'Europe/Astrakhan',
  proposalsCloseDaysBefore: 5,
  approvalDaysBefore: 3,
  noticeDaysBefore: 2,
  voteDurationMinutes: 120,
  signatureWorkingDays: 3,
  reminderHoursBefore: 24,
  sendRatePerSecond: 14,
  attachPdfMaxBytes: 2 * 1024 * 1024,
  voteReceipts: false,
});

export class InvalidGroupSettingsError extends Error {
  constructor(readonly errors: DomainError[]) {
    super(`Invalid group settings: ${errors.map((e) => e.message.en).join(' ')}`);
    this.name = 'InvalidGroupSettingsError';
  }
}

function integerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Settings keep the deadlines in the order the lifecycle needs: proposals close no later than the
 * approval, the approval no later than the notice, and the notice at least a day before the meeting
 * day (so the absentees have time for a written opinion, п. 2.7).
 */
export function validateGroupSettings(settings: GroupSettings, field = 'settings'): DomainError[] {
  const errors: DomainError[] = [];
  const need = (key: keyof GroupSettings, ok: boolean, ru: string, en: string) => {
    if (!ok) errors.push(domainError(`${field}.${key}`, 'invalid-setting', ru, en));
  };
  need('timeZone', isValidTimeZone(settings.timeZone), `Неизвестный часовой пояс «${String(settings.timeZone)}».`, `Unknown time zone "${String(settings.timeZone)}".`);
  need('noticeDaysBefore', integerIn(settings.noticeDaysBefore, 1, 60), 'Уведомление рассылается за 1–60 дней до дня заседания.', 'The notice must go out 1–60 days before the meeting day.');
  need('approvalDaysBefore', integerIn(settings.approvalDaysBefore, 1, 60) && settings.approvalDaysBefore >= settings.noticeDaysBefore,
    'Повестка утверждается за 1–60 дней до дня заседания и не позднее рассылки уведомления.', 'The agenda is approved 1–60 days before the meeting day and no later than the notice.');
  need('proposalsCloseDaysBefore', integerIn(settings.proposalsCloseDaysBefore, 1, 90) && settings.proposalsCloseDaysBefore >= settings.approvalDaysBefore,
    'Приём предложений в повестку заканчивается за 1–90 дней до дня заседания и не позднее утверждения повестки.', 'Agenda proposals close 1–90 days before the meeting day and no later than the agenda approval.');
  need('voteDurationMinutes', integerIn(settings.voteDurationMinutes, 1, MAX_VOTE_DURATION_MINUTES),
    `Голосование длится от 1 до ${MAX_VOTE_DURATION_MINUTES} минут.`, `Voting lasts 1 to ${MAX_VOTE_DURATION_MINUTES} minutes.`);
  need('signatureWorkingDays', integerIn(settings.signatureWorkingDays, 1, 30), 'Срок подписания — от 1 до 30 рабочих дней.', 'The signature period is 1 to 30 working days.');
  need('reminderHoursBefore', integerIn(settings.reminderHoursBefore, 0, 168), 'Напоминание — за 0–168 часов (0 — без напоминаний).', 'Reminders go 0–168 hours before a deadline (0: none).');
  need('sendRatePerSecond', integerIn(settings.sendRatePerSecond, 1, 1000), 'Скорость отправки — от 1 до 1000 писем в секунду.', 'The send rate is 1 to 1000 e-mails a second.');
  need('attachPdfMaxBytes', integerIn(settings.attachPdfMaxBytes, 0, 10 * 1024 * 1024), 'Порог вложения PDF — от 0 до 10 МБ (0 — только ссылка).', 'The PDF attachment threshold is 0 to 10 MB (0: a link only).');
  need('voteReceipts', typeof settings.voteReceipts === 'boolean', 'Подтверждение голоса письмом — да или нет.', 'Vote receipts by e-mail: true or false.');
  return errors;
}

/**
 * п. 3.4 with the ГК РФ ст. 191 analogy: the count starts on the day after the signing date, and the
 * deadline is the end (23:59:59 local) of the 5th working day.
 */
export function distributionDeadline(signingInstant: Instant | Date, timeZone: string, calendar: WorkingCalendar): Instant {
  const signingDate = localDateOf(signingInstant, timeZone);
  return endOfLocalDay(calendar.addWorkingDays(signingDate, DISTRIBUTION_WORKING_DAYS), timeZone);
}

export type MeetingTimeRequest = Pick<ConveneRequest, 'date' | 'time' | 'timeZone'>;

/** The meeting's start as an instant (request zone, or the group's). */
export function meetingStart(request: MeetingTimeRequest, settings: GroupSettings): Instant {
  return localToInstant(request.date, request.time, request.timeZone ?? settings.timeZone);
}

/** The meeting day: local date of the start in the group's zone. */
export function meetingDay(request: MeetingTimeRequest, settings: GroupSettings): IsoDate {
  return localDateOf(meetingStart(request, settings), settings.timeZone);
}

/** п. 2.5е, 3.4: the end of the `signatureWorkingDays`-th working day after the meeting day. */
export function signatureDeadline(meetingStartsAt: Instant, settings: GroupSettings, calendar: WorkingCalendar): Instant {
  const day = localDateOf(meetingStartsAt, settings.timeZone);
  return endOfLocalDay(calendar.addWorkingDays(day, settings.signatureWorkingDays), settings.timeZone);
}

/**
 * All deadlines of one meeting. Those up to the meeting are calendar days and need no production
 * calendar; the working-day ones (signatures, distribution) are filled in only when the calendar
 * already has their years — convening never waits for a year it does not yet need (SPEC «Working
 * days»). Throws InvalidGroupSettingsError for bad settings, RangeError for a bad date/time/zone.
 */
export function computeDeadlines(request: MeetingTimeRequest, settings: GroupSettings, calendar: WorkingCalendar): MeetingDeadlines {
  const settingsErrors = validateGroupSettings(settings);
  if (settingsErrors.length > 0) throw new InvalidGroupSettingsError(settingsErrors);
  const zone = settings.timeZone;
  const start = meetingStart(request, settings);
  const day = localDateOf(start, zone);
  const endOfDayBefore = (days: number) => endOfLocalDay(addCalendarDays(day, -days), zone);
  const deadlines: MeetingDeadlines = {
    proposalsClose: endOfDayBefore(settings.proposalsCloseDaysBefore), // п. 2.5д, 2.6г
    agendaApproval: endOfDayBefore(settings.approvalDaysBefore), // п. 2.3в
    notice: endOfDayBefore(settings.noticeDaysBefore), // п. 2.5г
    opinions: endOfDayBefore(1), // п. 2.7: «не позднее 1 дня до заседания»
    voteOpens: start, // п. 2.6б, 3.2
    voteCloses: addMinutes(start, settings.voteDurationMinutes),
  };
  const signatures = ifCalendarHasIt(() => signatureDeadline(start, settings, calendar)); // п. 2.5е, 3.4
  if (signatures) {
    deadlines.signatures = signatures;
    // From the latest possible signing date; recomputed on finalisation (п. 3.4).
    const distribution = ifCalendarHasIt(() => distributionDeadline(signatures, zone, calendar));
    if (distribution) deadlines.distribution = distribution;
  }
  return deadlines;
}

/** The deadline, or undefined while the production calendar lacks a year it needs. */
export function ifCalendarHasIt(compute: () => Instant): Instant | undefined {
  try {
    return compute();
  } catch (error) {
    if (error instanceof MissingCalendarYearError) return undefined;
    throw error;
  }
}

/** Deadlines before which people who still must act get one reminder. */
export type RemindedDeadline = 'proposalsClose' | 'agendaApproval' | 'opinions' | 'voteCloses' | 'signatures';

export interface Reminder {
  deadline: RemindedDeadline;
  at: Instant;
}

/**
 * A reminder `hoursBefore` hours before the deadline; null when that moment is before `notBefore`
 * (now, or the start of the phase), or when reminders are off (hoursBefore = 0).
 */
export function reminderAt(deadline: Instant, hoursBefore: number, notBefore: Instant | Date): Instant | null {
  if (hoursBefore <= 0) return null;
  const at = addHours(deadline, -hoursBefore);
  return toMs(at) >= toMs(notBefore) ? at : null;
}

/**
 * The reminders of one meeting, in time order. Each phase starts when the people who must act get
 * the request to act: proposals at convening (`now`), approval when proposals close, opinions with
 * the notice, votes at the start, signatures when voting closes.
 */
export function reminderTimes(deadlines: MeetingDeadlines, settings: Pick<GroupSettings, 'reminderHoursBefore'>, now: Instant | Date): Reminder[] {
  const phaseStart: Record<RemindedDeadline, Instant | Date> = {
    proposalsClose: now,
    agendaApproval: deadlines.proposalsClose,
    opinions: deadlines.notice,
    voteCloses: deadlines.voteOpens,
    signatures: deadlines.voteCloses,
  };
  const reminders: Reminder[] = [];
  for (const deadline of Object.keys(phaseStart) as RemindedDeadline[]) {
    const due = deadlines[deadline];
    if (!due) continue;
    const start = toMs(phaseStart[deadline]) > toMs(now) ? phaseStart[deadline] : now;
    const at = reminderAt(due, settings.reminderHoursBefore, start);
    if (at) reminders.push({ deadline, at });
  }
  return reminders.sort((a, b) => toMs(a.at) - toMs(b.at));
}
