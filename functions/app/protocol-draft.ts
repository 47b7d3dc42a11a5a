import { presidingPerson, protocolKeeper } from '../domain/roster.ts';
import { participantIds } from '../domain/quorum.ts';
import { tallyMeeting } from '../domain/tally.ts';
import type { Choice, ItemTally, Member } from '../domain/types.ts';
import type { ProtocolModel, ProtocolSignature, SignatureCapacity } from '../protocol/model.ts';
import type { BallotBox, GroupRecord, ItemNarrative, MeetingBundle } from '../store/records.ts';

/**
 * Builds the protocol (SPEC «Protocol») from what the store holds about one meeting. Pure: the same
 * bundle gives the same model, so the hash people sign can be recomputed and checked at any time.
 */

/** Members recorded absent (by their own answer, or not marked otherwise). */
export function absentIds(box: Pick<BallotBox, 'attendance'>): string[] {
  return Object.entries(box.attendance)
    .filter(([, mark]) => mark.status === 'absent')
    .map(([id]) => id);
}

/** п. 3.3 / SPEC 5: confirmed, marked present, or cast a ballot — frozen once the ballot box is closed. */
export function participantsOf(members: readonly Member[], box: BallotBox): readonly string[] {
  const confirmed: string[] = [];
  const present: string[] = [];
  for (const [id, mark] of Object.entries(box.attendance)) {
    if (mark.status === 'will-attend') confirmed.push(id);
    if (mark.status === 'present') present.push(id);
  }
  const voted = Object.entries(box.votes)
    .filter(([, items]) => Object.keys(items).length > 0)
    .map(([id]) => id);
  return participantIds(members, { confirmed, present, voted });
}

export function tallies(group: GroupRecord, bundle: MeetingBundle): { participants: readonly string[]; quorum: boolean; items: ItemTally[] } {
  const members = group.members;
  const participants = participantsOf(members, bundle.ballotBox);
  const presiding = presidingPerson(members, absentIds(bundle.ballotBox));
  const participating = new Set(participants);
  const items = tallyMeeting({
    memberCount: members.length,
    participantIds: participants,
    presidingId: presiding?.member.id ?? null,
    items: bundle.agenda
      .filter((i) => i.approved)
      .map((item) => {
        const votes: Record<string, Choice> = {};
        for (const [memberId, byItem] of Object.entries(bundle.ballotBox.votes)) {
          const v = byItem[item.id];
          if (v && participating.has(memberId)) votes[memberId] = v.choice;
        }
        return { itemId: item.id, votes };
      }),
  });
  return { participants, quorum: participants.length * 2 >= members.length && participants.length > 0, items };
}

const nameOf = (members: readonly Member[], idOrName: string): string => members.find((m) => m.id === idOrName)?.name ?? idOrName;

/**
 * Who signs (п. 3.4): the presiding person (chair, or deputy while the chair is absent), the protocol
 * keeper (secretary, or the acting secretary), then every other participant in roster order.
 */
export function signersOf(group: GroupRecord, bundle: MeetingBundle, participants = participantsOf(group.members, bundle.ballotBox)): { member: Member; capacity: SignatureCapacity }[] {
  const absent = absentIds(bundle.ballotBox);
  const presiding = presidingPerson(group.members, absent);
  const keeper = protocolKeeper(group.members, absent, bundle.meeting.actingSecretaryId);
  const signers: { member: Member; capacity: SignatureCapacity }[] = [];
  if (presiding) signers.push({ member: presiding.member, capacity: presiding.capacity });
  if (keeper) signers.push({ member: keeper.member, capacity: keeper.capacity });
  const listed = new Set(signers.map((s) => s.member.id));
  const participating = new Set(participants);
  for (const m of group.members) {
    if (participating.has(m.id) && !listed.has(m.id)) signers.push({ member: m, capacity: 'member' });
  }
  return signers;
}

/** Signers who have not signed the current version. */
export function missingSigners(group: GroupRecord, bundle: MeetingBundle): Member[] {
  const signatures = bundle.protocol?.signatures ?? {};
  const missing = new Map<string, Member>();
  for (const { member } of signersOf(group, bundle)) if (!signatures[member.id]) missing.set(member.id, member);
  return [...missing.values()];
}

/** The members who sign, each once (the presiding person may also keep the protocol). */
export function signerIdsOf(group: GroupRecord, bundle: MeetingBundle): string[] {
  return [...new Set(signersOf(group, bundle).map((s) => s.member.id))];
}

