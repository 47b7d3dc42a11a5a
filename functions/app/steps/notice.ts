import * as mail from '../../mail/messages.ts';
import type { GroupRecord, InviteeRecord, MeetingBundle, MeetingRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { issueLink } from '../links.ts';
import { agendaView, meetingInfo, nowInstant, organizer, recipientOf } from '../meeting-view.ts';
import { TaskEvent, MeetingSnapshot, load, bundleOf, snapshot, setPhase, send, audit } from './context.ts';

/** п. 2.5г: members and invitees get date, time, place, the approved agenda, materials and an .ics. */
export async function sendNotice(deps: Deps, ev: TaskEvent): Promise<MeetingSnapshot> {
  const { group, meeting: loaded } = await load(deps, ev);
  const meeting = await setPhase(deps, loaded, 'notified');
  const bundle = await bundleOf(deps, meeting.id);
  const agenda = agendaView(group, bundle.agenda, true);
  const materials = materialsOf(bundle);
  for (const member of group.members) {
    const link = await issueLink(deps, { meetingId: meeting.id, memberId: member.id, purpose: 'attendance', expiresAt: meeting.deadlines.voteOpens, revision: meeting.revision });
    const message = mail.meetingNotice({
      recipient: recipientOf(member),
      meeting: meetingInfo(group, meeting),
      agenda,
      materials,
      deadlines: { opinions: meeting.deadlines.opinions, voteCloses: meeting.deadlines.voteCloses },
      links: { attend: `${link}?answer=attend`, absent: `${link}?answer=absent` },
      organizer: organizer(deps, group),
      issuedAt: nowInstant(deps),
    });
    await send(deps, meeting, 'notice', member, message);
  }
  for (const invitee of bundle.invitees) await sendInviteeNotice(deps, group, meeting, bundle, invitee);
  await audit(deps, meeting.id, 'notice-sent', { members: group.members.length, invitees: bundle.invitees.length });
  return snapshot(deps, group, meeting);
}
/** п. 2.3б, 2.5г: an invitee gets the notice (no personal links: invitees neither vote nor send opinions). */
export async function sendInviteeNotice(deps: Deps, group: GroupRecord, meeting: MeetingRecord, bundle: MeetingBundle, invitee: InviteeRecord): Promise<void> {
  const message = mail.meetingNotice({
    recipient: recipientOf(invitee),
    meeting: meetingInfo(group, meeting),
    agenda: agendaView(group, bundle.agenda, true),
    materials: materialsOf(bundle),
    organizer: organizer(deps, group),
    issuedAt: nowInstant(deps),
  });
  await send(deps, meeting, 'notice', { id: `invitee:${invitee.id}`, email: invitee.email }, message);
}
export const materialsOf = (bundle: MeetingBundle) =>
  bundle.agenda.filter((i) => i.approved).flatMap((i) => (i.materials ?? []).map((m) => ({ title: m.title, url: m.url })));
