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
  /** Bumped by every roster replace; 0 for a group stored with its roster inside the group item. */
  rosterRevision: number;
  memberCount: number;
  createdAt: Instant;
  updatedAt: Instant;
}

/** The group item alone: names, settings, counter and roster revision, without the roster. */
export type GroupHeader = Omit<GroupRecord, 'members'>;

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
  /** п. 2.3в: the agenda items the approval approved, recorded with it in one write (store.approveAgenda). */
  approvedItemIds?: string[];
  /** Moment of finalisation of the protocol = the signing date (SPEC «Protocol» step 6). */
  signedAt?: Instant;
  distributedAt?: Instant;
  /** The phase a failed meeting was in when its step failed (to resume from). */
  failedPhase?: MeetingPhase;
  /** The last failure (RecordFailure): numbered, so its audit entry and e-mail are written once. */
  failure?: MeetingFailure;
  /** When the secretary last resumed the meeting: its steps retry for a while even past their deadlines. */
  resumedAt?: Instant;
  /** A working-day deadline that could not be computed when it was needed: the year with no calendar. */
  deadlinesNotComputable?: Partial<Record<WorkingDayDeadline, { missingYear: number }>>;
  createdAt: Instant;
  updatedAt: Instant;
}

export interface MeetingFailure {
  /** 1 for the meeting's first failure, then 2, …: the key of its audit entry and its e-mail. */
  seq: number;
  /** The task that failed (functions/app/steps/step-deadlines.ts StepName), when it said so. */
  step?: string;
  /** Step Functions' error name (e.g. StepDeadlinePassed, DistributionDeadlineMissed). */
  error: string;
  message: string;
  at: Instant;
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
  failure?: MeetingFailure;
  resumedAt?: Instant;
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
  /** What the item is about and why (a proposer's reasons, kept when the proposal is accepted). */
  description?: string;
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
  /** For an agenda-item proposal, its parts as the member gave them: the accepted item keeps them all. */
  item?: ProposedItem;
  /** For an invitation proposal: who should be invited. */
  invitee?: Omit<Invitee, 'id'>;
  createdAt: Instant;
  status: ProposalStatus;
  decidedBy?: string;
  decidedAt?: Instant;
}

/** An agenda item as a member proposes it (п. 2.6г): the item, its reasons, a draft decision, a speaker. */
export interface ProposedItem {
  title: string;
  description?: string;
  decision?: string;
  speaker?: string;
}

export type NewProposal = Omit<ProposalRecord, 'createdAt' | 'status' | 'decidedBy' | 'decidedAt'>;

export type InviteeRecord = Invitee;

// ---------------------------------------------------------------- attendance, votes, written opinions

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
}

/** One accepted change of one vote, kept on the member's item (п. 3.2: the last one counts). */
export interface VoteChange {
  itemId: string;
  choice: Choice;
  at: Instant;
}

/** п. 2.7: a written opinion of an absent member on one agenda item. */
export interface WrittenOpinion {
  memberId: string;
  itemId: string;
  text: string;
  submittedAt: Instant;
  /** Always true for stored opinions: late ones are refused by the write itself (п. 2.7). */
  inTime: boolean;
}

/**
 * What a member's item is checked against, copied from the meeting when the item is made or the
 * meeting moved (a write carries the revision it was made for).
 */
export interface MemberTerms {
  revision: number;
  /** Votes and attendance are accepted until this instant (the meeting's voteCloses). */
  closesAt: Instant;
  /** п. 2.7: written opinions are accepted until this instant. */
  opinionsDeadline: Instant;
}

/**
 * One item per member of a meeting (functions/store/ballots.ts): everything the member says about the
 * meeting, so each of their actions is one conditional write on it and no item grows with the roster.
 */
export interface MemberBallot extends MemberTerms {
  meetingId: string;
  memberId: string;
  attendance?: AttendanceMark;
  /** itemId → the current vote. Its presence makes the member a voter (set when voting opens). */
  votes?: Record<string, CastVote>;
  /** Every accepted change, oldest first, appended by the same write that changes the vote. */
  history: VoteChange[];
  /** itemId → the member's written opinion. */
  opinions: Record<string, WrittenOpinion>;
  /** Bumped by every opinion write (optimistic lock: the total size of the opinions is bounded). */
  opinionsVersion?: number;
  /** Set when voting closes: the item accepts nothing after it (п. 3.3). */
  closedAt?: Instant;
}

/** What voting is about; one small item per meeting. */
export interface BallotHeader {
  meetingId: string;
  /** The agenda items that can be voted on, in agenda order; titles cut to a bounded length. */
  items: { id: string; title: string }[];
  openedAt?: Instant;
  closesAt?: Instant;
  /** Voting closed: no member item takes a write after it… */
  closedAt?: Instant;
  /** …and every member item carries the seal (closeVoting finished). */
  sealedAt?: Instant;
}

