/**
 * SPEC «Links in e-mails»: every link can be revoked. The secretary revokes one member's links;
 * the member then gets the «revoked» page (410) and nothing changes; other members' links still work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as memberLinks } from '../../../functions/handlers/member-links.ts';
import type { HttpEvent } from '../../../functions/http/middleware.ts';
import { as, call, convene, createGroup, startAdminWorld, type AdminWorld } from './support.ts';

let world: AdminWorld;
let meetingId: string;

beforeAll(async () => {
  world = await startAdminWorld('2026-03-02T07:00:00Z');
  const groupId = await createGroup();
  meetingId = (await convene(groupId, { title: 'Заседание', date: '2026-04-20', time: '10:00' })).meeting.id;
  await world.settle();
});
afterAll(async () => {
  await world?.stop();
});

function linkEvent(method: 'GET' | 'POST', url: string, form?: Record<string, string>): HttpEvent {
  const { pathname } = new URL(url);
  const token = pathname.split('/').pop()!;
  return {
    version: '2.0',
    routeKey: `${method} /l/{token}`,
    rawPath: pathname,
    rawQueryString: '',
    headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
    pathParameters: { token },
    isBase64Encoded: false,
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    requestContext: { http: { method, path: pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' }, requestId: 'r' } as HttpEvent['requestContext'],
  } as HttpEvent;
}

async function proposeLink(email: string): Promise<string> {
  const mail = (await world.mailTo(email)).find((m) => /Предложения/.test(m.subject));
  const url = /https?:\/\/\S+\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(mail?.body.text ?? '')?.[0];
  if (!url) throw new Error(`no proposal link for ${email}`);
  return url;
}

describe('revoking a member’s links', () => {
  it('only the secretary may revoke, and only a member’s links; bad input changes nothing', async () => {
    expect((await call('POST', `/meetings/${meetingId}/links/revoke`, { claims: as.chair, body: { memberId: 'm1' } })).status).toBe(403);
    expect((await call('POST', `/meetings/${meetingId}/links/revoke`, { claims: as.secretary, body: { memberId: 'nobody' } })).status).toBe(422);
    expect((await call('POST', `/meetings/${meetingId}/links/revoke`, { claims: as.secretary, body: { memberId: 'm1', purpose: 'everything' } })).status).toBe(422);
    const link = await proposeLink('m1@city.test');
    expect((await memberLinks(linkEvent('GET', link), {} as never)).statusCode).toBe(200);
  });

  it('a revoked link shows the revoked page and acts no more; the others still work', async () => {
    const m1 = await proposeLink('m1@city.test');
    const m3 = await proposeLink('m3@city.test');
    const reply = await call('POST', `/meetings/${meetingId}/links/revoke`, { claims: as.secretary, body: { memberId: 'm1', purpose: 'propose' } });
    expect(reply.status).toBe(200);
    expect(reply.json.revoked).toBe(1);
    const page = await memberLinks(linkEvent('GET', m1), {} as never);
    expect(page.statusCode).toBe(410);
    const post = await memberLinks(linkEvent('POST', m1, { kind: 'agenda-item', title: 'Вопрос' }), {} as never);
    expect(post.statusCode).toBe(410);
    expect(await world.store.listProposals(meetingId)).toEqual([]);
    expect((await memberLinks(linkEvent('POST', m3, { kind: 'agenda-item', title: 'Вопрос' }), {} as never)).statusCode).toBe(200);
    expect((await world.store.listAudit(meetingId)).some((a) => a.action === 'links-revoked' && a.actor === 'sec')).toBe(true);
  });

  it('reissues a revoked link: the member gets a new one by e-mail, the old one stays dead', async () => {
    const old = await proposeLink('m3@city.test');
    expect((await call('POST', `/meetings/${meetingId}/links/revoke`, { claims: as.secretary, body: { memberId: 'm3', reissue: true } })).status).toBe(422);
    const reply = await call('POST', `/meetings/${meetingId}/links/revoke`, { claims: as.secretary, body: { memberId: 'm3', purpose: 'propose', reissue: true } });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ revoked: 1, reissued: true });
    const mail = (await world.mailTo('m3@city.test')).find((m) => /Новая персональная ссылка/.test(m.subject));
    const fresh = /https?:\/\/\S+\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(mail?.body.text ?? '')?.[0];
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(old);
    expect((await memberLinks(linkEvent('GET', old), {} as never)).statusCode).toBe(410);
    expect((await memberLinks(linkEvent('GET', fresh!), {} as never)).statusCode).toBe(200);
    expect((await memberLinks(linkEvent('POST', fresh!, { kind: 'agenda-item', title: 'Вопрос по новой ссылке' }), {} as never)).statusCode).toBe(200);
    // Revoked again: a third generation, again one e-mail.
    expect((await call('POST', `/meetings/${meetingId}/links/revoke`, { claims: as.secretary, body: { memberId: 'm3', purpose: 'propose', reissue: true } })).json).toEqual({ revoked: 1, reissued: true });
    expect((await world.mailTo('m3@city.test')).filter((m) => /Новая персональная ссылка/.test(m.subject))).toHaveLength(2);
    expect((await memberLinks(linkEvent('GET', fresh!), {} as never)).statusCode).toBe(410);
  });
});
