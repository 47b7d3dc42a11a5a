import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BALLOT_LIMITS, BallotStore, memberTerms } from '../../../functions/store/ballots.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { deadlines, freshStore, group, newMeeting, refusal } from './fixtures.ts';

const terms = memberTerms({ revision: 1, deadlines });

describe('BallotStore: attendance answers with written opinions, п. 2.7 (dynalite)', () => {
  let db: RunningDynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.stop());

  async function meeting(start: string) {
    const { store, clock } = await freshStore(db, start);
    await store.putGroup(group());
    await store.createMeeting(newMeeting('m'));
    return { store, clock };
  }

  it('accepts opinions up to the deadline second and refuses them after it, in the write; a resubmitted text replaces', async () => {
    const { store, clock } = await meeting('2026-03-09T10:00:00Z');
    await store.ballots.setAttendance('m', 'm2', { status: 'absent', by: 'm2', opinions: { i1: 'Первое' } }, terms);
    clock.set('2026-03-09T19:59:59.900Z'); // still within 23:59:59 Astrakhan
    await store.ballots.setAttendance('m', 'm2', { status: 'absent', by: 'm2', opinions: { i1: 'Уточнённое' } }, terms);
    clock.set('2026-03-09T20:00:00Z');
    expect(await refusal(store.ballots.setAttendance('m', 'm2', { status: 'absent', by: 'm2', opinions: { i2: 'Late' } }, terms))).toBe('deadline-passed');
    // A member with no item yet is refused too, and no item is made for them.
    expect(await refusal(store.ballots.setAttendance('m', 'm1', { status: 'absent', by: 'm1', opinions: { i1: 'Late' } }, terms))).toBe('deadline-passed');
    expect(await store.ballots.getMemberBallot('m', 'm1')).toBeNull();
    const bundle = await store.loadMeetingBundle('m');
    expect(bundle?.opinions).toEqual([{ memberId: 'm2', itemId: 'i1', text: 'Уточнённое', submittedAt: '2026-03-09T19:59:59.900Z', inTime: true }]);
    expect(bundle?.attendance.m2).toMatchObject({ status: 'absent', by: 'm2' });
  });

  it('an answer refused for its opinions stores nothing of it, not even the attendance', async () => {
    const { store, clock } = await meeting('2026-03-09T10:00:00Z');
    await store.ballots.setAttendance('m', 'm2', { status: 'will-attend', by: 'm2' }, terms);
    clock.set('2026-03-09T20:00:00Z');
    expect(await refusal(store.ballots.setAttendance('m', 'm2', { status: 'absent', by: 'm2', opinions: { i1: 'Late' } }, terms))).toBe('deadline-passed');
    expect((await store.ballots.getMemberBallot('m', 'm2'))?.attendance?.status).toBe('will-attend');
  });

  it('moving the meeting moves the deadlines of items made before: the next write takes the new terms', async () => {
    const { store, clock } = await meeting('2026-03-08T10:00:00Z');
    await store.ballots.setAttendance('m', 'm2', { status: 'absent', by: 'm2' }, terms);
    const moved = await store.moveMeeting('m', 1, {
      date: '2026-03-17', time: '10:00', timeZone: 'Europe/Astrakhan', startsAt: '2026-03-17T06:00:00Z',
      deadlines: { ...deadlines, opinions: '2026-03-16T19:59:59Z', voteOpens: '2026-03-17T06:00:00Z', voteCloses: '2026-03-17T08:00:00Z' },
    });
    clock.set('2026-03-12T10:00:00Z');
    // A write still carrying the old terms is refused: the item moves on with the meeting.
    await store.ballots.setAttendance('m', 'm2', { status: 'absent', by: 'm2', opinions: { i1: 'После переноса' } }, memberTerms(moved));
    expect(await refusal(store.ballots.setAttendance('m', 'm2', { status: 'absent', by: 'm2' }, terms))).toBe('stale');
    const item = await store.ballots.getMemberBallot('m', 'm2');
    expect(item).toMatchObject({ revision: 2, opinionsDeadline: '2026-03-16T19:59:59Z', closesAt: '2026-03-17T08:00:00Z' });
    expect(Object.values(item?.opinions ?? {}).map((o) => o.text)).toEqual(['После переноса']);
  });

  it('bounds the total size of a member’s opinions; concurrent answers do not pass the bound together', async () => {
    const { store } = await meeting('2026-03-08T10:00:00Z');
    const bounded = new BallotStore(store.table, { ...BALLOT_LIMITS, opinionBytes: 100 });
    await bounded.setAttendance('m', 'm2', { status: 'absent', by: 'm2', opinions: { i1: 'а'.repeat(30) } }, terms); // 60 bytes
    expect(await refusal(bounded.setAttendance('m', 'm2', { status: 'absent', by: 'm2', opinions: { i2: 'б'.repeat(30) } }, terms))).toBe('too-large');
    // Replacing the text of the same item counts once.
    await bounded.setAttendance('m', 'm2', { status: 'absent', by: 'm2', opinions: { i1: 'в'.repeat(40) } }, terms);
    const results = await Promise.allSettled(['i2', 'i3'].map((itemId) => bounded.setAttendance('m', 'm2', { status: 'absent', by: 'm2', opinions: { [itemId]: 'x'.repeat(15) } }, terms)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const item = await store.ballots.getMemberBallot('m', 'm2');
    expect(Object.keys(item?.opinions ?? {})).toHaveLength(2);
  });
});
