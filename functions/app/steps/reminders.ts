import type { Member } from '../../domain/types.ts';
import * as mail from '../../mail/messages.ts';
import type { Deps } from '../deps.ts';
import { fanOut, type FanOutProgress, type Invocation } from '../fan-out.ts';
import { issueLinks } from '../links.ts';
import { meetingInfo, recipientOf, secondsUntil, signingDeadlineOf } from '../meeting-view.ts';
import { missingSigners } from '../protocol-draft.ts';
import { TaskEvent, load, bundleOf, send, auditOnce } from './context.ts';
import { approvers } from './agenda.ts';

/** Reminders go only to people who still have to act, once per deadline. */
export async function sendReminder(deps: Deps, ev: TaskEvent, invocation: Invocation = {}): Promise<{ sent: number; untilDeadlineSeconds: number; fanOut: FanOutProgress }> {
  const { group, meeting } = await load(deps, ev);
  const kind = ev.kind;
  if (!kind) throw new Error('sendReminder needs kind');
  const deadline = kind === 'approval' ? meeting.deadlines.agendaApproval : kind === 'opinions' ? meeting.deadlines.opinions : signingDeadlineOf(meeting);
  const untilDeadlineSeconds = secondsUntil(deps, deadline);
  if (Date.parse(deadline) <= deps.clock.now().getTime()) return { sent: 0, untilDeadlineSeconds, fanOut: { step: `reminder:${kind}`, done: true, cursor: '', sent: 0 } };
  const bundle = await bundleOf(deps, meeting.id);
  const targets: Target[] = [];
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
  // Over the whole roster, so that someone acting meanwhile moves no cursor; only targets are written to.
  const purposeOf = new Map(targets.map((t) => [t.member.id, t.purpose]));
  const expiryOf = (purpose: Target['purpose']) => (purpose === 'attendance' ? meeting.deadlines.voteOpens : deadline);
  const progress = await fanOut(deps, invocation, {
    step: `reminder:${kind}`,
    recipients: group.members,
    keyOf: (member) => member.id,
    wanted: (member) => purposeOf.has(member.id),
    ratePerSecond: group.settings.sendRatePerSecond,
    prepare: async (chunk) => {
      const requests = chunk.map((m) => ({ meetingId: meeting.id, groupId: group.id, memberId: m.id, purpose: purposeOf.get(m.id)!, expiresAt: expiryOf(purposeOf.get(m.id)!), revision: meeting.revision }));
      const urls = await issueLinks(deps, requests);
      return new Map(chunk.map((m, i) => [m.id, urls[i]!]));
    },
    send: async (member, links) => {
      const message = mail.reminder({ recipient: recipientOf(member), meeting: meetingInfo(group, meeting), kind, deadline, actionUrl: links.get(member.id)! });
      return (await send(deps, meeting, `reminder:${kind}`, member, message, kind === 'signatures' ? (bundle.protocol?.version ?? 0) : meeting.revision)).status === 'sent';
    },
  });
  const once = kind === 'signatures' ? `reminder:signatures:v${bundle.protocol?.version ?? 0}` : `reminder:${kind}`;
  if (progress.done) await auditOnce(deps, meeting, once, 'reminder', { kind, sent: progress.sent });
  return { sent: progress.sent, untilDeadlineSeconds, fanOut: progress };
}
type Target = { member: Member; purpose: 'approve' | 'attendance' | 'sign' };
