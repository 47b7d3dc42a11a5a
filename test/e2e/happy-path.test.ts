import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { CHAIR, SECRETARY, convene, createGroup, duplicates, lastMail, linkFrom, meeting, roster, sign, voteAll } from './fixtures.ts';

/**
 * SPEC «The meeting lifecycle», whole: proposals, approval, notice with .ics, one absent member's
 * on-time opinion and one late one refused, votes with one change, adoption by majority, protocol
 * signed by all, distributed at once. Only HTTP and e-mail; the clock jumps from deadline to deadline.
 */
describe('a meeting from convening to the distributed protocol', () => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    // Monday 2 March 2026, 10:00 in Astrakhan (UTC+4).
    h = await startHarness('2026-03-02T06:00:00Z');
    const groupId = await createGroup(h, roster(3));
    id = await convene(h, groupId, {
      title: 'О внедрении стандарта <клиентоцентричности>',
      date: '2026-03-12',
      time: '10:00',
      place: 'г. Астрахань, ул. Чернышевского, 6',
      agenda: [{ title: 'О плане работы на 2026 год', speakers: ['secretary'] }],
    });
  }, 120_000);
  afterAll(() => h?.stop());

  it('computes the deadlines in the group time zone and calls for proposals', async () => {
    const m = await meeting(h, id);
    expect(m.meeting.deadlines).toMatchObject({
      proposalsClose: '2026-03-07T19:59:59Z',
      agendaApproval: '2026-03-09T19:59:59Z',
      opinions: '2026-03-11T19:59:59Z',
      voteOpens: '2026-03-12T06:00:00Z',
    });
    for (const who of ['chair', 'deputy', 'secretary', 'm1', 'm2', 'm3']) {
      expect((await h.mailsTo(`${who}@example.org`)).map((m) => m.subject)).toEqual([expect.stringMatching(/^Предложения в повестку/)]);
    }
    // The title people typed is escaped in the HTML part, kept as text in the plain part.
    const call = (await h.mailsTo('m1@example.org'))[0]!;
    expect(call.html).toContain('&lt;клиентоцентричности&gt;');
    expect(call.html).not.toContain('<клиентоцентричности>');
  });

  it('takes a member proposal through the link; the secretary puts it on the agenda', async () => {
    const link = await linkFrom(h, 'm1@example.org', /Предложения/);
    const page = await h.get(link);
    expect(page.status).toBe(200);
    expect(page.text).toContain('method="post"');
    const posted = await h.post(link, { kind: 'agenda-item', title: 'О мониторинге <b>обратной связи</b>', description: '', speaker: '' });
    expect(posted.status).toBe(200);
    const m = await meeting(h, id);
    const proposal = m.proposals.find((p: any) => p.authorId === 'm1');
    expect(proposal.text).toContain('О мониторинге <b>обратной связи</b>');
    const decided = await h.admin('POST', `/admin/meetings/${id}/proposals/${proposal.id}/decision`, { decision: 'accepted' }, SECRETARY);
    expect(decided.status).toBe(200);
    expect((await meeting(h, id)).agenda.map((i: any) => i.title)).toEqual(['О плане работы на 2026 год', 'О мониторинге <b>обратной связи</b>']);

    // m2 proposes to invite a representative of an authority (п. 2.6г); the chair decides later (п. 2.3б).
    const m2 = await linkFrom(h, 'm2@example.org', /Предложения/);
    const invited = await h.post(m2, { kind: 'invitation', inviteeName: 'Орлов Пётр Ильич', inviteePosition: 'начальник отдела', inviteeOrganisation: 'Министерство экономического развития Астраханской области', inviteeEmail: 'orlov@region.example', reason: 'Докладчик по второму вопросу' });
    expect(invited.status).toBe(200);
  });

  it('sends the agenda to the chair when proposals close; GET of the link changes nothing, POST approves, the notice goes at once', async () => {
    await h.advanceTo('2026-03-07T19:59:59Z');
    const approveLink = await linkFrom(h, 'chair@example.org', /утвержден/i);
    const page = await h.get(approveLink);
    expect(page.status).toBe(200);
    expect(page.text).toContain('О мониторинге &lt;b&gt;обратной связи&lt;/b&gt;');
    expect((await meeting(h, id)).meeting.agendaApprovedAt).toBeUndefined();
    expect((await meeting(h, id)).meeting.phase).toBe('agenda-approval');

    expect((await h.post(approveLink, {})).status).toBe(200);
    const m = await meeting(h, id);
    expect(m.meeting.phase).toBe('notified');
    expect(m.meeting.agendaApprovedBy).toBe('chair');
    // A second press is refused as already used.
    expect((await h.post(approveLink, {})).status).toBe(409);
  });

  it('notice carries date, place, agenda and a calendar invitation with the time zone', async () => {
    const notice = await lastMail(h, 'm2@example.org', /^Заседание/);
    expect(notice).toBeDefined();
    expect(notice!.text).toContain('12 марта 2026 г., 10:00 (Europe/Astrakhan, UTC+04:00)');
    expect(notice!.text).toContain('г. Астрахань, ул. Чернышевского, 6');
    expect(notice!.text).toContain('О мониторинге <b>обратной связи</b>');
    const ics = notice!.attachments.find((a) => a.filename === 'invite.ics');
    expect(ics).toBeDefined();
    const calendar = new ICAL.Component(ICAL.parse(ics!.content.toString('utf8')));
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    const vevent = calendar.getFirstSubcomponent('vevent')!;
    expect(vevent.getFirstProperty('dtstart')!.getParameter('tzid')).toBe('Europe/Astrakhan');
    const zone = new ICAL.Timezone(calendar.getFirstSubcomponent('vtimezone')!);
    ICAL.TimezoneService.register(zone);
    const event = new ICAL.Event(vevent);
    expect(event.startDate.toJSDate().toISOString()).toBe(new Date('2026-03-12T06:00:00Z').toISOString());
    expect(zone.tzid).toBe('Europe/Astrakhan');
  });

  it('an invitation accepted by the chair after the notice: the invitee gets the notice at once, without personal links', async () => {
    const proposal = (await meeting(h, id)).proposals.find((p: any) => p.kind === 'invitation');
    expect((await h.admin('POST', `/admin/meetings/${id}/proposals/${proposal.id}/decision`, { decision: 'accepted' }, SECRETARY)).status).toBe(403);
    expect((await h.admin('POST', `/admin/meetings/${id}/proposals/${proposal.id}/decision`, { decision: 'accepted' }, CHAIR)).status).toBe(200);
    const notice = await lastMail(h, 'orlov@region.example', /^Заседание/);
    expect(notice?.text).toContain('12 марта 2026 г., 10:00 (Europe/Astrakhan, UTC+04:00)');
    expect(notice?.attachments.some((a) => a.filename === 'invite.ics')).toBe(true);
    expect(notice?.links).toEqual([]);
  });

  it('accepts an absent member’s opinion in time and refuses a late one', async () => {
    const m3 = await linkFrom(h, 'm3@example.org', /^Заседание/);
    const form = await h.get(m3);
    const fields = [...form.text.matchAll(/name="(opinion_[^"]+)"/g)].map((x) => x[1]!);
    expect(fields).toHaveLength(2);
    const ok = await h.post(m3, { attendance: 'absent', [fields[0]!]: 'Поддерживаю план, но прошу учесть <script>alert(1)</script>', [fields[1]!]: '' });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(await lastMail(h, 'm3@example.org', /мнение/i)).toBeDefined();

    // п. 2.7: after 23:59:59 of the day before the meeting day, the opinion is refused and nothing changes.
    await h.advanceTo('2026-03-11T20:00:00Z');
    const m2 = await linkFrom(h, 'm2@example.org', /^Заседание/);
    const late = await h.post(m2, { attendance: 'absent', [fields[0]!]: 'Опоздавшее мнение' });
    expect(late.status).toBe(409);
    expect(late.text).toContain('Опоздавшее мнение');
    const m = await meeting(h, id);
    expect(m.opinions.map((o: any) => o.memberId)).toEqual(['m3']);
    expect(m.attendance.m2).toBeUndefined();
    expect(m.attendance.m3.status).toBe('absent');
  });

  it('opens voting at the start: ballots to everyone not absent; a vote can be changed; the last one counts', async () => {
    await h.advanceTo('2026-03-12T06:00:00Z');
    expect(await lastMail(h, 'm3@example.org', /Голосование/)).toBeUndefined();
    expect(await voteAll(h, 'chair@example.org', { 0: 'for', 1: 'for' })).toBe(200);
    expect(await voteAll(h, 'deputy@example.org', { 0: 'for', 1: 'against' })).toBe(200);
    expect(await voteAll(h, 'secretary@example.org', { 0: 'for', 1: 'against' })).toBe(200);
    expect(await voteAll(h, 'm1@example.org', { 0: 'against', 1: 'for' })).toBe(200);
    expect(await voteAll(h, 'm1@example.org', { 0: 'for', 1: 'for' })).toBe(200);
    expect(await voteAll(h, 'm2@example.org', { 0: 'abstain', 1: 'against' })).toBe(200);
    const m = await meeting(h, id);
    expect(m.meeting.phase).toBe('in-session');
  });

  it('closes voting, tallies, and collects signatures; the protocol is distributed as soon as all signed', async () => {
    await h.advanceTo('2026-03-12T08:00:00Z');
    const m = await meeting(h, id);
    expect(m.meeting.phase).toBe('protocol-signing');
    // 5 participants of 6 (m3 absent): item 1 4 for → adopted; item 2 2 for, 3 against → not adopted.
    expect(m.tally.items.map((t: any) => [t.for, t.against, t.abstain, t.adopted])).toEqual([
      [4, 0, 1, true],
      [2, 3, 0, false],
    ]);
    for (const who of ['chair', 'secretary', 'deputy', 'm1', 'm2']) expect(await sign(h, `${who}@example.org`)).toBe(200);
    expect(await lastMail(h, 'm3@example.org', /подпис/i)).toBeUndefined();

    const done = await meeting(h, id);
    expect(done.meeting.phase).toBe('distributed');
    expect(done.meeting.signedAt).toBeDefined();
    for (const who of ['chair', 'deputy', 'secretary', 'm1', 'm2', 'm3']) {
      const mail = await lastMail(h, `${who}@example.org`, /^Протокол №/);
      expect(mail, who).toBeDefined();
      const pdf = mail!.attachments.find((a) => a.contentType === 'application/pdf');
      expect(pdf?.content.subarray(0, 5).toString()).toBe('%PDF-');
      const htmlFile = mail!.attachments.find((a) => a.filename?.endsWith('.html'));
      const protocol = htmlFile!.content.toString('utf8');
      expect(protocol).toContain('ПРОТОКОЛ');
      expect(protocol).toContain('Поддерживаю план, но прошу учесть &lt;script&gt;');
      expect(protocol).toContain('Кузнецов Олег');
      expect(protocol).toContain('Орлов Пётр Ильич');
    }
  });

  it('sent every e-mail once (per purpose and recipient), and a GET of any link changed nothing', async () => {
    const mails = await h.mails();
    const once = mails.filter((m) => !/голос учтён|мнение/i.test(m.subject));
    expect(duplicates(once)).toEqual([]);
    const before = JSON.stringify((await meeting(h, id)).meeting);
    for (const link of new Set(mails.flatMap((m) => m.links))) await h.get(link);
    expect(JSON.stringify((await meeting(h, id)).meeting)).toBe(before);
  });
});
