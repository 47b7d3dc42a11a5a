import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type Mail } from './harness.ts';
import { answer, approveByLink, attachedProtocol, convene, createGroup, lastMail, linkFrom, meeting, plain, sign, state, team, voteAll } from './fixtures.ts';

/**
 * The meeting moved after the notice (POST /admin/meetings/{id}/move): everyone — members and
 * invitees — is told and gets a new notice whose calendar entry has the same UID and a higher
 * SEQUENCE; the old execution is stopped, so nothing about the old date is sent when its reminder
 * and start times pass; the old links act no more; the meeting then runs at the new date.
 */
describe('a meeting moved after the notice', () => {
  let h: Harness;
  const g = team('moved.example.org', 3);
  const members = ['chair', 'deputy', 'secretary', 'm1', 'm2', 'm3'];
  const invitee = 'guest@minek.example.org';
  const everyone = () => [...members.map(g.email), invitee];
  let id: string;
  let oldNoticeLink: string;
  let mailsBeforeMove: number;

  const calendarOf = (mail: Mail, filename = 'invite.ics') => {
    const file = mail.attachments.find((a) => a.filename === filename || a.contentType.startsWith('text/calendar'));
    if (!file) throw new Error(`no calendar in "${mail.subject}"`);
    const calendar = new ICAL.Component(ICAL.parse(file.content.toString('utf8')));
    const event = calendar.getFirstSubcomponent('vevent')!;
    ICAL.TimezoneService.register(new ICAL.Timezone(calendar.getFirstSubcomponent('vtimezone')!));
    return {
      method: calendar.getFirstPropertyValue('method'),
      uid: String(event.getFirstPropertyValue('uid')),
      sequence: Number(event.getFirstPropertyValue('sequence')),
      start: new ICAL.Event(event).startDate.toJSDate().toISOString(),
    };
  };

  beforeAll(async () => {
    h = await startHarness('2026-03-02T06:00:00Z');
    const groupId = await createGroup(h, g.members, g.secretary);
    id = await convene(
      h,
      groupId,
      {
        title: 'О благоустройстве',
        date: '2026-03-12',
        time: '10:00',
        place: 'г. Астрахань, ул. Чернышевского, 6',
        agenda: [{ title: 'О плане благоустройства', decision: 'Утвердить план.' }],
        invitees: [{ name: 'Гостев Глеб', email: invitee, position: 'начальник отдела министерства' }],
      },
      g.chair,
    );
    await h.advanceTo('2026-03-07T19:59:59Z');
    expect(await approveByLink(h, g.email('chair'))).toBe(200);
    oldNoticeLink = await linkFrom(h, g.email('m1'), /^Заседание 12 марта/);
    for (const address of everyone()) expect(await lastMail(h, address, /^Заседание 12 марта 2026/), address).toBeDefined();
  }, 120_000);
  afterAll(() => h?.stop());

  it('moves: everyone is told, and gets a new notice with the same calendar UID and a higher SEQUENCE', async () => {
    await h.advanceTo('2026-03-08T07:00:00Z');
    mailsBeforeMove = (await h.mails()).length;
    const before = await meeting(h, id, g.secretary);
    const moved = await h.admin('POST', `/admin/meetings/${id}/move`, { date: '2026-03-19', time: '11:00' }, g.chair);
    expect(moved.status).toBe(200);
    expect(moved.body.resumeAt).toBe('notice');
    expect(moved.body.told).toBe(7);

    const m = await meeting(h, id, g.secretary);
    expect(m.meeting.revision).toBe(before.meeting.revision + 1);
    expect(m.meeting.startsAt).toBe('2026-03-19T07:00:00Z');
    expect(m.meeting.deadlines).toMatchObject({ opinions: '2026-03-18T19:59:59Z', voteOpens: '2026-03-19T07:00:00Z', voteCloses: '2026-03-19T09:00:00Z' });
    expect(m.meeting.phase).toBe('notified');
    expect(m.meeting.executionArn).not.toBe(before.meeting.executionArn);
    // The old execution (revision 1) was stopped; the new one (revision 2) runs.
    expect(h.system.runtime.describeExecution(before.meeting.executionArn).status).toBe('ABORTED');
    expect(h.system.runtime.describeExecution(m.meeting.executionArn).status).toBe('RUNNING');
    expect(JSON.parse(h.system.runtime.describeExecution(m.meeting.executionArn).input ?? '{}')).toMatchObject({ revision: m.meeting.revision, resumeAt: 'notice' });
    expect(m.meeting.place).toBe('г. Астрахань, ул. Чернышевского, 6');

    for (const address of everyone()) {
      const oldNotice = (await lastMail(h, address, /^Заседание 12 марта 2026/))!;
      const movedMail = (await h.mailsTo(address)).filter((x) => /^Заседание перенесено/.test(x.subject));
      expect(movedMail, address).toHaveLength(1);
      expect(movedMail[0]!.text).toContain('12 марта 2026 г., 10:00');
      expect(movedMail[0]!.text).toContain('19 марта 2026 г., 11:00 (Europe/Astrakhan, UTC+04:00)');
      const newNotices = (await h.mailsTo(address)).filter((x) => /^Заседание 19 марта 2026/.test(x.subject));
      expect(newNotices, address).toHaveLength(1);
      // The mailbox keeps the order of sending: first «moved», then the new notice.
      const order = (await h.mailsTo(address)).map((x) => x.subject);
      expect(order.findIndex((x) => /^Заседание перенесено/.test(x)), address).toBeLessThan(order.findIndex((x) => /^Заседание 19 марта 2026/.test(x)));

      const first = calendarOf(oldNotice);
      const second = calendarOf(newNotices[0]!);
      const update = calendarOf(movedMail[0]!);
      expect(second.uid).toBe(first.uid);
      expect(update.uid).toBe(first.uid);
      expect(second.sequence).toBeGreaterThan(first.sequence);
      expect(update.sequence).toBeGreaterThan(first.sequence);
      expect(second.method).toBe('REQUEST');
      expect(first.start).toBe('2026-03-12T06:00:00.000Z');
      expect(second.start).toBe('2026-03-19T07:00:00.000Z');
    }
    // Members get fresh personal links; the invitee's notice carries none.
    expect((await lastMail(h, invitee, /^Заседание 19 марта/))!.links).toEqual([]);
    expect(await linkFrom(h, g.email('m1'), /^Заседание 19 марта/)).not.toBe(oldNoticeLink);
  });

  it('the old notice links act no more: revoked page (410), nothing changes', async () => {
    const before = await state(h, id, g.secretary);
    const page = await h.get(oldNoticeLink);
    expect(page.status).toBe(410);
    expect(page.text).toContain('Ссылка отозвана');
    const posted = await h.post(oldNoticeLink, { attendance: 'absent' });
    expect(posted.status).toBe(410);
    expect(await state(h, id, g.secretary)).toBe(before);
    expect((await meeting(h, id, g.secretary)).attendance.m1).toBeUndefined();
  });

  it('sends nothing about the old date when its reminder, start and close times pass', async () => {
    // Old opinions reminder 2026-03-10T19:59:59Z, old start 2026-03-12T06:00Z, old close 08:00Z.
    const count = (await h.mails()).length;
    await h.advanceTo('2026-03-10T20:00:00Z');
    await h.advanceTo('2026-03-12T06:00:00Z');
    await h.advanceTo('2026-03-12T09:00:00Z');
    expect(await h.mails()).toHaveLength(count);
    const m = await meeting(h, id, g.secretary);
    expect(m.meeting.phase).toBe('notified');
    expect(m.voting.openedAt).toBeNull();
    // The next thing the (new) execution waits for is the new date's opinions reminder.
    expect(h.system.runtime.nextWakeUp()?.toISOString()).toBe('2026-03-17T19:59:59.000Z');
  });

  it('runs the meeting at the new date, and nothing after the move mentions the old one except the «moved» e-mail', async () => {
    expect((await answer(h, g.email('m3'), 'absent')).status).toBe(200);
    await h.advanceTo('2026-03-17T19:59:59Z');
    const reminder = (await lastMail(h, g.email('m1'), /^Напоминание: письменное мнение/))!;
    expect(reminder.text).toContain('19 марта 2026 г., 11:00');
    await h.advanceTo('2026-03-19T07:00:00Z');
    expect(await lastMail(h, g.email('m3'), /^Голосование открыто/)).toBeUndefined();
    for (const who of ['chair', 'deputy', 'secretary', 'm1', 'm2']) expect(await voteAll(h, g.email(who), { 0: 'for' }), who).toBe(200);
    await h.advanceTo('2026-03-19T09:00:00Z');
    for (const who of ['chair', 'secretary', 'deputy', 'm1', 'm2']) expect(await sign(h, g.email(who)), who).toBe(200);
    const m = await meeting(h, id, g.secretary);
    expect(m.meeting.phase).toBe('distributed');
    expect(m.tally.items[0]).toMatchObject({ for: 5, adopted: true });

    const protocol = plain(attachedProtocol((await lastMail(h, g.email('m3'), /^Протокол №/))!));
    expect(protocol).toContain('Дата и время: 19 марта 2026 г., 11:00 (Europe/Astrakhan, UTC+04:00)');
    expect(protocol).not.toContain('12 марта 2026');

    const afterMove = (await h.mails()).slice(mailsBeforeMove).filter((x) => !/^Заседание перенесено/.test(x.subject));
    expect(afterMove.length).toBeGreaterThan(20);
    for (const mail of afterMove) expect(mail.text, mail.subject).not.toContain('12 марта 2026');
  });
});
