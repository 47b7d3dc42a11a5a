import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalIssuer, type LocalIssuer } from '../../../local/jwt-issuer.ts';
import { startLocalHttp } from '../../../local/http-server.ts';
import type { HttpEvent } from '../../../functions/http/middleware.ts';

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
});
