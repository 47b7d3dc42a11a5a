import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvorumStore } from '../../../functions/store/store.ts';
import type { ManualClock } from '../../../functions/lib/clock.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { freshStore, group, newMeeting, refusal } from './fixtures.ts';

describe('KvorumStore: attendance and the ballot box (dynalite)', () => {
  let db: RunningDynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.stop());

  async function meetingInSession(): Promise<{ store: KvorumStore; clock: ManualClock }> {
    const { store, clock } = await freshStore(db, '2026-03-10T06:00:00Z');
    await store.putGroup(group());
    await store.createMeeting(newMeeting('m'));
    await store.setAttendance('m', 'm2', 'absent', 'm2');
    await store.openVoting('m', { itemIds: ['i1', 'i2'], voterIds: ['chair', 'sec', 'm1'] });
    return { store, clock };
  }

  it('refuses a vote before voting opens', async () => {
    const { store } = await freshStore(db);
    await store.putGroup(group());
    await store.createMeeting(newMeeting('m'));
    expect(await refusal(store.castVote('m', { memberId: 'm1', itemId: 'i1', choice: 'for', idempotencyKey: 'k' }))).toBe('voting-not-open');
    expect(await store.listVoteHistory('m')).toEqual([]);
  });

  it('refuses votes from non-voters and on unknown items', async () => {
    const { store } = await meetingInSession();
    expect(await refusal(store.castVote('m', { memberId: 'm2', itemId: 'i1', choice: 'for', idempotencyKey: 'k1' }))).toBe('not-a-voter');
    expect(await refusal(store.castVote('m', { memberId: 'm1', itemId: 'i9', choice: 'for', idempotencyKey: 'k2' }))).toBe('unknown-item');
    expect(await store.listVoteHistory('m')).toEqual([]);
  });

  it('a member marked present by the secretary becomes a voter', async () => {
    const { store } = await meetingInSession();
    await store.setAttendance('m', 'm2', 'present', 'sec');
    const { recorded } = await store.castVote('m', { memberId: 'm2', itemId: 'i1', choice: 'against', idempotencyKey: 'k' });
    expect(recorded).toBe(true);
    const box = await store.getBallotBox('m');
    expect(box?.attendance.m2).toMatchObject({ status: 'present', by: 'sec' });
    expect(box?.votes.m2?.i1?.choice).toBe('against');
  });

  it('a changed vote keeps every cast in the history and the last one counts', async () => {
    const { store, clock } = await meetingInSession();
    await store.castVote('m', { memberId: 'm1', itemId: 'i1', choice: 'for', idempotencyKey: 'k1' });
    clock.advance(1000);
    await store.castVote('m', { memberId: 'm1', itemId: 'i1', choice: 'against', idempotencyKey: 'k2' });
    clock.advance(1000);
    await store.castVote('m', { memberId: 'm1', itemId: 'i1', choice: 'abstain', idempotencyKey: 'k3' });
    await store.castVote('m', { memberId: 'm1', itemId: 'i2', choice: 'for', idempotencyKey: 'k4' });

    const box = await store.getBallotBox('m');
    expect(box?.votes.m1?.i1).toMatchObject({ choice: 'abstain', key: 'k3' });
    expect(box?.votes.m1?.i2?.choice).toBe('for');
    const history = await store.listVoteHistory('m');
    expect(history.filter((h) => h.itemId === 'i1').map((h) => h.choice)).toEqual(['for', 'against', 'abstain']);
    expect(history).toHaveLength(4);
  });

  it('a retried request (same idempotency key) writes history once and does not undo a later vote', async () => {
    const { store, clock } = await meetingInSession();
    const first = await store.castVote('m', { memberId: 'm1', itemId: 'i1', choice: 'for', idempotencyKey: 'req-1' });
    const retry = await store.castVote('m', { memberId: 'm1', itemId: 'i1', choice: 'for', idempotencyKey: 'req-1' });
    expect(first.recorded).toBe(true);
    expect(retry).toEqual({ recorded: false, vote: first.vote });
    clock.advance(1000);
    await store.castVote('m', { memberId: 'm1', itemId: 'i1', choice: 'against', idempotencyKey: 'req-2' });
    // A late duplicate of the first request arrives after the change.
    await store.castVote('m', { memberId: 'm1', itemId: 'i1', choice: 'for', idempotencyKey: 'req-1' });
    expect((await store.getBallotBox('m'))?.votes.m1?.i1?.choice).toBe('against');
    expect((await store.listVoteHistory('m')).map((h) => h.idempotencyKey)).toEqual(['req-1', 'req-2']);
  });

  it('closing freezes votes and attendance: no vote and no attendance change after close', async () => {
    const { store, clock } = await meetingInSession();
    await store.castVote('m', { memberId: 'chair', itemId: 'i1', choice: 'for', idempotencyKey: 'a' });
    await store.setAttendance('m', 'm1', 'present', 'sec');
    clock.advance(2 * 3600_000);
    const frozen = await store.closeVoting('m');
    expect(frozen.closedAt).toBe('2026-03-10T08:00:00.000Z');
    expect(frozen.votes.chair?.i1?.choice).toBe('for');
    expect(Object.keys(frozen.attendance).sort()).toEqual(['m1', 'm2']);

    expect(await refusal(store.castVote('m', { memberId: 'm1', itemId: 'i1', choice: 'for', idempotencyKey: 'b' }))).toBe('voting-closed');
    expect(await refusal(store.castVote('m', { memberId: 'chair', itemId: 'i1', choice: 'against', idempotencyKey: 'c' }))).toBe('voting-closed');
    expect(await refusal(store.setAttendance('m', 'm2', 'present', 'sec'))).toBe('voting-closed');
    expect(await refusal(store.openVoting('m', { itemIds: ['i1'], voterIds: ['m2'] }))).toBe('voting-closed');

    clock.advance(60_000);
    const again = await store.closeVoting('m');
    expect(again).toEqual(frozen);
    expect((await store.listVoteHistory('m')).map((h) => h.idempotencyKey)).toEqual(['a']);
  });

  it('concurrent votes of different members on the same box are all kept', async () => {
    const { store } = await meetingInSession();
    const voters = ['chair', 'sec', 'm1'];
    await Promise.all(
      voters.flatMap((memberId) =>
        ['i1', 'i2'].map((itemId) => store.castVote('m', { memberId, itemId, choice: 'for', idempotencyKey: `${memberId}-${itemId}` })),
      ),
    );
    const box = await store.getBallotBox('m');
    for (const memberId of voters) expect(Object.keys(box?.votes[memberId] ?? {}).sort()).toEqual(['i1', 'i2']);
    expect(await store.listVoteHistory('m')).toHaveLength(6);
  });
});
