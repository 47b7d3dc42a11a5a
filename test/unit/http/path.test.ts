import { describe, expect, it } from 'vitest';
import { handler as admin } from '../../../functions/handlers/admin.ts';
import { handler as memberLinks } from '../../../functions/handlers/member-links.ts';
import type { HttpEvent, HttpResult } from '../../../functions/http/middleware.ts';
import { decodePathSegment, hasMalformedEscape } from '../../../functions/http/path.ts';

describe('path segments with malformed %-escapes', () => {
  it('decodePathSegment decodes valid escapes and returns null for malformed ones, never throws', () => {
    expect(decodePathSegment('a%20b%D0%B4')).toBe('a bд');
    expect(decodePathSegment('abc.def')).toBe('abc.def');
    for (const bad of ['%ZZ', '%', 'abc%', '%E0%A4%A', '%C3', '%FF']) expect(decodePathSegment(bad)).toBeNull();
    expect(hasMalformedEscape('%ZZ')).toBe(true);
    expect(hasMalformedEscape('abc.def')).toBe(false);
    expect(hasMalformedEscape('a%20b')).toBe(false);
  });

  /** An API Gateway HTTP API event as it reaches the Lambda in AWS (no local server in between). */
  function event(rawPath: string, pathParameters: Record<string, string>, headers: Record<string, string> = {}, claims?: Record<string, unknown>): HttpEvent {
    return {
      version: '2.0',
      routeKey: 'GET /l/{token}',
      rawPath,
      rawQueryString: '',
      headers,
      pathParameters,
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
        requestId: 'r1',
        ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}),
      },
    } as unknown as HttpEvent;
  }

  it('the member-links Lambda answers 400 with its page in the language of Accept-Language, before reading anything', async () => {
    const ru = (await memberLinks(event('/l/%ZZ', { token: '%ZZ' }), {} as never)) as HttpResult;
    expect(ru.statusCode).toBe(400);
    expect(ru.headers['content-type']).toMatch(/^text\/html/);
    expect(ru.body).toContain('Некорректный запрос');
    const en = (await memberLinks(event('/l/%', { token: '%' }, { 'accept-language': 'en-US' }), {} as never)) as HttpResult;
    expect(en.statusCode).toBe(400);
    expect(en.body).toContain('Bad request');
  });

  it('the admin Lambda answers 400 malformed-path', async () => {
    const claims = { sub: 'u1', email: 'chair@example.org', email_verified: true, 'cognito:groups': ['chair'] };
    const result = (await admin(event('/admin/meetings/%ZZ', { proxy: 'meetings/%ZZ' }, {}, claims), {} as never)) as HttpResult;
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ error: 'malformed-path' });
  });
});
