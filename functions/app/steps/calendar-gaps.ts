import { MissingCalendarYearError } from '../../calendar/index.ts';
import { distributionDeadline } from '../../domain/deadlines.ts';
import type { Instant, WorkingDayDeadline } from '../../domain/types.ts';
import * as mail from '../../mail/messages.ts';
import type { GroupRecord, MeetingRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { meetingInfo, memberById, recipientOf } from '../meeting-view.ts';
import { send, audit } from './context.ts';

export function withoutGap(meeting: MeetingRecord, deadline: WorkingDayDeadline): MeetingRecord['deadlinesNotComputable'] | null {
  const rest = { ...meeting.deadlinesNotComputable };
  delete rest[deadline];
  return Object.keys(rest).length > 0 ? rest : null;
}

/**
 * A working-day deadline needs a year the production calendar does not have (SPEC «Working days»:
 * never a guess). It is recorded as not computable; the secretary and ops are told once (the send
 * ledger keys the e-mail by deadline and year); the developers' steps go to the log.
 */
export async function reportMissingCalendar(deps: Deps, group: GroupRecord, meeting: MeetingRecord, deadline: WorkingDayDeadline, missingYear: number): Promise<void> {
  console.error(JSON.stringify({
    level: 'ERROR',
    message: `No production calendar for ${missingYear}: the ${deadline} deadline of meeting ${meeting.id} is not computable`,
    todo: `add functions/calendar/data/${missingYear}.json and deploy (README «Adding a year»)`,
  }));
  if (meeting.deadlinesNotComputable?.[deadline]?.missingYear !== missingYear) {
    await deps.store.updateMeeting(meeting.id, { revision: meeting.revision }, { deadlinesNotComputable: { ...meeting.deadlinesNotComputable, [deadline]: { missingYear } } });
    await audit(deps, meeting.id, 'deadline-not-computable', { deadline, missingYear });
  }
  const secretary = memberById(group, meeting.actingSecretaryId ?? meeting.secretaryId);
  const recipients = [
    ...(secretary ? [{ id: secretary.id, email: secretary.email, person: recipientOf(secretary) }] : []),
    ...(deps.opsAddress && deps.opsAddress !== secretary?.email ? [{ id: 'ops', email: deps.opsAddress, person: { name: 'Kvorum', lang: 'ru' as const } }] : []),
  ];
  for (const to of recipients) {
    const message = mail.calendarMissing({ recipient: to.person, meeting: meetingInfo(group, meeting), deadline, missingYear });
    // Never holds up the step: the next attempt (a distribution retry, the daily signature retry) sends it again.
    await send(deps, meeting, `calendar-missing:${deadline}`, to, message, missingYear).catch((error: unknown) =>
      console.error(JSON.stringify({ level: 'ERROR', message: `calendar-missing e-mail to ${to.id} not sent yet`, error: String(error) })),
    );
  }
}

/** п. 3.4 from the signing date; undefined (recorded and reported) while the calendar lacks its year. */
export async function computeDistributionDeadline(deps: Deps, group: GroupRecord, meeting: MeetingRecord & { signedAt: Instant }): Promise<Instant | undefined> {
  try {
    // Day-based deadlines are read in the group's zone, like the signature deadline (SPEC п. 2.7, README).
    return distributionDeadline(meeting.signedAt, group.settings.timeZone, deps.calendar);
  } catch (error) {
    if (!(error instanceof MissingCalendarYearError)) throw error;
    await reportMissingCalendar(deps, group, meeting, 'distribution', error.year);
    return undefined;
  }
}
