/**
 * GroupRepository: a working group's names, settings and roster (п. 2.2), and the delivery status of
 * its addresses. Key layout: ACCESS_PATTERNS.md «Groups and rosters».
 *
 * No item grows with the roster: the group item `GROUP#<g>/GROUP` (the header) holds names, settings,
 * the meeting counter and the committed roster version (`rosterRevision` + `rosterHash`, with
 * `memberCount`); each member is its own item `GROUP#<g>/MEMBER#<memberId>`. A member item has two
 * slots, `latest` and `prior`, each the member as of one roster version (with its `order`). Readers
 * take from every member item the slot of the version the header commits, so a roster being replaced,
 * or left half-written by a crash, never shows: the old roster stays whole until the header commits
 * the new one, and a member count that does not add up is an error, never a smaller roster.
 *
 * Replacing a roster without transactions (putGroup), after the caller validated it whole:
 *  1. read the partition (header and member items);
 *  2. claim the next revision on the header: `rosterPending = {revision, hash, since}` only if
 *     `rosterRevision` is still the one read and no other roster is pending. The same roster (a PUT
 *     repeated after a crash) or a claim older than staleClaimMs may take the claim over; any other
 *     concurrent replace is refused ('roster-conflict' → 409);
 *  3. BatchWrite each member of the new roster: latest = the new version, prior = the committed one
 *     (items a crashed attempt already wrote are skipped);
 *  4. commit on the header, if the claim is still ours: names, settings, the new version, memberCount.
 *     From here on readers see the new roster;
 *  5. delete member items holding no slot of the committed version (never one that a newer roster
 *     wrote).
 * A crash at any step leaves the old roster readable (before 4) or the new one (after 4), and
 * repeating the same PUT completes the rest. A group stored before per-member items (roster inside the
 * header, no `rosterRevision`) reads from that array until its first replace, which removes it.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchWriteItemCommand, PutItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import pMap from 'p-map';
import { defaultGroupSettings } from '../domain/deadlines.ts';
import type { Group, GroupSettings, Instant, Member } from '../domain/types.ts';
import { marshall, unmarshall, type Item } from './attributes.ts';
import { ConditionFailedError } from './errors.ts';
import { Expr } from './expression.ts';
import { GROUPS_PARTITION, keys, strip, type Key } from './keys.ts';
import type { AddressStatus, GroupHeader, GroupRecord, GroupWithAddresses } from './records.ts';
import type { TableAccess } from './table-access.ts';
import { GSI_LISTINGS } from './table.ts';

const MEMBER_PREFIX = 'MEMBER#';
const BATCH_WRITE_SIZE = 25;
const BATCH_WRITE_ATTEMPTS = 8;
/** A read that meets a roster replaced between its pages reads again before it gives up. */
const READ_ATTEMPTS = 3;

/** One committed (or claimed) roster: its revision and the hash of its members in order. */
interface RosterVersion {
  revision: number;
  hash: string;
}

/** A member as of one roster version. */
interface MemberSlot extends RosterVersion {
  order: number;
  member: Member;
}

interface StoredMember {
  latest?: MemberSlot;
  prior?: MemberSlot;
}

/** The header item as stored (old shape: `members` inside, no rosterRevision). */
interface StoredHeader {
  id: string;
  bodyName?: string;
  name?: string;
  settings?: Partial<GroupSettings>;
  meetingCounter?: number;
  createdAt: Instant;
  updatedAt?: Instant;
  rosterRevision?: number;
  rosterHash?: string;
  memberCount?: number;
  rosterPending?: RosterVersion & { since: Instant };
  members?: Member[];
}

export interface GroupRepositoryOptions {
  /** A roster claim older than this is abandoned (its writer died) and may be taken over. */
  staleClaimMs: number;
  /** Parallel BatchWriteItem / DeleteItem requests while a roster is written. */
  writeConcurrency?: number;
}

export class GroupRepository {
  private readonly writeConcurrency: number;

