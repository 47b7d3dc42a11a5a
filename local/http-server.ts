import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { HttpEvent, HttpResult } from '../functions/http/middleware.ts';
import { decodePathSegment } from '../functions/http/path.ts';
import type { LocalIssuer } from './jwt-issuer.ts';

/**
 * The local HTTP API: turns Node requests into API Gateway HTTP API (payload 2.0) events, runs the
 * same Lambda handlers, and for routes marked `jwt` verifies the bearer token against the local
 * issuer and injects its claims as API Gateway's JWT authorizer would (401 without a valid token).
 */
export type LambdaHttpHandler = (event: HttpEvent, context: any) => Promise<HttpResult>;

export interface LocalRoute {
  method: string | 'ANY';
  /** A path pattern like "/l/{token}" or "/admin/{proxy+}". */
  path: string;
  handler: LambdaHttpHandler;
  jwt?: boolean;
}

export interface LocalHttpOptions {
  port: number;
  routes: LocalRoute[];
  issuer?: LocalIssuer;
  /** Extra plain handlers (local-only controls); return true when handled. */
  extra?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<boolean>;
  /** Default 10 MB, API Gateway HTTP API's payload limit; each handler enforces its own routes' limits. */
  maxBodyBytes?: number;
}

/**
 * Path parameters are decoded as API Gateway does; a segment with a malformed %-escape (`/l/%ZZ`) is
 * passed on as is, so the handler answers it with its 400 in the person's language, as in AWS.
 */
const param = (segment: string): string => decodePathSegment(segment) ?? segment;

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    const greedy = /^\{(\w+)\+\}$/.exec(seg);
    if (greedy) {
      if (i >= s.length) return undefined;
      params[greedy[1]!] = s.slice(i).map(param).join('/');
      return params;
    }
    if (i >= s.length) return undefined;
    const single = /^\{(\w+)\}$/.exec(seg);
    if (single) params[single[1]!] = param(s[i]!);
    else if (seg !== s[i]) return undefined;
  }
  return p.length === s.length ? params : undefined;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function toEvent(req: IncomingMessage, body: Buffer, routeKey: string, pathParameters: Record<string, string>): HttpEvent {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters,
    isBase64Encoded: body.length > 0,
    body: body.length > 0 ? body.toString('base64') : undefined,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: { method: req.method ?? 'GET', path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
  } as HttpEvent;
}

export async function startLocalHttp(options: LocalHttpOptions): Promise<{ url: string; server: Server; stop(): Promise<void> }> {
  const limit = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const body = await readBody(req, limit);
        if (body === 'too-large') {
          res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Request Entity Too Large' }));
          return;
        }
        if (options.extra && (await options.extra(req, res, body))) return;
        const path = new URL(req.url ?? '/', 'http://localhost').pathname;
        for (const route of options.routes) {
          if (route.method !== 'ANY' && route.method !== req.method) continue;
          const params = matchPath(route.path, path);
          if (!params) continue;
          const event = toEvent(req, body, `${route.method} ${route.path}`, params);
          if (route.jwt) {
            const auth = event.headers['authorization'] ?? '';
            const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
            if (!token || !options.issuer) {
              res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Unauthorized' }));
              return;
            }
            try {
              const claims = await options.issuer.verify(token);
              event.requestContext.authorizer = { jwt: { claims: claims as Record<string, string>, scopes: [] } };
            } catch {
              res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Unauthorized' }));
              return;
            }
          }
          const result = await route.handler(event, { awsRequestId: event.requestContext.requestId, functionName: 'local' });
          const payload = result.body ?? '';
          res.writeHead(result.statusCode, result.headers);
          res.end(result.isBase64Encoded ? Buffer.from(payload, 'base64') : payload);
          return;
        }
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
      } catch (error) {
        console.error('local http: unhandled error', error);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal Server Error' }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
