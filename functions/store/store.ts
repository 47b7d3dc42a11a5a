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
import type { Group, Invitee, Member } from '../domain/types.ts';
import { marshall, type Item } from './attributes.ts';
import { ConditionFailedError, isConditionalCheckFailed } from './errors.ts';
import { Expr } from './expression.ts';
import { GSI_ACTIVE, GSI_LISTINGS } from './table.ts';
import { GroupRepository, groupHeaderAndMemberFrom, groupHeaderAndMemberKeys } from './groups.ts';
import { ACTIVE_PARTITION, keys, strip } from './keys.ts';
import { TableAccess } from './table-access.ts';
import { LinkRepository } from './links.ts';
import { MailLedger } from './mail-ledger.ts';
import { ProtocolRepository } from './protocols.ts';
import { BallotStore } from './ballots.ts';
import {
  isTerminalPhase,
  TERMINAL_PHASES,
  type AddressStatus,
  type AgendaItemRecord,
  type AuditEntry,
  type AuditInput,
  type BallotHeader,
  type GroupHeader,
  type GroupRecord,
  type GroupWithAddresses,
  type InviteeRecord,
  type LinkRecord,
  type MeetingBundle,
  type MeetingChanges,
  type MeetingExpectation,
  type MeetingMove,
  type MeetingRecord,
  type MemberBallot,
  type NewMeeting,
  type NewProposal,
  type ProposalRecord,
  type ProposalStatus,
} from './records.ts';

/** What a member's link page reads in one request (loadMemberView), its link included when asked. */
export interface MemberView {
  meeting: MeetingRecord;
  group: GroupHeader;
  member: Member | null;
  ballotHeader: BallotHeader | null;
  ballot: MemberBallot | null;
  /** The link the page was opened with, when its id was asked for (a token that carries its scope). */
  link?: LinkRecord | null;
}

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

/** Rounds of read-and-take a numbering may need while other meetings of the group are numbered. */
const NUMBERING_ATTEMPTS = 200;

