/**
 * Validation of the chair's convene request (п. 2.3а; SPEC «Convene», «Bad input»): every problem is
 * reported at once, each with its field, a stable code and a message in Russian and English.
 */
import type { Clock } from '../lib/clock.ts';
import { formatInstant } from '../lib/format.ts';
import type { Group, Instant, Invitee, IsoDate, Lang, MeetingDeadlines } from './types.ts';
import { domainError, type DomainError, type Validation } from './result.ts';
import { computeDeadlines, DISTRIBUTION_WORKING_DAYS, validateGroupSettings, type WorkingCalendar } from './deadlines.ts';
import { isValidEmail, normaliseEmail, validateRoster } from './roster.ts';
import { canonicalTimeZone, isIsoDate, isLocalTime, isValidTimeZone, resolveLocalTime, toMs } from './time.ts';

export const MAX_TITLE_LENGTH = 500;

/** A speaker on an agenda item (п. 2.3г): a member of the group, or someone named freely. */
export type Speaker = { kind: 'member'; memberId: string } | { kind: 'name'; name: string };

export interface ValidAgendaItem {
  title: string;
  speakers: Speaker[];
}

export interface ValidConveneRequest {
  groupId: string;
  title: string;
  date: IsoDate;
  time: string;
  /** The request's zone, or the group's (canonical spelling). */
  timeZone: string;
  place?: string;
  agenda: ValidAgendaItem[];
  invitees: Omit<Invitee, 'id'>[];
  startsAt: Instant;
  deadlines: MeetingDeadlines;
}

/**
 * A meeting's lifecycle runs in ONE Step Functions Standard execution, which lives at most a year
 * (AWS quota). A convene (or a move, which starts a new execution) is refused unless the lifecycle ends
 * — the protocol distributed — with a month to spare for a signature restart (issue 10 §4).
 */
export const EXECUTION_LIFETIME_DAYS = 365;
export const LIFECYCLE_MARGIN_DAYS = 30;
export const LIFECYCLE_HORIZON_DAYS = EXECUTION_LIFETIME_DAYS - LIFECYCLE_MARGIN_DAYS;

/**
 * When the lifecycle ends at the latest: the distribution deadline; while the production calendar lacks
 * its year, a bound from the vote's close — the working days of signing and distribution as calendar
 * weeks, plus the longest holidays (the New Year break, up to 12 days off in a row).
 */
export function lifecycleEnd(deadlines: MeetingDeadlines, signatureWorkingDays: number): Instant {
  if (deadlines.distribution) return deadlines.distribution;
  const workingDays = signatureWorkingDays + DISTRIBUTION_WORKING_DAYS;
  const days = Math.ceil((workingDays * 7) / 5) + 12 + 1;
  return new Date(toMs(deadlines.voteCloses) + days * 86_400_000).toISOString();
}

