import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberTerms } from '../../../functions/store/ballots.ts';
import { KvorumStore } from '../../../functions/store/store.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { deadlines, freshStore, group, newMeeting, refusal } from './fixtures.ts';

describe('KvorumStore: groups and meetings (dynalite)', () => {
  let db: RunningDynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.stop());

  it('stores groups, lists them, and keeps address statuses beside the roster', async () => {
    const { store } = await freshStore(db);
    await store.putGroup(group('g1'));
    await store.putGroup(group('g2'));
    const failing = await store.markAddressFailing('g1', 'M1@Example.org', 'hard bounce');
    expect(failing).toMatchObject({ email: 'm1@example.org', state: 'failing', reason: 'hard bounce' });

    const g1 = await store.getGroup('g1');
    expect(g1?.members.map((m) => m.id)).toEqual(['chair', 'sec', 'm1', 'm2']);
    expect(g1?.addresses['m1@example.org']?.state).toBe('failing');
    expect(g1?.meetingCounter).toBe(0);
    expect((await store.listGroups()).map((g) => g.id).sort()).toEqual(['g1', 'g2']);

    await store.markAddressOk('g1', 'm1@example.org');
    expect((await store.getGroup('g1'))?.addresses['m1@example.org']?.state).toBe('ok');
    expect(await store.getGroup('nope')).toBeNull();
  });

  it('replacing a roster keeps the meeting counter', async () => {
    const { store } = await freshStore(db);
    await store.putGroup(group());
    await store.createMeeting(newMeeting('a'));
    const changed = { ...group(), members: group().members.slice(0, 3) };
    const saved = await store.putGroup(changed);
    expect(saved.members).toHaveLength(3);
    expect(saved.meetingCounter).toBe(1);
    expect((await store.createMeeting(newMeeting('b'))).number).toBe(2);
  });

  it('creates a meeting once: a duplicate id is refused and takes no number', async () => {
    const { store } = await freshStore(db);
    await store.putGroup(group());
    const meeting = await store.createMeeting(newMeeting('m-1'));
    expect(meeting).toMatchObject({ id: 'm-1', number: 1, revision: 1, phase: 'convened', taskTokens: {}, deadlines });
    expect(await refusal(store.createMeeting(newMeeting('m-1', 'g1', { title: 'other' })))).toBe('exists');
    expect((await store.getMeeting('m-1'))?.title).toBe('О благоустройстве набережной');
    expect((await store.createMeeting(newMeeting('m-2'))).number).toBe(2);
    expect(await refusal(store.createMeeting(newMeeting('m-3', 'no-group')))).toBe('group-not-found');
  });

  it('numbers meetings sequentially per group under concurrent creation', async () => {
    const { store } = await freshStore(db);
    await store.putGroup(group('g1'));
    await store.putGroup(group('g2'));
    const ids = Array.from({ length: 12 }, (_, i) => `c-${i}`);
    const created = await Promise.all(
      ids.map((id, i) => store.createMeeting(newMeeting(id, i % 3 === 0 ? 'g2' : 'g1'))),
    );
    const numbersOf = (groupId: string) => created.filter((m) => m.groupId === groupId).map((m) => m.number).sort((a, b) => a! - b!);
    expect(numbersOf('g1')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(numbersOf('g2')).toEqual([1, 2, 3, 4]);
    expect((await store.getGroup('g1'))?.meetingCounter).toBe(8);
  });

  it('updateMeeting applies changes only from the expected phase and revision', async () => {
    const { store, clock } = await freshStore(db);
    await store.putGroup(group());
    await store.createMeeting(newMeeting('m'));
    clock.advance(60_000);
    const updated = await store.updateMeeting('m', { phase: 'convened', revision: 1 }, { phase: 'agenda-proposals', executionArn: 'arn:exec' });
    expect(updated).toMatchObject({ phase: 'agenda-proposals', executionArn: 'arn:exec', updatedAt: '2026-03-01T08:01:00.000Z' });

    expect(await refusal(store.updateMeeting('m', { phase: 'convened' }, { phase: 'agenda-approval' }))).toBe('stale');
    expect(await refusal(store.updateMeeting('m', { revision: 2 }, { phase: 'agenda-approval' }))).toBe('stale');
    expect(await refusal(store.updateMeeting('ghost', {}, { phase: 'agenda-approval' }))).toBe('not-found');
    expect((await store.getMeeting('m'))?.phase).toBe('agenda-proposals');

    // null removes an optional field.
    const cleared = await store.updateMeeting('m', { phase: 'agenda-proposals' }, { executionArn: null });
    expect(cleared.executionArn).toBeUndefined();
    const token = await store.setTaskToken('m', 'approval', 'tok-1');
    expect(token.taskTokens).toEqual({ approval: 'tok-1' });
  });

  it('moveMeeting bumps the revision, refuses a stale revision and a terminal meeting', async () => {
    const { store } = await freshStore(db);
    await store.putGroup(group());
    await store.createMeeting(newMeeting('m'));
    const later = { ...deadlines, opinions: '2026-03-16T19:59:59Z', voteOpens: '2026-03-17T06:00:00Z' };
    const moved = await store.moveMeeting('m', 1, {
      date: '2026-03-17', time: '10:00', timeZone: 'Europe/Astrakhan', startsAt: '2026-03-17T06:00:00Z', deadlines: later, place: null,
    });
    expect(moved).toMatchObject({ revision: 2, date: '2026-03-17', startsAt: '2026-03-17T06:00:00Z', deadlines: later });
    expect(moved.place).toBeUndefined();
    const again = { date: '2026-03-18', time: '10:00', timeZone: 'Europe/Astrakhan', startsAt: '2026-03-18T06:00:00Z', deadlines };
    expect(await refusal(store.moveMeeting('m', 1, again))).toBe('stale');
    // A move decided on a phase or an approval that has changed since is refused.
    expect(await refusal(store.moveMeeting('m', 2, again, { seen: { phase: 'notified' } }))).toBe('stale');
    expect(await refusal(store.moveMeeting('m', 2, again, { seen: { phase: 'convened', agendaApprovedAt: '2026-03-05T10:00:00Z' } }))).toBe('stale');
    expect(await store.moveMeeting('m', 2, again, { seen: { phase: 'convened' } })).toMatchObject({ revision: 3 });
    await store.updateMeeting('m', { revision: 3 }, { phase: 'cancelled', cancelledReason: 'agenda not approved' });
    expect(await refusal(store.moveMeeting('m', 3, again))).toBe('stale');
  });

  it('lists active meetings from the sparse index, also from a new store after a restart', async () => {
    const { store, tableName, clock } = await freshStore(db);
    await store.putGroup(group());
    await store.createMeeting(newMeeting('late', 'g1', { startsAt: '2026-04-01T06:00:00Z' }));
    await store.createMeeting(newMeeting('early', 'g1', { startsAt: '2026-03-10T06:00:00Z' }));
    await store.createMeeting(newMeeting('gone', 'g1', { startsAt: '2026-03-20T06:00:00Z' }));
    await store.createMeeting(newMeeting('done', 'g1', { startsAt: '2026-03-21T06:00:00Z' }));
    await store.updateMeeting('gone', { phase: 'convened' }, { phase: 'cancelled', cancelledReason: 'moved away' });
    await store.updateMeeting('done', { phase: 'convened' }, { phase: 'finalised' });
    await store.updateMeeting('done', { phase: 'finalised' }, { phase: 'distributed', distributedAt: '2026-03-25T07:00:00Z' });

    const restarted = new KvorumStore({ client: db.client, tableName, clock });
    const active = await restarted.listActiveMeetings();
    expect(active.map((m) => m.id)).toEqual(['early', 'late']);
    expect(active[0]?.phase).toBe('convened');
    // All four remain listed for their group, by start.
    expect((await restarted.listMeetingsByGroup('g1')).map((m) => m.id)).toEqual(['early', 'gone', 'done', 'late']);

    // A failed meeting resumed by the secretary is active again, in its place.
    await store.updateMeeting('early', {}, { phase: 'failed', failedPhase: 'convened' });
    expect((await restarted.listActiveMeetings()).map((m) => m.id)).toEqual(['late']);
    await store.updateMeeting('early', { phase: 'failed' }, { phase: 'convened', failedPhase: null });
    expect((await restarted.listActiveMeetings()).map((m) => m.id)).toEqual(['early', 'late']);
    expect((await restarted.getMeeting('early'))?.failedPhase).toBeUndefined();
  });

  it('loads a whole meeting: its partition, its member items and its protocol', async () => {
    const { store } = await freshStore(db);
    await store.putGroup(group());
    await store.createMeeting(newMeeting('m'));
    await store.putAgendaItem('m', { id: 'i2', order: 2, title: 'Второй', speakers: [], approved: false });
    await store.putAgendaItem('m', { id: 'i1', order: 1, title: 'Первый', speakers: ['m1'], approved: false, decision: 'Одобрить' });
    // The approval is one conditional write on the meeting: at its revision, once; it names the items approved.
    expect(await refusal(store.approveAgenda('m', 2, { itemIds: ['i1'], approvedBy: 'chair' }))).toBe('stale');
    await store.approveAgenda('m', 1, { itemIds: ['i1'], approvedBy: 'chair' });
    expect(await refusal(store.approveAgenda('m', 1, { itemIds: ['i1', 'i2'], approvedBy: 'chair' }))).toBe('already-approved');
    expect((await store.listAgenda('m')).map((i) => [i.id, i.approved])).toEqual([['i1', true], ['i2', false]]);
    await store.addProposal('m', { id: 'p1', kind: 'agenda-item', authorId: 'm1', text: '<b>Озеленение</b>' });
    await store.addProposal('m', {
      id: 'p2', kind: 'invitation', authorId: 'm2', text: 'Invite the roads department',
      invitee: { name: 'Кузнецов К. К.', email: 'k@example.org', position: 'начальник управления', lang: 'ru' },
    });
    expect(await refusal(store.addProposal('m', { id: 'p1', kind: 'agenda-item', authorId: 'm2', text: 'x' }))).toBe('exists');
    await store.decideProposal('m', 'p1', 'accepted', 'sec');
    expect(await refusal(store.decideProposal('m', 'p1', 'declined', 'sec'))).toBe('already-decided');
    await store.putInvitee('m', { id: 'inv1', name: 'Кузнецов К. К.', email: 'k@example.org', position: 'начальник', organisation: 'УДХ', lang: 'ru' });
    await store.ballots.setAttendance('m', 'm2', { status: 'absent', by: 'm2', opinions: { i1: 'Против' } }, memberTerms({ revision: 1, deadlines }));

    const bundle = await store.loadMeetingBundle('m');
    expect(bundle?.meeting.id).toBe('m');
    expect(bundle?.agenda.map((i) => [i.id, i.approved])).toEqual([['i1', true], ['i2', false]]);
    expect(bundle?.meeting).toMatchObject({ agendaApprovedBy: 'chair', approvedItemIds: ['i1'] });
    expect(bundle?.proposals.map((p) => [p.id, p.status])).toEqual([['p1', 'accepted'], ['p2', 'pending']]);
    expect(bundle?.proposals[0]?.text).toBe('<b>Озеленение</b>');
    expect(bundle?.invitees.map((i) => i.id)).toEqual(['inv1']);
    expect(bundle?.attendance.m2?.status).toBe('absent');
    expect(bundle?.opinions).toEqual([expect.objectContaining({ memberId: 'm2', itemId: 'i1', text: 'Против', inTime: true })]);
    expect(bundle?.protocol).toBeNull();
    expect(bundle?.dissents).toEqual([]);
    expect(await store.loadMeetingBundle('ghost')).toBeNull();
  });
});
