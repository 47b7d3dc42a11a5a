import middy from '@middy/core';
import {
  approveAgenda,
  appointActingSecretary,
  revokeLinks,
  updateGroup,
  resumeMeeting,
  callerFromClaims,
  cancelMeeting,
  conveneMeeting,
  createGroup,
  decideProposal,
  designateSpeakers,
  editNarrative,
  getGroup,
  getMeeting,
  markAttendance,
  moveMeeting,
  protocolHtml,
  protocolPdf,
  requireCaller,
  setAgenda,
  storeRefusal,
  type Caller,
} from '../app/admin.ts';
import { getDeps, type Deps } from '../app/deps.ts';
import type { Lang } from '../domain/types.ts';
import { MAX_ROSTER_MEMBERS } from '../domain/roster.ts';
import { HttpError, badRequest } from '../http/errors.ts';
import { decodePathSegment } from '../http/path.ts';
import { DEFAULT_BODY_LIMIT, jsonBody, rawBody, securityHeaders, type HttpEvent, type HttpResult } from '../http/middleware.ts';

/**
 * The admin endpoint (issue 3 §4): one Lambda behind `ANY /admin/{proxy+}` with API Gateway's JWT
 * authorizer (Cognito). A JSON API for the chair and the secretary; the use cases live in
 * functions/app/admin.ts, this file only routes and shapes responses.
 */

interface RouteContext {
  deps: Deps;
  caller: Caller;
  params: Record<string, string>;
  body: unknown;
  lang: Lang;
  /** The Idempotency-Key request header, when sent. */
  idempotencyKey?: string;
}

type Outcome = { status: number; json: unknown } | HttpResult;

interface Route {
  method: 'GET' | 'POST' | 'PUT';
  /** Segments after /admin; `:name` captures one segment. */
  pattern: string[];
  run(ctx: RouteContext): Promise<Outcome>;
}

const ok = (json: unknown, status = 200): Outcome => ({ status, json });

const route = (method: Route['method'], path: string, run: Route['run']): Route => ({ method, pattern: path.split('/').filter(Boolean), run });

const p = (ctx: RouteContext, name: string): string => ctx.params[name] ?? '';

const ROUTES: Route[] = [
  route('POST', 'groups', async (c) => ok(await createGroup(c.deps, c.caller, c.body), 201)),
  route('GET', 'groups/:groupId', async (c) => ok(await getGroup(c.deps, c.caller, p(c, 'groupId')))),
  route('PUT', 'groups/:groupId', async (c) => ok(await updateGroup(c.deps, c.caller, p(c, 'groupId'), c.body))),
  route('POST', 'groups/:groupId/meetings', async (c) => {
    const result = await conveneMeeting(c.deps, c.caller, p(c, 'groupId'), c.body, c.idempotencyKey);
    return ok(result, result.replayed ? 200 : 201);
  }),
  route('GET', 'meetings/:meetingId', async (c) => ok(await getMeeting(c.deps, c.caller, p(c, 'meetingId')))),
  route('PUT', 'meetings/:meetingId/agenda', async (c) => ok(await setAgenda(c.deps, c.caller, p(c, 'meetingId'), c.body))),
  route('POST', 'meetings/:meetingId/agenda/approve', async (c) => ok(await approveAgenda(c.deps, c.caller, p(c, 'meetingId'), c.body))),
  route('POST', 'meetings/:meetingId/agenda/:itemId/speakers', async (c) =>
    ok(await designateSpeakers(c.deps, c.caller, p(c, 'meetingId'), p(c, 'itemId'), c.body)),
  ),
  route('POST', 'meetings/:meetingId/proposals/:proposalId/decision', async (c) =>
    ok(await decideProposal(c.deps, c.caller, p(c, 'meetingId'), p(c, 'proposalId'), c.body)),
  ),
  route('POST', 'meetings/:meetingId/attendance', async (c) => ok(await markAttendance(c.deps, c.caller, p(c, 'meetingId'), c.body))),
  route('POST', 'meetings/:meetingId/resume', async (c) => ok(await resumeMeeting(c.deps, c.caller, p(c, 'meetingId'), c.body))),
  route('POST', 'meetings/:meetingId/links/revoke', async (c) => ok(await revokeLinks(c.deps, c.caller, p(c, 'meetingId'), c.body))),
  route('POST', 'meetings/:meetingId/acting-secretary', async (c) => ok(await appointActingSecretary(c.deps, c.caller, p(c, 'meetingId'), c.body))),
  route('PUT', 'meetings/:meetingId/protocol/narrative', async (c) => ok(await editNarrative(c.deps, c.caller, p(c, 'meetingId'), c.body))),
  route('POST', 'meetings/:meetingId/cancel', async (c) => ok(await cancelMeeting(c.deps, c.caller, p(c, 'meetingId'), c.body))),
  route('POST', 'meetings/:meetingId/move', async (c) => ok(await moveMeeting(c.deps, c.caller, p(c, 'meetingId'), c.body))),
  route('GET', 'meetings/:meetingId/protocol.html', async (c) => ({
    statusCode: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: await protocolHtml(c.deps, c.caller, p(c, 'meetingId'), c.lang),
  })),
  route('GET', 'meetings/:meetingId/protocol.pdf', async (c) => {
    const { pdf, filename } = await protocolPdf(c.deps, c.caller, p(c, 'meetingId'), c.lang);
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${filename}"` },
      body: pdf.toString('base64'),
      isBase64Encoded: true,
    };
  }),
];

