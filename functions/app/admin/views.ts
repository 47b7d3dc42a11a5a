/**
 * What the admin API shows of a meeting: its summary with phase words and deadline notes.
 */
import type { Instant, Lang, MeetingDeadlines, MeetingPhase } from '../../domain/types.ts';
import { formatInstant } from '../../lib/format.ts';
import { type MeetingRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { deadlineNotes, type DeadlineNote } from '../deadline-notes.ts';

export interface MeetingSummary {
  id: string;
  groupId: string;
  number: number | null;
  title: string;
  phase: MeetingPhase;
  revision: number;
  date: string;
  time: string;
  timeZone: string;
  place?: string;
  startsAt: Instant;
  deadlines: MeetingDeadlines;
  /** Every deadline as people read it, with its zone (SPEC «Language and time»). */
  deadlinesShown: Partial<Record<keyof MeetingDeadlines, string>>;
  /** Working-day deadlines from a provisional calendar year, not yet computed, or not computable. */
  deadlineNotes: DeadlineNote[];
  presidingId: string;
  secretaryId: string;
  actingSecretaryId?: string;
  agendaApprovedAt?: Instant;
  agendaApprovedBy?: string;
  cancelledReason?: string;
  signedAt?: Instant;
  distributedAt?: Instant;
  deadlinesNotComputable?: MeetingRecord['deadlinesNotComputable'];
  executionArn?: string;
}

export function meetingSummary(deps: Pick<Deps, 'calendar'>, meeting: MeetingRecord, lang: Lang = 'ru'): MeetingSummary {
  const shown = Object.fromEntries(
    Object.entries(meeting.deadlines).map(([key, instant]) => [key, formatInstant(instant, meeting.timeZone, lang)]),
  ) as Partial<Record<keyof MeetingDeadlines, string>>;
  const optional = <K extends keyof MeetingRecord>(key: K) => (meeting[key] !== undefined && meeting[key] !== null ? { [key]: meeting[key] } : {});
  return {
    id: meeting.id,
    groupId: meeting.groupId,
    number: meeting.number,
    title: meeting.title,
    phase: meeting.phase,
    revision: meeting.revision,
    date: meeting.date,
    time: meeting.time,
    timeZone: meeting.timeZone,
    ...optional('place'),
    startsAt: meeting.startsAt,
    deadlines: meeting.deadlines,
    deadlinesShown: shown,
    deadlineNotes: deadlineNotes(meeting, deps.calendar, lang),
    presidingId: meeting.presidingId,
    secretaryId: meeting.secretaryId,
    ...optional('actingSecretaryId'),
    ...optional('agendaApprovedAt'),
    ...optional('agendaApprovedBy'),
    ...optional('cancelledReason'),
    ...optional('signedAt'),
    ...optional('distributedAt'),
    ...optional('deadlinesNotComputable'),
    ...optional('executionArn'),
  };
}