  constructor(
    private readonly table: TableAccess,
    private readonly options: GroupRepositoryOptions,
  ) {
    this.writeConcurrency = options.writeConcurrency ?? 8;
  }

  // ------------------------------------------------------------ reads

  /** The group with its roster in order and the delivery status of its addresses (one paginated Query). */
  async getGroup(groupId: string): Promise<GroupWithAddresses | null> {
    for (let attempt = 1; ; attempt++) {
      const group = assemble(await this.table.queryPartition(keys.group(groupId).pk));
      if (group !== 'incomplete') return group;
      if (attempt === READ_ATTEMPTS) {
        throw new ConditionFailedError('getGroup', 'roster-incomplete', `Group ${groupId}: member items do not add up to memberCount; repeat the last roster PUT`);
      }
    }
  }

  /** The group item without the roster, and one member (null: not in the committed roster), in ONE BatchGetItem. */
  async getGroupHeaderAndMember(groupId: string, memberId: string): Promise<{ group: GroupHeader; member: Member | null } | null> {
    return groupHeaderAndMemberFrom(await this.table.batchGet(groupHeaderAndMemberKeys(groupId, memberId)), groupId, memberId);
  }

  async getMember(groupId: string, memberId: string): Promise<Member | null> {
    return (await this.getGroupHeaderAndMember(groupId, memberId))?.member ?? null;
  }

  /** Every group with its roster (the listings index, then each group's partition). */
  async listGroups(): Promise<GroupRecord[]> {
    const headers = (await this.table.queryIndex(GSI_LISTINGS, GROUPS_PARTITION)).map((item) => strip<StoredHeader>(item));
    const groups = await pMap(headers, (header) => this.getGroup(header.id), { concurrency: 4 });
    return groups.filter((g): g is GroupWithAddresses => g !== null).map(({ addresses: _addresses, ...group }) => group);
  }

  // ------------------------------------------------------------ roster replace

  /**
   * Creates or replaces a group's names, settings and roster (steps in the file comment); keeps its
   * meeting counter and creation time. Throws ConditionFailedError('roster-conflict') when another
   * roster is being written or was committed since the read.
   */
  async putGroup(group: Group): Promise<GroupRecord> {
    const hash = rosterHash(group.members);
    const { header, members } = await this.readForWrite(group.id);
    const committed = header ? committedVersion(header) : null;
    if (committed?.hash === hash) {
      if (header?.rosterPending && !this.isStale(header.rosterPending.since)) throw rosterConflict(group.id);
      await this.repairMembers(group, committed, members);
      return this.finish(group, committed);
    }
    const target: RosterVersion = { revision: (committed?.revision ?? 0) + 1, hash };
    await this.claim(group.id, committed?.revision ?? 0, hash, target);
    await this.writeMembers(group, target, committed, members);
    return (await this.commit(group, target)) ?? this.finish(group, target);
  }

  private async readForWrite(groupId: string): Promise<{ header: StoredHeader | null; members: Map<string, StoredMember> }> {
    const items = await this.table.queryPartition(keys.group(groupId).pk);
    let header: StoredHeader | null = null;
    const members = new Map<string, StoredMember>();
    for (const item of items) {
      const sk = item.sk?.S ?? '';
      if (sk === 'GROUP') header = unmarshall(item) as unknown as StoredHeader;
      else if (sk.startsWith(MEMBER_PREFIX)) members.set(sk.slice(MEMBER_PREFIX.length), unmarshall(item) as StoredMember);
    }
    return { header, members };
  }

