/**
 * The shared vocabulary of Kvorum: the regulation's people, meetings, votes and deadlines.
 * Pure data, no AWS. Clause numbers (п. 2.3 …) are those of the regulation
 * (shared/regulation/polozhenie-rabochaya-gruppa.txt) as SPEC.md cites them.
 *
 * Conventions:
 * - An instant is an ISO-8601 UTC string with seconds, e.g. "2026-03-10T07:00:00Z"
 *   (the form Step Functions' Wait.TimestampPath accepts).
 * - A calendar date is "YYYY-MM-DD" (in the group's time zone where it matters).
 * - Ids are opaque strings.
 */

export type Lang = 'ru' | 'en';
export type Instant = string;
export type IsoDate = string;

/** п. 2.2: chair, deputy chair and secretary are members of the group and vote. */
export type Role = 'chair' | 'deputy' | 'secretary' | 'member';

export interface Member {
  id: string;
  name: string;
  email: string;
  role: Role;
  position?: string;
  lang: Lang;
}

/** п. 2.3б: representatives of public authorities; no vote, not counted for quorum. */
export interface Invitee {
  id: string;
  name: string;
  email: string;
  position: string;
  organisation?: string;
  lang: Lang;
}

export interface GroupSettings {
  /** IANA time zone of the group; default Europe/Astrakhan. */
  timeZone: string;
  /** Agenda proposals close at the end of the calendar day this many days before the meeting day. */
  proposalsCloseDaysBefore: number;
  /** The chair approves the agenda by the end of the calendar day this many days before the meeting day. */
  approvalDaysBefore: number;
  /** The notice (п. 2.5г) goes out by the end of the calendar day this many days before the meeting day. */
  noticeDaysBefore: number;
  /** Voting closes this many minutes after the meeting starts. */
  voteDurationMinutes: number;
  /** Signatures are collected until the end of this many working days after the meeting day. */
  signatureWorkingDays: number;
  /** A reminder goes this many hours before a deadline (only to those who still must act). */
  reminderHoursBefore: number;
  /** At most this many e-mails a second from this group's steps (SES's starting quota is 14/s). */
  sendRatePerSecond: number;
  /** The signed protocol's PDF is attached to the distribution e-mail only below this size; 0: never. */
  attachPdfMaxBytes: number;
  /** Each ballot is confirmed by e-mail as well as on the page. */
  voteReceipts: boolean;
}

export interface Group {
  id: string;
  /** Name of the body (e.g. «Администрация муниципального образования «Городской округ город Астрахань»»). */
  bodyName: string;
  /** Name of the working group. */
  name: string;
  settings: GroupSettings;
  members: Member[];
}

export interface AgendaItemInput {
  title: string;
  /** п. 2.3г: speakers designated by the chair (member ids or free names). */
  speakers?: string[];
}

/** п. 2.3а: what the chair fixes when convening. */
export interface ConveneRequest {
  groupId: string;
  title: string;
  /** Meeting day in the group's (or the given) time zone. */
  date: IsoDate;
  /** "HH:MM", 24-hour, local time. */
  time: string;
  /** Defaults to the group's time zone. */
  timeZone?: string;
  /** Optional (п. 2.3а «при необходимости»). */
  place?: string;
  agenda?: AgendaItemInput[];
  invitees?: Omit<Invitee, 'id'>[];
}

/** Every deadline of one meeting, as instants. */
export interface MeetingDeadlines {
  /** п. 2.5д, 2.6г: members may propose agenda items and invitations until this instant. */
  proposalsClose: Instant;
  /** п. 2.3в: the chair approves the agenda by this instant, or the meeting is cancelled. */
  agendaApproval: Instant;
  /** п. 2.5г: the notice with agenda and materials is sent by this instant. */
  notice: Instant;
  /** п. 2.7: written opinions of absent members accepted until 23:59:59 of the day before the meeting day. */
  opinions: Instant;
  /** The meeting starts; ballots go out. */
  voteOpens: Instant;
  /** Voting closes; the participants list is frozen. */
  voteCloses: Instant;
  /**
   * п. 2.5е, 3.4: signatures collected until this instant; then the protocol is finalised. Counted in
   * working days, so it needs the production calendar: at convening it is filled in when the calendar
   * already has the year (an expectation), and it is computed again when the signature phase starts.
   */
  signatures?: Instant;
  /**
   * п. 3.4: the protocol reaches the members by the end of the 5th working day after the signing date.
   * At convening an expectation from the latest possible signing date (when the calendar has it); it is
   * computed from the actual signing date when the protocol is finalised. Absent while not computable.
   */
  distribution?: Instant;
}

/** The deadlines that are counted in working days (SPEC «Working days»). */
export type WorkingDayDeadline = 'signatures' | 'distribution';

export type Choice = 'for' | 'against' | 'abstain';

/** Outcome of one agenda item under п. 3.2 with the arithmetic the protocol prints. */
export interface ItemTally {
  itemId: string;
  /** Participating members (frozen list) — the base of the majority. */
  participants: number;
  for: number;
  against: number;
  abstain: number;
  /** Participants who cast no vote on this item (count as not "for"). */
  notVoted: number;
  /** Smallest "for" count that is more than half of the participants: floor(p/2)+1. */
  majorityNeeded: number;
  adopted: boolean;
  /** True when for = against and the presiding person's vote decided (п. 3.2, second sentence). */
  decidedByCastingVote: boolean;
  /** For a tie: what the presiding person voted, or null if they did not vote. */
  presidingChoice: Choice | null;
  /** How the outcome came about. */
  rule: 'majority' | 'no-majority' | 'casting-vote-for' | 'casting-vote-against' | 'tie-no-casting-vote' | 'no-quorum';
}

export type MeetingPhase =
  | 'convened'
  | 'agenda-proposals'
  | 'agenda-approval'
  | 'notified'
  | 'in-session'
  | 'voting-closed'
  | 'protocol-signing'
  | 'finalised'
  | 'distributed'
  | 'cancelled'
  | 'failed';