/** The path below /admin, as segments (API Gateway's rawPath; the local server builds the same). */
function adminSegments(event: HttpEvent): string[] | null {
  const path = event.rawPath ?? event.requestContext.http.path ?? '';
  const segments = path.split('/').filter(Boolean);
  const at = segments.indexOf('admin');
  if (at < 0) return null;
  const decoded = segments.slice(at + 1).map(decodePathSegment);
  if (decoded.some((s) => s === null)) {
    throw badRequest('malformed-path', 'Адрес запроса содержит неверную %-кодировку.', 'The request path has a malformed %-escape.');
  }
  return decoded as string[];
}

function match(pattern: string[], segments: string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return null;
  }
  return params;
}

function json(status: number, body: unknown): HttpResult {
  return { statusCode: status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

function claimsOf(event: HttpEvent): Record<string, unknown> | undefined {
  return event.requestContext.authorizer?.jwt?.claims;
}

async function router(event: HttpEvent): Promise<HttpResult> {
  const segments = adminSegments(event);
  const method = event.requestContext.http.method.toUpperCase();
  const candidates = segments ? ROUTES.map((r) => ({ r, params: match(r.pattern, segments) })).filter((x) => x.params) : [];
  if (candidates.length === 0) {
    throw new HttpError(404, 'route-not-found', { ru: 'Такого адреса нет.', en: 'No such route.' });
  }
  const found = candidates.find((x) => x.r.method === method);
  if (!found || !found.params) {
    throw new HttpError(405, 'method-not-allowed', { ru: 'Метод не поддерживается для этого адреса.', en: 'Method not allowed for this route.' });
  }
  const caller = requireCaller(callerFromClaims(claimsOf(event)));
  const lang: Lang = event.queryStringParameters?.lang === 'en' ? 'en' : 'ru';
  const idempotencyKey = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'idempotency-key')?.[1];
  const outcome = await found.r.run({ deps: getDeps(), caller, params: found.params, body: event.parsedBody, lang, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) });
  return 'statusCode' in outcome ? outcome : json(outcome.status, outcome.json);
}

/**
 * Creating or replacing a group carries its whole roster (up to MAX_ROSTER_MEMBERS): those two routes
 * take bodies up to 2 MB, every other route 64 KB. Base64 in the Lambda event makes 2 MB about 2.7 MB,
 * well inside Lambda's 6 MB request payload and API Gateway's 10 MB.
 */
const ROSTER_BODY_LIMIT = 2 * 1024 * 1024;

function isRosterRoute(event: HttpEvent): boolean {
  const segments = adminSegments(event);
  const method = event.requestContext.http.method.toUpperCase();
  return (method === 'POST' && segments?.length === 1 && segments[0] === 'groups') || (method === 'PUT' && segments?.length === 2 && segments[0] === 'groups');
}

/** The body limit of the route; over it, 413 (for the roster routes with both limits in the message). */
function routeBodyLimit(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async (request) => {
      if (!isRosterRoute(request.event)) return rawBody(DEFAULT_BODY_LIMIT).before?.(request);
      try {
        return await rawBody(ROSTER_BODY_LIMIT).before?.(request);
      } catch (error) {
        if (!(error instanceof HttpError && error.status === 413)) throw error;
        throw new HttpError(413, 'payload-too-large', {
          ru: `Слишком большой запрос: не более 2 МБ (${ROSTER_BODY_LIMIT} байт) и не более ${MAX_ROSTER_MEMBERS} членов в составе.`,
          en: `Request body too large: at most 2 MB (${ROSTER_BODY_LIMIT} bytes) and at most ${MAX_ROSTER_MEMBERS} members in the roster.`,
        });
      }
    },
  };
}

/** 401 before the body is even read (API Gateway's authorizer normally refuses earlier still). */
function authenticated(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: (request) => {
      requireCaller(callerFromClaims(claimsOf(request.event)));
    },
  };
}

/** Bodiless POSTs (e.g. approve) are read as `{}`; any body still needs application/json. */
function emptyBodyAsJson(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: (request) => {
      const event = request.event;
      if (!['POST', 'PUT', 'PATCH'].includes(event.requestContext.http.method.toUpperCase())) return;
      if (event.body !== undefined && event.body !== null && event.body.trim() !== '') return;
      event.body = '{}';
      event.headers = { ...(event.headers ?? {}) };
      for (const key of Object.keys(event.headers)) if (key.toLowerCase() === 'content-type') delete event.headers[key];
      event.headers['content-type'] = 'application/json';
    },
  };
}

/** Errors → `{ error, message: {ru, en}, details? }`; anything unexpected → 500 without internals. */
function jsonErrors(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: (request) => {
      const error = request.error;
      const known = error instanceof HttpError ? error : storeRefusal(error);
      if (known) {
        request.response = json(known.status, {
          error: known.code,
          message: known.messages,
          ...(known.details !== undefined ? { details: known.details } : {}),
        });
        return;
      }
      console.error('admin: unexpected error', error);
      request.response = json(500, {
        error: 'internal-error',
        message: { ru: 'Внутренняя ошибка сервера; запрос можно повторить позже.', en: 'Internal server error; the request may be retried later.' },
      });
    },
  };
}

export const handler = middy<HttpEvent, HttpResult>()
  .use(securityHeaders())
  .use(jsonErrors())
  .use(authenticated())
  .use(routeBodyLimit())
  .use(emptyBodyAsJson())
  .use(jsonBody())
  .handler(router);
