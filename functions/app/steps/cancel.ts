import * as mail from '../../mail/messages.ts';
import type { GroupRecord, MeetingRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { fanOut, type FanOutProgress, type Invocation } from '../fan-out.ts';
import { meetingInfo, nowInstant, organizer, recipientOf } from '../meeting-view.ts';
import { TaskEvent, Ctx, load, send, auditOnce } from './context.ts';

/** The meeting is cancelled (agenda not approved in time, or the chair's decision): everyone is told. */
export async function cancelMeeting(deps: Deps, ev: TaskEvent, invocation: Invocation = {}): Promise<{ cancelled: true; fanOut: FanOutProgress }> {
  const reason = ev.reason ?? 'cancelled';
  const { group, meeting } = await loadForCancel(deps, ev, reason);
  const cancelled = meeting.phase === 'cancelled' ? meeting : await deps.store.updateMeeting(meeting.id, { revision: meeting.revision }, { phase: 'cancelled', cancelledReason: reason });
  const progress = await announceCancellation(deps, group, cancelled, reason, invocation);
  if (progress.done) await auditOnce(deps, cancelled, 'cancelled', 'cancelled', { reason });
  return { cancelled: true, fanOut: progress };
}

/**
 * The meeting to cancel; or the one this very step cancelled already (same revision and reason): its
 * next invocation, or a retry after a crash, goes on telling people.
 */
async function loadForCancel(deps: Deps, ev: TaskEvent, reason: string): Promise<Ctx> {
  const meeting = await deps.store.getMeeting(ev.meetingId);
  if (meeting?.phase === 'cancelled' && meeting.revision === ev.revision && meeting.cancelledReason === reason) {
    const group = await deps.store.getGroup(meeting.groupId);
    if (group) return { group, meeting };
  }
  return load(deps, ev);
}

export const CANCEL_REASONS: Record<string, { ru: string; en: string }> = {
  'agenda-not-approved': {
    ru: 'Повестка дня не утверждена председателем в установленный срок (п. 2.3в).',
    en: 'The agenda was not approved by the chair in time (п. 2.3в).',
  },
};

/**
 * Members, then invitees, are told; once all are, the meeting's links are revoked. Without an
 * invocation (the admin endpoint) everyone is told in one go, at the group's send rate.
 */
export async function announceCancellation(deps: Deps, group: GroupRecord, meeting: MeetingRecord, reason: string, invocation: Invocation = {}): Promise<FanOutProgress> {
  const invitees = await deps.store.listInvitees(meeting.id);
  const people = [...group.members.map((m) => ({ id: m.id, person: m })), ...invitees.map((i) => ({ id: `invitee:${i.id}`, person: i }))];
  const progress = await fanOut(deps, invocation, {
    step: 'cancelled',
    recipients: people,
    keyOf: (p) => p.id,
    ratePerSecond: group.settings.sendRatePerSecond,
    send: async ({ id, person }) => {
      const text = CANCEL_REASONS[reason]?.[person.lang] ?? reason;
      const message = mail.meetingCancelled({
        recipient: recipientOf(person),
        meeting: meetingInfo(group, meeting),
        reason: text,
        organizer: organizer(deps, group),
        issuedAt: nowInstant(deps),
      });
      return (await send(deps, meeting, 'cancelled', { id, email: person.email }, message)).status === 'sent';
    },
  });
  if (progress.done) await deps.store.links.revokeForMeeting(meeting.id);
  return progress;
}
