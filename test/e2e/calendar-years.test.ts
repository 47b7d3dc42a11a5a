import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCalendar, russianCalendar } from '../../functions/calendar/index.ts';
import data2026 from '../../functions/calendar/data/2026.json' with { type: 'json' };
import { startHarness, type Harness } from './harness.ts';
import { approveByLink, convene, createGroup, meeting, sign, team, voteAll, type Team } from './fixtures.ts';

/**
 * SPEC «Working days» on the turn of the year, convened on 2 December 2026:
 * - meetings on 28 December 2026 and 20 January 2027 are convened and run to distribution with the
 *   2027 calendar, which is provisional, and the admin view says so;
 * - while a year is missing (a calendar that ends on 31 Dec 2026): convening still works; a distribution
 *   deadline in 2027 is recorded as not computable and the protocol still goes out at once; a signature
 *   deadline in 2027 holds the signature phase, retried daily, until the year is added (a deploy),
 *   and the secretary and ops are told once.
 */
const calendarUntil2026 = createCalendar([data2026]);
const CALENDAR_MISSING = /^Нет производственного календаря на 2027 год/;

async function runToSignatures(h: Harness, g: Team, id: string, day: string, proposalsClose: string, signers: string[]) {
  await h.advanceTo(proposalsClose);
  expect(await approveByLink(h, g.email('chair'))).toBe(200);
  await h.advanceTo(`${day}T06:00:00Z`);
  for (const m of g.members) expect(await voteAll(h, m.email, { 0: 'for' }), m.id).toBe(200);
  await h.advanceTo(`${day}T08:00:00Z`);
  expect((await meeting(h, id, g.secretary)).meeting.phase).toBe('protocol-signing');
  for (const who of signers) expect(await sign(h, g.email(who)), who).toBe(200);
}

const subjectsTo = async (h: Harness, email: string, subject: RegExp) => (await h.mailsTo(email)).filter((m) => subject.test(m.subject));

describe('meetings across the new year, with the provisional 2027 calendar', () => {
  let h: Harness;
  const december = team('december.example.org', 2);
  const january = team('january.example.org', 2);
  let decemberId: string;
  let januaryId: string;

  beforeAll(async () => {
    h = await startHarness('2026-12-02T09:00:00Z');
    decemberId = await convene(h, await createGroup(h, december.members, december.secretary), { title: 'Итоги года', date: '2026-12-28', time: '10:00', agenda: [{ title: 'Об итогах 2026 года' }] }, december.chair);
    januaryId = await convene(h, await createGroup(h, january.members, january.secretary), { title: 'План на 2027 год', date: '2027-01-20', time: '10:00', agenda: [{ title: 'О плане на 2027 год' }] }, january.chair);
  }, 120_000);
  afterAll(() => h?.stop());

  it('convenes both today, with every deadline computed and the provisional year said', async () => {
    const dec = await meeting(h, decemberId, december.secretary);
    // 3 working days after Mon 28 Dec: 29, 30 Dec, (31 Dec – 10 Jan off), 11 Jan.
    expect(dec.meeting.deadlines).toMatchObject({ voteOpens: '2026-12-28T06:00:00Z', signatures: '2027-01-11T19:59:59Z', distribution: '2027-01-18T19:59:59Z' });
    expect(dec.meeting.deadlineNotes.map((n: any) => [n.deadline, n.status, n.years])).toEqual([['signatures', 'provisional', [2027]], ['distribution', 'provisional', [2027]]]);
    expect(dec.meeting.deadlineNotes[0].message).toContain('предварительному производственному календарю на 2027 год');
    const jan = await meeting(h, januaryId, january.secretary);
    expect(jan.meeting.deadlines).toMatchObject({ voteOpens: '2027-01-20T06:00:00Z', signatures: '2027-01-25T19:59:59Z' });
  });

  it('runs the December meeting to distribution; the signing date and the deadline cross into 2027', async () => {
    await runToSignatures(h, december, decemberId, '2026-12-28', '2026-12-23T19:59:59Z', ['chair', 'deputy', 'secretary', 'm1', 'm2']);
    const m = await meeting(h, decemberId, december.secretary);
    expect(m.meeting.phase).toBe('distributed');
    // Signed on Mon 28 Dec: 29, 30 Dec, 11, 12, 13 Jan.
    expect(m.meeting.deadlines.distribution).toBe('2027-01-13T19:59:59Z');
    for (const who of december.members) expect(await subjectsTo(h, who.email, /^Протокол №/), who.id).toHaveLength(1);
  });

  it('runs the January 2027 meeting to distribution', async () => {
    await runToSignatures(h, january, januaryId, '2027-01-20', '2027-01-15T19:59:59Z', ['chair', 'deputy', 'secretary', 'm1', 'm2']);
    const m = await meeting(h, januaryId, january.secretary);
    expect(m.meeting.phase).toBe('distributed');
    expect(m.meeting.deadlines.distribution).toBe('2027-01-27T19:59:59Z'); // 21, 22, 25, 26, 27 Jan
    expect(m.meeting.deadlineNotes.map((n: any) => n.status)).toEqual(['provisional', 'provisional']);
    for (const who of january.members) expect(await subjectsTo(h, who.email, /^Протокол №/), who.id).toHaveLength(1);
  });
});