// A speaker entry without spaces made of id characters is read as a member id; anything else
// (e.g. «Иванов И. И.») as a free name. An id-like entry that names no member is an error, so a
// typo in an id is never silently printed as a name.
const ID_LIKE = /^[A-Za-z0-9_.:-]+$/;

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateConveneRequest(req: unknown, group: Group, clock: Clock, calendar: WorkingCalendar): Validation<ValidConveneRequest> {
  if (!isRecord(req)) {
    return { ok: false, errors: [domainError('', 'not-an-object', 'Запрос должен быть объектом JSON.', 'The request must be a JSON object.')] };
  }
  const errors: DomainError[] = [];
  const fail = (field: string, code: string, ru: string, en: string) => errors.push(domainError(field, code, ru, en));

  // The group itself must be able to meet: chair and secretary, no duplicates (п. 2.2).
  errors.push(...validateRoster(group.members, [], 'group.members'));
  const settingsErrors = validateGroupSettings(group.settings, 'group.settings');
  errors.push(...settingsErrors);

  if (req.groupId !== undefined && req.groupId !== group.id) {
    fail('groupId', 'group-mismatch', `Запрос относится к другой рабочей группе («${String(req.groupId)}»).`, `The request is for another group ("${String(req.groupId)}").`);
  }

  const title = text(req.title);
  if (!title) fail('title', 'empty', 'Укажите тему заседания.', 'Give the meeting a title.');
  else if (title.length > MAX_TITLE_LENGTH) fail('title', 'too-long', `Тема длиннее ${MAX_TITLE_LENGTH} знаков.`, `The title is longer than ${MAX_TITLE_LENGTH} characters.`);

  const date = req.date;
  const dateOk = isIsoDate(date);
  if (!dateOk) fail('date', 'bad-format', `Дата «${String(date)}» не в формате ГГГГ-ММ-ДД или такой даты нет.`, `The date "${String(date)}" is not a real date in the form YYYY-MM-DD.`);
  const time = req.time;
  const timeOk = isLocalTime(time);
  if (!timeOk) fail('time', 'bad-format', `Время «${String(time)}» не в формате ЧЧ:ММ (24 часа).`, `The time "${String(time)}" is not in the form HH:MM (24-hour).`);
  const zoneInput = req.timeZone ?? group.settings.timeZone;
  const zoneOk = isValidTimeZone(zoneInput);
  if (!zoneOk) fail(req.timeZone !== undefined ? 'timeZone' : 'group.settings.timeZone', 'unknown-time-zone', `Неизвестный часовой пояс «${String(zoneInput)}» (нужно имя IANA, например Europe/Astrakhan).`, `Unknown time zone "${String(zoneInput)}" (an IANA name such as Europe/Astrakhan is needed).`);
  const timeZone = zoneOk ? canonicalTimeZone(zoneInput) : '';

  let place: string | undefined;
  if (req.place !== undefined && req.place !== null) {
    if (typeof req.place !== 'string') fail('place', 'bad-type', 'Место проведения должно быть текстом.', 'The place must be text.');
    else place = req.place.trim() || undefined;
  }

  const agenda = validateAgenda(req.agenda, group, fail);
  const invitees = validateInvitees(req.invitees, group, fail);

  let startsAt: Instant | undefined;
  let deadlines: MeetingDeadlines | undefined;
  if (dateOk && timeOk && zoneOk && settingsErrors.length === 0) {
    const resolved = resolveLocalTime(date, time, timeZone);
    const now = clock.now();
    if (resolved.resolution === 'nonexistent-shifted') {
      fail('time', 'nonexistent-local-time', `Времени ${time} ${date} в часовом поясе ${timeZone} не существует (перевод часов вперёд); выберите другое время.`, `${time} on ${date} does not exist in ${timeZone} (the clocks move forward); choose another time.`);
    } else if (toMs(resolved.instant) <= now.getTime()) {
      fail('date', 'meeting-in-past', `Заседание назначено на прошедшее время: ${describe(resolved.instant, timeZone, 'ru')}, сейчас ${describe(now, timeZone, 'ru')}.`, `The meeting is in the past: ${describe(resolved.instant, timeZone, 'en')}; it is now ${describe(now, timeZone, 'en')}.`);
    } else {
      // Needs no production calendar: the working-day deadlines are filled in when it has their years.
      deadlines = computeDeadlines({ date, time, timeZone }, group.settings, calendar);
      startsAt = deadlines.voteOpens;
      const ends = lifecycleEnd(deadlines, group.settings.signatureWorkingDays);
      const horizon = new Date(now.getTime() + LIFECYCLE_HORIZON_DAYS * 86_400_000);
      if (toMs(ends) > horizon.getTime()) {
        const zone = group.settings.timeZone;
        fail('date', 'beyond-horizon', `Заседание назначено слишком далеко: его сроки (до рассылки протокола) заканчиваются ${describe(ends, zone, 'ru')}, а заседание должно пройти весь цикл в течение ${LIFECYCLE_HORIZON_DAYS} дней, то есть до ${describe(horizon, zone, 'ru')}. Назначьте заседание раньше.`, `The meeting is too far ahead: its deadlines (up to the protocol's distribution) end ${describe(ends, zone, 'en')}, but a meeting must complete within ${LIFECYCLE_HORIZON_DAYS} days, that is by ${describe(horizon, zone, 'en')}. Choose an earlier date.`);
      }
      if (toMs(deadlines.proposalsClose) <= now.getTime()) {
        const zone = group.settings.timeZone;
        fail('date', 'deadlines-do-not-fit', `Сроки не помещаются до заседания: приём предложений в повестку должен закончиться ${describe(deadlines.proposalsClose, zone, 'ru')} (за ${group.settings.proposalsCloseDaysBefore} дн. до дня заседания), а сейчас уже ${describe(now, zone, 'ru')}. Назначьте заседание позже.`, `The deadlines do not fit before the meeting: agenda proposals would have to close ${describe(deadlines.proposalsClose, zone, 'en')} (${group.settings.proposalsCloseDaysBefore} days before the meeting day), but it is already ${describe(now, zone, 'en')}. Choose a later date.`);
      }
    }
  }

  if (errors.length > 0 || !title || !startsAt || !deadlines || !dateOk || !timeOk) return { ok: false, errors };
  const value: ValidConveneRequest = { groupId: group.id, title, date, time, timeZone, agenda, invitees, startsAt, deadlines };
  if (place) value.place = place;
  return { ok: true, value };
}

