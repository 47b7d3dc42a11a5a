import type { Member } from '../../domain/types.ts';
import type { SendResult } from '../../mail/mailer.ts';
import * as mail from '../../mail/messages.ts';
import type { GroupRecord, InviteeRecord, MeetingBundle, MeetingRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { fanOut, type FanOutProgress, type Invocation } from '../fan-out.ts';
import { linksByMember } from '../links.ts';
import { agendaView, meetingInfo, nowInstant, organizer, recipientOf } from '../meeting-view.ts';
import { TaskEvent, MeetingSnapshot, load, bundleOf, snapshot, setPhase, send, auditOnce } from './context.ts';

/** п. 2.5г: members and invitees get date, time, place, the approved agenda, materials and an .ics. */
export async function sendNotice(deps: Deps, ev: TaskEvent, invocation: Invocation = {}): Promise<MeetingSnapshot & { fanOut: FanOutProgress }> {
  const { group, meeting: loaded } = await load(deps, ev);
  const meeting = await setPhase(deps, loaded, 'notified');
  const bundle = await bundleOf(deps, meeting.id);
  const agenda = agendaView(group, bundle.agenda, true);
  const materials = materialsOf(bundle);
  const link = { meetingId: meeting.id, groupId: group.id, purpose: 'attendance', expiresAt: meeting.deadlines.voteOpens, revision: meeting.revision } as const;
  // Members first, in roster order, then the invitees.
  const people: Addressee[] = [...group.members.map((member) => ({ key: member.id, member })), ...bundle.invitees.map((invitee) => ({ key: `invitee:${invitee.id}`, invitee }))];
  const progress = await fanOut(deps, invocation, {
    step: 'notice',
    recipients: people,
    keyOf: (p) => p.key,
    ratePerSecond: group.settings.sendRatePerSecond,
    prepare: (chunk) => linksByMember(deps, chunk.flatMap((p) => (p.member ? [p.member.id] : [])), link),
    send: async (addressee, links) => {
      if (addressee.invitee) return (await sendInviteeNotice(deps, group, meeting, bundle, addressee.invitee)).status === 'sent';
      const { member } = addressee;
      const url = links.get(member.id)!;
      const message = mail.meetingNotice({
        recipient: recipientOf(member),
        meeting: meetingInfo(group, meeting),
        agenda,
        materials,
        deadlines: { opinions: meeting.deadlines.opinions, voteCloses: meeting.deadlines.voteCloses },
        links: { attend: `${url}?answer=attend`, absent: `${url}?answer=absent` },
        organizer: organizer(deps, group),
        issuedAt: nowInstant(deps),
      });
      return (await send(deps, meeting, 'notice', member, message)).status === 'sent';
    },
  });
  if (progress.done) await auditOnce(deps, meeting, 'notice-sent', 'notice-sent', { members: group.members.length, invitees: bundle.invitees.length });
  return { ...snapshot(deps, group, meeting), fanOut: progress };
}

/** A member (with personal links) or an invitee (without). */
type Addressee = { key: string; member: Member; invitee?: undefined } | { key: string; member?: undefined; invitee: InviteeRecord };

/** п. 2.3б, 2.5г: an invitee gets the notice (no personal links: invitees neither vote nor send opinions). */
export async function sendInviteeNotice(deps: Deps, group: GroupRecord, meeting: MeetingRecord, bundle: MeetingBundle, invitee: InviteeRecord): Promise<SendResult> {
  const message = mail.meetingNotice({
    recipient: recipientOf(invitee),
    meeting: meetingInfo(group, meeting),
    agenda: agendaView(group, bundle.agenda, true),
    materials: materialsOf(bundle),
    organizer: organizer(deps, group),
    issuedAt: nowInstant(deps),
  });
  return send(deps, meeting, 'notice', { id: `invitee:${invitee.id}`, email: invitee.email }, message);
}

export const materialsOf = (bundle: MeetingBundle) =>
  bundle.agenda.filter((i) => i.approved).flatMap((i) => (i.materials ?? []).map((m) => ({ title: m.title, url: m.url })));
