/**
 * The admin endpoint's front door: identity and roles, groups, convening with its deadlines, and
 * every kind of bad request — each refused with a clear ru/en message and nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDeps } from '../../../functions/app/deps.ts';
import { computeDeadlines, defaultGroupSettings } from '../../../functions/domain/deadlines.ts';
import { russianCalendar } from '../../../functions/calendar/index.ts';
import { as, call, claimsFor, convene, createGroup, GROUP_BODY, roster, startAdminWorld, type AdminWorld } from './support.ts';

let world: AdminWorld;
let groupId: string;

const MEETING = { title: 'О благоустройстве набережной', date: '2026-04-20', time: '10:00', place: 'Каб. 301' };

beforeAll(async () => {
  world = await startAdminWorld('2026-03-02T07:00:00Z');
  groupId = await createGroup();
});
afterAll(async () => {
  await world?.stop();
});

async function meetingsOfGroup(): Promise<number> {
  return (await world.store.listMeetingsByGroup(groupId)).length;
}

describe('identity and roles', () => {
  it('refuses a request without claims with 401 and a message in both languages', async () => {
    const reply = await call('GET', `/groups/${groupId}`, { claims: null });
    expect(reply.status).toBe(401);
    expect(reply.json.error).toBe('unauthorized');
    expect(reply.json.message.ru).toMatch(/вход/);
    expect(reply.json.message.en).toMatch(/Authentication/);
    expect(reply.headers['cache-control']).toBe('no-store');
  });

  it('refuses a caller who is not in the group (403), even with both Cognito groups', async () => {
    const reply = await call('GET', `/groups/${groupId}`, { claims: as.outsider });
    expect(reply.status).toBe(403);
    expect(reply.json.message.en).toMatch(/not a member/);
  });

  it('accepts the Cognito groups claim as an array as well as the "[a b]" string', async () => {
    const reply = await call('GET', `/groups/${groupId}`, { claims: { sub: 's', email: 'SEC@city.test', email_verified: true, 'cognito:groups': ['secretary'] } });
    expect(reply.status).toBe(200);
    expect(reply.json.group.members).toHaveLength(6);
    // Without a verified e-mail the same token is nobody (the roster matches admins by e-mail).
    const unverified = await call('GET', `/groups/${groupId}`, { claims: { sub: 's', email: 'SEC@city.test', email_verified: 'false', 'cognito:groups': ['secretary'] } });
    expect(unverified.status).toBe(401);
  });

  it('refuses a chair action to the secretary and to a chair without the Cognito group, changing nothing', async () => {
    const before = await meetingsOfGroup();
    const bySecretary = await call('POST', `/groups/${groupId}/meetings`, { claims: as.secretary, body: MEETING });
    expect(bySecretary.status).toBe(403);
    expect(bySecretary.json.message.ru).toMatch(/председатель/);
    const noGroup = await call('POST', `/groups/${groupId}/meetings`, { claims: claimsFor({ id: 'chair', email: 'chair@city.test' }, ['secretary']), body: MEETING });
    expect(noGroup.status).toBe(403);
    // The deputy convenes nothing while no meeting records the chair absent (п. 2.4).
    const byDeputy = await call('POST', `/groups/${groupId}/meetings`, { claims: as.deputy, body: MEETING });
    expect(byDeputy.status).toBe(403);
    expect(await meetingsOfGroup()).toBe(before);
  });
});

describe('groups', () => {
  it('creates a group whose roster includes the caller, with default settings', async () => {
    const reply = await call('POST', '/groups', { claims: as.secretary, body: GROUP_BODY });
    expect(reply.status).toBe(201);
    expect(reply.json.group.settings).toEqual(defaultGroupSettings);
    const stored = await world.store.getGroup(reply.json.group.id);
    expect(stored?.members.map((m) => m.id)).toEqual(roster().map((m) => m.id));
  });

  it('refuses a roster that does not include the caller', async () => {
    const reply = await call('POST', '/groups', { claims: as.outsider, body: GROUP_BODY });
    expect(reply.status).toBe(403);
  });

  it('refuses a roster without a secretary and bad settings with 422 listing each problem', async () => {
    const groupsBefore = (await world.store.listGroups()).length;
    const members = roster().filter((m) => m.role !== 'secretary');
    const reply = await call('POST', '/groups', { claims: as.chair, body: { ...GROUP_BODY, members, settings: { timeZone: 'Mars/Olympus' } } });
    expect(reply.status).toBe(422);
    const codes = reply.json.details.map((d: { code: string }) => d.code);
    expect(codes).toContain('no-secretary');
    expect(codes).toContain('invalid-setting');
    expect((await world.store.listGroups()).length).toBe(groupsBefore);
  });

  it('answers 404 for an unknown group', async () => {
    const reply = await call('GET', '/groups/no-such-group', { claims: as.chair });
    expect(reply.status).toBe(404);
    expect(reply.json.error).toBe('group-not-found');
  });

  it('updates the roster and settings (п. 2.2), but not while a meeting is in progress', async () => {
    const created = await call('POST', '/groups', { claims: as.secretary, body: GROUP_BODY });
    const id = created.json.group.id as string;
    const joined = [...roster(), { id: 'm4', name: 'Новиков Н. Н.', email: 'm4@city.test', role: 'member' as const }];
    // Outsiders and a roster that drops the caller's role are refused; nothing changes.
    expect((await call('PUT', `/groups/${id}`, { claims: as.outsider, body: { ...GROUP_BODY, members: joined } })).status).toBe(403);
    expect((await call('PUT', `/groups/${id}`, { claims: as.secretary, body: { ...GROUP_BODY, members: joined.filter((m) => m.id !== 'sec') } })).status).toBe(422);
    expect((await world.store.getGroup(id))?.members).toHaveLength(roster().length);

    const updated = await call('PUT', `/groups/${id}`, { claims: as.secretary, body: { ...GROUP_BODY, members: joined, settings: { reminderHoursBefore: 48 } } });
    expect(updated.status).toBe(200);
    expect(updated.json.group.members.map((m: { id: string }) => m.id)).toContain('m4');
    expect(updated.json.group.settings.reminderHoursBefore).toBe(48);

    const meeting = await call('POST', `/groups/${id}/meetings`, { claims: as.chair, body: { title: 'Заседание', date: '2026-04-20', time: '10:00' } });
    expect(meeting.status).toBe(201);
    await world.settle();
    const refused = await call('PUT', `/groups/${id}`, { claims: as.secretary, body: { ...GROUP_BODY, members: roster() } });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toBe('meeting-in-progress');
    expect((await world.store.getGroup(id))?.members.map((m) => m.id)).toContain('m4');
  });
});

describe('convene (п. 2.3а)', () => {
  it('creates the meeting with every deadline computed, starts its execution and audits the chair', async () => {
    const result = await convene(groupId, {
      ...MEETING,
      agenda: [{ title: 'Проект благоустройства', speakers: ['m1', 'Гость Г. Г.'] }],
      invitees: [{ name: 'Васильев В. В.', email: 'vasiliev@region.test', position: 'начальник управления' }],
    });
    const expected = computeDeadlines({ date: MEETING.date, time: MEETING.time, timeZone: 'Europe/Astrakhan' }, defaultGroupSettings, russianCalendar);
    expect(result.meeting.deadlines).toEqual(expected);
    expect(result.meeting.startsAt).toBe('2026-04-20T06:00:00Z');
    expect(result.meeting.phase).toBe('convened');
    expect(result.meeting.number).toBeGreaterThanOrEqual(1);
    expect(result.meeting.deadlinesShown.voteOpens).toMatch(/Europe\/Astrakhan|UTC\+4|\+04/);
    expect(result.agenda[0].speakers).toEqual(['m1', 'Гость Г. Г.']);
    expect(result.invitees).toHaveLength(1);

    const meetingId = result.meeting.id as string;
    const execution = await world.executionStatus(result.meeting.executionArn);
    expect(execution.name).toBe(`${meetingId}-r1`);
    expect(execution.status).toBe('RUNNING');
    await world.settle();
    const loaded = world.calls.find((c) => c.task === 'LoadMeeting' && c.payload.meetingId === meetingId);
    expect(loaded?.payload).toMatchObject({ revision: 1, resumeAt: 'start' });

    const audit = await world.store.listAudit(meetingId);
    expect(audit.find((a) => a.action === 'convened')?.actor).toBe('chair');
  });

  it('convenes once per Idempotency-Key: a retried request returns the same meeting and starts nothing more', async () => {
    const body = { ...MEETING, title: 'Повтор запроса', agenda: [{ title: 'Вопрос' }] };
    const headers = { 'idempotency-key': 'convene-2026-04-20-abc' };
    const first = await call('POST', `/groups/${groupId}/meetings`, { claims: as.chair, body, headers });
    expect(first.status).toBe(201);
    expect(first.json.replayed).toBe(false);
    await world.settle();
    const again = await call('POST', `/groups/${groupId}/meetings`, { claims: as.chair, body, headers });
    expect(again.status).toBe(200);
    expect(again.json.replayed).toBe(true);
    expect(again.json.meeting.id).toBe(first.json.meeting.id);
    expect(again.json.agenda.map((i: { id: string }) => i.id)).toEqual(first.json.agenda.map((i: { id: string }) => i.id));
    const titled = (await world.store.listMeetingsByGroup(groupId)).filter((m) => m.title === 'Повтор запроса');
    expect(titled).toHaveLength(1);
    expect(world.calls.filter((c) => c.task === 'LoadMeeting' && c.payload.meetingId === first.json.meeting.id)).toHaveLength(1);
    // Another key convenes another meeting; a malformed key is refused and changes nothing.
    const other = await call('POST', `/groups/${groupId}/meetings`, { claims: as.chair, body, headers: { 'idempotency-key': 'convene-2026-04-20-def' } });
    expect(other.status).toBe(201);
    expect(other.json.meeting.id).not.toBe(first.json.meeting.id);
    const bad = await call('POST', `/groups/${groupId}/meetings`, { claims: as.chair, body, headers: { 'idempotency-key': 'x y' } });
    expect(bad.status).toBe(400);
    expect((await world.store.listMeetingsByGroup(groupId)).filter((m) => m.title === 'Повтор запроса')).toHaveLength(2);
  });

  it('20 concurrent convenes with one key make one meeting, one audit entry and one execution; the others are replays (200)', async () => {
    const body = { ...MEETING, title: 'Двойной щелчок', agenda: [{ title: 'Вопрос' }] };
    const headers = { 'idempotency-key': 'convene-concurrent-0001' };
    const numbersBefore = (await world.store.listMeetingsByGroup(groupId)).map((m) => m.number);
    const replies = await Promise.all(Array.from({ length: 20 }, () => call('POST', `/groups/${groupId}/meetings`, { claims: as.chair, body, headers })));
    await world.settle();
    expect(replies.map((r) => r.status).sort((a, b) => b - a)).toEqual([201, ...Array(19).fill(200)]);
    const ids = new Set(replies.map((r) => r.json.meeting.id));
    expect(ids.size).toBe(1);
    const [meetingId] = [...ids] as [string];
    expect((await world.store.listMeetingsByGroup(groupId)).filter((m) => m.title === 'Двойной щелчок')).toHaveLength(1);
    expect((await world.store.listAudit(meetingId)).filter((a) => a.action === 'convened')).toHaveLength(1);
    expect(world.calls.filter((c) => c.task === 'LoadMeeting' && c.payload.meetingId === meetingId)).toHaveLength(1);
    // The one meeting took the next number: none burned.
    expect((await world.store.getMeeting(meetingId))?.number).toBe(Math.max(0, ...numbersBefore.map(Number)) + 1);
  });

  it('numbers 20 meetings convened at once 1 step apart, with no gaps and no repeats', async () => {
    const before = (await world.store.listMeetingsByGroup(groupId)).map((m) => Number(m.number));
    const last = Math.max(0, ...before);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call('POST', `/groups/${groupId}/meetings`, { claims: as.chair, body: { ...MEETING, title: `Параллельно ${i}` } })),
    );
    await world.settle();
    expect(replies.every((r) => r.status === 201)).toBe(true);
    const numbers = (await world.store.listMeetingsByGroup(groupId)).map((m) => Number(m.number)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: last + 20 }, (_, i) => i + 1));
  });

  const badInputs: Array<[string, Record<string, unknown>, string, string]> = [
    ['a meeting in the past', { ...MEETING, date: '2026-02-20' }, 'date', 'meeting-in-past'],
    ['an unknown time zone', { ...MEETING, timeZone: 'Europe/Atlantis' }, 'timeZone', 'unknown-time-zone'],
    ['an empty title', { ...MEETING, title: '   ' }, 'title', 'empty'],
    ['a date that does not exist', { ...MEETING, date: '2026-02-30' }, 'date', 'bad-format'],
    ['a time not in HH:MM', { ...MEETING, time: '25:00' }, 'time', 'bad-format'],
    ['deadlines that no longer fit', { ...MEETING, date: '2026-03-04' }, 'date', 'deadlines-do-not-fit'],
    ['a meeting whose lifecycle cannot end within a year', { ...MEETING, date: '2028-01-12' }, 'date', 'beyond-horizon'],
    ['an unknown speaker id', { ...MEETING, agenda: [{ title: 'x', speakers: ['m99'] }] }, 'agenda[0].speakers[0]', 'unknown-speaker'],
  ];
  for (const [what, body, field, code] of badInputs) {
    it(`refuses ${what} with 422 (${code}) and creates nothing`, async () => {
      const before = await meetingsOfGroup();
      const reply = await call('POST', `/groups/${groupId}/meetings`, { claims: as.chair, body });
      expect(reply.status).toBe(422);
      expect(reply.json.details).toContainEqual(expect.objectContaining({ field, code }));
      expect(reply.json.message.ru.length).toBeGreaterThan(0);
      expect(reply.json.message.en.length).toBeGreaterThan(0);
      expect(await meetingsOfGroup()).toBe(before);
    });
  }

  it('refuses a wrongly typed or unknown field with 422 naming the field', async () => {
    const wrongType = await call('POST', `/groups/${groupId}/meetings`, { claims: as.chair, body: { ...MEETING, title: 42 } });
    expect(wrongType.status).toBe(422);
    expect(wrongType.json.details.map((d: { field: string }) => d.field)).toContain('title');
    const typo = await call('POST', `/groups/${groupId}/meetings`, { claims: as.chair, body: { ...MEETING, timezone: 'Europe/Moscow' } });
    expect(typo.status).toBe(422);
  });
});

describe('malformed requests', () => {
  it('answers 400 to malformed JSON', async () => {
    const reply = await call('POST', `/groups/${groupId}/meetings`, { claims: as.chair, rawBody: '{"title": "x",' });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('malformed-json');
  });

  it('answers 415 to a body that is not application/json', async () => {
    const reply = await call('POST', `/groups/${groupId}/meetings`, { claims: as.chair, rawBody: 'title=x', contentType: 'application/x-www-form-urlencoded' });
    expect(reply.status).toBe(415);
    expect(reply.json.message.ru).toMatch(/application\/json/);
  });

  it('answers 413 to an oversized body', async () => {
    const reply = await call('POST', `/groups/${groupId}/meetings`, { claims: as.chair, body: { ...MEETING, place: 'x'.repeat(70 * 1024) } });
    expect(reply.status).toBe(413);
  });

  it('answers 404 for an unknown meeting and an unknown route, 405 for a wrong method', async () => {
    const meeting = await call('GET', '/meetings/00000000-0000-0000-0000-000000000000', { claims: as.chair });
    expect(meeting.status).toBe(404);
    expect(meeting.json.error).toBe('meeting-not-found');
    const cancel = await call('POST', '/meetings/nope/cancel', { claims: as.chair, body: { reason: 'x' } });
    expect(cancel.status).toBe(404);
    expect((await call('GET', '/nothing/here', { claims: as.chair })).status).toBe(404);
    expect((await call('DELETE', `/groups/${groupId}`, { claims: as.chair })).status).toBe(405);
  });

  it('answers 500 without internals when something unexpected breaks', async () => {
    const broken = { ...world.deps, store: new Proxy(world.store, { get: () => () => Promise.reject(new Error('secret table detail')) }) };
    setDeps(broken);
    try {
      const reply = await call('GET', `/groups/${groupId}`, { claims: as.chair });
      expect(reply.status).toBe(500);
      expect(reply.json.error).toBe('internal-error');
      expect(String(reply.raw.body)).not.toMatch(/secret table detail|at .*\.ts/);
    } finally {
      setDeps(world.deps);
    }
  });
});
