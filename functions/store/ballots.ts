/**
 * BallotStore: attendance, votes and written opinions of a meeting — ONE ITEM PER MEMBER
 * (`MEETING#<id>#MEMBERS / MEMBER#<memberId>`, its own partition, so the meeting partition stays small)
 * beside a small header (`MEETING#<id>/BALLOT`: the items voted on, opened/closed/sealed instants).
 * Every action of a member is one conditional UpdateItem on their own item, whose condition carries
 * what makes it valid; nothing a member does touches an item shared with other members.
 *
 * How late writes are kept out without transactions:
 * - A member's item is made ("enrolled") by the store itself — when voting opens for voters, or lazily
 *   by setAttendance, which first checks that the header is not closed and that the meeting's vote
 *   deadline has not passed. The item carries the meeting's terms (revision, closesAt = voteCloses,
 *   opinionsDeadline), and every later write is conditioned on them: `closesAt >= now`,
 *   `attribute_not_exists(closedAt)`, `revision = :rev` (and `opinionsDeadline >= now` for opinions).
 * - castBallot never creates an item (`attribute_exists(votes)`): only voting opening makes a voter.
 * - Voting closes only after voteCloses (the state machine waits for it), so an item enrolled in a
 *   race with closeVoting already has its deadline behind it and takes no write; and closeVoting
 *   seals every item (`closedAt`) so nothing is accepted after the close even within the last second.
 *
 * Item size is bounded by design (DynamoDB's 400 KB; dynalite does not count bytes): at most
 * BALLOT_LIMITS.historyEntries vote changes and BALLOT_LIMITS.opinionBytes of opinion text per member,
 * and the header keeps titles cut to BALLOT_LIMITS.titleChars. A write that would pass a bound is
 * refused whole ('too-large').
 */
import pMap from 'p-map';
import type { Choice } from '../domain/types.ts';
import { ConditionFailedError } from './errors.ts';
import { Expr } from './expression.ts';
import { keys, strip } from './keys.ts';
import type {
  AttendanceMark,
  AttendanceStatus,
  BallotBox,
  BallotHeader,
  CastVote,
  MeetingRecord,
  MemberBallot,
  MemberFacts,
  MemberTerms,
  VoteChange,
  VoteHistoryEntry,
  WrittenOpinion,
} from './records.ts';
import type { TableAccess } from './table-access.ts';

export interface BallotLimits {
  historyEntries: number;
  opinionBytes: number;
  titleChars: number;
}

export const BALLOT_LIMITS: BallotLimits = {
  /** Vote changes kept per member and meeting; a ballot that would pass it is refused whole. */
  historyEntries: 1000,
  /** UTF-8 bytes of all written opinions of one member in one meeting. */
  opinionBytes: 150_000,
  /** Characters of an agenda item title kept in the header (for the ballot pages). */
  titleChars: 500,
};

/** Parallel writes when voting opens or closes (one per member). */
const WRITE_CONCURRENCY = 16;
/** Optimistic attempts of one member write that meets a concurrent change of the same item. */
const ATTEMPTS = 5;

/** The terms a meeting's member items are checked against (see MemberTerms). */
export function memberTerms(meeting: Pick<MeetingRecord, 'revision' | 'deadlines'>): MemberTerms {
  return { revision: meeting.revision, closesAt: meeting.deadlines.voteCloses, opinionsDeadline: meeting.deadlines.opinions };
}

export interface AttendanceAnswer {
  status: AttendanceStatus;
  /** Member id of who answers (the member, or the secretary). */
  by: string;
  /** п. 2.7: itemId → text; stored with the answer in the same write, all or nothing. */
  opinions?: Record<string, string>;
}

export class BallotStore {
  constructor(
    private readonly table: TableAccess,
    private readonly limits: BallotLimits = BALLOT_LIMITS,
  ) {}

  async getHeader(meetingId: string): Promise<BallotHeader | null> {
    return this.table.get<BallotHeader>(keys.ballot(meetingId));
  }

