import type { Member } from '../../domain/types.ts';
import * as mail from '../../mail/messages.ts';
import type { Deps } from '../deps.ts';
import { issueLink } from '../links.ts';
import { meetingInfo, recipientOf, secondsUntil, signingDeadlineOf } from '../meeting-view.ts';
import { missingSigners } from '../protocol-draft.ts';
import { TaskEvent, load, bundleOf, send, audit } from './context.ts';
import { approvers } from './agenda.ts';

/** Reminders go only to people who still have to act, once per deadline. */
export async function sendReminder(deps: Deps, ev: TaskEvent): Promise<{ sent: number; untilDeadlineSeconds: number }> {
  const { group, meeting } = await load(deps, ev);
  const kind = ev.kind;
  if (!kind) throw new Error('sendReminder needs kind');
  const deadline = kind === 'approval' ? meeting.deadlines.agendaApproval : kind === 'opinions' ? meeting.deadlines.opinions : signingDeadlineOf(meeting);
  const untilDeadlineSeconds = secondsUntil(deps, deadline);
  if (Date.parse(deadline) <= deps.clock.now().getTime()) return { sent: 0, untilDeadlineSeconds };
  const bundle = await bundleOf(deps, meeting.id);
  const targets: { member: Member; purpose: 'approve' | 'attendance' | 'sign' }[] = [];
  if (kind === 'approval' && !meeting.agendaApprovedAt) {
    for (const m of approvers(group, meeting)) targets.push({ member: m, purpose: 'approve' });
  }
  if (kind === 'opinions') {
    // Members who have not answered, and absent members who sent no opinion yet.
    const withOpinion = new Set(bundle.opinions.map((o) => o.memberId));
    for (const m of group.members) {
      const mark = bundle.attendance[m.id];
      if (!mark || (mark.status === 'absent' && !withOpinion.has(m.id))) targets.push({ member: m, purpose: 'attendance' });
    }
  }
  if (kind === 'signatures' && bundle.protocol) {
    for (const m of missingSigners(group, bundle)) targets.push({ member: m, purpose: 'sign' });
  }
  let sent = 0;
  for (const { member, purpose } of targets) {
    const expiresAt = purpose === 'attendance' ? meeting.deadlines.voteOpens : deadline;
    const actionUrl = await issueLink(deps, { meetingId: meeting.id, memberId: member.id, purpose, expiresAt, revision: meeting.revision });
    const message = mail.reminder({ recipient: recipientOf(member), meeting: meetingInfo(group, meeting), kind, deadline, actionUrl });
    if ((await send(deps, meeting, `reminder:${kind}`, member, message, kind === 'signatures' ? (bundle.protocol?.version ?? 0) : meeting.revision)).status === 'sent') sent++;
  }
  await audit(deps, meeting.id, 'reminder', { kind, sent });
  return { sent, untilDeadlineSeconds };
}