export function buildProtocolModel(
  group: GroupRecord,
  bundle: MeetingBundle,
  options: { votingClosed: boolean; /** СЛУШАЛИ / ВЫСТУПИЛИ: the stored version's (read from the document store) or an edit not saved yet. */ narrative?: Record<string, ItemNarrative> },
): ProtocolModel {
  const { meeting } = bundle;
  const members = group.members;
  const absent = absentIds(bundle.ballotBox);
  const result = options.votingClosed ? tallies(group, bundle) : null;
  const participants = result ? result.participants : participantsOf(members, bundle.ballotBox);
  const presiding = presidingPerson(members, absent);
  const keeper = protocolKeeper(members, absent, meeting.actingSecretaryId);
  const chair = members.find((m) => m.role === 'chair');
  const secretary = members.find((m) => m.role === 'secretary');
  const protocol = bundle.protocol;
  const person = (m: Member) => ({ name: m.name, ...(m.position ? { position: m.position } : {}) });

  const participating = new Set(participants);
  const signers = signersOf(group, bundle, participants);
  const signatures: ProtocolSignature[] = signers.map(({ member, capacity }) => {
    const sig = protocol?.signatures[member.id];
    return {
      name: member.name,
      capacity,
      evidence: sig ? { signedAt: sig.at, documentSha256: sig.hash, linkId: sig.linkId } : null,
    };
  });

  return {
    meetingId: meeting.id,
    timeZone: meeting.timeZone,
    bodyName: group.bodyName,
    groupName: group.name,
    number: String(meeting.number ?? ''),
    meetingStart: meeting.startsAt,
    ...(meeting.place ? { place: meeting.place } : {}),
    title: meeting.title,
    presiding: presiding
      ? { name: presiding.member.name, role: presiding.capacity, ...(presiding.capacity === 'deputy' && chair ? { absentChairName: chair.name } : {}) }
      : { name: '—', role: 'chair' },
    secretary: keeper
      ? { name: keeper.member.name, acting: keeper.capacity === 'acting-secretary', ...(keeper.capacity === 'acting-secretary' && secretary ? { absentSecretaryName: secretary.name } : {}) }
      : { name: '—', acting: false },
    membershipCount: members.length,
    participants: members.filter((m) => participating.has(m.id)).map(person),
    absentees: members.filter((m) => !participating.has(m.id)).map(person),
    invitees: bundle.invitees.map((i) => ({ name: i.name, position: i.position, ...(i.organisation ? { organisation: i.organisation } : {}) })),
    agenda: bundle.agenda
      .filter((i) => i.approved)
      .map((item) => {
        const narrative = options.narrative?.[item.id];
        const tally = result?.items.find((t) => t.itemId === item.id) ?? null;
        return {
          itemId: item.id,
          title: item.title,
          speakers: item.speakers.map((s) => nameOf(members, s)),
          ...(narrative?.heard ? { heard: narrative.heard } : {}),
          speeches: narrative?.spoke ? [{ speaker: '', summary: narrative.spoke }] : [],
          decision: item.decision ?? item.title,
          tally,
          votes: result
            ? members.filter((m) => participating.has(m.id)).map((m) => ({ name: m.name, choice: bundle.ballotBox.votes[m.id]?.[item.id]?.choice ?? null }))
            : undefined,
          writtenOpinions: bundle.opinions
            .filter((o) => o.itemId === item.id)
            .map((o) => ({ author: nameOf(members, o.memberId), text: o.text, receivedAt: o.submittedAt, inTime: o.inTime })),
        };
      }),
    dissentingOpinions: bundle.dissents.map((d) => ({ id: `dissent-${d.memberId}`, author: nameOf(members, d.memberId), ...(d.itemId ? { itemId: d.itemId } : {}), text: d.text, submittedAt: d.submittedAt })),
    materials: bundle.agenda.flatMap((i) => (i.materials ?? []).map((m) => ({ title: m.title }))),
    opinionsDeadline: meeting.deadlines.opinions,
    signatures,
    ...(meeting.signedAt ? { signedAt: meeting.signedAt } : {}),
    signedLang: 'ru',
    distribution: meeting.distributedAt ? { sentAt: meeting.distributedAt } : { dueBy: meeting.deadlines.distribution },
  };
}
