/**
 * The chair's and the secretary's actions on a meeting, through the admin handler, against dynalite,
 * aws-ses-v2-local and the local Step Functions running the real meeting workflow. Tests run in order
 * on one clock that only moves forward; each works on its own meeting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draftProtocol } from '../../../functions/app/steps/signatures.ts';
import { memberTerms } from '../../../functions/store/ballots.ts';
import { as, call, convene, createGroup, startAdminWorld, type AdminWorld } from './support.ts';

let world: AdminWorld;
let groupId: string;

beforeAll(async () => {
  world = await startAdminWorld('2026-03-02T07:00:00Z');
  groupId = await createGroup();
});
afterAll(async () => {
  await world?.stop();
});

const later = (instant: string, seconds: number) => new Date(Date.parse(instant) + seconds * 1000).toISOString();

describe('agenda, proposals and approval of meeting A (п. 2.3в, 2.3г, 2.5в)', () => {
  let meetingId: string;
  let firstItem: string;

  beforeAll(async () => {
    const result = await convene(groupId, { title: 'О благоустройстве набережной', date: '2026-04-20', time: '10:00' });
    meetingId = result.meeting.id;
    await world.settle();
  });

  it('lets the secretary form the agenda, and nobody else', async () => {
    const items = [
      { title: 'Проект благоустройства', decision: 'Одобрить проект', materials: [{ title: 'Пояснительная записка', url: 'https://city.test/doc.pdf' }] },
      { title: 'Разное' },
    ];
    expect((await call('PUT', `/meetings/${meetingId}/agenda`, { claims: as.chair, body: { items } })).status).toBe(403);
    const reply = await call('PUT', `/meetings/${meetingId}/agenda`, { claims: as.secretary, body: { items } });
    expect(reply.status).toBe(200);
    expect(reply.json.agenda.map((i: { title: string }) => i.title)).toEqual(['Проект благоустройства', 'Разное']);
    expect(reply.json.agenda[0].materials).toEqual(items[0]!.materials);
    firstItem = reply.json.agenda[0].id;
    const audit = await world.store.listAudit(meetingId);
    expect(audit.find((a) => a.action === 'agenda-formed')?.actor).toBe('sec');
  });

  it('refuses an unknown item id and a non-http material link, changing nothing', async () => {
    const before = await world.store.listAgenda(meetingId);
    const unknown = await call('PUT', `/meetings/${meetingId}/agenda`, { claims: as.secretary, body: { items: [{ id: 'nope', title: 'x' }] } });
    expect(unknown.status).toBe(422);
    expect(unknown.json.details[0]).toMatchObject({ field: 'items[0].id', code: 'unknown-item' });
    const script = await call('PUT', `/meetings/${meetingId}/agenda`, {
      claims: as.secretary,
      body: { items: [{ title: 'x', materials: [{ title: 'm', url: 'javascript:alert(1)' }] }] },
    });
    expect(script.status).toBe(422);
    expect(await world.store.listAgenda(meetingId)).toEqual(before);
  });

  it('lets the chair designate speakers (п. 2.3г)', async () => {
    expect((await call('POST', `/meetings/${meetingId}/agenda/${firstItem}/speakers`, { claims: as.secretary, body: { speakers: ['m1'] } })).status).toBe(403);
    expect((await call('POST', `/meetings/${meetingId}/agenda/missing/speakers`, { claims: as.chair, body: { speakers: ['m1'] } })).status).toBe(404);
    const reply = await call('POST', `/meetings/${meetingId}/agenda/${firstItem}/speakers`, { claims: as.chair, body: { speakers: ['m1', 'Гость Г. Г.'] } });
    expect(reply.status).toBe(200);
    expect((await world.store.listAgenda(meetingId))[0]?.speakers).toEqual(['m1', 'Гость Г. Г.']);
  });

  it('turns an accepted agenda proposal into an item (secretary) and an accepted invitation into an invitee (chair)', async () => {
    await world.store.addProposal(meetingId, { id: 'p-item', kind: 'agenda-item', authorId: 'm1', text: 'Освещение сквера' });
    await world.store.addProposal(meetingId, {
      id: 'p-invite',
      kind: 'invitation',
      authorId: 'm2',
      text: 'Пригласить представителя министерства',
      invitee: { name: 'Васильев В. В.', email: 'vasiliev@region.test', position: 'начальник управления', lang: 'ru' },
    });
    expect((await call('POST', `/meetings/${meetingId}/proposals/p-item/decision`, { claims: as.chair, body: { decision: 'accepted' } })).status).toBe(403);
    expect((await call('POST', `/meetings/${meetingId}/proposals/p-invite/decision`, { claims: as.secretary, body: { decision: 'accepted' } })).status).toBe(403);
    expect((await call('POST', `/meetings/${meetingId}/proposals/none/decision`, { claims: as.chair, body: { decision: 'accepted' } })).status).toBe(404);

    const item = await call('POST', `/meetings/${meetingId}/proposals/p-item/decision`, { claims: as.secretary, body: { decision: 'accepted' } });
    expect(item.status).toBe(200);
    const agenda = await world.store.listAgenda(meetingId);
    expect(agenda.at(-1)).toMatchObject({ title: 'Освещение сквера', proposalId: 'p-item', order: 3 });

    const invite = await call('POST', `/meetings/${meetingId}/proposals/p-invite/decision`, { claims: as.chair, body: { decision: 'accepted' } });
    expect(invite.status).toBe(200);
    expect((await world.store.listInvitees(meetingId)).map((i) => i.email)).toEqual(['vasiliev@region.test']);

    const again = await call('POST', `/meetings/${meetingId}/proposals/p-item/decision`, { claims: as.secretary, body: { decision: 'declined' } });
    expect(again.status).toBe(409);
  });

  it('an accepted proposal keeps the proposer\'s title, reasons, draft decision and speaker (issue 11)', async () => {
    await world.store.addProposal(meetingId, {
      id: 'p-full',
      kind: 'agenda-item',
      authorId: 'm1',
      text: 'О ремонте дорог\n\nЖалобы жителей\n\nПроект решения: Поручить отделу ЖКХ…\n\nДокладчик: Кузнецова Анна Павловна',
      item: { title: 'О ремонте дорог', description: 'Жалобы жителей', decision: 'Поручить отделу ЖКХ подготовить план', speaker: 'Кузнецова Анна Павловна' },
    });
    await world.store.addProposal(meetingId, { id: 'p-guest', kind: 'agenda-item', authorId: 'm2', text: 'О парке', item: { title: 'О парке', speaker: 'Гость Г. Г.' } });
    for (const id of ['p-full', 'p-guest']) {
      expect((await call('POST', `/meetings/${meetingId}/proposals/${id}/decision`, { claims: as.secretary, body: { decision: 'accepted' } })).status).toBe(200);
    }
    const agenda = await world.store.listAgenda(meetingId);
    expect(agenda.find((i) => i.proposalId === 'p-full')).toMatchObject({
      title: 'О ремонте дорог',
      description: 'Жалобы жителей',
      decision: 'Поручить отделу ЖКХ подготовить план',
      speakers: ['m3'],
    });
    expect(agenda.find((i) => i.proposalId === 'p-guest')).toMatchObject({ title: 'О парке', speakers: ['Гость Г. Г.'] });
    // A PUT of the agenda that does not mention the reasons keeps them.
    const items = agenda.map((i) => ({ id: i.id, title: i.title }));
    expect((await call('PUT', `/meetings/${meetingId}/agenda`, { claims: as.secretary, body: { items } })).status).toBe(200);
    expect((await world.store.listAgenda(meetingId)).find((i) => i.proposalId === 'p-full')?.description).toBe('Жалобы жителей');
  });

  it('approval completes the waiting task token: the runtime moves on and the notice goes out', async () => {
    const meeting = (await world.store.getMeeting(meetingId))!;
    world.clock.set(later(meeting.deadlines.proposalsClose, 5));
    await world.settle();
    const waiting = (await world.store.getMeeting(meetingId))!;
    expect(waiting.phase).toBe('agenda-approval');
    expect(waiting.taskTokens.approval).toBeTruthy();
    expect(world.sfn.runtime.pendingTasks(waiting.executionArn).map((t) => t.stateName)).toEqual(['AwaitApproval']);

    expect((await call('POST', `/meetings/${meetingId}/agenda/approve`, { claims: as.secretary })).status).toBe(403);
    const reply = await call('POST', `/meetings/${meetingId}/agenda/approve`, { claims: as.chair });
    expect(reply.status).toBe(200);
    expect(reply.json.workflowResumed).toBe(true);
    await world.settle();

    const after = (await world.store.getMeeting(meetingId))!;
    expect(after.agendaApprovedBy).toBe('chair');
    expect(after.phase).toBe('notified');
    expect((await world.store.listAgenda(meetingId)).every((i) => i.approved)).toBe(true);
    expect(world.calls.some((c) => c.task === 'SendNotice' && c.payload.meetingId === meetingId)).toBe(true);
    expect(await world.mailTo('vasiliev@region.test', 'О благоустройстве набережной')).toHaveLength(1);
    expect(world.sfn.runtime.pendingTasks(after.executionArn)).toEqual([]);
  });

  it('refuses to change the agenda once approved (409)', async () => {
    const reply = await call('PUT', `/meetings/${meetingId}/agenda`, { claims: as.secretary, body: { items: [{ title: 'Новое' }] } });
    expect(reply.status).toBe(409);
    expect((await world.store.listAgenda(meetingId)).map((i) => i.title)).not.toContain('Новое');
  });

  it('moves a notified meeting: revision + 1, a new execution, old links revoked, everyone told', async () => {
    const before = (await world.store.getMeeting(meetingId))!;
    const oldLinks = await world.store.links.listForMeeting(meetingId);
    expect(oldLinks.length).toBeGreaterThan(0);

    expect((await call('POST', `/meetings/${meetingId}/move`, { claims: as.secretary, body: { date: '2026-04-27', time: '10:00' } })).status).toBe(403);
    const past = await call('POST', `/meetings/${meetingId}/move`, { claims: as.chair, body: { date: '2026-04-01', time: '10:00' } });
    expect(past.status).toBe(422);
    expect(past.json.details[0].code).toBe('meeting-in-past');
    expect((await world.store.getMeeting(meetingId))!.revision).toBe(1);

    const reply = await call('POST', `/meetings/${meetingId}/move`, { claims: as.chair, body: { date: '2026-04-27', time: '11:30' } });
    expect(reply.status).toBe(200);
    expect(reply.json.resumeAt).toBe('notice');
    expect(reply.json.meeting.revision).toBe(2);
    expect(reply.json.meeting.startsAt).toBe('2026-04-27T07:30:00Z');
    await world.settle();

    const moved = (await world.store.getMeeting(meetingId))!;
    expect(await world.executionStatus(before.executionArn!)).toMatchObject({ status: 'ABORTED' });
    expect(await world.executionStatus(moved.executionArn!)).toEqual({ name: `${meetingId}-r2`, status: 'RUNNING' });
    const load = world.calls.find((c) => c.task === 'LoadMeeting' && c.payload.meetingId === meetingId && c.payload.revision === 2);
    expect(load?.payload.resumeAt).toBe('notice');

    const links = await world.store.links.listForMeeting(meetingId);
    expect(links.filter((l) => l.revision === 1).every((l) => l.revokedAt)).toBe(true);
    expect(links.some((l) => l.revision === 2 && !l.revokedAt)).toBe(true);

    for (const email of ['chair@city.test', 'm3@city.test', 'vasiliev@region.test']) {
      const [movedMail, ...rest] = await world.mailTo(email, 'Заседание перенесено');
      expect(rest).toHaveLength(0);
      expect(movedMail?.body.text).toMatch(/20.*апреля|20\.04\.2026/);
      expect(movedMail?.body.text).toMatch(/27.*апреля|27\.04\.2026/);
      const ics = movedMail?.attachments.find((a) => a.contentType.startsWith('text/calendar'));
      expect(Buffer.from(ics?.content ?? '', 'base64').toString('utf8')).toMatch(/SEQUENCE:2\r?\n/);
    }
    expect(await world.mailTo('m2@city.test', 'Meeting moved')).toHaveLength(1);
    const audit = await world.store.listAudit(meetingId);
    expect(audit.find((a) => a.action === 'moved')?.actor).toBe('chair');
  });
});

describe('meeting B: approval without a waiting execution step', () => {
  it('approves with no task token stored (no error), then refuses agenda edits (409)', async () => {
    const result = await convene(groupId, { title: 'Заседание Б', date: '2026-06-15', time: '10:00', agenda: [{ title: 'Вопрос' }] });
    const meetingId = result.meeting.id as string;
    await world.settle();
    const reply = await call('POST', `/meetings/${meetingId}/agenda/approve`, { claims: as.chair });
    expect(reply.status).toBe(200);
    expect(reply.json.workflowResumed).toBe(false);
    const edit = await call('PUT', `/meetings/${meetingId}/agenda`, { claims: as.secretary, body: { items: [{ title: 'Другое' }] } });
    expect(edit.status).toBe(409);
    expect(edit.json.error).toBe('agenda-approved');
    expect((await call('POST', `/meetings/${meetingId}/agenda/approve`, { claims: as.chair })).status).toBe(409);

    // Moved before anyone was notified: the new execution starts over, nobody gets a "moved" e-mail.
    const moved = await call('POST', `/meetings/${meetingId}/move`, { claims: as.chair, body: { date: '2026-06-16', time: '15:00', place: 'Зал 2' } });
    expect(moved.status).toBe(200);
    expect(moved.json.resumeAt).toBe('start');
    expect(moved.json.told).toBe(0);
    expect(moved.json.meeting.place).toBe('Зал 2');
    await world.settle();
    expect(await world.executionStatus(moved.json.meeting.executionArn)).toEqual({ name: `${meetingId}-r2`, status: 'RUNNING' });
    expect((await world.mailTo('m1@city.test', 'Заседание перенесено: Заседание Б'))).toHaveLength(0);
  });
});

describe('meeting C in session: attendance and the acting secretary (п. 2.4, 2.5, 2.6б)', () => {
  let meetingId: string;

  beforeAll(async () => {
    const result = await convene(groupId, { title: 'Заседание В', date: '2026-06-10', time: '10:00', agenda: [{ title: 'Первый вопрос' }, { title: 'Второй вопрос' }] });
    meetingId = result.meeting.id;
    await world.settle();
    await world.detach(meetingId);
    // Arranged by hand: the meeting has started and voting is open; m3 had said they would be absent.
    const agenda = await world.store.listAgenda(meetingId);
    await world.store.approveAgenda(meetingId, 1, { itemIds: agenda.map((i) => i.id), approvedBy: 'chair' });
    const terms = memberTerms((await world.store.getMeeting(meetingId))!);
    await world.store.ballots.setAttendance(meetingId, 'm3', { status: 'absent', by: 'm3' }, terms);
    await world.store.updateMeeting(meetingId, {}, { phase: 'in-session' });
    await world.store.ballots.openVoting(meetingId, { items: agenda, voterIds: ['chair', 'deputy', 'sec', 'm1', 'm2'] }, terms);
  });

  it('a member marked present while voting is open gets a ballot', async () => {
    expect((await call('POST', `/meetings/${meetingId}/attendance`, { claims: as.chair, body: { memberId: 'm3', status: 'present' } })).status).toBe(403);
    const unknown = await call('POST', `/meetings/${meetingId}/attendance`, { claims: as.secretary, body: { memberId: 'm9', status: 'present' } });
    expect(unknown.status).toBe(422);
    const reply = await call('POST', `/meetings/${meetingId}/attendance`, { claims: as.secretary, body: { memberId: 'm3', status: 'present' } });
    expect(reply.status).toBe(200);
    expect(reply.json.ballotSent).toBe(true);
    const ballots = await world.mailTo('m3@city.test', 'Голосование открыто: Заседание В');
    expect(ballots).toHaveLength(1);
    expect(ballots[0]?.body.text).toContain('http://kvorum.test/l/');
    const box = await world.store.ballots.getBallotBox(meetingId);
    expect(box?.votes.m3).toEqual({});
    expect(box?.attendance.m3).toMatchObject({ status: 'present', by: 'sec' });
  });

  it('refuses to move or cancel a meeting in session (409)', async () => {
    const move = await call('POST', `/meetings/${meetingId}/move`, { claims: as.chair, body: { date: '2026-06-30', time: '10:00' } });
    expect(move.status).toBe(409);
    const cancel = await call('POST', `/meetings/${meetingId}/cancel`, { claims: as.chair, body: { reason: 'x' } });
    expect(cancel.status).toBe(409);
    expect((await world.store.getMeeting(meetingId))!.phase).toBe('in-session');
  });

  it('validates the appointment of an acting secretary; the deputy presides while the chair is absent', async () => {
    const present = await call('POST', `/meetings/${meetingId}/acting-secretary`, { claims: as.chair, body: { memberId: 'm1' } });
    expect(present.status).toBe(422);
    expect(present.json.details.map((d: { code: string }) => d.code)).toContain('secretary-present');

    expect((await call('POST', `/meetings/${meetingId}/attendance`, { claims: as.secretary, body: { memberId: 'sec', status: 'absent' } })).status).toBe(200);
    const stranger = await call('POST', `/meetings/${meetingId}/acting-secretary`, { claims: as.chair, body: { memberId: 'nobody' } });
    expect(stranger.json.details.map((d: { code: string }) => d.code)).toContain('not-a-member');
    const self = await call('POST', `/meetings/${meetingId}/acting-secretary`, { claims: as.chair, body: { memberId: 'sec' } });
    expect(self.json.details.map((d: { code: string }) => d.code)).toContain('appointee-is-secretary');
    expect((await world.store.getMeeting(meetingId))!.actingSecretaryId).toBeUndefined();

    // The deputy may not appoint while the chair presides…
    expect((await call('POST', `/meetings/${meetingId}/acting-secretary`, { claims: as.deputy, body: { memberId: 'm1' } })).status).toBe(403);
    // …but may once the chair is recorded absent (п. 2.4).
    expect((await call('POST', `/meetings/${meetingId}/attendance`, { claims: as.secretary, body: { memberId: 'chair', status: 'absent' } })).status).toBe(200);
    // The chair recorded absent does not preside, so cannot appoint (п. 2.4, 2.5).
    expect((await call('POST', `/meetings/${meetingId}/acting-secretary`, { claims: as.chair, body: { memberId: 'm1' } })).status).toBe(403);
    const appointed = await call('POST', `/meetings/${meetingId}/acting-secretary`, { claims: as.deputy, body: { memberId: 'm1' } });
    expect(appointed.status).toBe(200);
    expect(appointed.json.meeting.actingSecretaryId).toBe('m1');
    const audit = await world.store.listAudit(meetingId);
    expect(audit.find((a) => a.action === 'acting-secretary-appointed')?.actor).toBe('deputy');

    // The acting secretary now does the secretary's work.
    const marked = await call('POST', `/meetings/${meetingId}/attendance`, { claims: as.m1AsSecretary, body: { memberId: 'm2', status: 'present' } });
    expect(marked.status).toBe(200);
    expect((await world.store.ballots.getBallotBox(meetingId)).attendance.m2?.by).toBe('m1');
  });
});

describe('meeting D: the protocol narrative (п. 2.5е)', () => {
  let meetingId: string;
  let items: string[];

  beforeAll(async () => {
    const result = await convene(groupId, { title: 'Заседание Г', date: '2026-06-05', time: '10:00', agenda: [{ title: 'Бюджет' }, { title: 'Парки' }] });
    meetingId = result.meeting.id;
    await world.settle();
    await world.detach(meetingId);
    const agenda = await world.store.listAgenda(meetingId);
    items = agenda.map((i) => i.id);
    await world.store.approveAgenda(meetingId, 1, { itemIds: items, approvedBy: 'chair' });
    const meeting = (await world.store.getMeeting(meetingId))!;
    await world.store.ballots.openVoting(meetingId, { items: agenda, voterIds: ['chair', 'sec', 'm1', 'm2'] }, memberTerms(meeting));
    for (const voter of ['chair', 'sec', 'm1', 'm2']) {
      await world.store.ballots.castBallot(meetingId, voter, Object.fromEntries(items.map((itemId) => [itemId, 'for' as const])), { revision: meeting.revision });
    }
    await world.store.ballots.closeVoting(meetingId);
    await world.store.updateMeeting(meetingId, {}, { phase: 'protocol-signing' });
    const group = (await world.store.getGroup(groupId))!;
    const protocol = await draftProtocol(world.deps, group, meetingId, 'system');
    await world.store.protocols.sign(meetingId, 'chair', protocol.hash, 'link-chair');
  });

  it('refuses the chair and unknown items; the secretary edit makes a new version and voids every signature', async () => {
    const narrative = { items: { [items[0]!]: { heard: '<b>Доклад</b> о бюджете', spoke: 'Сидоров С. С. <script>alert(1)</script>' } } };
    expect((await call('PUT', `/meetings/${meetingId}/protocol/narrative`, { claims: as.chair, body: narrative })).status).toBe(403);
    const unknown = await call('PUT', `/meetings/${meetingId}/protocol/narrative`, { claims: as.secretary, body: { items: { nope: { heard: 'x', spoke: '' } } } });
    expect(unknown.status).toBe(422);
    expect((await world.store.protocols.getHeader(meetingId))?.version).toBe(1);

    const reply = await call('PUT', `/meetings/${meetingId}/protocol/narrative`, { claims: as.secretary, body: narrative });
    expect(reply.status).toBe(200);
    expect(reply.json.protocol.version).toBe(2);
    expect(reply.json.protocol.signatures).toEqual({});
    expect(reply.json.linksSent).toBeGreaterThan(0);

    const view = await call('GET', `/meetings/${meetingId}`, { claims: as.chair });
    expect(view.status).toBe(200);
    expect(view.json.protocol.version).toBe(2);
    expect(view.json.protocol.missingSigners).toContain('chair');
    expect(view.json.tally.quorum).toBe(true);
    expect(view.json.participants).toEqual(expect.arrayContaining(['chair', 'sec', 'm1', 'm2']));
    expect(view.json.audit.find((a: { action: string }) => a.action === 'protocol-edited')).toMatchObject({ actor: 'sec' });
    expect(await world.mailTo('chair@city.test', 'Протокол на подпись: Заседание Г')).toHaveLength(1);
  });

  it('serves the current protocol as HTML (text escaped) and PDF', async () => {
    const page = await call('GET', `/meetings/${meetingId}/protocol.html`, { claims: as.secretary });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const body = String(page.raw.body);
    expect(body).toContain('&lt;b&gt;Доклад&lt;/b&gt; о бюджете');
    expect(body).not.toContain('<script>alert(1)</script>');
    const pdf = await call('GET', `/meetings/${meetingId}/protocol.pdf`, { claims: as.chair });
    expect(pdf.status).toBe(200);
    expect(pdf.raw.isBase64Encoded).toBe(true);
    expect(Buffer.from(String(pdf.raw.body), 'base64').subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect((await call('GET', `/meetings/${meetingId}/protocol.pdf`, { claims: as.outsider })).status).toBe(403);
  });

  it('refuses edits once the protocol is finalised (409)', async () => {
    await world.store.protocols.finalise(meetingId, 2);
    const reply = await call('PUT', `/meetings/${meetingId}/protocol/narrative`, { claims: as.secretary, body: { items: { [items[1]!]: { heard: 'x', spoke: 'y' } } } });
    expect(reply.status).toBe(409);
    expect((await world.store.protocols.getHeader(meetingId))?.version).toBe(2);
  });
});

describe('meeting E: cancellation, with hostile text in the title', () => {
  const title = '<script>alert("x")</script> Бюджет & «парки»';

  it('stops the execution, tells everyone (text escaped in the HTML) and revokes every link', async () => {
    const result = await convene(groupId, {
      title,
      date: '2026-06-22',
      time: '10:00',
      agenda: [{ title: '<img src=x onerror=alert(1)>' }],
      invitees: [{ name: 'Гостева Г. Г.', email: 'guest@region.test', position: 'специалист' }],
    });
    const meetingId = result.meeting.id as string;
    await world.settle();
    expect((await world.store.links.listForMeeting(meetingId)).length).toBeGreaterThan(0);

    const call1 = await world.mailTo('m1@city.test', 'Предложения в повестку');
    const proposalsMail = call1.find((m) => m.subject.includes('Бюджет'));
    expect(proposalsMail?.body.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(proposalsMail?.body.html).not.toContain('<img src=x');

    expect((await call('POST', `/meetings/${meetingId}/cancel`, { claims: as.secretary, body: { reason: 'x' } })).status).toBe(403);
    expect((await call('POST', `/meetings/${meetingId}/cancel`, { claims: as.chair, body: { reason: '' } })).status).toBe(422);
    // The stop is counted (EMF on stdout), so the aborted-executions alarm ignores it.
    const logged: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logged.push(...String(chunk).split('\n').filter((line) => line.startsWith('{')));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    let reply;
    try {
      reply = await call('POST', `/meetings/${meetingId}/cancel`, { claims: as.chair, body: { reason: 'Перенос бюджета <b>срочно</b>' } });
    } finally {
      process.stdout.write = write;
    }
    expect(reply.status).toBe(200);
    const stopped = logged.map((line) => JSON.parse(line) as Record<string, any>).find((x) => x.MeetingExecutionsStopped === 1);
    expect(stopped?._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Kvorum', Metrics: [{ Name: 'MeetingExecutionsStopped' }] });
    expect(stopped?.error).toBe('MeetingCancelled');
    await world.settle();

    const meeting = (await world.store.getMeeting(meetingId))!;
    expect(meeting.phase).toBe('cancelled');
    expect(meeting.cancelledReason).toBe('Перенос бюджета <b>срочно</b>');
    expect(await world.executionStatus(meeting.executionArn!)).toMatchObject({ status: 'ABORTED' });

    const everyone = ['chair@city.test', 'deputy@city.test', 'sec@city.test', 'm1@city.test', 'm3@city.test', 'guest@region.test'];
    for (const email of everyone) {
      const mails = (await world.mailTo(email, 'Заседание отменено')).filter((m) => m.subject.includes('Бюджет'));
      expect(mails, email).toHaveLength(1);
      expect(mails[0]?.body.html).toContain('&lt;script&gt;');
      expect(mails[0]?.body.html).not.toContain('<script>alert');
      expect(mails[0]?.body.html).toContain('&lt;b&gt;срочно&lt;/b&gt;');
    }
    expect((await world.mailTo('m2@city.test', 'Meeting cancelled')).filter((m) => m.subject.includes('Бюджет'))).toHaveLength(1);

    const links = await world.store.links.listForMeeting(meetingId);
    expect(links.every((l) => l.revokedAt)).toBe(true);
    expect((await call('POST', `/meetings/${meetingId}/cancel`, { claims: as.chair, body: { reason: 'again' } })).status).toBe(409);
    const audit = await world.store.listAudit(meetingId);
    expect(audit.find((a) => a.action === 'cancelled' && a.actor === 'chair')).toBeTruthy();
  });
});