export class KvorumStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly staleClaimMs: number;
  private auditSequence = 0;
  private readonly randomSuffix: () => string;
  /** Low-level table access the aggregate repositories share. */
  readonly table: TableAccess;
  /** The protocol: header, one item per signer (signatures, dissents), version copies. */
  readonly protocols: ProtocolRepository;
  /** Groups, rosters (one item per member) and address statuses. */
  readonly groups: GroupRepository;
  /** Attendance, votes and written opinions: one item per member of a meeting. */
  readonly ballots: BallotStore;
  /** The send ledger: one leased record per e-mail (the mailer's SendLedger). */
  readonly mail: MailLedger;
  /** Personal links: one item per link. */
  readonly links: LinkRepository;

  constructor(options: KvorumStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock;
    this.staleClaimMs = options.staleClaimMs ?? 15 * 60 * 1000;
    this.randomSuffix = options.randomSuffix ?? (() => randomBytes(6).toString('hex'));
    this.table = new TableAccess(options.client, options.tableName, options.clock);
    this.protocols = new ProtocolRepository(this.table);
    this.groups = new GroupRepository(this.table, { staleClaimMs: this.staleClaimMs });
    this.ballots = new BallotStore(this.table);
    this.mail = new MailLedger(this.table);
    this.links = new LinkRepository(this.table);
  }

  // ============================================================ groups and rosters (groups.ts)

  /** Creates or replaces a group's settings and roster; keeps its meeting counter and creation time. */
  putGroup(group: Group): Promise<GroupRecord> {
    return this.groups.putGroup(group);
  }

  /** The group with its roster in order and the delivery status of its addresses. */
  getGroup(groupId: string): Promise<GroupWithAddresses | null> {
    return this.groups.getGroup(groupId);
  }

  listGroups(): Promise<GroupRecord[]> {
    return this.groups.listGroups();
  }

  markAddressFailing(groupId: string, email: string, reason: string): Promise<AddressStatus> {
    return this.groups.markAddressFailing(groupId, email, reason);
  }

  markAddressOk(groupId: string, email: string): Promise<AddressStatus> {
    return this.groups.markAddressOk(groupId, email);
  }

  // ============================================================ meetings

  /**
   * Creates a meeting (its id must be new) and allocates its sequential number (its ballot header and
   * member items come with voting and attendance, ballots.ts). Order: group check → meeting
   * (conditional: must not exist) → number (atomic counter on the group item). A duplicate create
   * fails before taking a number.
   */
  async createMeeting(input: NewMeeting): Promise<MeetingRecord> {
    const group = await this.table.get<GroupRecord>(keys.group(input.groupId));
    if (!group) throw new ConditionFailedError('createMeeting', 'group-not-found');
    const now = this.table.stamp();

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
   * crash calls it again), with no gaps however many convene at once. The group item holds the counter
   * and at most one `numbering` in progress ({meetingId, number}): a number is taken by ONE conditional
   * write that raises the counter and records whom it is for, and whoever finds a numbering in progress
   * — its own, or another meeting's that crashed half-way — finishes it (SET number on that meeting,
   * idempotent) and clears it before taking the next. So a number, once counted, always lands.
   */
  async ensureMeetingNumber(meetingId: string): Promise<MeetingRecord> {
    for (let attempt = 0; attempt < NUMBERING_ATTEMPTS; attempt++) {
      const meeting = await this.getMeeting(meetingId);
      if (!meeting) throw new ConditionFailedError('ensureMeetingNumber', 'not-found');
      if (meeting.number !== null) return meeting;
      const group = await this.table.get<{ meetingCounter?: number; numbering?: { meetingId: string; number: number } }>(keys.group(meeting.groupId));
      if (!group) throw new ConditionFailedError('ensureMeetingNumber', 'group-not-found');
      if (group.numbering) {
        await this.finishNumbering(meeting.groupId, group.numbering);
        continue;
      }
      const counter = group.meetingCounter ?? 0;
      const take = new Expr().set(['meetingCounter'], counter + 1).set(['numbering'], { meetingId, number: counter + 1 });
      const expected = counter === 0 ? `(attribute_not_exists(${take.n('meetingCounter')}) OR ${take.n('meetingCounter')} = ${take.v(0)})` : `${take.n('meetingCounter')} = ${take.v(counter)}`;
      const taken = await this.table.update(keys.group(meeting.groupId), take, `attribute_exists(${take.n('pk')}) AND attribute_not_exists(${take.n('numbering')}) AND ${expected}`);
      if (taken) await this.finishNumbering(meeting.groupId, { meetingId, number: counter + 1 });
    }
    throw new ConditionFailedError('ensureMeetingNumber', 'stale', `Meeting ${meetingId}: too many concurrent numberings`);
  }

  /** Writes a taken number onto its meeting (unless it has one) and clears the numbering in progress. */
  private async finishNumbering(groupId: string, numbering: { meetingId: string; number: number }): Promise<void> {
    const e = new Expr().set(['number'], numbering.number);
    await this.table.update(keys.meeting(numbering.meetingId), e, `attribute_exists(${e.n('pk')}) AND attribute_not_exists(${e.n('number')})`);
    const clear = new Expr().remove(['numbering']);
    await this.table.update(keys.group(groupId), clear, `${clear.n('numbering', 'meetingId')} = ${clear.v(numbering.meetingId)} AND ${clear.n('numbering', 'number')} = ${clear.v(numbering.number)}`);
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
   * a non-terminal phase (and, with `seen`, only while its phase and approval are those seen). Messages scheduled for the old revision then see the mismatch and stay
   * silent. The opinion boxes get the new opinion deadline (п. 2.7).
   */
  async moveMeeting(meetingId: string, expectedRevision: number, move: MeetingMove, options: { seen?: Pick<MeetingRecord, 'phase' | 'agendaApprovedAt'> } = {}): Promise<MeetingRecord> {
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
    let condition = `${this.expectation(e, { revision: expectedRevision })} AND NOT (${e.n('phase')} IN (${terminal}))`;
    // The caller decided from the phase and the approval it read (who is told, where the meeting resumes): both unchanged.
    if (options.seen) {
      const approved = options.seen.agendaApprovedAt ? 'attribute_exists' : 'attribute_not_exists';
      condition += ` AND ${e.n('phase')} = ${e.v(options.seen.phase)} AND ${approved}(${e.n('agendaApprovedAt')})`;
    }
    const item = await this.table.update(keys.meeting(meetingId), e, condition);
    if (!item) throw await this.meetingConditionFailure('moveMeeting', meetingId);
    // Member items take the new terms (revision, deadlines) with their next write (ballots.ts).
    return this.toMeeting(item);
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

  /**
   * The agenda in order; an item is approved iff the meeting's approval names it (approveAgenda).
   * `meeting`: the record the caller read just now (saves a read).
   */
  async listAgenda(meetingId: string, meeting?: Pick<MeetingRecord, 'approvedItemIds'> | null): Promise<AgendaItemRecord[]> {
    const [items, record] = await Promise.all([
      this.table.queryPartition(keys.meetingPartition(meetingId), 'ITEM#'),
      meeting !== undefined ? meeting : this.getMeeting(meetingId),
    ]);
    return withApproval(record, items.map((item) => strip<AgendaItemRecord>(item)));
  }

  /**
   * п. 2.3в: the chair approves the agenda — ONE conditional write on the meeting, only at the revision
   * the approver saw, before the notice, and once: it records who, when and which items. Items are
   * approved by being named there (listAgenda, loadMeetingBundle), so neither a crash nor a concurrent
   * move can leave an item approved without its approval, or an approval that the move did not see.
   * Reasons: 'not-found' | 'stale' (the meeting moved) | 'already-approved' | 'wrong-phase'.
   */
  async approveAgenda(meetingId: string, expectedRevision: number, approval: { itemIds: string[]; approvedBy: string }): Promise<MeetingRecord> {
    const e = new Expr()
      .set(['agendaApprovedAt'], this.table.nowForDeadline())
      .set(['agendaApprovedBy'], approval.approvedBy)
      .set(['approvedItemIds'], approval.itemIds)
      .set(['updatedAt'], this.table.stamp());
    const open = AGENDA_OPEN_PHASES.map((phase) => e.v(phase)).join(', ');
    const condition = `${this.expectation(e, { revision: expectedRevision })} AND attribute_not_exists(${e.n('agendaApprovedAt')}) AND ${e.n('phase')} IN (${open})`;
    const item = await this.table.update(keys.meeting(meetingId), e, condition);
    if (item) return this.toMeeting(item);
    const current = await this.getMeeting(meetingId);
    if (!current) throw new ConditionFailedError('approveAgenda', 'not-found');
    if (current.revision !== expectedRevision) throw new ConditionFailedError('approveAgenda', 'stale');
    throw new ConditionFailedError('approveAgenda', current.agendaApprovedAt ? 'already-approved' : 'wrong-phase');
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
      const entry = this.auditEntry(meetingId, input);
      if (await this.table.putNew({ pk: keys.auditPartition(meetingId), sk: entry.id, ...entry })) return entry;
    }
    throw new ConditionFailedError('appendAudit', 'exists', 'Could not find a free audit key');
  }

  /**
   * Appends the entry once per `onceKey` of the meeting (a step re-run after a crash adds none): a
   * marker naming the entry is written first, then the entry under that name, so a re-run that finds
   * the marker writes the same entry — already there, or landing now.
   */
  async appendAuditOnce(meetingId: string, onceKey: string, input: AuditInput): Promise<AuditEntry> {
    const marker = keys.once(`audit:${meetingId}:${onceKey}`);
    const fresh = this.auditEntry(meetingId, input);
    const e = new Expr();
    const entry = (await this.table.putIf({ ...marker, entry: fresh }, `attribute_not_exists(${e.n('pk')})`, e))
      ? fresh
      : ((await this.table.get<{ entry: AuditEntry }>(marker))?.entry ?? fresh);
    await this.table.putNew({ pk: keys.auditPartition(meetingId), sk: entry.id, ...entry });
    return entry;
  }

  private auditEntry(meetingId: string, input: AuditInput): AuditEntry {
    const at = this.table.stamp();
    // The per-process sequence keeps entries written within one millisecond in their order.
    this.auditSequence = (this.auditSequence + 1) % 1_000_000;
    const id = `${at}#${String(this.auditSequence).padStart(6, '0')}${this.randomSuffix()}`;
    return { meetingId, id, at, actor: input.actor, action: input.action, detail: input.detail ?? {} };
  }

  async listAudit(meetingId: string): Promise<AuditEntry[]> {
    const items = await this.table.queryPartition(keys.auditPartition(meetingId));
    return items.map((item) => strip<AuditEntry>(item));
  }

  // ============================================================ one member's view of a meeting (link pages)

  /**
   * The meeting, the group header, the member (null: not in the roster), the ballot header and the
   * member's own ballot item, in ONE BatchGetItem: what a ballot or attendance page needs, without a
   * Query of any partition. Null when the meeting or the group does not exist.
   */
  async loadMemberView(meetingId: string, groupId: string, memberId: string, linkId?: string): Promise<MemberView | null> {
    const own = [keys.meeting(meetingId), keys.ballot(meetingId), keys.memberBallot(meetingId, memberId)];
    const linkKey = linkId ? [keys.link(linkId)] : [];
    const found = await this.table.batchGet([...own, ...groupHeaderAndMemberKeys(groupId, memberId), ...linkKey]);
    const [meetingItem, headerItem, ballotItem, linkItem] = [...own, ...linkKey].map((key) => found.get(`${key.pk}|${key.sk}`));
    const group = groupHeaderAndMemberFrom(found, groupId, memberId);
    if (!meetingItem || !group) return null;
    return {
      ...(linkId ? { link: linkItem ? strip<LinkRecord>(linkItem) : null } : {}),
      meeting: this.toMeeting(meetingItem),
      group: group.group,
      member: group.member,
      ballotHeader: headerItem ? strip<BallotHeader>(headerItem) : null,
      ballot: ballotItem ? strip<MemberBallot>(ballotItem) : null,
    };
  }

  // ============================================================ whole meeting

  /** The meeting's partition, its member items and its protocol: one (paginated) Query each, in parallel. */
  async loadMeetingBundle(meetingId: string): Promise<MeetingBundle | null> {
    const [items, members, protocolState] = await Promise.all([
      this.table.queryPartition(keys.meetingPartition(meetingId)),
      this.ballots.loadMemberFacts(meetingId),
      this.protocols.load(meetingId),
    ]);
    let meeting: MeetingRecord | null = null;
    const agenda: AgendaItemRecord[] = [];
    const proposals: ProposalRecord[] = [];
    const invitees: InviteeRecord[] = [];
    for (const item of items) {
      const sk = item.sk?.S ?? '';
      if (sk === 'MEETING') meeting = this.toMeeting(item);
      else if (sk.startsWith('ITEM#')) agenda.push(strip<AgendaItemRecord>(item));
      else if (sk.startsWith('PROPOSAL#')) proposals.push(strip<ProposalRecord>(item));
      else if (sk.startsWith('INVITEE#')) invitees.push(strip<InviteeRecord>(item));
    }
    if (!meeting) return null;
    return {
      meeting,
      agenda: withApproval(meeting, agenda),
      proposals: proposals.sort(byField('createdAt')),
      invitees,
      attendance: members.ballotBox.attendance,
      ballotBox: members.ballotBox,
      opinions: members.opinions,
      voteHistory: members.voteHistory,
      dissents: protocolState?.dissents ?? [],
      protocol: protocolState?.protocol ?? null,
    };
  }
}

// ---------------------------------------------------------------- helpers

/** The phases in which the agenda may still be approved (before the notice). */
const AGENDA_OPEN_PHASES = ['convened', 'agenda-proposals', 'agenda-approval'] as const;

/**
 * Agenda items in order, approved iff the meeting's approval names them. A meeting approved before
 * approvals named their items keeps the mark stored on each item.
 */
function withApproval(meeting: Pick<MeetingRecord, 'approvedItemIds'> | null, items: AgendaItemRecord[]): AgendaItemRecord[] {
  const sorted = items.sort((a, b) => a.order - b.order);
  if (!meeting?.approvedItemIds) return sorted;
  const approved = new Set(meeting.approvedItemIds);
  return sorted.map((item) => ({ ...item, approved: approved.has(item.id) }));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byField<K extends string>(field: K) {
  return <T extends Record<K, string>>(a: T, b: T) => compare(a[field], b[field]);
}

