import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, type Item } from '../../../functions/store/attributes.ts';
import { BALLOT_LIMITS } from '../../../functions/store/ballots.ts';
import { keys } from '../../../functions/store/keys.ts';
import type { BallotHeader, MemberBallot, WrittenOpinion } from '../../../functions/store/records.ts';

/**
 * DynamoDB's 400 KB item limit, by design (dynalite counts characters, not bytes): the size of the
 * largest member item and ballot header the store can write, by DynamoDB's sizing rules — names and
 * strings in UTF-8 bytes, numbers at most 21 bytes, 3 bytes per list/map plus 1 per element.
 */
const ITEM_LIMIT = 400 * 1024;

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.N !== undefined) return 21;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((sum, [name, v]) => sum + 1 + Buffer.byteLength(name, 'utf8') + valueSize(v), 0);
  throw new Error(`unsized ${JSON.stringify(value)}`);
}

const itemSize = (item: Item) => Object.entries(item).reduce((sum, [name, v]) => sum + Buffer.byteLength(name, 'utf8') + valueSize(v), 0);

const AT = '2026-03-10T06:59:59.999Z';
/** Ids as long as the admin API allows (agenda item ids are UUIDs; member ids up to 100 characters). */
const MEMBER_ID = 'м'.repeat(100);
const MEETING_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const itemId = (j: number) => `${String(j).padStart(8, '0')}-aaaa-4bbb-8ccc-dddddddddddd`;

function worstMemberItem(itemCount: number): Item {
  const ids = Array.from({ length: itemCount }, (_, j) => itemId(j));
  // All the opinion text the bound allows, in 3-byte characters, spread over every item.
  const perItem = Math.floor(BALLOT_LIMITS.opinionBytes / itemCount / 3);
  const opinions: Record<string, WrittenOpinion> = {};
  for (const id of ids) opinions[id] = { memberId: MEMBER_ID, itemId: id, text: '€'.repeat(perItem), submittedAt: AT, inTime: true };
  const ballot: MemberBallot = {
    meetingId: MEETING_ID,
    memberId: MEMBER_ID,
    revision: 999_999,
    closesAt: '2026-03-10T08:00:00Z',
    opinionsDeadline: '2026-03-09T19:59:59Z',
    attendance: { status: 'will-attend', by: MEMBER_ID, at: AT },
    votes: Object.fromEntries(ids.map((id) => [id, { choice: 'abstain', at: AT }])),
    history: Array.from({ length: BALLOT_LIMITS.historyEntries }, (_, k) => ({ itemId: ids[k % itemCount]!, choice: 'abstain', at: AT })),
    opinions,
    opinionsVersion: 999_999,
    closedAt: AT,
  };
  return marshall({ ...keys.memberBallot(MEETING_ID, MEMBER_ID), ...ballot });
}

describe('ballot items stay within DynamoDB’s 400 KB by design', () => {
  it('a member item of a 15-item meeting with the longest history and all the opinion text allowed', () => {
    const size = itemSize(worstMemberItem(15));
    expect(size).toBeGreaterThan(BALLOT_LIMITS.opinionBytes);
    expect(size).toBeLessThan(ITEM_LIMIT * 0.75);
  });

  it('a member item of a 100-item meeting (the agenda maximum)', () => {
    expect(itemSize(worstMemberItem(100))).toBeLessThan(ITEM_LIMIT * 0.9);
  });

  it('the ballot header of a 100-item meeting with the longest titles kept', () => {
    const header: BallotHeader = {
      meetingId: MEETING_ID,
      items: Array.from({ length: 100 }, (_, j) => ({ id: itemId(j), title: '€'.repeat(BALLOT_LIMITS.titleChars) })),
      openedAt: AT,
      closesAt: AT,
      closedAt: AT,
      sealedAt: AT,
    };
    expect(itemSize(marshall({ ...keys.ballot(MEETING_ID), ...header }))).toBeLessThan(ITEM_LIMIT * 0.5);
  });
});
