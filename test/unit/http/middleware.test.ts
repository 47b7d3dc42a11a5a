import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpError } from '../../../functions/http/errors.ts';
import { formBody, jsonBody, rawBody, securityHeaders, validate, type HttpEvent, type HttpResult } from '../../../functions/http/middleware.ts';

function event(method: string, body: string | undefined, contentType?: string, base64 = false): HttpEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: contentType ? { 'content-type': contentType } : {},
    isBase64Encoded: base64,
    ...(body !== undefined ? { body: base64 ? Buffer.from(body).toString('base64') : body } : {}),
    requestContext: { http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } } as HttpEvent['requestContext'],
  } as HttpEvent;
}

function run(mw: middy.MiddlewareObj<HttpEvent, HttpResult>[], e: HttpEvent) {
  const handler = middy<HttpEvent, HttpResult>().handler(async (ev) => ({ statusCode: 200, headers: {}, body: JSON.stringify(ev.parsedBody ?? null) }));
  for (const m of mw) handler.use(m);
  return handler(e, {} as never);
}

const statusOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return (error as HttpError).status;
  }
};

describe('HTTP middlewares', () => {
  it('decodes base64 bodies and refuses oversized ones with 413', async () => {
    const ok = await run([rawBody(100), formBody()], event('POST', 'a=1&b=%3Cscript%3E', 'application/x-www-form-urlencoded', true));
    expect(JSON.parse(ok.body!)).toEqual({ a: '1', b: '<script>' });
    expect(await statusOf(run([rawBody(10)], event('POST', 'x'.repeat(11), 'text/plain')))).toBe(413);
  });

  it('form posts: wrong content type 415, repeated field 400', async () => {
    expect(await statusOf(run([rawBody(), formBody()], event('POST', '{}', 'application/json')))).toBe(415);
    expect(await statusOf(run([rawBody(), formBody()], event('POST', 'a=1&a=2', 'application/x-www-form-urlencoded')))).toBe(400);
    // GET is never parsed.
    const get = await run([rawBody(), formBody()], event('GET', undefined));
    expect(get.body).toBe('null');
  });

  it('JSON bodies: malformed 400, wrong type 415', async () => {
    expect(await statusOf(run([rawBody(), jsonBody()], event('POST', '{"a":', 'application/json')))).toBe(400);
    expect(await statusOf(run([rawBody(), jsonBody()], event('POST', 'a=1', 'application/x-www-form-urlencoded')))).toBe(415);
    const ok = await run([rawBody(), jsonBody()], event('POST', '{"a":[1]}', 'application/json; charset=utf-8'));
    expect(JSON.parse(ok.body!)).toEqual({ a: [1] });
  });

  it('validate: 422 naming each field, in both languages', () => {
    const schema = z.object({ title: z.string().min(1), count: z.number().int() });
    expect(validate(schema, { title: 'x', count: 2 })).toEqual({ title: 'x', count: 2 });
    try {
      validate(schema, { title: '', count: 'two' });
      throw new Error('not refused');
    } catch (error) {
      const e = error as HttpError;
      expect(e.status).toBe(422);
      expect(e.messages.ru).toContain('title');
      expect(e.messages.en).toContain('count');
    }
  });

  it('security headers on every response, without overriding a page-specific CSP', async () => {
    const handler = middy<HttpEvent, HttpResult>()
      .use(securityHeaders())
      .handler(async () => ({ statusCode: 200, headers: { 'content-security-policy': "default-src 'none'" }, body: '' }));
    const res = await handler(event('GET', undefined), {} as never);
    expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY', 'content-security-policy': "default-src 'none'" });
  });
});
