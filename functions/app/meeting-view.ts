import type { Instant, Member } from '../domain/types.ts';
import type { AgendaItemView, MailRecipient, MeetingInfo, Organizer } from '../mail/types.ts';
import type { AgendaItemRecord, GroupRecord, InviteeRecord, MeetingRecord } from '../store/records.ts';
import type { Deps } from './deps.ts';

/** Small translations from stored records to what e-mails and pages show. */

export function meetingInfo(group: Pick<GroupRecord, 'name'>, meeting: MeetingRecord): MeetingInfo {
  return {
    id: meeting.id,
    title: meeting.title,
    groupName: group.name,
    startsAt: meeting.startsAt,
    endsAt: meeting.deadlines.voteCloses,
    timeZone: meeting.timeZone,
    ...(meeting.place ? { place: meeting.place } : {}),
    revision: meeting.revision,
  };
}

export function recipientOf(person: Pick<Member | InviteeRecord, 'name' | 'lang' | 'email'>): MailRecipient {
  return { name: person.name, lang: person.lang, email: person.email };
}

export function speakerName(group: GroupRecord, speaker: string): string {
  return group.members.find((m) => m.id === speaker)?.name ?? speaker;
}

export function agendaView(group: GroupRecord, items: readonly AgendaItemRecord[], onlyApproved = false): AgendaItemView[] {
  return items
    .filter((i) => !onlyApproved || i.approved)
    .map((i) => ({ title: i.title, ...(i.speakers.length ? { speakers: i.speakers.map((s) => speakerName(group, s)) } : {}) }));
}

export function organizer(deps: Deps, group: GroupRecord): Organizer {
  return { name: group.name, email: deps.senderAddress };
}

export function nowInstant(deps: Deps): Instant {
  return deps.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Seconds from now to an instant, at least 1 (Step Functions timeouts must be positive). */
export function secondsUntil(deps: Deps, instant: Instant): number {
  return Math.max(1, Math.ceil((Date.parse(instant) - deps.clock.now().getTime()) / 1000));
}

export function memberById(group: GroupRecord, id: string): Member | undefined {
  return group.members.find((m) => m.id === id);
}

/** The signature deadline of a meeting in (or past) its signature phase, where it is always computed. */
export function signingDeadlineOf(meeting: MeetingRecord): Instant {
  const deadline = meeting.deadlines.signatures;
  if (!deadline) throw new Error(`Meeting ${meeting.id} has no signature deadline yet (phase ${meeting.phase})`);
  return deadline;
}
