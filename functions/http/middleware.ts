import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { HttpError, badRequest, payloadTooLarge, unprocessable } from './errors.ts';

/**
 * Small middy middlewares, one concern each (in the spirit of middy's own packages).
 * Events are API Gateway HTTP API (payload 2.0) events; the local server builds the same shape.
 */
export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims: Record<string, string | number | boolean | string[]>; scopes?: string[] } };
  };
  /** Filled by the body middlewares. */
  parsedBody?: unknown;
};
export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> };

export const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Decodes the raw body (base64 when API Gateway says so) and refuses bodies over the limit. */
export function rawBody(limitBytes = DEFAULT_BODY_LIMIT): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: (request) => {
      const event = request.event;
      if (event.body === undefined || event.body === null) return;
      const buf = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
      if (buf.length > limitBytes) throw payloadTooLarge(limitBytes);
      event.body = buf.toString('utf8');
      event.isBase64Encoded = false;
    },
  };
}

function contentType(event: HttpEvent): string {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
  return (key ? headers[key] : '')?.split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Parses an HTML form post (application/x-www-form-urlencoded) into a record of strings. */
export function formBody(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: (request) => {
      const event = request.event;
      if (event.requestContext.http.method !== 'POST') return;
      if (contentType(event) !== 'application/x-www-form-urlencoded')
        throw new HttpError(415, 'unsupported-media-type', {
          ru: 'Форма должна быть отправлена как application/x-www-form-urlencoded.',
          en: 'The form must be sent as application/x-www-form-urlencoded.',
        });
      const params = new URLSearchParams(event.body ?? '');
      const out: Record<string, string> = {};
      for (const [k, v] of params) {
        if (k in out) throw badRequest('duplicate-field', `Поле «${k}» повторяется.`, `Field "${k}" is repeated.`);
        out[k] = v;
      }
      event.parsedBody = out;
    },
  };
}

/** Parses a JSON body (application/json) for POST/PUT/PATCH. */
export function jsonBody(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: (request) => {
      const event = request.event;
      const method = event.requestContext.http.method;
      if (!['POST', 'PUT', 'PATCH'].includes(method)) return;
      if (contentType(event) !== 'application/json')
        throw new HttpError(415, 'unsupported-media-type', {
          ru: 'Тело запроса должно быть в формате application/json.',
          en: 'The request body must be application/json.',
        });
      try {
        event.parsedBody = JSON.parse(event.body ?? '');
      } catch {
        throw badRequest('malformed-json', 'Тело запроса не является корректным JSON.', 'The request body is not valid JSON.');
      }
    },
  };
}

/** Validates a value with a zod schema; the error lists each field and what is wrong with it. */
export function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', problem: i.message }));
  throw unprocessable(
    'validation-failed',
    `Запрос не прошёл проверку: ${fields.map((f) => `${f.field} — ${f.problem}`).join('; ')}`,
    `The request is invalid: ${fields.map((f) => `${f.field} — ${f.problem}`).join('; ')}`,
    fields,
  );
}

/** Headers every response carries: no caching of personal pages, no framing, no referrer leaking tokens. */
export function securityHeaders(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  const add = (response: HttpResult | undefined) => {
    if (!response) return;
    response.headers = {
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      ...response.headers,
    };
  };
  return {
    after: (request) => add(request.response ?? undefined),
    onError: (request) => add(request.response ?? undefined),
  };
}