/**
 * The votes and attendance of a meeting, assembled from the header and the member items (one Query).
 * Frozen once closedAt is set (п. 3.3: participants are frozen when voting closes).
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

/** One entry of the vote history of a meeting (the audit trail of vote changes, п. 3.2). */
export interface VoteHistoryEntry extends VoteChange {
  memberId: string;
}

/** The per-member facts of a meeting, read with one Query of the member partition. */
export interface MemberFacts {
  ballotBox: BallotBox;
  /** All accepted written opinions, sorted by member then item. */
  opinions: WrittenOpinion[];
  /** Every vote change, oldest first. */
  voteHistory: VoteHistoryEntry[];
}

// ---------------------------------------------------------------- dissents, protocol

/** п. 2.6ж: особое мнение, until signing ends. Stored on the member's signer item (one per member). */
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

/**
 * One protocol version as DynamoDB knows it: keys and hashes only. The signable HTML and the
 * narrative (СЛУШАЛИ / ВЫСТУПИЛИ) live in the document store (S3) under content-addressed keys.
 */
export interface ProtocolVersionRecord {
  meetingId: string;
  version: number;
  /** Hex SHA-256 of the signable HTML (what is signed). */
  hash: string;
  htmlKey: string;
  narrativeKey: string;
  /** Hex SHA-256 of the narrative JSON stored under narrativeKey. */
  narrativeSha256: string;
  editedBy: string;
  createdAt: Instant;
}

/** What a new version needs: its documents already stored (the store keeps only keys and hashes). */
export type NewProtocolVersion = Omit<ProtocolVersionRecord, 'meetingId' | 'version' | 'createdAt'>;

/** The final protocol as distributed (п. 3.4), stored once. */
export interface SignedProtocolDocuments {
  pdfKey: string;
  pdfSha256: string;
  htmlKey: string;
  htmlSha256: string;
  /** The distribution time the documents state (a retried distribution keeps it). */
  sentAt: Instant;
}

/** The protocol header: the current version with the state of signing. */
export interface ProtocolHeader extends ProtocolVersionRecord {
  /** How many signer items the current version is bound to (completion = that many valid signatures). */
  signerCount: number;
  /** Signatures counted on this version (countSignature); 0 when the version is saved. Absent on headers saved before counting. */
  signedCount?: number;
  /** п. 2.5е, 3.4: signatures and dissents accepted until this instant; none before the signature phase sets it. */
  signingDeadline?: Instant;
  finalisedAt?: Instant;
  signed?: SignedProtocolDocuments;
}

/**
 * One per signer (п. 3.4): bound to the version and hash the signer must sign. A new version
 * re-binds it and voids its signature; finalisation closes it.
 */
export interface SignerRecord {
  memberId: string;
  version: number;
  expectedHash: string;
  signingDeadline: Instant;
  signature?: ProtocolSignature;
  /** Every signature this member gave, on any version (its hash names it): evidence that survives re-binding. */
  signedVersions?: ProtocolSignature[];
  dissent?: DissentRecord;
  /** Set at finalisation: nothing more is accepted on this item. */
  closedAt?: Instant;
}

/** The current protocol as consumers read it: the header and the signatures valid on its hash. */
export interface ProtocolRecord extends ProtocolHeader {
  /** memberId → signature on THIS version's hash. */
  signatures: Record<string, ProtocolSignature>;
}

/** The header, every signer item and the dissents, read with one Query. */
export interface ProtocolState {
  protocol: ProtocolRecord;
  signers: SignerRecord[];
  /** Sorted by memberId. */
  dissents: DissentRecord[];
}

// ---------------------------------------------------------------- links, e-mails, audit

export interface LinkRecord {
  id: string;
  meetingId: string;
  /** The meeting's group, so a link page reads the meeting, the group and the member's item in one batch. */
  groupId?: string;
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

/** One e-mail of the send ledger (mail-ledger.ts); 'claimed' is the shape before leases (an unknown outcome). */
export interface SendRecord {
  key: string;
  state: 'sending' | 'sent' | 'claimed';
  meta: Record<string, string>;
  claimedAt: Instant;
  /** While sending: until when this attempt owns the e-mail. */
  leaseUntil?: Instant;
  /** Attempts that took the lease (each reached SES at most once). */
  attempts?: number;
  /** Attempts SES refused cleanly (nothing sent); every other attempt but the recorded one had an unknown outcome. */
  refusals?: number;
  lastOutcome?: 'refused' | 'unknown';
  lastError?: string;
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

/** Everything about a meeting: its partition, its member items and its protocol, one Query each. */
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
  /** Every vote change, oldest first (from the member items). */
  voteHistory: VoteHistoryEntry[];
  dissents: DissentRecord[];
  protocol: ProtocolRecord | null;
}
