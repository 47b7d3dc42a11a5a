import * as mail from '../../mail/messages.ts';
import type { GroupRecord, MeetingRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { meetingInfo, nowInstant, organizer, recipientOf } from '../meeting-view.ts';
import { TaskEvent, load, send, audit } from './context.ts';

/** The meeting is cancelled (agenda not approved in time, or the chair's decision): everyone is told. */
export async function cancelMeeting(deps: Deps, ev: TaskEvent, actor = 'system'): Promise<{ cancelled: true }> {
  const { group, meeting } = await load(deps, ev);
  const reason = ev.reason ?? 'cancelled';
  await deps.store.updateMeeting(meeting.id, { revision: meeting.revision }, { phase: 'cancelled', cancelledReason: reason });
  await announceCancellation(deps, group, meeting, reason);
  await audit(deps, meeting.id, 'cancelled', { reason }, actor);
  return { cancelled: true };
}
export const CANCEL_REASONS: Record<string, { ru: string; en: string }> = {
  'agenda-not-approved': {
    ru: 'Повестка дня не утверждена председателем в установленный срок (п. 2.3в).',
    en: 'The agenda was not approved by the chair in time (п. 2.3в).',
  },
};
export async function announceCancellation(deps: Deps, group: GroupRecord, meeting: MeetingRecord, reason: string): Promise<void> {
  const invitees = await deps.store.listInvitees(meeting.id);
  const people = [...group.members.map((m) => ({ id: m.id, person: m })), ...invitees.map((i) => ({ id: `invitee:${i.id}`, person: i }))];
  for (const { id, person } of people) {
    const text = CANCEL_REASONS[reason]?.[person.lang] ?? reason;
    const message = mail.meetingCancelled({
      recipient: recipientOf(person),
      meeting: meetingInfo(group, meeting),
      reason: text,
      organizer: organizer(deps, group),
      issuedAt: nowInstant(deps),
    });
    await send(deps, meeting, 'cancelled', { id, email: person.email }, message);
  }
  await deps.store.revokeLinksForMeeting(meeting.id);
}
