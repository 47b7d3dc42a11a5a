import type { Member } from '../../domain/types.ts';
import * as mail from '../../mail/messages.ts';
import type { GroupRecord, MeetingRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { fanOutToMembers, type FanOutProgress, type Invocation } from '../fan-out.ts';
import { agendaView, meetingInfo, recipientOf } from '../meeting-view.ts';
import { TaskEvent, MeetingSnapshot, load, snapshot, setPhase, send, auditOnce, timing } from './context.ts';

/** Convene: loads the meeting for this revision (п. 2.3а), with its deadlines and reminder times. */
export async function loadMeeting(deps: Deps, ev: TaskEvent): Promise<MeetingSnapshot> {
  const { group, meeting } = await load(deps, ev);
  return snapshot(deps, group, meeting);
}

/** п. 2.5д, 2.6г: each member gets a personal link to propose agenda items and invitations. */
export async function openProposals(deps: Deps, ev: TaskEvent, invocation: Invocation = {}): Promise<{ sent: number; fanOut: FanOutProgress }> {
  const { group, meeting: loaded } = await load(deps, ev);
  const meeting = await setPhase(deps, loaded, 'agenda-proposals');
  const agenda = await deps.store.listAgenda(meeting.id, meeting);
  const link = { meetingId: meeting.id, groupId: group.id, purpose: 'propose', expiresAt: meeting.deadlines.proposalsClose, revision: meeting.revision } as const;
  const progress = await fanOutToMembers(deps, invocation, group, {
    step: 'proposals-call',
    recipients: group.members,
    link,
    send: async (member, url) => {
      const message = mail.proposalsCall({
        recipient: recipientOf(member),
        meeting: meetingInfo(group, meeting),
        proposeUrl: url,
        proposalsClose: meeting.deadlines.proposalsClose,
        agenda: agendaView(group, agenda),
      });
      return (await send(deps, meeting, 'proposals-call', member, message)).status === 'sent';
    },
  });
  if (progress.done) await auditOnce(deps, meeting, 'proposals-opened', 'proposals-opened', { sent: progress.sent });
  return { sent: progress.sent, fanOut: progress };
}

export function approvers(group: GroupRecord, meeting: MeetingRecord): Member[] {
  // п. 2.3в approval is the chair's; п. 2.4 the deputy acts while the chair is recorded absent.
  const presiding = group.members.find((m) => m.id === meeting.presidingId);
  return presiding ? [presiding] : group.members.filter((m) => m.role === 'chair');
}

/** п. 2.5в, 2.3в: the agenda the secretary formed goes to the chair for approval. */
export async function requestApproval(
  deps: Deps,
  ev: TaskEvent,
  invocation: Invocation = {},
): Promise<{ untilReminderSeconds: number; untilDeadlineSeconds: number; fanOut: FanOutProgress }> {
  const { group, meeting: loaded } = await load(deps, ev);
  const meeting = await setPhase(deps, loaded, 'agenda-approval');
  const agenda = await deps.store.listAgenda(meeting.id, meeting);
  const link = { meetingId: meeting.id, groupId: group.id, purpose: 'approve', expiresAt: meeting.deadlines.agendaApproval, revision: meeting.revision } as const;
  const progress = await fanOutToMembers(deps, invocation, group, {
    step: 'agenda-for-approval',
    // Approved early (through the admin API): nobody must act, AwaitCallback completes the phase at once.
    recipients: meeting.agendaApprovedAt ? [] : approvers(group, meeting),
    link,
    send: async (chair, url) => {
      const message = mail.agendaForApproval({
        recipient: recipientOf(chair),
        meeting: meetingInfo(group, meeting),
        agenda: agendaView(group, agenda),
        approveUrl: url,
        approvalDeadline: meeting.deadlines.agendaApproval,
      });
      return (await send(deps, meeting, 'agenda-for-approval', chair, message)).status === 'sent';
    },
  });
  if (progress.done) await auditOnce(deps, meeting, 'agenda-submitted-for-approval', 'agenda-submitted-for-approval', { items: agenda.length });
  return { ...timing(deps, group, meeting.deadlines.agendaApproval), fanOut: progress };
}
