/**
 * Personal links (SPEC «Links in e-mails»): one item per link, `LINK#<id>`, listed per meeting through
 * the listings index (gsi1: the meeting, then member, purpose and id).
 */
import { ConditionFailedError } from './errors.ts';
import { Expr } from './expression.ts';
import { keys, strip } from './keys.ts';
import type { LinkRecord, NewLink } from './records.ts';
import { GSI_LISTINGS } from './table.ts';
import type { TableAccess } from './table-access.ts';

export class LinkRepository {
  constructor(private readonly table: TableAccess) {}

  async put(link: NewLink): Promise<LinkRecord> {
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

  async get(linkId: string): Promise<LinkRecord | null> {
    return this.table.get<LinkRecord>(keys.link(linkId));
  }

  /** The links that exist among `linkIds`, by id: consistent BatchGetItem, 100 keys a request. */
  async getMany(linkIds: string[]): Promise<Map<string, LinkRecord>> {
    const found = new Map<string, LinkRecord>();
    for (let i = 0; i < linkIds.length; i += 100) {
      const items = await this.table.batchGet(linkIds.slice(i, i + 100).map((id) => keys.link(id)));
      for (const item of items.values()) {
        const link = strip<LinkRecord>(item);
        found.set(link.id, link);
      }
    }
    return found;
  }

  /** Revokes a link (idempotent: keeps the first revocation time). Returns false if there is no such link. */
  async revoke(linkId: string): Promise<boolean> {
    const e = new Expr().setIfMissing(['revokedAt'], this.table.stamp());
    return (await this.table.update(keys.link(linkId), e, `attribute_exists(${e.n('pk')})`)) !== null;
  }

  /**
   * Uses a one-shot link: refused unless it exists, was never used, is not revoked and has not expired.
   * Reasons: 'not-found' | 'already-used' | 'revoked' | 'expired'.
   */
  async markUsed(linkId: string): Promise<LinkRecord> {
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
    const link = await this.get(linkId);
    const reason = !link ? 'not-found' : link.usedAt ? 'already-used' : link.revokedAt ? 'revoked' : 'expired';
    throw new ConditionFailedError('markLinkUsed', reason);
  }

  /** Links of a meeting (optionally of one member), via the listings index. */
  async listForMeeting(meetingId: string, memberId?: string): Promise<LinkRecord[]> {
    const items = await this.table.queryIndex(GSI_LISTINGS, keys.linksOfMeeting(meetingId), memberId ? `${memberId}#` : undefined);
    return items.map((item) => strip<LinkRecord>(item));
  }

  /**
   * Revokes every not-yet-revoked link of a meeting (optionally only one purpose); returns how many.
   * The index is eventually consistent on AWS: a link created in the same instant may be missed, so
   * handlers also check the link's revision against the meeting's.
   */
  async revokeForMeeting(meetingId: string, options: { purpose?: string } = {}): Promise<number> {
    const links = await this.listForMeeting(meetingId);
    let revoked = 0;
    for (const link of links) {
      if (link.revokedAt || (options.purpose && link.purpose !== options.purpose)) continue;
      if (await this.revoke(link.id)) revoked++;
    }
    return revoked;
  }

  /**
   * A later deadline for the live links of a meeting's revision with one of `purposes` (a protocol
   * version made during signing has its own deadline): never shortens, never a revoked link. Returns
   * how many. Via the listings index, like revokeLinksForMeeting.
   */
  async extend(meetingId: string, options: { purposes: readonly string[]; revision: number; until: string }): Promise<number> {
    let extended = 0;
    for (const link of await this.listForMeeting(meetingId)) {
      if (link.revokedAt || link.revision !== options.revision || !options.purposes.includes(link.purpose) || Date.parse(link.expiresAt) >= Date.parse(options.until)) continue;
      const e = new Expr().set(['expiresAt'], options.until);
      const condition = `attribute_exists(${e.n('pk')}) AND attribute_not_exists(${e.n('revokedAt')}) AND ${e.n('expiresAt')} < ${e.v(options.until)}`;
      if (await this.table.update(keys.link(link.id), e, condition)) extended++;
    }
    return extended;
  }
}
