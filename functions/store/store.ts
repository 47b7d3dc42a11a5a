/**
 * KvorumStore: the typed repository over the one Kvorum table (single-table design).
 * Key layout and access patterns: ACCESS_PATTERNS.md beside this file.
 *
 * Design constraints (dynalite is the local emulator): no TransactWriteItems, no PartiQL, no TTL
 * expiry, no ReturnValuesOnConditionCheckFailure. Every invariant is guarded by a conditional write
 * on ONE item; where a flow touches several items, it is ordered so that a crash leaves a state a
 * retry completes, never a broken invariant.
 */
import { randomBytes } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../lib/clock.ts';
import { defaultGroupSettings } from '../domain/deadlines.ts';
import type { Group, Instant, Invitee } from '../domain/types.ts';
import { marshall, type Item } from './attributes.ts';
import { ConditionFailedError, isConditionalCheckFailed } from './errors.ts';
import { Expr } from './expression.ts';
import { GSI_ACTIVE, GSI_LISTINGS } from './table.ts';
import { ACTIVE_PARTITION, GROUPS_PARTITION, keys, strip } from './keys.ts';
import { TableAccess } from './table-access.ts';
import {
  isTerminalPhase,
  TERMINAL_PHASES,
  type AddressStatus,
  type AgendaItemRecord,
  type AttendanceMark,
  type AttendanceStatus,
  type AuditEntry,
  type AuditInput,
  type BallotBox,
  type CastVote,
  type DissentRecord,
  type GroupRecord,
  type GroupWithAddresses,
  type InviteeRecord,
  type LinkRecord,
  type MeetingBundle,
  type MeetingChanges,
  type MeetingExpectation,
  type MeetingMove,
  type MeetingRecord,
  type NewLink,
  type NewMeeting,
  type NewProposal,
  type OpinionBox,
  type ProposalRecord,
  type ProposalStatus,
  type ProtocolBody,
  type ProtocolRecord,
  type ProtocolSignature,
  type ProtocolVersionRecord,
  type SendRecord,
  type VoteHistoryEntry,
  type VoteRequest,
  type WrittenOpinion,
} from './records.ts';

export interface KvorumStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  clock: Clock;
  /**
   * A send/task claim older than this is considered abandoned (the process died between claim and
   * send) and may be claimed again. Default 15 minutes = the longest a Lambda can run.
   */
  staleClaimMs?: number;
  /** Random suffix of audit keys (tests inject collisions). Default: 12 hex digits from crypto. */
  randomSuffix?: () => string;
}

