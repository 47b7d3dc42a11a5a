import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalIssuer, type LocalIssuer } from '../../../local/jwt-issuer.ts';
import { startLocalHttp } from '../../../local/http-server.ts';
import type { HttpEvent } from '../../../functions/http/middleware.ts';
import { handler as memberLinks } from '../../../functions/handlers/member-links.ts';
import { handler as admin } from '../../../functions/handlers/admin.ts';

/**
 * The local HTTP API stands in for API Gateway: payload 2.0 events, path parameters, base64 bodies,
 * and for JWT routes the bearer token verified against the local issuer with its claims injected where
 * the JWT authorizer puts them (401 otherwise, before any handler runs).
 */
describe('local HTTP API', () => {
  let issuer: LocalIssuer;
  let server: Awaited<ReturnType<typeof startLocalHttp>>;
  const seen: HttpEvent[] = [];
  const echo = async (event: HttpEvent) => {
    seen.push(event);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: event.pathParameters, claims: event.requestContext.authorizer?.jwt?.claims ?? null, body: event.body ? Buffer.from(event.body, 'base64').toString('utf8') : null }) };
  };

  beforeAll(async () => {
    issuer = await createLocalIssuer();
    server = await startLocalHttp({
      port: 0,
      issuer,
      maxBodyBytes: 1024,
      routes: [
        { method: 'GET', path: '/l/{token}', handler: echo },
        { method: 'POST', path: '/l/{token}', handler: echo },
        { method: 'ANY', path: '/admin/{proxy+}', handler: echo, jwt: true },
        // The deployed handlers, for what they answer before reading anything.
        { method: 'GET', path: '/real/l/{token}', handler: memberLinks },
        { method: 'POST', path: '/real/l/{token}', handler: memberLinks },
        { method: 'ANY', path: '/real/admin/{proxy+}', handler: admin, jwt: true },
      ],
    });
  });
  afterAll(() => server?.stop());

  it('maps path parameters and bodies like API Gateway', async () => {
    const res = await fetch(`${server.url}/l/abc.def`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=%D0%B4%D0%B0' });
    expect(await res.json()).toEqual({ params: { token: 'abc.def' }, claims: null, body: 'a=%D0%B4%D0%B0' });
    expect(seen.at(-1)?.requestContext.http.method).toBe('POST');
    expect(seen.at(-1)?.isBase64Encoded).toBe(true);
  });

  it('admin routes: 401 without a token, with garbage, or with a token of another issuer; claims injected otherwise', async () => {
    const before = seen.length;
    expect((await fetch(`${server.url}/admin/meetings/x`)).status).toBe(401);
    expect((await fetch(`${server.url}/admin/meetings/x`, { headers: { authorization: 'Bearer not-a-jwt' } })).status).toBe(401);
    const stranger = await createLocalIssuer();
    const forged = await stranger.issue({ sub: 'chair', email: 'chair@example.org', groups: ['chair'] });
    expect((await fetch(`${server.url}/admin/meetings/x`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    const expired = await issuer.issue({ sub: 'chair', email: 'chair@example.org', groups: ['chair'] }, -60);
    expect((await fetch(`${server.url}/admin/meetings/x`, { headers: { authorization: `Bearer ${expired}` } })).status).toBe(401);
    expect(seen.length).toBe(before);

    const token = await issuer.issue({ sub: 'u1', email: 'chair@example.org', groups: ['chair'] });
    const ok = await fetch(`${server.url}/admin/meetings/m1/agenda`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await ok.json()) as { params: Record<string, string>; claims: Record<string, unknown> };
    expect(body.params).toEqual({ proxy: 'meetings/m1/agenda' });
    expect(body.claims).toMatchObject({ sub: 'u1', email: 'chair@example.org', 'cognito:groups': ['chair'] });
  });

  it('413 for an oversized body and 404 for an unknown route, without reaching a handler', async () => {
    const before = seen.length;
    expect((await fetch(`${server.url}/l/abc`, { method: 'POST', body: 'x'.repeat(2000) })).status).toBe(413);
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${server.url}/l/abc`, { method: 'DELETE' })).status).toBe(404);
    expect(seen.length).toBe(before);
  });

  it('a path with a malformed %-escape reaches the handler undecoded instead of failing the server', async () => {
    const res = await fetch(`${server.url}/l/%ZZ`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { params: unknown }).params).toEqual({ token: '%ZZ' });
    const greedy = await fetch(`${server.url}/admin/meetings/%E0%A4%A/x%20y`, { headers: { authorization: `Bearer ${await issuer.issue({ sub: 'u1', email: 'chair@example.org', groups: ['chair'] })}` } });
    expect(((await greedy.json()) as { params: unknown }).params).toEqual({ proxy: 'meetings/%E0%A4%A/x y' });
  });

  it('/l/%ZZ: the member-links handler answers 400 with its error page, in the language of Accept-Language', async () => {
    const ru = await fetch(`${server.url}/real/l/%ZZ`);
    expect(ru.status).toBe(400);
    expect(ru.headers.get('content-type')).toMatch(/^text\/html/);
    expect(ru.headers.get('content-security-policy')).toBeTruthy();
    const ruPage = await ru.text();
    expect(ruPage).toContain('<html lang="ru"');
    expect(ruPage).toContain('Некорректный запрос');

    const en = await fetch(`${server.url}/real/l/abc%`, { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    expect(en.status).toBe(400);
    const enPage = await en.text();
    expect(enPage).toContain('<html lang="en"');
    expect(enPage).toContain('Bad request');

    const post = await fetch(`${server.url}/real/l/%C3`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x=1' });
    expect(post.status).toBe(400);
    expect(await post.text()).toContain('Некорректный запрос');
  });

  it('/admin/… with a malformed %-escape: the admin handler answers 400 JSON in both languages', async () => {
    const token = await issuer.issue({ sub: 'u1', email: 'chair@example.org', groups: ['chair'] });
    const res = await fetch(`${server.url}/real/admin/meetings/%ZZ`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'malformed-path', message: { ru: expect.stringContaining('%'), en: expect.stringContaining('%') } });
  });
});
