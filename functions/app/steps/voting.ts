import { presidingPerson } from '../../domain/roster.ts';
import type { Member } from '../../domain/types.ts';
import * as mail from '../../mail/messages.ts';
import type { GroupRecord, MeetingRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { issueLink } from '../links.ts';
import { meetingInfo, recipientOf } from '../meeting-view.ts';
import { absentIds, participantsOf, tallies } from '../protocol-draft.ts';
import { TaskEvent, load, bundleOf, setPhase, send, audit } from './context.ts';

/** Meeting start (п. 2.6б): every member not recorded absent gets a ballot link. */
export async function openVoting(deps: Deps, ev: TaskEvent): Promise<{ voters: number }> {
  const { group, meeting: loaded } = await load(deps, ev);
  const bundle = await bundleOf(deps, loaded.id);
  const absent = new Set(absentIds(bundle.ballotBox));
  const presiding = presidingPerson(group.members, absent);
  const meeting = await setPhase(deps, loaded, 'in-session', presiding ? { presidingId: presiding.member.id } : {});
  const items = bundle.agenda.filter((i) => i.approved);
  const voters = group.members.filter((m) => !absent.has(m.id));
  await deps.store.openVoting(meeting.id, { itemIds: items.map((i) => i.id), voterIds: voters.map((m) => m.id) });
  for (const member of voters) await sendBallot(deps, group, meeting, member, items.map((i) => i.title));
  await audit(deps, meeting.id, 'voting-opened', { voters: voters.length, items: items.length });
  return { voters: voters.length };
}
export async function sendBallot(deps: Deps, group: GroupRecord, meeting: MeetingRecord, member: Member, itemTitles: string[]): Promise<void> {
  const ballotUrl = await issueLink(deps, { meetingId: meeting.id, memberId: member.id, purpose: 'ballot', expiresAt: meeting.deadlines.voteCloses, revision: meeting.revision });
  const message = mail.ballotLink({
    recipient: recipientOf(member),
    meeting: meetingInfo(group, meeting),
    ballotUrl,
    voteCloses: meeting.deadlines.voteCloses,
    agenda: itemTitles.map((title) => ({ title })),
  });
  await send(deps, meeting, 'ballot', member, message);
}
/** Voting closes: the participants list is frozen and the quorum decided (п. 3.3). */
export async function closeVoting(deps: Deps, ev: TaskEvent): Promise<{ quorum: boolean; participants: number; members: number }> {
  const { group, meeting } = await load(deps, ev);
  const box = await deps.store.closeVoting(meeting.id);
  const participants = participantsOf(group.members, box);
  const quorum = participants.length > 0 && participants.length * 2 >= group.members.length;
  await setPhase(deps, meeting, 'voting-closed');
  await audit(deps, meeting.id, 'voting-closed', { participants: [...participants], quorum });
  return { quorum, participants: participants.length, members: group.members.length };
}
/** п. 3.2 tally, or п. 3.3 no quorum: recorded, and members are told. */
export async function tally(deps: Deps, ev: TaskEvent): Promise<{ adopted: number; items: number } | { quorum: false }> {
  const { group, meeting } = await load(deps, ev);
  const bundle = await bundleOf(deps, meeting.id);
  const result = tallies(group, bundle);
  if (ev.action === 'no-quorum' || !result.quorum) {
    for (const member of group.members) {
      const message = mail.noQuorum({
        recipient: recipientOf(member),
        meeting: meetingInfo(group, meeting),
        participants: result.participants.length,
        members: group.members.length,
        quorumNeeded: Math.max(1, Math.ceil(group.members.length / 2)),
      });
      await send(deps, meeting, 'no-quorum', member, message);
    }
    await audit(deps, meeting.id, 'no-quorum', { participants: result.participants.length, members: group.members.length });
    return { quorum: false };
  }
  await audit(deps, meeting.id, 'tallied', { items: result.items });
  return { adopted: result.items.filter((t) => t.adopted).length, items: result.items.length };
}
