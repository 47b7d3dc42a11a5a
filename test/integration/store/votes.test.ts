import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Choice } from '../../../functions/domain/types.ts';
import type { ManualClock } from '../../../functions/lib/clock.ts';
import { BALLOT_LIMITS, BallotStore, memberTerms } from '../../../functions/store/ballots.ts';
import { keys } from '../../../functions/store/keys.ts';
import type { MemberTerms } from '../../../functions/store/records.ts';
import type { KvorumStore } from '../../../functions/store/store.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { deadlines, freshStore, group, newMeeting, refusal } from './fixtures.ts';

const terms: MemberTerms = memberTerms({ revision: 1, deadlines });
const items = [
  { id: 'i1', title: 'Первый' },
  { id: 'i2', title: 'Второй' },
];

describe('BallotStore: one item per member — votes and attendance (dynalite)', () => {
  let db: RunningDynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.stop());

  async function meetingInSession(start = '2026-03-10T06:00:00Z'): Promise<{ store: KvorumStore; clock: ManualClock }> {
    const { store, clock } = await freshStore(db, start);
    await store.putGroup(group());
    await store.createMeeting(newMeeting('m'));
    await store.ballots.openVoting('m', { items, voterIds: ['chair', 'sec', 'm1'] }, terms);
    return { store, clock };
  }

  const historyOf = async (store: KvorumStore, memberId: string) => (await store.ballots.getMemberBallot('m', memberId))?.history ?? [];

  it('refuses a ballot before voting opens, and writes nothing', async () => {
    const { store } = await freshStore(db, '2026-03-10T06:00:00Z');
    await store.putGroup(group());
    await store.createMeeting(newMeeting('m'));
    expect(await refusal(store.ballots.castBallot('m', 'm1', { i1: 'for' }, { revision: 1 }))).toBe('voting-not-open');
    expect(await store.ballots.getMemberBallot('m', 'm1')).toBeNull();
  });

  it('refuses non-voters and unknown items before writing anything', async () => {
    const { store } = await meetingInSession();
    expect(await refusal(store.ballots.castBallot('m', 'm2', { i1: 'for' }, { revision: 1 }))).toBe('not-a-voter');
    expect(await store.ballots.getMemberBallot('m', 'm2')).toBeNull();
    expect(await refusal(store.ballots.castBallot('m', 'm1', { i1: 'for', i9: 'for' }, { revision: 1 }))).toBe('unknown-item');
    expect(await refusal(store.ballots.castBallot('m', 'm1', { i1: 'for' }, { revision: 2 }))).toBe('stale');
    expect((await store.ballots.getMemberBallot('m', 'm1'))?.votes).toEqual({});
    expect(await historyOf(store, 'm1')).toEqual([]);
  });

  it('one write stores the whole ballot; a change appends history, an unchanged choice writes nothing', async () => {
    const { store, clock } = await meetingInSession();
    const first = await store.ballots.castBallot('m', 'm1', { i1: 'for', i2: 'against' }, { revision: 1 });
    expect(first.changed.sort()).toEqual(['i1', 'i2']);
    expect(first.ballot.votes).toMatchObject({ i1: { choice: 'for' }, i2: { choice: 'against' } });
    clock.advance(1000);
    const second = await store.ballots.castBallot('m', 'm1', { i1: 'abstain', i2: 'against' }, { revision: 1 });
    expect(second.changed).toEqual(['i1']);
    expect(second.ballot.votes?.i1).toEqual({ choice: 'abstain', at: '2026-03-10T06:00:01.000Z' });
    const again = await store.ballots.castBallot('m', 'm1', { i1: 'abstain' }, { revision: 1 });
    expect(again.changed).toEqual([]);
    expect((await historyOf(store, 'm1')).map((h) => [h.itemId, h.choice])).toEqual([['i1', 'for'], ['i2', 'against'], ['i1', 'abstain']]);
    const bundle = await store.loadMeetingBundle('m');
    expect(bundle?.voteHistory.map((h) => [h.memberId, h.itemId, h.choice])).toEqual([['m1', 'i1', 'for'], ['m1', 'i2', 'against'], ['m1', 'i1', 'abstain']]);
    expect(bundle?.ballotBox.votes.m1?.i1?.choice).toBe('abstain');
  });

  it('a ballot whose write is refused stores nothing: a stale read, then voting closed', async () => {
    const { store } = await meetingInSession();
    await store.ballots.castBallot('m', 'm1', { i1: 'for' }, { revision: 1 });
    const read = await store.ballots.getMemberBallot('m', 'm1');
    await store.ballots.castBallot('m', 'm1', { i1: 'against' }, { revision: 1 });
    await store.ballots.closeVoting('m');
    // The caller read i1 = for; the condition on i1 fails, the re-read finds the item sealed: nothing of i2 either.
    expect(await refusal(store.ballots.castBallot('m', 'm1', { i1: 'abstain', i2: 'for' }, { revision: 1 }, { ballot: read }))).toBe('voting-closed');
    const after = await store.ballots.getMemberBallot('m', 'm1');
    expect(after?.votes).toEqual({ i1: expect.objectContaining({ choice: 'against' }) });
    expect(after?.history.map((h) => h.choice)).toEqual(['for', 'against']);
  });

  it('a ballot read stale is re-read and stored whole when it is still valid', async () => {
    const { store } = await meetingInSession();
    const read = await store.ballots.getMemberBallot('m', 'm1');
    await store.ballots.castBallot('m', 'm1', { i1: 'for' }, { revision: 1 });
    const { ballot, changed } = await store.ballots.castBallot('m', 'm1', { i1: 'against', i2: 'for' }, { revision: 1 }, { ballot: read });
    expect(changed.sort()).toEqual(['i1', 'i2']);
    expect(ballot.history.map((h) => `${h.itemId}:${h.choice}`)).toEqual(['i1:for', 'i1:against', 'i2:for']);
  });

  it('refuses a ballot that would pass the history bound, whole', async () => {
    const { store } = await meetingInSession();
    const bounded = new BallotStore(store.table, { ...BALLOT_LIMITS, historyEntries: 5 });
    await bounded.castBallot('m', 'm1', { i1: 'for', i2: 'for' }, { revision: 1 });
    await bounded.castBallot('m', 'm1', { i1: 'against', i2: 'against' }, { revision: 1 });
    expect(await refusal(bounded.castBallot('m', 'm1', { i1: 'abstain', i2: 'abstain' }, { revision: 1 }))).toBe('too-large');
    expect((await store.ballots.getMemberBallot('m', 'm1'))?.votes).toMatchObject({ i1: { choice: 'against' }, i2: { choice: 'against' } });
    await bounded.castBallot('m', 'm1', { i1: 'abstain' }, { revision: 1 });
    expect(await historyOf(store, 'm1')).toHaveLength(5);
  });

  it('1,000 voters casting at once give an exact tally, one history entry per vote', async () => {
    const { store } = await freshStore(db, '2026-03-10T06:00:00Z');
    await store.putGroup(group());
    await store.createMeeting(newMeeting('m'));
    const voters = Array.from({ length: 1000 }, (_, i) => `v${i}`);
    const choices: Choice[] = ['for', 'against', 'abstain'];
    const ballotOf = (i: number): Record<string, Choice> => ({ i1: choices[i % 3]!, i2: choices[(i * 7) % 3]! });
    await store.ballots.openVoting('m', { items, voterIds: voters }, terms);
    await Promise.all(voters.map((memberId, i) => store.ballots.castBallot('m', memberId, ballotOf(i), { revision: 1 })));
    const box = await store.ballots.closeVoting('m');
    for (const itemId of ['i1', 'i2']) {
      const expected = { for: 0, against: 0, abstain: 0 };
      voters.forEach((_, i) => expected[ballotOf(i)[itemId]!]++);
      const counted = { for: 0, against: 0, abstain: 0 };
      for (const memberId of voters) counted[box.votes[memberId]![itemId]!.choice]++;
      expect(counted).toEqual(expected);
    }
    expect((await store.loadMeetingBundle('m'))?.voteHistory).toHaveLength(2000);
  }, 60_000);

  it('the same ballot sent 20 times at once: one ballot, one history entry per change', async () => {
    const { store } = await meetingInSession();
    await store.ballots.castBallot('m', 'm1', { i1: 'for' }, { revision: 1 });
    const results = await Promise.all(Array.from({ length: 20 }, () => store.ballots.castBallot('m', 'm1', { i1: 'against', i2: 'abstain' }, { revision: 1 })));
    expect(results.filter((r) => r.changed.length > 0)).toHaveLength(1);
    const ballot = await store.ballots.getMemberBallot('m', 'm1');
    expect(ballot?.votes).toMatchObject({ i1: { choice: 'against' }, i2: { choice: 'abstain' } });
    expect(ballot?.history.map((h) => `${h.itemId}:${h.choice}`).sort()).toEqual(['i1:against', 'i1:for', 'i2:abstain']);
  });

  it('attendance: "present" by the secretary, then made a voter; "absent" keeps a vote already cast', async () => {
    const { store } = await meetingInSession();
    await store.ballots.setAttendance('m', 'm2', { status: 'present', by: 'sec' }, terms);
    expect(await refusal(store.ballots.castBallot('m', 'm2', { i1: 'for' }, { revision: 1 }))).toBe('not-a-voter');
    await store.ballots.addVoters('m', ['m2'], terms);
    await store.ballots.castBallot('m', 'm2', { i1: 'against' }, { revision: 1 });
    await store.ballots.setAttendance('m', 'm2', { status: 'absent', by: 'sec' }, terms);
    const box = await store.ballots.getBallotBox('m');
    expect(box.attendance.m2).toMatchObject({ status: 'absent', by: 'sec' });
    expect(box.votes.m2?.i1?.choice).toBe('against');
    expect(Object.keys(box.votes).sort()).toEqual(['chair', 'm1', 'm2', 'sec']);
  });

  it('closing freezes votes and attendance; nothing is accepted after, not even from a member with no item yet', async () => {
    const { store, clock } = await meetingInSession();
    await store.ballots.castBallot('m', 'chair', { i1: 'for' }, { revision: 1 });
    await store.ballots.setAttendance('m', 'm1', { status: 'present', by: 'sec' }, terms);
    clock.advance(2 * 3600_000); // 08:00:00, the last second of voting
    const frozen = await store.ballots.closeVoting('m');
    expect(frozen.closedAt).toBe('2026-03-10T08:00:00.000Z');
    expect(frozen.votes.chair?.i1?.choice).toBe('for');
    expect(Object.keys(frozen.attendance)).toEqual(['m1']);

    expect(await refusal(store.ballots.castBallot('m', 'm1', { i1: 'for' }, { revision: 1 }))).toBe('voting-closed');
    expect(await refusal(store.ballots.setAttendance('m', 'm1', { status: 'absent', by: 'sec' }, terms))).toBe('voting-closed');
    expect(await refusal(store.ballots.setAttendance('m', 'm2', { status: 'present', by: 'sec' }, terms))).toBe('voting-closed');
    expect(await store.ballots.getMemberBallot('m', 'm2')).toBeNull();
    expect(await refusal(store.ballots.openVoting('m', { items, voterIds: ['m2'] }, terms))).toBe('voting-closed');

    clock.advance(60_000);
    expect(await store.ballots.closeVoting('m')).toEqual(frozen);
  });

  it('after the vote deadline nothing is accepted even before the close ran', async () => {
    const { store, clock } = await meetingInSession();
    clock.set('2026-03-10T08:00:01Z');
    expect(await refusal(store.ballots.castBallot('m', 'm1', { i1: 'for' }, { revision: 1 }))).toBe('voting-closed');
    expect(await refusal(store.ballots.setAttendance('m', 'm2', { status: 'present', by: 'sec' }, terms))).toBe('voting-closed');
    expect(await store.ballots.getMemberBallot('m', 'm2')).toBeNull();
  });

  it('closeVoting re-run after a crash between its writes completes the close', async () => {
    const { store, clock } = await meetingInSession();
    await store.ballots.castBallot('m', 'm1', { i1: 'for' }, { revision: 1 });
    clock.advance(2 * 3600_000);
    // Crash after the header and one seal: the rest of the items are unsealed, no sealedAt.
    let sealWrites = 0;
    const crash = (next: (args: any) => Promise<any>) => async (args: any) => {
      const pk = args.input?.Key?.pk?.S as string | undefined;
      if (args.input?.UpdateExpression && pk === keys.memberBallots('m') && ++sealWrites > 1) throw new Error('crash');
      return next(args);
    };
    db.client.middlewareStack.add(crash, { step: 'initialize', name: 'crashAfterOneSeal' });
    try {
      await expect(store.ballots.closeVoting('m')).rejects.toThrow('crash');
    } finally {
      db.client.middlewareStack.remove('crashAfterOneSeal');
    }
    const header = await store.ballots.getHeader('m');
    expect(header?.closedAt).toBe('2026-03-10T08:00:00.000Z');
    expect(header?.sealedAt).toBeUndefined();
    clock.advance(5000);
    const box = await store.ballots.closeVoting('m');
    expect(box.closedAt).toBe('2026-03-10T08:00:00.000Z');
    expect((await store.ballots.getHeader('m'))?.sealedAt).toBe('2026-03-10T08:00:05.000Z');
    for (const memberId of ['chair', 'sec', 'm1']) expect((await store.ballots.getMemberBallot('m', memberId))?.closedAt).toBe('2026-03-10T08:00:00.000Z');
    expect(box.votes.m1?.i1?.choice).toBe('for');
  });
});