  async getMemberBallot(meetingId: string, memberId: string): Promise<MemberBallot | null> {
    return this.table.get<MemberBallot>(keys.memberBallot(meetingId, memberId));
  }

  // ------------------------------------------------------------ opening

  /**
   * Opens voting (п. 2.6б): the header gets the items, then each voter's item gets an empty `votes`
   * (that is what makes a voter) and the meeting's terms. Idempotent; calling it again adds voters and
   * replaces the items; refused ('voting-closed') after close. A crash between the writes: the re-run
   * completes them.
   */
  async openVoting(meetingId: string, options: { items: { id: string; title: string }[]; voterIds: string[] }, terms: MemberTerms): Promise<BallotHeader> {
    const items = options.items.map((item) => ({ id: item.id, title: cut(item.title, this.limits.titleChars) }));
    const e = new Expr()
      .set(['meetingId'], meetingId)
      .set(['items'], items)
      .set(['closesAt'], terms.closesAt)
      .setIfMissing(['openedAt'], this.table.stamp());
    const header = await this.table.update(keys.ballot(meetingId), e, `attribute_not_exists(${e.n('closedAt')})`);
    if (!header) throw new ConditionFailedError('openVoting', 'voting-closed');
    await this.addVoters(meetingId, options.voterIds, terms);
    return strip<BallotHeader>(header);
  }

  /** Makes members voters (voting opened, or a member marked present while it is open). */
  async addVoters(meetingId: string, voterIds: readonly string[], terms: MemberTerms): Promise<void> {
    await pMap(voterIds, (memberId) => this.enrol(meetingId, memberId, terms, { voter: true }), { concurrency: WRITE_CONCURRENCY });
  }

  /**
   * Creates the member's item, or brings it to the meeting's current terms (the meeting moved). Never
   * on a sealed item, never back to an older revision.
   */
  private async enrol(meetingId: string, memberId: string, terms: MemberTerms, options: { voter: boolean }): Promise<MemberBallot> {
    const e = new Expr()
      .set(['meetingId'], meetingId)
      .set(['memberId'], memberId)
      .set(['revision'], terms.revision)
      .set(['closesAt'], terms.closesAt)
      .set(['opinionsDeadline'], terms.opinionsDeadline)
      .setIfMissing(['history'], [])
      .setIfMissing(['opinions'], {});
    if (options.voter) e.setIfMissing(['votes'], {});
    const condition = `attribute_not_exists(${e.n('closedAt')}) AND (attribute_not_exists(${e.n('revision')}) OR ${e.n('revision')} <= ${e.v(terms.revision)})`;
    const item = await this.table.update(keys.memberBallot(meetingId, memberId), e, condition);
    if (item) return strip<MemberBallot>(item);
    const current = await this.getMemberBallot(meetingId, memberId);
    throw new ConditionFailedError('enrol', current?.closedAt ? 'voting-closed' : 'stale');
  }

  // ------------------------------------------------------------ a ballot

