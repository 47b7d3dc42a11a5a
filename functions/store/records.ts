/**
 * Record types of the Kvorum table (single-table design, see ACCESS_PATTERNS.md).
 * These are the shapes the repository (store.ts) reads and writes; key attributes
 * (pk, sk, gsi*) never leak out of the repository.
 */
import type {
  Choice,
  Group,
  Instant,
  Invitee,
  IsoDate,
  MeetingDeadlines,
  MeetingPhase,
  WorkingDayDeadline,
} from '../domain/types.ts';

/** Phases after which a meeting needs no more work: it leaves the active-meetings index. */
export const TERMINAL_PHASES: readonly MeetingPhase[] = ['distributed', 'cancelled', 'failed'];

export function isTerminalPhase(phase: MeetingPhase): boolean {
  return TERMINAL_PHASES.includes(phase);
}

// ---------------------------------------------------------------- groups

export interface GroupRecord extends Group {
  /** Last meeting number handed out (atomic counter, UpdateItem ADD). 0 before the first meeting. */
  meetingCounter: number;
  createdAt: Instant;
  updatedAt: Instant;
}

export type AddressState = 'ok' | 'failing';

/** Delivery status of one e-mail address of a group's roster (bounces, complaints). */
export interface AddressStatus {
  /** Lower-cased address. */
  email: string;
  state: AddressState;
  reason?: string;
  updatedAt: Instant;
}

/** A group with the delivery status of every address that ever had one. */
export interface GroupWithAddresses extends GroupRecord {
  /** Keyed by lower-cased e-mail. Addresses never reported are absent (= ok). */
  addresses: Record<string, AddressStatus>;
}

// ---------------------------------------------------------------- meetings

/** Step Functions task tokens waiting for a human decision, per phase. */
export interface TaskTokens {
  approval?: string;
  signatures?: string;
}

export interface MeetingRecord {
  id: string;
  groupId: string;
  /** Sequential per group (п. 3.4 protocol number). Allocated right after the meeting is created. */
  number: number | null;
  title: string;
  date: IsoDate;
  /** "HH:MM" local time. */
  time: string;
  timeZone: string;
  place?: string;
  startsAt: Instant;
  deadlines: MeetingDeadlines;
  phase: MeetingPhase;
  /** Bumped whenever the meeting moves; every scheduled message carries the revision it was made for. */
  revision: number;
  presidingId: string;
  secretaryId: string;
  /** п. 2.5 last paragraph: a member appointed when the secretary is absent. */
  actingSecretaryId?: string;
  executionArn?: string;
  taskTokens: TaskTokens;
  cancelledReason?: string;
  /** п. 2.3в: when and by whom (the chair, or the presiding deputy) the agenda was approved. */
  agendaApprovedAt?: Instant;
  agendaApprovedBy?: string;
  /** Moment of finalisation of the protocol = the signing date (SPEC «Protocol» step 6). */
  signedAt?: Instant;
  distributedAt?: Instant;
  /** The phase a failed meeting was in when its step failed (to resume from). */
  failedPhase?: MeetingPhase;
  /** A working-day deadline that could not be computed when it was needed: the year with no calendar. */
  deadlinesNotComputable?: Partial<Record<WorkingDayDeadline, { missingYear: number }>>;
  createdAt: Instant;
  updatedAt: Instant;
}

/** What createMeeting needs; number, revision and timestamps are set by the store. */
export type NewMeeting = Pick<
  MeetingRecord,
  'id' | 'groupId' | 'title' | 'date' | 'time' | 'timeZone' | 'place' | 'startsAt' | 'deadlines' | 'presidingId' | 'secretaryId' | 'actingSecretaryId' | 'executionArn'
> & {
  /** Defaults to 'convened'. */
  phase?: MeetingPhase;
};

/** Fields updateMeeting may change. `null` removes an optional field. */
export interface MeetingChanges {
  phase?: MeetingPhase;
  title?: string;
  presidingId?: string;
  secretaryId?: string;
  actingSecretaryId?: string | null;
  executionArn?: string | null;
  taskTokens?: TaskTokens;
  cancelledReason?: string | null;
  agendaApprovedAt?: Instant | null;
  signedAt?: Instant | null;
  distributedAt?: Instant | null;
  agendaApprovedBy?: string | null;
  failedPhase?: MeetingPhase | null;
  deadlinesNotComputable?: MeetingRecord['deadlinesNotComputable'] | null;
  /** Recomputed distribution deadline etc. (п. 3.4); moving the meeting goes through moveMeeting. */
  deadlines?: MeetingDeadlines;
}

/** The new date/time of a moved meeting, with deadlines recomputed by the caller. */
export interface MeetingMove {
  date: IsoDate;
  time: string;
  timeZone: string;
  place?: string | null;
  startsAt: Instant;
  deadlines: MeetingDeadlines;
}

export interface MeetingExpectation {
  phase?: MeetingPhase;
  revision?: number;
}

// ---------------------------------------------------------------- agenda, proposals, invitees

export interface AgendaItemRecord {
  id: string;
  /** Position in the agenda, ascending. */
  order: number;
  title: string;
  /** п. 2.3г: speakers designated by the chair (member ids or free names). */
  speakers: string[];
  /** п. 2.3в: approved by the chair. */
  approved: boolean;
  /** Draft decision text (РЕШИЛИ), on which members may give opinions (п. 2.6в). */
  decision?: string;
  /** п. 2.5г: materials for this item. */
  materials?: AgendaMaterial[];
  /** The member proposal this item came from, if any (п. 2.6г). */
  proposalId?: string;

  updatedAt: Instant;
}

export interface AgendaMaterial {
  title: string;
  /** Where to read it (the notice links to it, п. 2.5г). */
  url: string;
  /** e.g. "12 л."; free text. */
  note?: string;
}