  private async claim(groupId: string, revision: number, hash: string, target: RosterVersion): Promise<void> {
    const now = this.table.stamp();
    const staleBefore = this.staleBefore();
    const e = new Expr()
      .set(['rosterPending'], { ...target, since: now })
      .set(['id'], groupId)
      .setIfMissing(['createdAt'], now)
      .setIfMissing(['meetingCounter'], 0);
    const revisionHolds = revision === 0 ? `attribute_not_exists(${e.n('rosterRevision')})` : `${e.n('rosterRevision')} = ${e.v(revision)}`;
    const pending = e.n('rosterPending');
    const free = `(attribute_not_exists(${pending}) OR ${e.n('rosterPending', 'hash')} = ${e.v(hash)} OR ${e.n('rosterPending', 'since')} < ${e.v(staleBefore)})`;
    if (!(await this.table.update(keys.group(groupId), e, `${revisionHolds} AND ${free}`))) throw rosterConflict(groupId);
  }

  private async writeMembers(group: Group, target: RosterVersion, committed: RosterVersion | null, existing: Map<string, StoredMember>): Promise<void> {
    const requests: WriteRequest[] = [];
    group.members.forEach((member, order) => {
      const stored = existing.get(member.id);
      const latest: MemberSlot = { ...target, order, member };
      const prior = committed && stored ? slotOf(stored, committed) : undefined;
      // Already written by an attempt that crashed before its commit: nothing to do.
      if (stored && sameSlot(stored.latest, latest) && sameSlot(stored.prior, prior)) return;
      requests.push({ PutRequest: { Item: marshall({ ...keys.member(group.id, member.id), latest, prior }) } });
    });
    await this.batchWrite(requests);
  }

  /** Rewrites the member items of the committed roster that are missing or differ (the same PUT repeated repairs it). */
  private async repairMembers(group: Group, committed: RosterVersion, existing: Map<string, StoredMember>): Promise<void> {
    const requests: WriteRequest[] = [];
    group.members.forEach((member, order) => {
      const latest: MemberSlot = { ...committed, order, member };
      const stored = existing.get(member.id);
      if (stored && sameSlot(slotOf(stored, committed), latest)) return;
      requests.push({ PutRequest: { Item: marshall({ ...keys.member(group.id, member.id), latest }) } });
    });
    await this.batchWrite(requests);
  }

  private isStale(since: Instant): boolean {
    return since < this.staleBefore();
  }

  private staleBefore(): Instant {
    return new Date(this.table.clock.now().getTime() - this.options.staleClaimMs).toISOString();
  }

  /** The new version on the header if our claim still holds; null if someone else's commit came first. */
  private async commit(group: Group, target: RosterVersion): Promise<GroupRecord | null> {
    const e = this.headerFields(group)
      .set(['rosterRevision'], target.revision)
      .set(['rosterHash'], target.hash)
      .set(['memberCount'], group.members.length)
      .remove(['rosterPending'])
      .remove(['members']);
    const condition = `${e.n('rosterPending', 'revision')} = ${e.v(target.revision)} AND ${e.n('rosterPending', 'hash')} = ${e.v(target.hash)}`;
    const item = await this.table.update(keys.group(group.id), e, condition);
    if (!item) return null;
    await this.removeStaleMembers(group.id, target);
    return { ...toHeader(unmarshall(item) as unknown as StoredHeader), members: group.members };
  }

  /**
   * The roster is already committed (an identical PUT, a repeat after a crash past the commit, or a
   * concurrent PUT of the same roster): names and settings are written, leftovers removed.
   */
  private async finish(group: Group, committed: RosterVersion): Promise<GroupRecord> {
    const staleBefore = this.staleBefore();
    const e = this.headerFields(group).remove(['rosterPending']);
    const condition = [
      `${e.n('rosterRevision')} = ${e.v(committed.revision)}`,
      `${e.n('rosterHash')} = ${e.v(committed.hash)}`,
      `(attribute_not_exists(${e.n('rosterPending')}) OR ${e.n('rosterPending', 'since')} < ${e.v(staleBefore)})`,
    ].join(' AND ');
    const item = await this.table.update(keys.group(group.id), e, condition);
    if (!item) throw rosterConflict(group.id);
    await this.removeStaleMembers(group.id, committed);
    return { ...toHeader(unmarshall(item) as unknown as StoredHeader), members: group.members };
  }