  /**
   * Stores a member's whole ballot (п. 3.2: the last vote counts until voting closes) in ONE conditional
   * write: every changed vote and its history entry, or nothing. The condition carries the validity
   * (a voter, not sealed, before closesAt, the expected revision) and that each changed vote is still
   * the one read; when another request changed one first, the item is read again and the ballot tried
   * again. Unchanged votes write nothing, so the same ballot sent twice leaves one history entry per
   * change. Refusals ('voting-not-open', 'unknown-item', 'not-a-voter', 'voting-closed', 'stale',
   * 'too-large', 'conflict') store nothing. `known` passes what the caller already read.
   */
  async castBallot(
    meetingId: string,
    memberId: string,
    choices: Readonly<Record<string, Choice>>,
    expected: { revision: number },
    known: { header?: BallotHeader | null; ballot?: MemberBallot | null } = {},
  ): Promise<{ ballot: MemberBallot; changed: string[] }> {
    const header = known.header !== undefined ? known.header : await this.getHeader(meetingId);
    if (!header?.openedAt) throw new ConditionFailedError('castBallot', 'voting-not-open');
    if (header.closedAt) throw new ConditionFailedError('castBallot', 'voting-closed');
    const itemIds = new Set(header.items.map((item) => item.id));
    const unknown = Object.keys(choices).find((itemId) => !itemIds.has(itemId));
    if (unknown !== undefined) throw new ConditionFailedError('castBallot', 'unknown-item', `No agenda item ${unknown} on this ballot`);

    let current = known.ballot !== undefined ? known.ballot : await this.getMemberBallot(meetingId, memberId);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      this.refuseBallot(current, expected.revision);
      const ballot = current as MemberBallot & { votes: Record<string, CastVote> };
      const changed = Object.entries(choices).filter(([itemId, choice]) => ballot.votes[itemId]?.choice !== choice);
      if (changed.length === 0) return { ballot, changed: [] };
      if (ballot.history.length + changed.length > this.limits.historyEntries) throw new ConditionFailedError('castBallot', 'too-large', 'Too many vote changes');

      const at = this.table.stamp();
      const e = new Expr();
      const history = e.n('history');
      const conditions = [
        `attribute_exists(${e.n('votes')})`,
        `attribute_not_exists(${e.n('closedAt')})`,
        `${e.n('closesAt')} >= ${e.v(this.table.nowForDeadline())}`,
        `${e.n('revision')} = ${e.v(expected.revision)}`,
        `size(${history}) <= ${e.v(this.limits.historyEntries - changed.length)}`,
      ];
      const entries: VoteChange[] = [];
      for (const [itemId, choice] of changed) {
        const before = ballot.votes[itemId];
        conditions.push(before ? `${e.n('votes', itemId, 'choice')} = ${e.v(before.choice)}` : `attribute_not_exists(${e.n('votes', itemId)})`);
        e.set(['votes', itemId], { choice, at } satisfies CastVote);
        entries.push({ itemId, choice, at });
      }
      e.setRaw(['history'], `list_append(if_not_exists(${history}, ${e.v([])}), ${e.v(entries)})`);
      const item = await this.tooLargeIsRefusal('castBallot', () => this.table.update(keys.memberBallot(meetingId, memberId), e, conditions.join(' AND ')));
      if (item) return { ballot: strip<MemberBallot>(item), changed: changed.map(([itemId]) => itemId) };
      current = await this.getMemberBallot(meetingId, memberId);
    }
    throw new ConditionFailedError('castBallot', 'conflict', 'The ballot kept changing while it was being stored');
  }

  /** Why a ballot on this item cannot be stored, from a consistent read (the write checks it again). */
  private refuseBallot(ballot: MemberBallot | null, revision: number): void {
    if (!ballot?.votes) throw new ConditionFailedError('castBallot', 'not-a-voter');
    if (this.isClosed(ballot)) throw new ConditionFailedError('castBallot', 'voting-closed');
    if (ballot.revision !== revision) throw new ConditionFailedError('castBallot', 'stale');
  }

  private isClosed(ballot: MemberBallot): boolean {
    return ballot.closedAt !== undefined || ballot.closesAt < this.table.nowForDeadline();
  }

  /** A write past DynamoDB's item size (not expected by design) is a refusal that stored nothing. */
  private async tooLargeIsRefusal<T>(operation: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof Error && error.name === 'ValidationException' && /size/i.test(error.message)) {
        throw new ConditionFailedError(operation, 'too-large', error.message);
      }
      throw error;
    }
  }

  // ------------------------------------------------------------ attendance and written opinions

  /**
   * Records a member's attendance, with their written opinions (п. 2.7) in the same write — all or
   * nothing. Refused once voting closed or its deadline passed ('voting-closed': the participants are
   * frozen, п. 3.3), and opinions after their deadline ('deadline-passed'); a resubmitted opinion
   * replaces the text. Opinions are written under an optimistic lock (`opinionsVersion`) so their
   * total size stays within BALLOT_LIMITS.opinionBytes ('too-large'). 'absent' keeps a vote already
   * cast. The member's item is made here if voting has not made it (see the file comment).
   */
  async setAttendance(meetingId: string, memberId: string, answer: AttendanceAnswer, terms: MemberTerms, known?: MemberBallot | null): Promise<MemberBallot> {
    const opinions = Object.entries(answer.opinions ?? {});
    let current = known !== undefined ? known : await this.getMemberBallot(meetingId, memberId);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (!current || current.revision < terms.revision) current = await this.enrolForAnswer(meetingId, memberId, terms, opinions.length > 0);
      if (current.revision > terms.revision) throw new ConditionFailedError('setAttendance', 'stale');
      if (this.isClosed(current)) throw new ConditionFailedError('setAttendance', 'voting-closed');
      const now = this.table.nowForDeadline();
      if (opinions.length > 0 && current.opinionsDeadline < now) {
        throw new ConditionFailedError('setAttendance', 'deadline-passed', 'The deadline for written opinions has passed (п. 2.7)');
      }

      const at = this.table.stamp();
      const e = new Expr().set(['attendance'], { status: answer.status, by: answer.by, at } satisfies AttendanceMark);
      const conditions = [
        `attribute_exists(${e.n('pk')})`,
        `attribute_not_exists(${e.n('closedAt')})`,
        `${e.n('closesAt')} >= ${e.v(now)}`,
        `${e.n('revision')} = ${e.v(terms.revision)}`,
      ];
      if (opinions.length > 0) {
        const merged: Record<string, WrittenOpinion> = { ...current.opinions };
        for (const [itemId, text] of opinions) {
          const opinion: WrittenOpinion = { memberId, itemId, text, submittedAt: at, inTime: true };
          merged[itemId] = opinion;
          e.set(['opinions', itemId], opinion);
        }
        if (opinionBytes(merged) > this.limits.opinionBytes) throw new ConditionFailedError('setAttendance', 'too-large', 'The written opinions are too long in total');
        const version = current.opinionsVersion ?? 0;
        e.set(['opinionsVersion'], version + 1);
        conditions.push(`${e.n('opinionsDeadline')} >= ${e.v(now)}`);
        conditions.push(version === 0 ? `attribute_not_exists(${e.n('opinionsVersion')})` : `${e.n('opinionsVersion')} = ${e.v(version)}`);
      }
      const item = await this.tooLargeIsRefusal('setAttendance', () => this.table.update(keys.memberBallot(meetingId, memberId), e, conditions.join(' AND ')));
      if (item) return strip<MemberBallot>(item);
      current = await this.getMemberBallot(meetingId, memberId);
    }
    throw new ConditionFailedError('setAttendance', 'conflict');
  }

  /** An answer from a member with no item (for these terms) yet: made only while the answer can be taken. */
  private async enrolForAnswer(meetingId: string, memberId: string, terms: MemberTerms, withOpinions: boolean): Promise<MemberBallot> {
    const now = this.table.nowForDeadline();
    if (terms.closesAt < now || (await this.getHeader(meetingId))?.closedAt) throw new ConditionFailedError('setAttendance', 'voting-closed');
    if (withOpinions && terms.opinionsDeadline < now) {
      throw new ConditionFailedError('setAttendance', 'deadline-passed', 'The deadline for written opinions has passed (п. 2.7)');
    }
    return this.enrol(meetingId, memberId, terms, { voter: false });
  }

  // ------------------------------------------------------------ closing and reading

  /**
   * Closes voting: the header's closedAt (once), then the seal on every member item, then the header's
   * sealedAt. Each write is idempotent, so a re-run after a crash between any two completes the close.
   * Returns the frozen box.
   */
  async closeVoting(meetingId: string): Promise<BallotBox> {
    const e = new Expr().set(['meetingId'], meetingId).setIfMissing(['items'], []).setIfMissing(['closedAt'], this.table.stamp());
    const header = strip<BallotHeader>((await this.table.update(keys.ballot(meetingId), e)) ?? {});
    const closedAt = header.closedAt as string;
    if (!header.sealedAt) {
      const unsealed = await this.unsealedMembers(meetingId);
      await pMap(unsealed, (memberId) => this.seal(meetingId, memberId, closedAt), { concurrency: WRITE_CONCURRENCY });
      const sealed = new Expr().setIfMissing(['sealedAt'], this.table.stamp());
      await this.table.update(keys.ballot(meetingId), sealed);
    }
    return (await this.loadMemberFacts(meetingId)).ballotBox;
  }

  private async unsealedMembers(meetingId: string): Promise<string[]> {
    const e = new Expr();
    const items = await this.table.queryAll({
      KeyConditionExpression: `${e.n('pk')} = ${e.v(keys.memberBallots(meetingId))}`,
      ProjectionExpression: `${e.n('memberId')}, ${e.n('closedAt')}`,
      ConsistentRead: true,
      ...e.params(),
    });
    return items.filter((item) => item.closedAt === undefined).map((item) => item.memberId?.S ?? '');
  }

  private async seal(meetingId: string, memberId: string, closedAt: string): Promise<void> {
    const e = new Expr().setIfMissing(['closedAt'], closedAt);
    await this.table.update(keys.memberBallot(meetingId, memberId), e, `attribute_exists(${e.n('pk')})`);
  }

  /** The ballot box as it stands (frozen once closed). */
  async getBallotBox(meetingId: string): Promise<BallotBox> {
    return (await this.loadMemberFacts(meetingId)).ballotBox;
  }

  /**
   * Votes, attendance, opinions and vote history of a meeting: one (paginated) Query of the member
   * partition, assembled with the header (read here unless the caller has it).
   */
  async loadMemberFacts(meetingId: string, knownHeader?: BallotHeader | null): Promise<MemberFacts> {
    const [header, items] = await Promise.all([
      knownHeader !== undefined ? knownHeader : this.getHeader(meetingId),
      this.table.queryPartition(keys.memberBallots(meetingId)),
    ]);
    return assembleFacts(meetingId, header, items.map((item) => strip<MemberBallot>(item)));
  }
}