describe('while the calendar has no data for 2027', () => {
  let h: Harness;
  const ops = 'ops@example.org';
  const early = team('early.example.org', 2); // 23 Dec: signatures by 28 Dec, distribution in 2027
  const late = team('late.example.org', 2); // 29 Dec: even the signature deadline is in 2027
  let earlyId: string;
  let lateId: string;

  beforeAll(async () => {
    h = await startHarness('2026-12-02T09:00:00Z');
    h.system.deps.calendar = calendarUntil2026;
    h.system.deps.opsAddress = ops;
    earlyId = await convene(h, await createGroup(h, early.members, early.secretary), { title: 'Заседание 23 декабря', date: '2026-12-23', time: '10:00', agenda: [{ title: 'О плане' }] }, early.chair);
    lateId = await convene(h, await createGroup(h, late.members, late.secretary), { title: 'Заседание 29 декабря', date: '2026-12-29', time: '10:00', agenda: [{ title: 'О плане' }] }, late.chair);
  }, 120_000);
  afterAll(() => h?.stop());

  it('convenes both: the working-day deadlines it cannot count yet are left for later', async () => {
    const e = await meeting(h, earlyId, early.secretary);
    expect(e.meeting.deadlines.signatures).toBe('2026-12-28T19:59:59Z');
    expect(e.meeting.deadlines.distribution).toBeUndefined();
    expect(e.meeting.deadlineNotes.map((n: any) => [n.deadline, n.status])).toEqual([['distribution', 'pending']]);
    const l = await meeting(h, lateId, late.secretary);
    expect(l.meeting.deadlines.signatures).toBeUndefined();
    expect(l.meeting.deadlineNotes.map((n: any) => [n.deadline, n.status])).toEqual([['signatures', 'pending'], ['distribution', 'pending']]);
  });

  it('distributes at once when the distribution deadline is not computable; the secretary and ops are told once', async () => {
    await runToSignatures(h, early, earlyId, '2026-12-23', '2026-12-18T19:59:59Z', ['chair', 'deputy', 'secretary', 'm1']);
    await h.advanceTo('2026-12-24T19:59:59Z');
    expect(await approveByLink(h, late.email('chair'))).toBe(200);
    // m2 never signs: reminded a day before, then the protocol is finalised at the signature deadline, Mon 28 Dec.
    expect((await h.advanceToNext())?.toISOString()).toBe('2026-12-27T19:59:59.000Z');
    expect((await h.advanceToNext())?.toISOString()).toBe('2026-12-28T19:59:59.000Z');
    const m = await meeting(h, earlyId, early.secretary);
    expect(m.meeting.phase).toBe('distributed');
    expect(m.meeting.signedAt).toBe('2026-12-28T19:59:59Z');
    expect(m.meeting.deadlines.distribution).toBeUndefined();
    expect(m.meeting.deadlinesNotComputable).toEqual({ distribution: { missingYear: 2027 } });
    expect(m.meeting.deadlineNotes).toEqual([
      expect.objectContaining({ deadline: 'distribution', status: 'not-computable', missingYear: 2027, message: expect.stringContaining('Попросите администратора системы добавить производственный календарь на 2027 год') }),
    ]);
    for (const who of early.members) expect(await subjectsTo(h, who.email, /^Протокол №/), who.id).toHaveLength(1);
    const told = await subjectsTo(h, early.email('secretary'), CALENDAR_MISSING);
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toContain('Протокол рассылается членам рабочей группы как обычно, сразу');
    expect(told[0]!.text).not.toContain('functions/calendar');
    expect((await h.mailsTo(ops)).filter((x) => CALENDAR_MISSING.test(x.subject) && x.subject.includes('23 декабря'))).toHaveLength(1);
    expect(m.audit.filter((a: any) => a.action === 'deadline-not-computable')).toHaveLength(1);
  });

  it('holds the signature phase while its deadline is not computable, retrying daily, and tells once', async () => {
    await h.advanceTo('2026-12-29T06:00:00Z');
    for (const mem of late.members) expect(await voteAll(h, mem.email, { 0: 'for' })).toBe(200);
    await h.advanceTo('2026-12-29T08:00:00Z');
    let m = await meeting(h, lateId, late.secretary);
    expect(m.meeting.phase).toBe('voting-closed');
    expect(m.meeting.deadlinesNotComputable).toEqual({ signatures: { missingYear: 2027 } });
    expect(await subjectsTo(h, late.email('chair'), /^Протокол на подпись/)).toHaveLength(0);
    expect((await subjectsTo(h, late.email('secretary'), CALENDAR_MISSING))[0]!.text).toContain('Ссылки на подписание протокола будут разосланы');
    // The next attempt is a timed state a day later; it changes nothing and tells nobody again.
    expect(h.system.runtime.nextWakeUp()?.toISOString()).toBe('2026-12-30T08:00:00.000Z');
    await h.advanceToNext();
    m = await meeting(h, lateId, late.secretary);
    expect(m.meeting.phase).toBe('voting-closed');
    expect(await subjectsTo(h, late.email('secretary'), CALENDAR_MISSING)).toHaveLength(1);
    expect((await h.mailsTo(ops)).filter((x) => x.subject.includes('29 декабря'))).toHaveLength(1);
    expect(m.audit.filter((a: any) => a.action === 'step-failed')).toHaveLength(0);
  });

  it('goes on once the year is added (a deploy): the real deadline, signing and distribution', async () => {
    h.system.deps.calendar = russianCalendar;
    await h.advanceToNext(); // 31 Dec 08:00Z: the daily retry
    let m = await meeting(h, lateId, late.secretary);
    expect(m.meeting.phase).toBe('protocol-signing');
    // 3 working days after Tue 29 Dec 2026: 30 Dec, 11 and 12 Jan 2027.
    expect(m.meeting.deadlines.signatures).toBe('2027-01-12T19:59:59Z');
    expect(m.meeting.deadlinesNotComputable).toBeUndefined();
    expect(m.protocol.signingDeadline).toBe('2027-01-12T19:59:59Z');
    for (const who of ['chair', 'deputy', 'secretary', 'm1', 'm2']) expect(await sign(h, late.email(who)), who).toBe(200);
    m = await meeting(h, lateId, late.secretary);
    expect(m.meeting.phase).toBe('distributed');
    expect(m.meeting.deadlines.distribution).toBe('2027-01-15T19:59:59Z'); // signed 31 Dec: 11–15 Jan
    expect(m.meeting.deadlineNotes.map((n: any) => n.status)).toEqual(['provisional', 'provisional']);
    expect(await subjectsTo(h, late.email('secretary'), CALENDAR_MISSING)).toHaveLength(1);
  });
});

