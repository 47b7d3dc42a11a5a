import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { convene, createGroup, linkFrom, meeting, state, subjects, team } from './fixtures.ts';

/**
 * SPEC «The meeting lifecycle» 2 (п. 2.3в): the agenda not approved by its deadline → the chair got
 * one reminder, then the meeting is cancelled and everyone — members and invitees — is told, with a
 * calendar cancellation. No notice is ever sent, and every link of the meeting is revoked.
 */
describe('agenda not approved in time', () => {
  let h: Harness;
  const g = team('late.example.org', 3);
  const members = ['chair', 'deputy', 'secretary', 'm1', 'm2', 'm3'];
  const invitee = 'guest@minsoc.example.org';
  let id: string;
  let proposeLink: string;
  let approveLink: string;

  beforeAll(async () => {
    h = await startHarness('2026-03-02T06:00:00Z');
    const groupId = await createGroup(h, g.members, g.secretary);
    id = await convene(
      h,
      groupId,
      {
        title: 'О плане работы',
        date: '2026-03-12',
        time: '10:00',
        agenda: [{ title: 'О плане работы на 2026 год' }],
        invitees: [{ name: 'Гостева Галина', email: invitee, position: 'консультант министерства социального развития' }],
      },
      g.chair,
    );
    proposeLink = await linkFrom(h, g.email('m1'), /^Предложения в повестку/);
  }, 120_000);
  afterAll(() => h?.stop());

  it('sends the agenda to the chair when proposals close, and one reminder a day before the approval deadline', async () => {
    await h.advanceTo('2026-03-07T19:59:59Z');
    approveLink = await linkFrom(h, g.email('chair'), /^Повестка на утверждение/);
    expect((await meeting(h, id, g.secretary)).meeting.phase).toBe('agenda-approval');

    // The next timed state is the reminder, 24 h before the deadline (2026-03-09T19:59:59Z).
    expect((await h.advanceToNext())?.toISOString()).toBe('2026-03-08T19:59:59.000Z');
    const reminders = (await h.mails()).filter((m) => /^Напоминание: утвердите повестку/.test(m.subject));
    expect(reminders.map((m) => m.to)).toEqual([[g.email('chair')]]);
    // The reminder carries the same personal approval link.
    expect(reminders[0]!.links.map((l) => l.split('?')[0])).toContain(approveLink);
    // Only the chair acts here: nobody else was reminded of anything.
    for (const who of members.filter((m) => m !== 'chair')) expect(await subjects(h, g.email(who))).toEqual([expect.stringMatching(/^Предложения в повестку/)]);
  });

  it('cancels the meeting at the deadline and tells members and invitees with a calendar cancellation', async () => {
    expect((await h.advanceToNext())?.toISOString()).toBe('2026-03-09T19:59:59.000Z');
    const m = await meeting(h, id, g.secretary);
    expect(m.meeting.phase).toBe('cancelled');
    expect(m.meeting.cancelledReason).toBe('agenda-not-approved');
    expect(m.meeting.agendaApprovedAt).toBeUndefined();

    for (const address of [...members.map(g.email), invitee]) {
      const cancelled = (await h.mailsTo(address)).filter((x) => /^Заседание отменено/.test(x.subject));
      expect(cancelled, address).toHaveLength(1);
      expect(cancelled[0]!.text).toContain('Повестка дня не утверждена председателем в установленный срок (п. 2.3в).');
      const ics = cancelled[0]!.attachments.find((a) => a.filename === 'cancel.ics');
      expect(ics, address).toBeDefined();
      const calendar = new ICAL.Component(ICAL.parse(ics!.content.toString('utf8')));
      expect(calendar.getFirstPropertyValue('method')).toBe('CANCEL');
      const event = calendar.getFirstSubcomponent('vevent')!;
      expect(event.getFirstPropertyValue('status')).toBe('CANCELLED');
      expect(String(event.getFirstPropertyValue('uid'))).toContain(id);
    }
    // The chair: call for proposals, agenda for approval, one reminder, the cancellation — nothing else.
    expect(await subjects(h, g.email('chair'))).toEqual([
      expect.stringMatching(/^Предложения в повестку/),
      expect.stringMatching(/^Повестка на утверждение/),
      expect.stringMatching(/^Напоминание: утвердите повестку/),
      expect.stringMatching(/^Заседание отменено/),
    ]);
    // The invitee was never notified of a meeting, only of its cancellation.
    expect(await subjects(h, invitee)).toEqual([expect.stringMatching(/^Заседание отменено/)]);
  });

  it('never sends a notice, a ballot or anything else, even when the meeting day passes', async () => {
    const before = (await h.mails()).length;
    await h.advanceTo('2026-03-20T06:00:00Z');
    expect(h.system.runtime.nextWakeUp()).toBeUndefined();
    const mails = await h.mails();
    expect(mails).toHaveLength(before);
    expect(mails.filter((m) => /^(Заседание \d|Голосование|Протокол|Напоминание: письменное)/.test(m.subject))).toEqual([]);
  });

  it('revoked the links: GET shows the revoked page (410), POST changes nothing', async () => {
    const before = await state(h, id, g.secretary);
    const approvePage = await h.get(approveLink);
    expect(approvePage.status).toBe(410);
    expect(approvePage.text).toContain('Ссылка отозвана');
    expect(approvePage.text).not.toContain('method="post"');
    const proposePage = await h.get(proposeLink);
    expect(proposePage.status).toBe(410);
    const pressed = await h.post(approveLink, {});
    expect(pressed.status).toBe(410);
    expect(await state(h, id, g.secretary)).toBe(before);
    expect((await meeting(h, id, g.secretary)).meeting.phase).toBe('cancelled');
  });
});
