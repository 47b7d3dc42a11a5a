import middy from '@middy/core';
import { getDeps } from '../app/deps.ts';
import { actOnLink, showLink, type LinkResponse } from '../app/member-links.ts';
import type { Lang } from '../domain/types.ts';
import { HttpError } from '../http/errors.ts';
import { formBody, rawBody, securityHeaders, type HttpEvent, type HttpResult } from '../http/middleware.ts';
import { hasMalformedEscape } from '../http/path.ts';
import { PAGE_CSP, errorPage } from '../pages/index.ts';

/**
 * GET /l/{token} shows a page and never changes anything (mail scanners open links);
 * POST /l/{token} (an HTML form) acts. Every answer is an HTML page in the person's language.
 */
function acceptLang(event: HttpEvent): Lang {
  const header = event.headers?.['accept-language'] ?? '';
  return /^\s*en\b/i.test(header) ? 'en' : 'ru';
}

function toResult(page: LinkResponse): HttpResult {
  if (page.body) {
    return {
      statusCode: page.status,
      headers: {
        'content-type': page.contentType ?? 'application/octet-stream',
        'content-disposition': `inline; filename="${page.filename ?? 'file'}"`,
      },
      isBase64Encoded: true,
      body: page.body.toString('base64'),
    };
  }
  return {
    statusCode: page.status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP },
    body: page.html,
  };
}

const pageErrors = (): middy.MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: (request) => {
    const error = request.error;
    const lang = acceptLang(request.event);
    if (error instanceof HttpError) {
      const page = errorPage({ lang, reason: 'bad-request' });
      request.response = { ...toResult(page), statusCode: error.status };
      return;
    }
    console.error(JSON.stringify({ level: 'ERROR', message: 'member link failed', error: error instanceof Error ? { name: error.name, message: error.message } : String(error) }));
    request.response = {
      statusCode: 500,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: lang === 'en' ? '<!DOCTYPE html><title>Error</title><p>Something went wrong on our side. Nothing was changed; please try again later.</p>' : '<!DOCTYPE html><title>Ошибка</title><p>Произошла ошибка на нашей стороне. Ничего не изменено; попробуйте позже.</p>',
    };
  },
});

export const handler = middy<HttpEvent, HttpResult>()
  .use(securityHeaders())
  .use(pageErrors())
  .use(rawBody(64 * 1024))
  .use(formBody())
  .handler(async (event) => {
    const token = event.pathParameters?.token ?? '';
    // `/l/%ZZ`: a path that cannot be decoded is the client's error, answered before anything is read.
    if (hasMalformedEscape(token)) return toResult(errorPage({ lang: acceptLang(event), reason: 'bad-request' }));
    const method = event.requestContext.http.method;
    const deps = getDeps();
    const lang = acceptLang(event);
    if (method === 'GET' || method === 'HEAD') {
      const query: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
      return toResult(await showLink(deps, token, query, lang));
    }
    if (method === 'POST') return toResult(await actOnLink(deps, token, (event.parsedBody ?? {}) as Record<string, string>, lang));
    return { statusCode: 405, headers: { allow: 'GET, POST', 'content-type': 'text/plain; charset=utf-8' }, body: 'Method Not Allowed' };
  });
