import { missingCalendarMessage, type ProductionCalendar } from '../calendar/index.ts';
import { localDateOf } from '../domain/time.ts';
import type { Instant, Lang, WorkingDayDeadline } from '../domain/types.ts';
import type { MeetingRecord } from '../store/records.ts';

/**
 * What the chair and the secretary are told about a meeting's working-day deadlines (SPEC «Working
 * days»): computed from a provisional year of the production calendar, not yet computed, or not
 * computable because a year has no data.
 */
export type DeadlineNote =
  | { deadline: WorkingDayDeadline; status: 'provisional'; years: number[]; message: string }
  | { deadline: WorkingDayDeadline; status: 'pending'; message: string }
  | { deadline: WorkingDayDeadline; status: 'not-computable'; missingYear: number; message: string };

const PENDING: Record<WorkingDayDeadline, { ru: string; en: string }> = {
  signatures: { ru: 'Срок подписания будет рассчитан, когда начнётся подписание протокола.', en: 'The signature deadline is computed when the signing of the minutes starts.' },
  distribution: { ru: 'Срок рассылки протокола будет рассчитан от даты подписания.', en: 'The distribution deadline is computed from the signing date.' },
};

export function deadlineNotes(meeting: MeetingRecord, calendar: ProductionCalendar, lang: Lang): DeadlineNote[] {
  const notes: DeadlineNote[] = [];
  const zone = meeting.timeZone;
  // The first day each count starts from: the meeting day, and the signing date (or its latest expectation).
  const countedFrom: Record<WorkingDayDeadline, Instant | undefined> = {
    signatures: meeting.startsAt,
    distribution: meeting.signedAt ?? meeting.deadlines.signatures,
  };
  for (const deadline of ['signatures', 'distribution'] as const) {
    const gap = meeting.deadlinesNotComputable?.[deadline];
    const due = meeting.deadlines[deadline];
    if (gap) {
      notes.push({ deadline, status: 'not-computable', missingYear: gap.missingYear, message: missingCalendarMessage(gap.missingYear)[lang] });
    } else if (!due) {
      notes.push({ deadline, status: 'pending', message: PENDING[deadline][lang] });
    } else {
      const from = Number(localDateOf(countedFrom[deadline] ?? due, zone).slice(0, 4));
      const to = Number(localDateOf(due, zone).slice(0, 4));
      const years = Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((y) => calendar.yearStatus(y) === 'provisional');
      if (years.length > 0) notes.push({ deadline, status: 'provisional', years, message: provisionalMessage(deadline, years, lang) });
    }
  }
  return notes;
}

function provisionalMessage(deadline: WorkingDayDeadline, years: number[], lang: Lang): string {
  const list = years.join(', ');
  const what = deadline === 'signatures' ? { ru: 'Срок подписания', en: 'The signature deadline' } : { ru: 'Срок рассылки протокола', en: 'The distribution deadline' };
  return lang === 'en'
    ? `${what.en} is computed from the provisional production calendar for ${list}: the Government decree on moving days off is not yet checked against its official publication.`
    : `${what.ru} рассчитан по предварительному производственному календарю на ${list} год: постановление Правительства РФ о переносе выходных дней ещё не сверено с официальной публикацией.`;
}