  private headerFields(group: Group): Expr {
    const now = this.table.stamp();
    return new Expr()
      .set(['id'], group.id)
      .set(['bodyName'], group.bodyName)
      .set(['name'], group.name)
      .set(['settings'], group.settings)
      .set(['updatedAt'], now)
      .setIfMissing(['createdAt'], now)
      .setIfMissing(['meetingCounter'], 0)
      .set(['gsi1pk'], GROUPS_PARTITION)
      .set(['gsi1sk'], `GROUP#${group.id}`);
  }

  /**
   * Deletes member items with no slot of the committed version, except those a newer roster already
   * wrote. Batched (a conditional DeleteItem per member would be 25× the requests): a member re-added by
   * a newer PUT in the instant between this Query and its delete would be lost, and readers would
   * report the roster incomplete (never show it smaller) until that PUT is repeated.
   */
  private async removeStaleMembers(groupId: string, committed: RosterVersion): Promise<void> {
    const items = await this.table.queryPartition(keys.group(groupId).pk, MEMBER_PREFIX);
    const stale = items.filter((item) => {
      const stored = unmarshall(item) as StoredMember;
      return !slotOf(stored, committed) && (stored.latest?.revision ?? 0) <= committed.revision;
    });
    await this.batchWrite(stale.map((item) => ({ DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } } })));
  }

  /** BatchWriteItem in chunks of 25, a few at a time; unprocessed items are retried with backoff. */
  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    const chunks: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += BATCH_WRITE_SIZE) chunks.push(requests.slice(i, i + BATCH_WRITE_SIZE));
    const { client, tableName } = this.table;
    await pMap(
      chunks,
      async (chunk) => {
        let pending = chunk;
        for (let attempt = 1; pending.length > 0; attempt++) {
          if (attempt > BATCH_WRITE_ATTEMPTS) throw new Error(`BatchWriteItem: ${pending.length} item(s) still unprocessed after ${BATCH_WRITE_ATTEMPTS} attempts`);
          if (attempt > 1) await sleep(Math.min(1000, 25 * 2 ** attempt));
          const { UnprocessedItems: unprocessed } = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
          pending = unprocessed?.[tableName] ?? [];
        }
      },
      { concurrency: this.writeConcurrency },
    );
  }

  // ------------------------------------------------------------ address statuses

  /** Records that mail to this address bounces or is complained about (the mailer then skips or warns). */
  async markAddressFailing(groupId: string, email: string, reason: string): Promise<AddressStatus> {
    return this.setAddressStatus(groupId, email, { state: 'failing', reason });
  }

  /** Clears a failing mark (e.g. the secretary fixed the address). */
  async markAddressOk(groupId: string, email: string): Promise<AddressStatus> {
    return this.setAddressStatus(groupId, email, { state: 'ok' });
  }

  private async setAddressStatus(groupId: string, email: string, status: Pick<AddressStatus, 'state' | 'reason'>): Promise<AddressStatus> {
    const normalised = email.trim().toLowerCase();
    const record: AddressStatus = { email: normalised, ...status, updatedAt: this.table.stamp() };
    await this.table.client.send(
      new PutItemCommand({ TableName: this.table.tableName, Item: marshall({ ...keys.address(groupId, normalised), ...record }) }),
    );
    return record;
  }
}

// ---------------------------------------------------------------- helpers

/** The keys getGroupHeaderAndMember reads, for a caller that batches them with keys of its own. */
export function groupHeaderAndMemberKeys(groupId: string, memberId: string): Key[] {
  return [keys.group(groupId), keys.member(groupId, memberId)];
}