function describe(instant: Instant | Date, timeZone: string, lang: Lang): string {
  return formatInstant(instant, timeZone, lang);
}

type Fail = (field: string, code: string, ru: string, en: string) => void;

function validateAgenda(input: unknown, group: Group, fail: Fail): ValidAgendaItem[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input)) {
    fail('agenda', 'bad-type', 'Повестка должна быть списком вопросов.', 'The agenda must be a list of items.');
    return [];
  }
  const memberIds = new Set(group.members.map((m) => m.id));
  return input.map((item: unknown, i) => {
    const path = `agenda[${i}]`;
    const record = isRecord(item) ? item : {};
    const title = text(record.title);
    if (!title) fail(`${path}.title`, 'empty', `Вопрос повестки № ${i + 1} без формулировки.`, `Agenda item ${i + 1} has no title.`);
    else if (title.length > MAX_TITLE_LENGTH) fail(`${path}.title`, 'too-long', `Формулировка вопроса № ${i + 1} длиннее ${MAX_TITLE_LENGTH} знаков.`, `Agenda item ${i + 1} is longer than ${MAX_TITLE_LENGTH} characters.`);
    const speakers: Speaker[] = [];
    const rawSpeakers = record.speakers ?? [];
    if (!Array.isArray(rawSpeakers)) {
      fail(`${path}.speakers`, 'bad-type', 'Докладчики указываются списком.', 'Speakers must be a list.');
    } else {
      rawSpeakers.forEach((raw: unknown, j) => {
        const speaker = text(raw);
        if (!speaker) {
          fail(`${path}.speakers[${j}]`, 'empty', `Пустое имя докладчика по вопросу № ${i + 1}.`, `An empty speaker on agenda item ${i + 1}.`);
        } else if (memberIds.has(speaker)) {
          speakers.push({ kind: 'member', memberId: speaker });
        } else if (ID_LIKE.test(speaker)) {
          fail(`${path}.speakers[${j}]`, 'unknown-speaker', `Докладчик «${speaker}» по вопросу № ${i + 1} не найден среди членов рабочей группы (для приглашённого докладчика укажите имя и фамилию).`, `Speaker "${speaker}" on agenda item ${i + 1} is not a member id (for a speaker from outside, give a full name).`);
        } else {
          speakers.push({ kind: 'name', name: speaker });
        }
      });
    }
    return { title: title ?? '', speakers };
  });
}

function validateInvitees(input: unknown, group: Group, fail: Fail): Omit<Invitee, 'id'>[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input)) {
    fail('invitees', 'bad-type', 'Приглашённые указываются списком.', 'Invitees must be a list.');
    return [];
  }
  const emails = new Map(group.members.map((m) => [normaliseEmail(m.email), { ru: `член рабочей группы ${m.name}`, en: `member ${m.name}` }]));
  return input.map((item: unknown, i) => {
    const path = `invitees[${i}]`;
    const record = isRecord(item) ? item : {};
    const name = text(record.name);
    const position = text(record.position);
    const organisation = text(record.organisation);
    const email = text(record.email) ?? '';
    const lang: Lang = record.lang === 'en' ? 'en' : 'ru';
    if (!name) fail(`${path}.name`, 'empty', `Не указано имя приглашённого № ${i + 1}.`, `Invitee ${i + 1} has no name.`);
    if (!position) fail(`${path}.position`, 'empty', `Не указана должность приглашённого № ${i + 1} (п. 2.3б: представители органов власти).`, `Invitee ${i + 1} has no position (п. 2.3б: representatives of public authorities).`);
    if (record.lang !== undefined && record.lang !== 'ru' && record.lang !== 'en') fail(`${path}.lang`, 'bad-language', 'Язык: ru или en.', 'Language: ru or en.');
    if (!isValidEmail(email)) {
      fail(`${path}.email`, 'invalid-email', `Некорректный адрес электронной почты приглашённого № ${i + 1}: «${email}».`, `Invitee ${i + 1} has an invalid e-mail address: "${email}".`);
    } else {
      const key = normaliseEmail(email);
      const owner = emails.get(key);
      if (owner) fail(`${path}.email`, 'duplicate-email', `Адрес ${email} уже указан (${owner.ru}).`, `The address ${email} is already used (${owner.en}).`);
      else emails.set(key, { ru: `приглашённый № ${i + 1}`, en: `invitee ${i + 1}` });
    }
    const invitee: Omit<Invitee, 'id'> = { name: name ?? '', email, position: position ?? '', lang };
    if (organisation) invitee.organisation = organisation;
    return invitee;
  });
}