describe('a distribution retried while the calendar lacks the year of its deadline', () => {
  let h: Harness;
  const g = team('retry-calendar.example.org', 2);
  let id: string;

  beforeAll(async () => {
    h = await startHarness('2026-12-02T09:00:00Z');
    h.system.deps.calendar = calendarUntil2026;
    id = await convene(h, await createGroup(h, g.members, g.secretary), { title: 'Заседание 24 декабря', date: '2026-12-24', time: '10:00', agenda: [{ title: 'О плане' }] }, g.chair);
  }, 120_000);
  afterAll(() => h?.stop());

  it('keeps retrying during an SES outage; once the year is added, the retry records the real deadline and delivers once', async () => {
    await runToSignatures(h, g, id, '2026-12-24', '2026-12-19T19:59:59Z', ['deputy', 'secretary', 'm1', 'm2']);
    const outage = h.system.ses.outage();
    expect(await sign(h, g.email('chair'))).toBe(200);
    let m = await meeting(h, id, g.secretary);
    // Signed on Thu 24 Dec: 25, 28, 29, 30 Dec, and the 5th working day would be in 2027.
    expect(m.meeting.phase).toBe('finalised');
    expect(m.meeting.deadlines.distribution).toBeUndefined();
    expect(m.meeting.deadlinesNotComputable).toEqual({ distribution: { missingYear: 2027 } });
    expect(outage.refused()).toBeGreaterThan(0);
    expect(h.system.runtime.nextWakeUp()!.getTime() - h.clock.now().getTime()).toBe(600_000); // the first distribution retry wait

    h.system.deps.calendar = russianCalendar; // a deploy with 2027
    outage.restore();
    await h.advanceToNext();
    m = await meeting(h, id, g.secretary);
    expect(m.meeting.phase).toBe('distributed');
    expect(m.meeting.deadlines.distribution).toBe('2027-01-11T19:59:59Z');
    expect(m.meeting.deadlinesNotComputable).toBeUndefined();
    for (const who of g.members) expect(await subjectsTo(h, who.email, /^Протокол №/), who.id).toHaveLength(1);
    // The secretary's notice was refused during the outage; by the retry the year was there, so there was nothing to tell.
    expect(await subjectsTo(h, g.email('secretary'), CALENDAR_MISSING)).toHaveLength(0);
    expect(m.audit.map((a: any) => a.action)).not.toContain('step-failed');
  });
});
