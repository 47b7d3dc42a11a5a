import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moveMeeting, type Caller } from '../../functions/app/admin.ts';
import { startHarness, type Harness } from './harness.ts';
import { approveByLink, convene, createGroup, linkFrom, meeting, subjects, team, type Team } from './fixtures.ts';

/**
 * Issue 10 §4: approval is conditional on the revision and records its items in the same write; a
 * move reads fresh state. Both interleavings are made deterministic by running the other request from
 * inside the store call of the first, right before its write:
 * - the chair approves while the meeting is moved: the move lands between the approval's reads and its
 *   write, so the approval (for the old date) is refused whole — no item is approved without an
 *   approval — and the chair approves the moved meeting from the new request;
 * - the meeting is moved while the chair approves: the approval and the old-date notice land between
 *   the move's read and its write, so the move's write is refused, it reads again, sees the notice,
 *   and everyone who got the old notice gets the «перенесено» e-mail before the new notice.
 * Both meetings: Thu 12 March 2026 10:00, moved to Thu 19 March 11:00.
 */
describe('approval and move racing', () => {
  let h: Harness;
  const a = team('approve-first.example.org', 2);
  const b = team('move-first.example.org', 2);
  const invitee = 'guest@race.example.org';
  let idA: string;
  let idB: string;
  const callerOf = (t: Team): Caller => ({ email: t.email('chair'), sub: `chair@${t.domain}`, groups: ['chair'] });
  const moveBody = { date: '2026-03-19', time: '11:00' };

  beforeAll(async () => {
    h = await startHarness('2026-03-02T06:00:00Z');
    const agenda = [{ title: 'О плане благоустройства' }, { title: 'О сквере' }];
    idA = await convene(h, await createGroup(h, a.members, a.secretary), { title: 'Заседание А', date: '2026-03-12', time: '10:00', agenda }, a.chair);
    idB = await convene(
      h,
      await createGroup(h, b.members, b.secretary),
      { title: 'Заседание Б', date: '2026-03-12', time: '10:00', agenda, invitees: [{ name: 'Гостев Глеб', email: invitee, position: 'начальник отдела' }] },
      b.chair,
    );
    await h.advanceTo('2026-03-07T19:59:59Z');
    for (const t of [a, b]) expect(await linkFrom(h, t.email('chair'), /утвержден/i)).toBeTruthy();
  }, 120_000);
  afterAll(() => h?.stop());

  it('a move between the approval’s reads and its write: the approval is refused whole; the moved meeting is approved from its new request', async () => {
    const store = h.system.deps.store;
    const approve = store.approveAgenda.bind(store);
    let moved: Awaited<ReturnType<typeof moveMeeting>> | undefined;
    store.approveAgenda = async (meetingId, revision, approval) => {
      if (meetingId === idA && !moved) moved = await moveMeeting(h.system.deps, callerOf(a), idA, moveBody);
      return approve(meetingId, revision, approval);
    };
    let status: number;
    try {
      status = await approveByLink(h, a.email('chair'));
    } finally {
      store.approveAgenda = approve;
    }
    expect(moved?.resumeAt).toBe('agenda-approval');
    expect(status).toBe(410); // the link was for the old date

    const m = await meeting(h, idA, a.secretary);
    expect(m.meeting.revision).toBe(2);
    expect(m.meeting.agendaApprovedAt).toBeUndefined();
    expect(m.agenda.map((i: any) => i.approved)).toEqual([false, false]);
    expect(m.audit.some((e: any) => e.action === 'agenda-approved')).toBe(false);

    // The moved meeting asks for approval again; the chair approves it: both items, one approval.
    const requests = (await subjects(h, a.email('chair'))).filter((s) => /утвержден/i.test(s));
    expect(requests).toHaveLength(2);
    expect(await approveByLink(h, a.email('chair'))).toBe(200);
    const approved = await meeting(h, idA, a.secretary);
    expect(approved.meeting.agendaApprovedAt).toBeTruthy();
    expect(approved.agenda.map((i: any) => i.approved)).toEqual([true, true]);
    expect(approved.audit.filter((e: any) => e.action === 'agenda-approved')).toHaveLength(1);
  });

  it('an approval and the old-date notice between the move’s read and its write: everyone who got the old notice is told of the move', async () => {
    const store = h.system.deps.store;
    const move = store.moveMeeting.bind(store);
    let raced = false;
    store.moveMeeting = async (meetingId, revision, change, options) => {
      if (meetingId === idB && !raced) {
        raced = true;
        // The chair approves; the execution sends the notice for 12 March at once.
        expect(await approveByLink(h, b.email('chair'))).toBe(200);
      }
      return move(meetingId, revision, change, options);
    };
    let moved: Awaited<ReturnType<typeof moveMeeting>>;
    try {
      moved = await moveMeeting(h.system.deps, callerOf(b), idB, moveBody);
    } finally {
      store.moveMeeting = move;
    }
    await h.settle();
    expect(raced).toBe(true);
    expect(moved.resumeAt).toBe('notice');
    const people = [...b.members.map((m) => m.email), invitee];
    expect(moved.told).toBe(people.length);

    for (const address of people) {
      const received = (await subjects(h, address)).filter((s) => /^Заседание (12 марта|19 марта|перенесено)/.test(s));
      expect(received.map((s) => s.replace(/^(Заседание (12 марта|19 марта|перенесено)).*$/, '$1')), address).toEqual([
        'Заседание 12 марта',
        'Заседание перенесено',
        'Заседание 19 марта',
      ]);
    }
    const m = await meeting(h, idB, b.secretary);
    expect(m.meeting).toMatchObject({ revision: 2, phase: 'notified', startsAt: '2026-03-19T07:00:00Z' });
    expect(m.agenda.map((i: any) => i.approved)).toEqual([true, true]);
  });
});
