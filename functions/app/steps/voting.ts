import { presidingPerson } from '../../domain/roster.ts';
import type { Member } from '../../domain/types.ts';
import type { SendResult } from '../../mail/mailer.ts';
import * as mail from '../../mail/messages.ts';
import { memberTerms } from '../../store/ballots.ts';
import type { GroupRecord, MeetingRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { fanOut, fanOutToMembers, type FanOutProgress, type Invocation } from '../fan-out.ts';
import { issueLink } from '../links.ts';
import { meetingInfo, recipientOf } from '../meeting-view.ts';
import { absentIds, participantsOf, tallies } from '../protocol-draft.ts';
import { TaskEvent, load, bundleOf, setPhase, send, auditOnce } from './context.ts';

/**
 * Meeting start (п. 2.6б): every member not recorded absent gets a ballot link. Voting already closed
 * (a resume after CloseVoting died between its writes): nothing to open, the close completes next.
 */
export async function openVoting(deps: Deps, ev: TaskEvent, invocation: Invocation = {}): Promise<{ voters: number; fanOut: FanOutProgress }> {
  const { group, meeting: loaded } = await load(deps, ev);
  const bundle = await bundleOf(deps, loaded.id);
  if (bundle.ballotBox.closedAt) return { voters: Object.keys(bundle.ballotBox.votes).length, fanOut: { step: 'ballots', done: true, cursor: '', sent: 0 } };
  const absent = new Set(absentIds(bundle.ballotBox));
  const presiding = presidingPerson(group.members, absent);
  const meeting = await setPhase(deps, loaded, 'in-session', presiding ? { presidingId: presiding.member.id } : {});
  const items = bundle.agenda.filter((i) => i.approved);
  const voters = group.members.filter((m) => !absent.has(m.id));
  // The first invocation opens voting; the next ones only send the rest of the ballots.
  const continuing = invocation.fanOut?.step === 'ballots' && !invocation.fanOut.done;
  if (!continuing) await deps.store.ballots.openVoting(meeting.id, { items, voterIds: voters.map((m) => m.id) }, memberTerms(meeting));
  const titles = items.map((i) => i.title);
  const progress = await fanOutToMembers(deps, invocation, group, {
    step: 'ballots',
    recipients: group.members,
    wanted: (member) => !absent.has(member.id),
    link: ballotLink(group, meeting),
    send: async (member, url) => (await sendBallot(deps, group, meeting, member, titles, url)).status === 'sent',
  });
  if (progress.done) await auditOnce(deps, meeting, 'voting-opened', 'voting-opened', { voters: voters.length, items: items.length });
  return { voters: voters.length, fanOut: progress };
}

const ballotLink = (group: GroupRecord, meeting: MeetingRecord) =>
  ({ meetingId: meeting.id, groupId: group.id, purpose: 'ballot', expiresAt: meeting.deadlines.voteCloses, revision: meeting.revision }) as const;
/** A member's ballot link (issued now unless the fan-out issued it with its chunk). */
export async function sendBallot(deps: Deps, group: GroupRecord, meeting: MeetingRecord, member: Member, itemTitles: string[], issuedUrl?: string): Promise<SendResult> {
  const ballotUrl = issuedUrl ?? (await issueLink(deps, { ...ballotLink(group, meeting), memberId: member.id }));
  const message = mail.ballotLink({
    recipient: recipientOf(member),
    meeting: meetingInfo(group, meeting),
    ballotUrl,
    voteCloses: meeting.deadlines.voteCloses,
    agenda: itemTitles.map((title) => ({ title })),
  });
  return send(deps, meeting, 'ballot', member, message);
}

/**
 * Voting closes: every member item is sealed, so the participants list is frozen, and the quorum is
 * decided (п. 3.3). The protocol lists the participants; the audit entry keeps their number (no item
 * grows with the roster).
 */
export async function closeVoting(deps: Deps, ev: TaskEvent): Promise<{ quorum: boolean; participants: number; members: number }> {
  const { group, meeting } = await load(deps, ev);
  const box = await deps.store.ballots.closeVoting(meeting.id);
  const participants = participantsOf(group.members, box);
  const quorum = participants.length > 0 && participants.length * 2 >= group.members.length;
  await setPhase(deps, meeting, 'voting-closed');
  await auditOnce(deps, meeting, 'voting-closed', 'voting-closed', { participants: participants.length, members: group.members.length, quorum });
  return { quorum, participants: participants.length, members: group.members.length };
}

/** п. 3.2 tally, or п. 3.3 no quorum: recorded, and members are told. */
export async function tally(
  deps: Deps,
  ev: TaskEvent,
  invocation: Invocation = {},
): Promise<({ adopted: number; items: number } | { quorum: false }) & { fanOut: FanOutProgress }> {
  const { group, meeting } = await load(deps, ev);
  const bundle = await bundleOf(deps, meeting.id);
  const result = tallies(group, bundle);
  if (ev.action === 'no-quorum' || !result.quorum) {
    const progress = await fanOut(deps, invocation, {
      step: 'no-quorum',
      recipients: group.members,
      keyOf: (member) => member.id,
      ratePerSecond: group.settings.sendRatePerSecond,
      send: async (member) => {
        const message = mail.noQuorum({
          recipient: recipientOf(member),
          meeting: meetingInfo(group, meeting),
          participants: result.participants.length,
          members: group.members.length,
          quorumNeeded: Math.max(1, Math.ceil(group.members.length / 2)),
        });
        return (await send(deps, meeting, 'no-quorum', member, message)).status === 'sent';
      },
    });
    if (progress.done) await auditOnce(deps, meeting, 'no-quorum', 'no-quorum', { participants: result.participants.length, members: group.members.length });
    return { quorum: false, fanOut: progress };
  }
  await auditOnce(deps, meeting, 'tallied', 'tallied', { items: result.items });
  return { adopted: result.items.filter((t) => t.adopted).length, items: result.items.length, fanOut: { step: 'tally', done: true, cursor: '', sent: 0 } };
}