// ---------------------------------------------------------------- helpers

function assembleFacts(meetingId: string, header: BallotHeader | null, members: MemberBallot[]): MemberFacts {
  const box: BallotBox = {
    meetingId,
    itemIds: (header?.items ?? []).map((item) => item.id),
    votes: {},
    attendance: {},
    ...(header?.openedAt ? { openedAt: header.openedAt } : {}),
    ...(header?.closedAt ? { closedAt: header.closedAt } : {}),
  };
  const opinions: WrittenOpinion[] = [];
  const voteHistory: VoteHistoryEntry[] = [];
  for (const member of members) {
    if (member.votes) box.votes[member.memberId] = member.votes;
    if (member.attendance) box.attendance[member.memberId] = member.attendance;
    opinions.push(...Object.values(member.opinions ?? {}));
    for (const change of member.history ?? []) voteHistory.push({ memberId: member.memberId, ...change });
  }
  opinions.sort((a, b) => compare(a.memberId, b.memberId) || compare(a.itemId, b.itemId));
  voteHistory.sort((a, b) => compare(a.at, b.at) || compare(a.memberId, b.memberId) || compare(a.itemId, b.itemId));
  return { ballotBox: box, opinions, voteHistory };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function opinionBytes(opinions: Record<string, WrittenOpinion>): number {
  return Object.values(opinions).reduce((sum, opinion) => sum + Buffer.byteLength(opinion.text, 'utf8'), 0);
}