/** The group header and one member out of a BatchGetItem answer that held groupHeaderAndMemberKeys. */
export function groupHeaderAndMemberFrom(found: Map<string, Item>, groupId: string, memberId: string): { group: GroupHeader; member: Member | null } | null {
  const headerKey = keys.group(groupId);
  const memberKey = keys.member(groupId, memberId);
  const headerItem = found.get(`${headerKey.pk}|${headerKey.sk}`);
  const stored = headerItem ? (unmarshall(headerItem) as unknown as StoredHeader) : null;
  if (!stored || !isReadable(stored)) return null;
  const version = committedVersion(stored);
  const memberItem = found.get(`${memberKey.pk}|${memberKey.sk}`);
  const member = version
    ? (memberItem && slotOf(unmarshall(memberItem) as StoredMember, version)?.member) ?? null
    : (stored.members ?? []).find((m) => m.id === memberId) ?? null;
  return { group: toHeader(stored), member };
}

function rosterConflict(groupId: string): ConditionFailedError {
  return new ConditionFailedError('putGroup', 'roster-conflict', `Group ${groupId}: another roster is being written or was saved since it was read`);
}

/** The fields of a member in a fixed order (stored maps come back in any key order). */
function canonical(member: Member): string {
  return JSON.stringify([member.id, member.name, member.email, member.role, member.position ?? null, member.lang]);
}

/** Identifies a roster: its members, in order. */
export function rosterHash(members: readonly Member[]): string {
  const hash = createHash('sha256');
  for (const member of members) hash.update(canonical(member)).update('\n');
  return hash.digest('hex').slice(0, 32);
}

function committedVersion(header: StoredHeader): RosterVersion | null {
  return header.rosterRevision !== undefined && header.rosterHash !== undefined ? { revision: header.rosterRevision, hash: header.rosterHash } : null;
}

/** A group whose first roster is still being written (or never was) does not exist yet for readers. */
function isReadable(header: StoredHeader): boolean {
  return committedVersion(header) !== null || Array.isArray(header.members);
}

function slotOf(item: StoredMember, version: RosterVersion): MemberSlot | undefined {
  const matches = (slot?: MemberSlot) => slot !== undefined && slot.revision === version.revision && slot.hash === version.hash;
  return matches(item.latest) ? item.latest : matches(item.prior) ? item.prior : undefined;
}

function sameSlot(a: MemberSlot | undefined, b: MemberSlot | undefined): boolean {
  if (!a || !b) return a === b;
  return a.revision === b.revision && a.hash === b.hash && a.order === b.order && canonical(a.member) === canonical(b.member);
}

function toHeader(stored: StoredHeader): GroupHeader {
  return {
    id: stored.id,
    bodyName: stored.bodyName ?? '',
    name: stored.name ?? '',
    // Settings added later take their defaults on groups stored before them.
    settings: { ...defaultGroupSettings, ...stored.settings },
    meetingCounter: stored.meetingCounter ?? 0,
    rosterRevision: stored.rosterRevision ?? 0,
    memberCount: stored.memberCount ?? stored.members?.length ?? 0,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt ?? stored.createdAt,
  };
}

/** Header, members of the committed version in order, and address statuses; 'incomplete' if members are missing. */
function assemble(items: Item[]): GroupWithAddresses | null | 'incomplete' {
  let header: StoredHeader | null = null;
  const memberItems: StoredMember[] = [];
  const addresses: Record<string, AddressStatus> = {};
  for (const item of items) {
    const sk = item.sk?.S ?? '';
    if (sk === 'GROUP') header = unmarshall(item) as unknown as StoredHeader;
    else if (sk.startsWith(MEMBER_PREFIX)) memberItems.push(unmarshall(item) as StoredMember);
    else if (sk.startsWith('ADDRESS#')) {
      const status = strip<AddressStatus>(item);
      addresses[status.email] = status;
    }
  }
  if (!header || !isReadable(header)) return null;
  const version = committedVersion(header);
  let members: Member[];
  if (version) {
    const slots = memberItems.map((item) => slotOf(item, version)).filter((slot): slot is MemberSlot => slot !== undefined);
    if (slots.length !== header.memberCount) return 'incomplete';
    members = slots.sort((a, b) => a.order - b.order).map((slot) => slot.member);
  } else {
    members = header.members ?? [];
  }
  return { ...toHeader(header), members, addresses };
}