export class KvorumStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly staleClaimMs: number;
  private auditSequence = 0;
  private readonly randomSuffix: () => string;
  /** Low-level table access the aggregate repositories share. */
  readonly table: TableAccess;

  constructor(options: KvorumStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock;
    this.staleClaimMs = options.staleClaimMs ?? 15 * 60 * 1000;
    this.randomSuffix = options.randomSuffix ?? (() => randomBytes(6).toString('hex'));
    this.table = new TableAccess(options.client, options.tableName, options.clock);
  }

  // ============================================================ groups and rosters

  /** Creates or replaces a group's settings and roster; keeps its meeting counter and creation time. */
  async putGroup(group: Group): Promise<GroupRecord> {
    const now = this.table.stamp();
    const e = new Expr()
      .set(['bodyName'], group.bodyName)
      .set(['name'], group.name)
      .set(['settings'], group.settings)
      .set(['members'], group.members)
      .set(['updatedAt'], now)
      .setIfMissing(['createdAt'], now)
      .setIfMissing(['meetingCounter'], 0)
      .set(['id'], group.id)
      .set(['gsi1pk'], GROUPS_PARTITION)
      .set(['gsi1sk'], `GROUP#${group.id}`);
    const item = await this.table.update(keys.group(group.id), e);
    return strip<GroupRecord>(item ?? {});
  }

  /** The group with the delivery status of its addresses (one Query on the group's partition). */
  async getGroup(groupId: string): Promise<GroupWithAddresses | null> {
    const items = await this.table.queryPartition(keys.group(groupId).pk);
    let group: GroupRecord | null = null;
    const addresses: Record<string, AddressStatus> = {};
    for (const item of items) {
      const sk = item.sk?.S ?? '';
      if (sk === 'GROUP') {
        const stored = strip<GroupRecord>(item);
        // Settings added later take their defaults on groups stored before them.
        group = { ...stored, settings: { ...defaultGroupSettings, ...stored.settings } };
      }
      else if (sk.startsWith('ADDRESS#')) {
        const status = strip<AddressStatus>(item);
        addresses[status.email] = status;
      }
    }
    return group ? { ...group, addresses } : null;
  }

  async listGroups(): Promise<GroupRecord[]> {
    const items = await this.table.queryIndex(GSI_LISTINGS, GROUPS_PARTITION);
    return items.map((item) => strip<GroupRecord>(item));
  }

  /** Records that mail to this address bounces or is complained about (the mailer then skips or warns). */
  async markAddressFailing(groupId: string, email: string, reason: string): Promise<AddressStatus> {
    return this.setAddressStatus(groupId, email, { state: 'failing', reason });
  }

  /** Clears a failing mark (e.g. the secretary fixed the address). */
  async markAddressOk(groupId: string, email: string): Promise<AddressStatus> {
    return this.setAddressStatus(groupId, email, { state: 'ok' });
  }

  private async setAddressStatus(
    groupId: string,
    email: string,
    status: Pick<AddressStatus, 'state' | 'reason'>,
  ): Promise<AddressStatus> {
    const normalised = email.trim().toLowerCase();
    const record: AddressStatus = { email: normalised, ...status, updatedAt: this.table.stamp() };
    await this.client.send(
      new PutItemCommand({ TableName: this.tableName, Item: marshall({ ...keys.address(groupId, normalised), ...record }) }),
    );
    return record;
  }

  // ============================================================ meetings

  /**
   * Creates a meeting (its id must be new), its ballot box, and allocates its sequential number.
   * Order: group check → ballot box (harmless if orphaned) → meeting (conditional: must not exist)
   * → number (atomic counter on the group item). A duplicate create fails before taking a number.
   */
  async createMeeting(input: NewMeeting): Promise<MeetingRecord> {
    const group = await this.table.get<GroupRecord>(keys.group(input.groupId));
    if (!group) throw new ConditionFailedError('createMeeting', 'group-not-found');
    const now = this.table.stamp();
    const ballot: BallotBox = { meetingId: input.id, itemIds: [], votes: {}, attendance: {} };
    await this.table.putNew({ ...keys.ballot(input.id), ...ballot });

    const phase = input.phase ?? 'convened';
    const record: Omit<MeetingRecord, 'number'> = {
      ...input,
      phase,
      revision: 1,
      taskTokens: {},
      createdAt: now,
      updatedAt: now,
    };
    const created = await this.table.putNew({
      ...keys.meeting(input.id),
      ...record,
      gsi1pk: keys.meetingsOfGroup(input.groupId),
      gsi1sk: keys.meetingSortKey(input.startsAt, input.id),
      ...(isTerminalPhase(phase) ? {} : { gsi2pk: ACTIVE_PARTITION, gsi2sk: keys.meetingSortKey(input.startsAt, input.id) }),
    });
    if (!created) throw new ConditionFailedError('createMeeting', 'exists', `Meeting ${input.id} already exists`);
    return this.ensureMeetingNumber(input.id);
  }

  /**
   * Gives the meeting its sequential number if it has none yet (createMeeting calls it; a retry after a
   * crash between creation and numbering calls it again). Numbers come from ADD on the group item.
   */
  async ensureMeetingNumber(meetingId: string): Promise<MeetingRecord> {
    const meeting = await this.getMeeting(meetingId);
    if (!meeting) throw new ConditionFailedError('ensureMeetingNumber', 'not-found');
    if (meeting.number !== null) return meeting;

    const counter = new Expr().add(['meetingCounter'], 1);
    const groupItem = await this.table.update(keys.group(meeting.groupId), counter, `attribute_exists(${counter.n('pk')})`);
    if (!groupItem) throw new ConditionFailedError('ensureMeetingNumber', 'group-not-found');
    const number = Number(groupItem.meetingCounter?.N);

    const e = new Expr().set(['number'], number);
    const updated = await this.table.update(
      keys.meeting(meetingId),
      e,
      `attribute_exists(${e.n('pk')}) AND attribute_not_exists(${e.n('number')})`,
    );
    // Numbered concurrently by another caller: theirs stands (this number stays unused).
    return updated ? this.toMeeting(updated) : ((await this.getMeeting(meetingId)) as MeetingRecord);
  }

  private toMeeting(item: Item): MeetingRecord {
    const record = strip<MeetingRecord>(item);
    return { ...record, number: record.number ?? null, taskTokens: record.taskTokens ?? {} };
  }

  async getMeeting(meetingId: string): Promise<MeetingRecord | null> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.meeting(meetingId)), ConsistentRead: true }),
    );
    return item ? this.toMeeting(item) : null;
  }

  /** Meetings of a group, by start time. */
  async listMeetingsByGroup(groupId: string): Promise<MeetingRecord[]> {
    const items = await this.table.queryIndex(GSI_LISTINGS, keys.meetingsOfGroup(groupId));
    return items.map((item) => this.toMeeting(item));
  }

  /** Every meeting whose phase is not terminal (sparse index), by start time: resume after a restart. */
  async listActiveMeetings(): Promise<MeetingRecord[]> {
    const items = await this.table.queryIndex(GSI_ACTIVE, ACTIVE_PARTITION);
    return items.map((item) => this.toMeeting(item));
  }

  /** Condition text for the expected phase/revision, plus existence. */
  private expectation(e: Expr, expected: MeetingExpectation): string {
    const parts = [`attribute_exists(${e.n('pk')})`];
    if (expected.phase !== undefined) parts.push(`${e.n('phase')} = ${e.v(expected.phase)}`);
    if (expected.revision !== undefined) parts.push(`${e.n('revision')} = ${e.v(expected.revision)}`);
    return parts.join(' AND ');
  }

  private async meetingConditionFailure(operation: string, meetingId: string): Promise<ConditionFailedError> {
    const current = await this.getMeeting(meetingId);
    if (!current) return new ConditionFailedError(operation, 'not-found');
    return new ConditionFailedError(
      operation,
      'stale',
      `${operation}: meeting ${meetingId} is in phase ${current.phase}, revision ${current.revision}`,
    );
  }

  /**
   * Changes a meeting only if it is still in the expected phase/revision; throws
   * ConditionFailedError('stale' | 'not-found') otherwise. A terminal phase removes it from the
   * active-meetings index.
   */
  async updateMeeting(meetingId: string, expected: MeetingExpectation, changes: MeetingChanges): Promise<MeetingRecord> {
    const e = new Expr();
    for (const [field, value] of Object.entries(changes)) e.set([field], value);
    e.set(['updatedAt'], this.table.stamp());
    if (changes.phase && isTerminalPhase(changes.phase)) e.remove(['gsi2pk']).remove(['gsi2sk']);
    // Back to an active phase (a failed meeting resumed): into the active index again, same sort key.
    else if (changes.phase) e.set(['gsi2pk'], ACTIVE_PARTITION).setRaw(['gsi2sk'], e.n('gsi1sk'));
    const item = await this.table.update(keys.meeting(meetingId), e, this.expectation(e, expected));
    if (!item) throw await this.meetingConditionFailure('updateMeeting', meetingId);
    return this.toMeeting(item);
  }

  /** Stores a Step Functions task token for a phase waiting on a person. */
  async setTaskToken(meetingId: string, phase: 'approval' | 'signatures', token: string | null): Promise<MeetingRecord> {
    const e = new Expr().set(['taskTokens', phase], token).set(['updatedAt'], this.table.stamp());
    const item = await this.table.update(keys.meeting(meetingId), e, `attribute_exists(${e.n('pk')})`);
    if (!item) throw new ConditionFailedError('setTaskToken', 'not-found');
    return this.toMeeting(item);
  }

  /**
   * Moves a meeting: new date/time/deadlines and revision + 1, only from the expected revision and
   * a non-terminal phase. Messages scheduled for the old revision then see the mismatch and stay
   * silent. The opinion boxes get the new opinion deadline (п. 2.7).
   */
  async moveMeeting(meetingId: string, expectedRevision: number, move: MeetingMove): Promise<MeetingRecord> {
    const e = new Expr()
      .set(['date'], move.date)
      .set(['time'], move.time)
      .set(['timeZone'], move.timeZone)
      .set(['place'], move.place)
      .set(['startsAt'], move.startsAt)
      .set(['deadlines'], move.deadlines)
      .set(['updatedAt'], this.table.stamp())
      .set(['gsi1sk'], keys.meetingSortKey(move.startsAt, meetingId))
      .set(['gsi2sk'], keys.meetingSortKey(move.startsAt, meetingId));
    e.setRaw(['revision'], `${e.n('revision')} + ${e.v(1)}`);
    const terminal = TERMINAL_PHASES.map((phase) => e.v(phase)).join(', ');
    const condition = `${this.expectation(e, { revision: expectedRevision })} AND NOT (${e.n('phase')} IN (${terminal}))`;
    const item = await this.table.update(keys.meeting(meetingId), e, condition);
    if (!item) throw await this.meetingConditionFailure('moveMeeting', meetingId);
    const moved = this.toMeeting(item);
    await this.syncOpinionDeadlines(moved);
    return moved;
  }

  // ============================================================ agenda, proposals, invitees

  /** Creates or replaces an agenda item. */
  async putAgendaItem(meetingId: string, item: Omit<AgendaItemRecord, 'updatedAt'>): Promise<AgendaItemRecord> {
    const record: AgendaItemRecord = { ...item, updatedAt: this.table.stamp() };
    await this.client.send(
      new PutItemCommand({ TableName: this.tableName, Item: marshall({ ...keys.agendaItem(meetingId, item.id), ...record }) }),
    );
    return record;
  }

  async deleteAgendaItem(meetingId: string, itemId: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: marshall(keys.agendaItem(meetingId, itemId)) }));
  }

  async listAgenda(meetingId: string): Promise<AgendaItemRecord[]> {
    const items = await this.table.queryPartition(keys.meetingPartition(meetingId), 'ITEM#');
    return items.map((item) => strip<AgendaItemRecord>(item)).sort((a, b) => a.order - b.order);
  }

  /** п. 2.3в: the chair approves the listed items (each must exist). */
  async approveAgendaItems(meetingId: string, itemIds: string[]): Promise<void> {
    for (const itemId of itemIds) {
      const e = new Expr().set(['approved'], true).set(['updatedAt'], this.table.stamp());
      const item = await this.table.update(keys.agendaItem(meetingId, itemId), e, `attribute_exists(${e.n('pk')})`);
      if (!item) throw new ConditionFailedError('approveAgendaItems', 'unknown-item', `No agenda item ${itemId}`);
    }
  }

  /** п. 2.6г: a member proposes an agenda item or an invitation (the id must be new). */
  async addProposal(meetingId: string, proposal: NewProposal): Promise<ProposalRecord> {
    const record: ProposalRecord = { ...proposal, createdAt: this.table.stamp(), status: 'pending' };
    if (!(await this.table.putNew({ ...keys.proposal(meetingId, proposal.id), ...record }))) {
      throw new ConditionFailedError('addProposal', 'exists');
    }
    return record;
  }

  /** Accepts or declines a pending proposal, once. */
  async decideProposal(
    meetingId: string,
    proposalId: string,
    status: Exclude<ProposalStatus, 'pending'>,
    decidedBy: string,
  ): Promise<ProposalRecord> {
    const e = new Expr().set(['status'], status).set(['decidedBy'], decidedBy).set(['decidedAt'], this.table.stamp());
    const condition = `attribute_exists(${e.n('pk')}) AND ${e.n('status')} = ${e.v('pending')}`;
    const item = await this.table.update(keys.proposal(meetingId, proposalId), e, condition);
    if (!item) {
      const exists = await this.table.get(keys.proposal(meetingId, proposalId));
      throw new ConditionFailedError('decideProposal', exists ? 'already-decided' : 'not-found');
    }
    return strip<ProposalRecord>(item);
  }

  async listProposals(meetingId: string): Promise<ProposalRecord[]> {
    const items = await this.table.queryPartition(keys.meetingPartition(meetingId), 'PROPOSAL#');
    return items.map((item) => strip<ProposalRecord>(item)).sort(byField('createdAt'));
  }

  async putInvitee(meetingId: string, invitee: Invitee): Promise<InviteeRecord> {
    await this.client.send(
      new PutItemCommand({ TableName: this.tableName, Item: marshall({ ...keys.invitee(meetingId, invitee.id), ...invitee }) }),
    );
    return invitee;
  }

  async deleteInvitee(meetingId: string, inviteeId: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: marshall(keys.invitee(meetingId, inviteeId)) }));
  }

  async listInvitees(meetingId: string): Promise<InviteeRecord[]> {
    const items = await this.table.queryPartition(keys.meetingPartition(meetingId), 'INVITEE#');
    return items.map((item) => strip<InviteeRecord>(item));
  }

  // ============================================================ attendance and votes

  /**
   * Records a member's attendance; refused once voting closed (the participants list is frozen, п. 3.3).
   * 'will-attend' and 'present' also make the member a voter (a member who first said "absent" and then
   * came may vote). 'absent' does not remove a vote already cast.
   */
  async setAttendance(meetingId: string, memberId: string, status: AttendanceStatus, by: string): Promise<BallotBox> {
    const mark: AttendanceMark = { status, by, at: this.table.stamp() };
    const e = new Expr().set(['attendance', memberId], mark);
    if (status !== 'absent') e.setIfMissing(['votes', memberId], {});
    const condition = `attribute_exists(${e.n('pk')}) AND attribute_not_exists(${e.n('closedAt')})`;
    const item = await this.table.update(keys.ballot(meetingId), e, condition);
    if (!item) throw await this.ballotFailure('setAttendance', meetingId);
    return strip<BallotBox>(item);
  }

  /**
   * Opens voting (п. 2.6б): fixes the items that can be voted on and the voters (members not recorded
   * absent). Calling it again adds voters/items; refused after close.
   */
  async openVoting(meetingId: string, options: { itemIds: string[]; voterIds: string[] }): Promise<BallotBox> {
    const e = new Expr().set(['itemIds'], options.itemIds).setIfMissing(['openedAt'], this.table.stamp());
    for (const voterId of options.voterIds) e.setIfMissing(['votes', voterId], {});
    const condition = `attribute_exists(${e.n('pk')}) AND attribute_not_exists(${e.n('closedAt')})`;
    const item = await this.table.update(keys.ballot(meetingId), e, condition);
    if (!item) throw await this.ballotFailure('openVoting', meetingId);
    return strip<BallotBox>(item);
  }

  /**
   * Casts (or changes) a vote (п. 3.2: the last one counts until voting closes). The write itself refuses
   * a vote after close, before open, from a non-voter or on an unknown item. Each accepted cast appends
   * a vote-history item keyed by the request's idempotency key: a retried request is recognised and
   * changes nothing.
   */
  async castVote(meetingId: string, request: VoteRequest): Promise<{ recorded: boolean; vote: CastVote }> {
    const historyKey = keys.voteHistory(meetingId, request.memberId, request.idempotencyKey);
    const previous = await this.table.get<VoteHistoryEntry>(historyKey);
    if (previous) {
      return { recorded: false, vote: { choice: previous.choice, at: previous.at, key: previous.idempotencyKey } };
    }
    const vote: CastVote = { choice: request.choice, at: this.table.stamp(), key: request.idempotencyKey };
    const e = new Expr().set(['votes', request.memberId, request.itemId], vote);
    const condition = [
      `attribute_exists(${e.n('openedAt')})`,
      `attribute_not_exists(${e.n('closedAt')})`,
      `attribute_exists(${e.n('votes', request.memberId)})`,
      `contains(${e.n('itemIds')}, ${e.v(request.itemId)})`,
    ].join(' AND ');
    const item = await this.table.update(keys.ballot(meetingId), e, condition);
    if (!item) throw await this.ballotFailure('castVote', meetingId, request);
    // The ballot is the truth; the history entry follows. A crash in between: the retry re-applies the
    // same vote and then writes the entry.
    const entry: VoteHistoryEntry = {
      meetingId,
      memberId: request.memberId,
      itemId: request.itemId,
      choice: request.choice,
      at: vote.at,
      idempotencyKey: request.idempotencyKey,
    };
    await this.table.putNew({ ...historyKey, ...entry });
    return { recorded: true, vote };
  }

  /** Explains why a ballot-box write was refused (dynalite lacks ReturnValuesOnConditionCheckFailure). */
  private async ballotFailure(operation: string, meetingId: string, vote?: VoteRequest): Promise<ConditionFailedError> {
    const box = await this.table.get<BallotBox>(keys.ballot(meetingId));
    if (!box) return new ConditionFailedError(operation, 'not-found');
    if (box.closedAt) return new ConditionFailedError(operation, 'voting-closed');
    if (vote) {
      if (!box.openedAt) return new ConditionFailedError(operation, 'voting-not-open');
      if (!box.votes[vote.memberId]) return new ConditionFailedError(operation, 'not-a-voter');
      if (!box.itemIds.includes(vote.itemId)) return new ConditionFailedError(operation, 'unknown-item');
    }
    return new ConditionFailedError(operation, 'stale');
  }

  /**
   * Closes voting: sets closedAt once and returns the frozen box (votes and attendance). Idempotent:
   * closing again returns the box as frozen the first time.
   */
  async closeVoting(meetingId: string): Promise<BallotBox> {
    const e = new Expr().set(['closedAt'], this.table.stamp());
    const condition = `attribute_exists(${e.n('pk')}) AND attribute_not_exists(${e.n('closedAt')})`;
    const item = await this.table.update(keys.ballot(meetingId), e, condition);
    if (item) return strip<BallotBox>(item);
    const box = await this.getBallotBox(meetingId);
    if (!box) throw new ConditionFailedError('closeVoting', 'not-found');
    return box;
  }

  async getBallotBox(meetingId: string): Promise<BallotBox | null> {
    return this.table.get<BallotBox>(keys.ballot(meetingId));
  }

  /** Every accepted cast, oldest first (the audit trail of vote changes, п. 3.2 / SPEC step 5). */
  async listVoteHistory(meetingId: string): Promise<VoteHistoryEntry[]> {
    const items = await this.table.queryPartition(keys.votesPartition(meetingId));
    return items
      .map((item) => strip<VoteHistoryEntry>(item))
      .sort((a, b) => compare(a.at, b.at) || compare(a.idempotencyKey, b.idempotencyKey));
  }

  // ============================================================ written opinions (п. 2.7)

  /**
   * Opens (idempotently) the opinion box of an absent member; it carries the meeting's opinion deadline,
   * which every write is checked against.
   */
  async openOpinionBox(meetingId: string, memberId: string): Promise<OpinionBox> {
    const existing = await this.table.get<OpinionBox>(keys.opinionBox(meetingId, memberId));
    if (existing) return existing;
    const meeting = await this.getMeeting(meetingId);
    if (!meeting) throw new ConditionFailedError('openOpinionBox', 'not-found');
    const box: OpinionBox = { memberId, deadline: meeting.deadlines.opinions, opinions: {} };
    await this.table.putNew({ ...keys.opinionBox(meetingId, memberId), ...box });
    return (await this.table.get<OpinionBox>(keys.opinionBox(meetingId, memberId))) as OpinionBox;
  }

  /**
   * п. 2.7: stores a written opinion on one agenda item; the write is refused (reason 'deadline-passed')
   * when the clock is past the box's deadline. Resubmitting before the deadline replaces the text.
   */
  async submitOpinion(meetingId: string, opinion: { memberId: string; itemId: string; text: string }): Promise<WrittenOpinion> {
    await this.openOpinionBox(meetingId, opinion.memberId);
    const record: WrittenOpinion = { ...opinion, submittedAt: this.table.stamp(), inTime: true };
    const e = new Expr().set(['opinions', opinion.itemId], record);
    const condition = `attribute_exists(${e.n('pk')}) AND ${e.n('deadline')} >= ${e.v(this.table.nowForDeadline())}`;
    const item = await this.table.update(keys.opinionBox(meetingId, opinion.memberId), e, condition);
    if (!item) throw new ConditionFailedError('submitOpinion', 'deadline-passed', 'The deadline for written opinions has passed (п. 2.7)');
    return record;
  }

  async listOpinions(meetingId: string): Promise<WrittenOpinion[]> {
    const items = await this.table.queryPartition(keys.meetingPartition(meetingId), 'OPINIONS#');
    return flattenOpinions(items.map((item) => strip<OpinionBox>(item)));
  }

  private async syncOpinionDeadlines(meeting: MeetingRecord): Promise<void> {
    const boxes = await this.table.queryPartition(keys.meetingPartition(meeting.id), 'OPINIONS#');
    for (const box of boxes) {
      const memberId = strip<OpinionBox>(box).memberId;
      const e = new Expr().set(['deadline'], meeting.deadlines.opinions);
      await this.table.update(keys.opinionBox(meeting.id, memberId), e, `attribute_exists(${e.n('pk')})`);
    }
  }

  // ============================================================ protocol, signatures, dissents

  async getProtocol(meetingId: string): Promise<ProtocolRecord | null> {
    return this.table.get<ProtocolRecord>(keys.protocol(meetingId));
  }

  async getProtocolVersion(meetingId: string, version: number): Promise<ProtocolVersionRecord | null> {
    return this.table.get<ProtocolVersionRecord>(keys.protocolVersion(meetingId, version));
  }

  /** Every version ever current, oldest first (immutable copies). */
  async listProtocolVersions(meetingId: string): Promise<ProtocolVersionRecord[]> {
    const items = await this.table.queryPartition(keys.protocolVersions(meetingId));
    return items.map((item) => strip<ProtocolVersionRecord>(item));
  }

  private async archiveProtocolVersion(record: ProtocolVersionRecord): Promise<void> {
    const copy: ProtocolVersionRecord = {
      meetingId: record.meetingId,
      version: record.version,
      createdAt: record.createdAt,
      hash: record.hash,
      html: record.html,
      text: record.text,
      bodyPointer: record.bodyPointer,
      narrative: record.narrative,
      editedBy: record.editedBy,
    };
    await this.table.putNew({ ...keys.protocolVersion(record.meetingId, record.version), ...copy });
  }

  /**
   * Writes a new protocol version (expectedVersion = the version the editor saw, 0 for the first draft).
   * п. 2.5е / SPEC step 6: any edit voids all signatures — the new version starts with none. Dissents
   * stay. Refused when stale ('stale') or finalised ('finalised'). Every version is kept as an immutable
   * copy; the current one is archived before it is replaced, so a crash never loses a version.
   */
  async saveProtocolVersion(meetingId: string, expectedVersion: number, body: ProtocolBody): Promise<ProtocolRecord> {
    const current = await this.getProtocol(meetingId);
    if (current?.finalisedAt) throw new ConditionFailedError('saveProtocolVersion', 'finalised');
    if ((current?.version ?? 0) !== expectedVersion) throw new ConditionFailedError('saveProtocolVersion', 'stale');
    const version = expectedVersion + 1;
    const createdAt = this.table.stamp();
    const content = {
      meetingId,
      version,
      createdAt,
      hash: body.hash,
      html: body.html ?? null,
      text: body.text ?? null,
      bodyPointer: body.bodyPointer ?? null,
      narrative: body.narrative,
      editedBy: body.editedBy,
    };
    let item: Item | null;
    if (!current) {
      const meeting = await this.getMeeting(meetingId);
      if (!meeting) throw new ConditionFailedError('saveProtocolVersion', 'not-found');
      const record: ProtocolRecord = {
        ...content,
        html: body.html,
        text: body.text,
        bodyPointer: body.bodyPointer,
        signatures: {},
        dissents: {},
        ...(meeting.deadlines.signatures ? { signingDeadline: meeting.deadlines.signatures } : {}),
      };
      item = (await this.table.putNew({ ...keys.protocol(meetingId), ...record })) ? marshall({ ...record }) : null;
    } else {
      await this.archiveProtocolVersion(current);
      const e = new Expr();
      for (const [field, value] of Object.entries(content)) e.set([field], value);
      e.set(['signatures'], {});
      const condition = `${e.n('version')} = ${e.v(expectedVersion)} AND attribute_not_exists(${e.n('finalisedAt')})`;
      item = await this.table.update(keys.protocol(meetingId), e, condition);
    }
    if (!item) {
      const now = await this.getProtocol(meetingId);
      throw new ConditionFailedError('saveProtocolVersion', now?.finalisedAt ? 'finalised' : 'stale');
    }
    const saved = strip<ProtocolRecord>(item);
    await this.archiveProtocolVersion(saved);
    return saved;
  }

  /**
   * A member signs the exact version they read (SPEC step 6): refused unless the version AND its hash
   * are still current, the protocol is not finalised and the signing deadline has not passed.
   * Signing the same version again is a no-op that returns the first signature.
   */
  async signProtocol(
    meetingId: string,
    memberId: string,
    version: number,
    hash: string,
    linkId: string,
  ): Promise<ProtocolSignature> {
    const signature: ProtocolSignature = { at: this.table.stamp(), hash, linkId };
    const e = new Expr().set(['signatures', memberId], signature);
    const condition = [
      `${e.n('version')} = ${e.v(version)}`,
      `${e.n('hash')} = ${e.v(hash)}`,
      `attribute_not_exists(${e.n('finalisedAt')})`,
      `${e.n('signingDeadline')} >= ${e.v(this.table.nowForDeadline())}`,
      `attribute_not_exists(${e.n('signatures', memberId)})`,
    ].join(' AND ');
    const item = await this.table.update(keys.protocol(meetingId), e, condition);
    if (item) return signature;
    const current = await this.getProtocol(meetingId);
    if (!current) throw new ConditionFailedError('signProtocol', 'not-found');
    if (current.version !== version || current.hash !== hash) throw new ConditionFailedError('signProtocol', 'stale');
    const existing = current.signatures[memberId];
    if (existing) return existing;
    if (current.finalisedAt) throw new ConditionFailedError('signProtocol', 'finalised');
    throw new ConditionFailedError('signProtocol', 'deadline-passed');
  }

  /** п. 2.6ж: a member's dissenting opinion (особое мнение), accepted until signing ends. */
  async submitDissent(meetingId: string, memberId: string, text: string, itemId?: string): Promise<DissentRecord> {
    const dissent: DissentRecord = { memberId, ...(itemId ? { itemId } : {}), text, submittedAt: this.table.stamp() };
    const e = new Expr().set(['dissents', memberId], dissent);
    const condition = [
      `attribute_exists(${e.n('pk')})`,
      `attribute_not_exists(${e.n('finalisedAt')})`,
      `${e.n('signingDeadline')} >= ${e.v(this.table.nowForDeadline())}`,
    ].join(' AND ');
    const item = await this.table.update(keys.protocol(meetingId), e, condition);
    if (item) return dissent;
    const current = await this.getProtocol(meetingId);
    if (!current) throw new ConditionFailedError('submitDissent', 'not-found');
    throw new ConditionFailedError('submitDissent', current.finalisedAt ? 'finalised' : 'deadline-passed');
  }

  /**
   * Finalises the protocol (SPEC step 6: the moment of finalisation is the signing date). Idempotent:
   * returns the record as finalised the first time.
   */
  /**
   * The signature deadline computed when the signature phase starts (п. 2.5е, 3.4), for a protocol
   * drafted before it. A finalised protocol keeps its own: false.
   */
  async setSigningDeadline(meetingId: string, deadline: Instant): Promise<boolean> {
    const e = new Expr().set(['signingDeadline'], deadline);
    const condition = `attribute_exists(${e.n('pk')}) AND attribute_not_exists(${e.n('finalisedAt')})`;
    return (await this.table.update(keys.protocol(meetingId), e, condition)) !== null;
  }

  async finaliseProtocol(meetingId: string): Promise<ProtocolRecord> {
    const e = new Expr().set(['finalisedAt'], this.table.stamp());
    const condition = `attribute_exists(${e.n('pk')}) AND attribute_not_exists(${e.n('finalisedAt')})`;
    const item = await this.table.update(keys.protocol(meetingId), e, condition);
    if (item) return strip<ProtocolRecord>(item);
    const current = await this.getProtocol(meetingId);
    if (!current) throw new ConditionFailedError('finaliseProtocol', 'not-found');
    return current;
  }

  // ============================================================ links

  async putLink(link: NewLink): Promise<LinkRecord> {
    const record: LinkRecord = { ...link, createdAt: this.table.stamp() };
    const created = await this.table.putNew({
      ...keys.link(link.id),
      ...record,
      gsi1pk: keys.linksOfMeeting(link.meetingId),
      gsi1sk: `${link.memberId}#${link.purpose}#${link.id}`,
    });
    if (!created) throw new ConditionFailedError('putLink', 'exists');
    return record;
  }

  async getLink(linkId: string): Promise<LinkRecord | null> {
    return this.table.get<LinkRecord>(keys.link(linkId));
  }

  /** Revokes a link (idempotent: keeps the first revocation time). Returns false if there is no such link. */
  async revokeLink(linkId: string): Promise<boolean> {
    const e = new Expr().setIfMissing(['revokedAt'], this.table.stamp());
    return (await this.table.update(keys.link(linkId), e, `attribute_exists(${e.n('pk')})`)) !== null;
  }

  /**
   * Uses a one-shot link: refused unless it exists, was never used, is not revoked and has not expired.
   * Reasons: 'not-found' | 'already-used' | 'revoked' | 'expired'.
   */
  async markLinkUsed(linkId: string): Promise<LinkRecord> {
    const now = this.table.stamp();
    const e = new Expr().set(['usedAt'], now);
    const condition = [
      `attribute_exists(${e.n('pk')})`,
      `attribute_not_exists(${e.n('usedAt')})`,
      `attribute_not_exists(${e.n('revokedAt')})`,
      `${e.n('expiresAt')} >= ${e.v(this.table.nowForDeadline())}`,
    ].join(' AND ');
    const item = await this.table.update(keys.link(linkId), e, condition);
    if (item) return strip<LinkRecord>(item);
    const link = await this.getLink(linkId);
    const reason = !link ? 'not-found' : link.usedAt ? 'already-used' : link.revokedAt ? 'revoked' : 'expired';
    throw new ConditionFailedError('markLinkUsed', reason);
  }

  /** Links of a meeting (optionally of one member), via the listings index. */
  async listLinksForMeeting(meetingId: string, memberId?: string): Promise<LinkRecord[]> {
    const items = await this.table.queryIndex(GSI_LISTINGS, keys.linksOfMeeting(meetingId), memberId ? `${memberId}#` : undefined);
    return items.map((item) => strip<LinkRecord>(item));
  }

  /**
   * Revokes every not-yet-revoked link of a meeting (optionally only one purpose); returns how many.
   * The index is eventually consistent on AWS: a link created in the same instant may be missed, so
   * handlers also check the link's revision against the meeting's.
   */
  async revokeLinksForMeeting(meetingId: string, options: { purpose?: string } = {}): Promise<number> {
    const links = await this.listLinksForMeeting(meetingId);
    let revoked = 0;
    for (const link of links) {
      if (link.revokedAt || (options.purpose && link.purpose !== options.purpose)) continue;
      if (await this.revokeLink(link.id)) revoked++;
    }
    return revoked;
  }

  // ============================================================ sent e-mails (idempotency of sends)

  /**
   * Claims the right to send the e-mail identified by `key`. True if newly claimed; false if already
   * claimed or sent. A claim older than staleClaimMs that never became 'sent' counts as abandoned.
   */
  async claimSend(key: string, meta: Record<string, string>): Promise<boolean> {
    const now = this.clock.now();
    const record: SendRecord = { key, state: 'claimed', meta, claimedAt: now.toISOString() };
    const e = new Expr();
    const staleBefore = new Date(now.getTime() - this.staleClaimMs).toISOString();
    const condition =
      `attribute_not_exists(${e.n('pk')}) OR ` +
      `(${e.n('state')} = ${e.v('claimed')} AND ${e.n('claimedAt')} < ${e.v(staleBefore)})`;
    return this.table.putIf({ ...keys.send(key), ...record }, condition, e);
  }

  /** Records the provider's message id once the send succeeded. */
  async markSent(key: string, messageId: string): Promise<void> {
    const e = new Expr().set(['state'], 'sent').set(['messageId'], messageId).set(['sentAt'], this.table.stamp());
    const item = await this.table.update(keys.send(key), e, `attribute_exists(${e.n('pk')})`);
    if (!item) throw new ConditionFailedError('markSent', 'not-found');
  }

  /** Deletes a claim after a failed send so a retry can send. Never deletes a 'sent' record. */
  async releaseSend(key: string): Promise<void> {
    const e = new Expr();
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.send(key)),
          ConditionExpression: `${e.n('state')} = ${e.v('claimed')}`,
          ...e.params(),
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async getSend(key: string): Promise<SendRecord | null> {
    return this.table.get<SendRecord>(keys.send(key));
  }

  // ============================================================ generic idempotency

  /** Claims a task key; true once per key (an abandoned claim older than staleClaimMs may be re-claimed). */
  async claimIdempotencyKey(key: string): Promise<boolean> {
    const now = this.clock.now();
    const e = new Expr();
    const staleBefore = new Date(now.getTime() - this.staleClaimMs).toISOString();
    const condition =
      `attribute_not_exists(${e.n('pk')}) OR ` +
      `(${e.n('state')} = ${e.v('running')} AND ${e.n('startedAt')} < ${e.v(staleBefore)})`;
    return this.table.putIf({ ...keys.once(key), key, state: 'running', startedAt: now.toISOString() }, condition, e);
  }

  /**
   * Runs `fn` at most once per key (to completion). A later call returns the stored JSON result with
   * ran = false; a call while another run is in progress returns ran = false and no result. If `fn`
   * throws, the claim is released so a retry can run it.
   */
  async runOnce<T>(key: string, fn: () => Promise<T>): Promise<{ ran: boolean; result?: T }> {
    if (!(await this.claimIdempotencyKey(key))) {
      const record = await this.table.get<{ state: string; result?: string }>(keys.once(key));
      if (record?.state === 'done' && record.result !== undefined) return { ran: false, result: JSON.parse(record.result) as T };
      return { ran: false };
    }
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      const e = new Expr();
      await this.client
        .send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: marshall(keys.once(key)),
            ConditionExpression: `${e.n('state')} = ${e.v('running')}`,
            ...e.params(),
          }),
        )
        .catch((releaseError: unknown) => {
          if (!isConditionalCheckFailed(releaseError)) throw releaseError;
        });
      throw error;
    }
    const e = new Expr()
      .set(['state'], 'done')
      .set(['finishedAt'], this.table.stamp())
      .set(['result'], result === undefined ? undefined : JSON.stringify(result));
    await this.table.update(keys.once(key), e);
    return { ran: true, result };
  }

  // ============================================================ audit log

  /** Appends an audit entry; its key is time-sortable and a conditional put never overwrites one. */
  async appendAudit(meetingId: string, input: AuditInput): Promise<AuditEntry> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const at = this.table.stamp();
      // The per-process sequence keeps entries written within one millisecond in their order.
      this.auditSequence = (this.auditSequence + 1) % 1_000_000;
      const id = `${at}#${String(this.auditSequence).padStart(6, '0')}${this.randomSuffix()}`;
      const entry: AuditEntry = { meetingId, id, at, actor: input.actor, action: input.action, detail: input.detail ?? {} };
      if (await this.table.putNew({ pk: keys.auditPartition(meetingId), sk: id, ...entry })) return entry;
    }
    throw new ConditionFailedError('appendAudit', 'exists', 'Could not find a free audit key');
  }

  async listAudit(meetingId: string): Promise<AuditEntry[]> {
    const items = await this.table.queryPartition(keys.auditPartition(meetingId));
    return items.map((item) => strip<AuditEntry>(item));
  }

  // ============================================================ whole meeting

  /** Everything in the meeting's partition with one (paginated) Query. */
  async loadMeetingBundle(meetingId: string): Promise<MeetingBundle | null> {
    const items = await this.table.queryPartition(keys.meetingPartition(meetingId));
    let meeting: MeetingRecord | null = null;
    let ballotBox: BallotBox | null = null;
    let protocol: ProtocolRecord | null = null;
    const agenda: AgendaItemRecord[] = [];
    const proposals: ProposalRecord[] = [];
    const invitees: InviteeRecord[] = [];
    const boxes: OpinionBox[] = [];
    for (const item of items) {
      const sk = item.sk?.S ?? '';
      if (sk === 'MEETING') meeting = this.toMeeting(item);
      else if (sk === 'BALLOT') ballotBox = strip<BallotBox>(item);
      else if (sk === 'PROTOCOL') protocol = strip<ProtocolRecord>(item);
      else if (sk.startsWith('ITEM#')) agenda.push(strip<AgendaItemRecord>(item));
      else if (sk.startsWith('PROPOSAL#')) proposals.push(strip<ProposalRecord>(item));
      else if (sk.startsWith('INVITEE#')) invitees.push(strip<InviteeRecord>(item));
      else if (sk.startsWith('OPINIONS#')) boxes.push(strip<OpinionBox>(item));
    }
    if (!meeting) return null;
    const box = ballotBox ?? { meetingId, itemIds: [], votes: {}, attendance: {} };
    return {
      meeting,
      agenda: agenda.sort((a, b) => a.order - b.order),
      proposals: proposals.sort(byField('createdAt')),
      invitees,
      attendance: box.attendance,
      ballotBox: box,
      opinions: flattenOpinions(boxes),
      dissents: protocol ? Object.values(protocol.dissents).sort(byField('memberId')) : [],
      protocol,
    };
  }
}

// ---------------------------------------------------------------- helpers

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byField<K extends string>(field: K) {
  return <T extends Record<K, string>>(a: T, b: T) => compare(a[field], b[field]);
}

function flattenOpinions(boxes: OpinionBox[]): WrittenOpinion[] {
  return boxes
    .flatMap((box) => Object.values(box.opinions))
    .sort((a, b) => compare(a.memberId, b.memberId) || compare(a.itemId, b.itemId));
}