export type ProposalKind = 'agenda-item' | 'invitation';
export type ProposalStatus = 'pending' | 'accepted' | 'declined';

/** п. 2.6г, 2.5д: a member's proposal of an agenda item or of an invitation. */
export interface ProposalRecord {
  id: string;
  kind: ProposalKind;
  authorId: string;
  text: string;
  /** For an invitation proposal: who should be invited. */
  invitee?: Omit<Invitee, 'id'>;
  createdAt: Instant;
  status: ProposalStatus;
  decidedBy?: string;
  decidedAt?: Instant;
}

export type NewProposal = Omit<ProposalRecord, 'createdAt' | 'status' | 'decidedBy' | 'decidedAt'>;

export type InviteeRecord = Invitee;

// ---------------------------------------------------------------- attendance and votes

export type AttendanceStatus = 'will-attend' | 'absent' | 'present';

export interface AttendanceMark {
  status: AttendanceStatus;
  /** Member id of who set it (the member themself, or the secretary for 'present'). */
  by: string;
  at: Instant;
}

export interface CastVote {
  choice: Choice;
  at: Instant;
  /** Idempotency key of the request that cast it. */
  key: string;
}

/**
 * One item per meeting. Holds the attendance marks and the votes so that closing the vote
 * freezes both in one write (п. 3.3: participants are frozen when voting closes).
 */
export interface BallotBox {
  meetingId: string;
  /** Agenda item ids that can be voted on; set when voting opens. */
  itemIds: string[];
  /** votes[memberId][itemId]; a member may vote iff votes[memberId] exists. */
  votes: Record<string, Record<string, CastVote>>;
  attendance: Record<string, AttendanceMark>;
  openedAt?: Instant;
  closedAt?: Instant;
}

export interface VoteHistoryEntry {
  meetingId: string;
  memberId: string;
  itemId: string;
  choice: Choice;
  at: Instant;
  idempotencyKey: string;
}

export interface VoteRequest {
  memberId: string;
  itemId: string;
  choice: Choice;
  /** One per user request (e.g. the form's nonce); a retried request writes history once. */
  idempotencyKey: string;
}

// ---------------------------------------------------------------- opinions, dissents, protocol

/** п. 2.7: a written opinion of an absent member on one agenda item. */
export interface WrittenOpinion {
  memberId: string;
  itemId: string;
  text: string;
  submittedAt: Instant;
  /** Always true for stored opinions: late ones are refused by the write itself (п. 2.7). */
  inTime: boolean;
}

/** One per absent member: carries the deadline the write is checked against. */
export interface OpinionBox {
  memberId: string;
  deadline: Instant;
  opinions: Record<string, WrittenOpinion>;
}

/** п. 2.6ж: особое мнение, until signing ends. */
export interface DissentRecord {
  memberId: string;
  /** The agenda item it concerns; absent = the protocol as a whole. */
  itemId?: string;
  text: string;
  submittedAt: Instant;
}

export interface ItemNarrative {
  /** СЛУШАЛИ */
  heard: string;
  /** ВЫСТУПИЛИ */
  spoke: string;
}

export interface ProtocolSignature {
  at: Instant;
  /** SHA-256 of the exact version signed. */
  hash: string;
  /** The personal link used to sign (evidence, SPEC «Links»). */
  linkId: string;
}

export interface ProtocolBody {
  /** Hex SHA-256 of the rendered document. */
  hash: string;
  html?: string;
  text?: string;
  /** Where the body lives when it is too large for the item (e.g. an S3 key). */
  bodyPointer?: string;
  narrative: Record<string, ItemNarrative>;
  editedBy: string;
}

/** Immutable copy of every version, for the audit. */
export interface ProtocolVersionRecord extends ProtocolBody {
  meetingId: string;
  version: number;
  createdAt: Instant;
}

/** The current protocol of a meeting. */
export interface ProtocolRecord extends ProtocolVersionRecord {
  /** memberId → signature on THIS version; emptied by every new version. */
  signatures: Record<string, ProtocolSignature>;
  dissents: Record<string, DissentRecord>;
  /** п. 2.5е, 3.4: signatures and dissents accepted until this instant; none before the signature phase sets it. */
  signingDeadline?: Instant;
  finalisedAt?: Instant;
}

// ---------------------------------------------------------------- links, e-mails, audit

export interface LinkRecord {
  id: string;
  meetingId: string;
  memberId: string;
  purpose: string;
  expiresAt: Instant;
  /** Meeting revision the link was made for. */
  revision: number;
  createdAt: Instant;
  usedAt?: Instant;
  revokedAt?: Instant;
}

export type NewLink = Omit<LinkRecord, 'createdAt' | 'usedAt' | 'revokedAt'>;

export interface SendRecord {
  key: string;
  state: 'claimed' | 'sent';
  meta: Record<string, string>;
  claimedAt: Instant;
  sentAt?: Instant;
  messageId?: string;
}

export interface AuditEntry {
  meetingId: string;
  /** Time-sortable id: ISO instant + random suffix. */
  id: string;
  at: Instant;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

export interface AuditInput {
  actor: string;
  action: string;
  detail?: Record<string, unknown>;
}

/** Everything in a meeting's partition, read with one Query. */
export interface MeetingBundle {
  meeting: MeetingRecord;
  /** Sorted by `order`. */
  agenda: AgendaItemRecord[];
  /** Sorted by createdAt. */
  proposals: ProposalRecord[];
  invitees: InviteeRecord[];
  attendance: Record<string, AttendanceMark>;
  ballotBox: BallotBox;
  /** All accepted written opinions, sorted by member then item. */
  opinions: WrittenOpinion[];
  dissents: DissentRecord[];
  protocol: ProtocolRecord | null;
}
