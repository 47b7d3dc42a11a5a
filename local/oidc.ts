/**
 * The local stand-in for Cognito's managed login (issue 11 §2): the local issuer acts as an OpenID
 * Connect provider for the admin app, with the same code path as in AWS — OAuth 2.0 authorization code
 * with PKCE (S256). Discovery, a sign-in page listing the people of the local groups (choose who you
 * are: there are no passwords locally), and a token endpoint that exchanges a code once for an ID token
 * of the local issuer, with the claims Cognito gives (e-mail verified, cognito:groups by roster role).
 *
 * Hand-written on jose rather than `oidc-provider`: the flow is one client, one grant and no sessions,
 * and the pieces that matter here (the people page, roles → groups) would be custom code there too.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Member } from '../functions/domain/types.ts';
import type { Clock } from '../functions/lib/clock.ts';
import { html } from '../functions/lib/html.ts';
import { renderPage } from '../functions/pages/layout.ts';
import type { LocalIssuer } from './jwt-issuer.ts';

export const OIDC_BASE_PATH = '/oidc';
/** How long an authorization code can be exchanged. */
const CODE_TTL_MS = 60_000;
/** Cognito groups by roster role: the deputy holds the chair group (he acts as chair while the chair is absent, п. 2.4). */
const GROUPS_OF_ROLE: Record<Member['role'], string[]> = { chair: ['chair'], deputy: ['chair'], secretary: ['secretary'], member: [] };

export interface LocalPerson {
  email: string;
  name: string;
  /** The groups (working groups) and roles the person holds. */
  roles: Array<{ groupName: string; role: Member['role'] }>;
}

export interface LocalOidcOptions {
  issuer: LocalIssuer;
  /** The local HTTP server's public base (the app's callback must start with it). */
  baseUrl: () => string;
  /** Everyone who may sign in: the members of the local groups. */
  people: () => Promise<LocalPerson[]>;
  clock: Clock;
  /** Callback paths the client may use (default /admin/callback). */
  callbackPaths?: string[];
}

interface PendingCode {
  person: LocalPerson;
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce?: string;
  expiresAt: number;
}

const b64url = (buffer: Buffer) => buffer.toString('base64url');

export function createLocalOidc(options: LocalOidcOptions) {
  const codes = new Map<string, PendingCode>();
  const callbackPaths = options.callbackPaths ?? ['/admin/callback'];
  const endpoint = (path: string) => `${options.baseUrl()}${OIDC_BASE_PATH}${path}`;

  const send = (res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
  const oauthError = (res: ServerResponse, error: string, description: string, status = 400) => json(res, status, { error, error_description: description });

  /** The authorize request, checked: a wrong client or redirect is shown, never redirected to. */
  function checkAuthorize(params: URLSearchParams): { ok: true; value: Record<string, string> } | { ok: false; message: string } {
    const get = (name: string) => params.get(name) ?? '';
    if (get('response_type') !== 'code') return { ok: false, message: 'response_type must be code' };
    if (get('client_id') !== options.issuer.audience) return { ok: false, message: 'unknown client_id' };
    const redirect = get('redirect_uri');
    if (!callbackPaths.some((path) => redirect === `${options.baseUrl()}${path}`)) return { ok: false, message: 'redirect_uri is not a registered callback' };
    if (get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(get('code_challenge'))) return { ok: false, message: 'PKCE: code_challenge (S256) is required' };
    if (!get('scope').split(' ').includes('openid')) return { ok: false, message: 'scope must include openid' };
    const value: Record<string, string> = { client_id: get('client_id'), redirect_uri: redirect, code_challenge: get('code_challenge'), state: get('state') };
    if (params.get('nonce')) value.nonce = get('nonce');
    return { ok: true, value };
  }

  async function signInPage(res: ServerResponse, request: Record<string, string>) {
    const people = await options.people();
    const hidden = Object.entries(request).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
    const body = html`<p>Локально паролей нет: выберите, кем войти. / No passwords locally: choose who you are.</p>
<ul class="people">${people.map(
      (p) => html`<li><form method="post" action="${endpoint('/authorize')}">${hidden}<input type="hidden" name="email" value="${p.email}"><button type="submit">${p.name}</button> <span class="note">${p.email} · ${p.roles.map((r) => `${r.groupName}: ${r.role}`).join('; ')}</span></form></li>`,
    )}</ul>`;
    send(res, 200, 'text/html; charset=utf-8', renderPage({ lang: 'ru', title: 'Вход в Kvorum', body }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (!url.pathname.startsWith(`${OIDC_BASE_PATH}/`)) return false;
    const path = url.pathname.slice(OIDC_BASE_PATH.length);
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      json(res, 200, {
        issuer: options.issuer.issuer,
        authorization_endpoint: endpoint('/authorize'),
        token_endpoint: endpoint('/token'),
        jwks_uri: endpoint('/jwks.json'),
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code'],
        code_challenge_methods_supported: ['S256'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'email', 'profile'],
        token_endpoint_auth_methods_supported: ['none'],
      });
      return true;
    }
    if (req.method === 'GET' && path === '/jwks.json') {
      json(res, 200, options.issuer.jwks);
      return true;
    }
    if (path === '/authorize' && (req.method === 'GET' || req.method === 'POST')) {
      const params = req.method === 'GET' ? url.searchParams : new URLSearchParams(body.toString('utf8'));
      const checked = checkAuthorize(new URLSearchParams({ response_type: 'code', scope: 'openid', ...Object.fromEntries(params) }));
      if (!checked.ok) {
        send(res, 400, 'text/html; charset=utf-8', renderPage({ lang: 'ru', title: 'Запрос входа отклонён', body: html`<p>${checked.message}</p>` }));
        return true;
      }
      if (req.method === 'GET') {
        await signInPage(res, { ...checked.value, response_type: 'code', code_challenge_method: 'S256', scope: params.get('scope') ?? 'openid' });
        return true;
      }
      const email = (params.get('email') ?? '').toLowerCase();
      const person = (await options.people()).find((p) => p.email.toLowerCase() === email);
      if (!person) {
        send(res, 400, 'text/html; charset=utf-8', renderPage({ lang: 'ru', title: 'Запрос входа отклонён', body: html`<p>Нет такого участника. / No such person.</p>` }));
        return true;
      }
      const code = b64url(randomBytes(32));
      const { client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge, state, nonce } = checked.value as Record<string, string>;
      codes.set(code, { person, clientId: clientId!, redirectUri: redirectUri!, challenge: challenge!, ...(nonce ? { nonce } : {}), expiresAt: options.clock.now().getTime() + CODE_TTL_MS });
      const location = new URL(redirectUri!);
      location.searchParams.set('code', code);
      if (state) location.searchParams.set('state', state);
      send(res, 302, 'text/plain; charset=utf-8', '', { location: location.toString() });
      return true;
    }
    if (req.method === 'POST' && path === '/token') {
      const form = new URLSearchParams(body.toString('utf8'));
      if (form.get('grant_type') !== 'authorization_code') return (oauthError(res, 'unsupported_grant_type', 'only authorization_code'), true);
      const code = form.get('code') ?? '';
      const pending = codes.get(code);
      codes.delete(code); // one exchange per code, whatever its outcome
      if (!pending || pending.expiresAt < options.clock.now().getTime()) return (oauthError(res, 'invalid_grant', 'unknown, used or expired code'), true);
      if (form.get('client_id') !== pending.clientId || form.get('redirect_uri') !== pending.redirectUri) return (oauthError(res, 'invalid_grant', 'client_id or redirect_uri differ from the authorize request'), true);
      const verifier = form.get('code_verifier') ?? '';
      if (b64url(createHash('sha256').update(verifier).digest()) !== pending.challenge) return (oauthError(res, 'invalid_grant', 'PKCE verification failed'), true);
      const groups = [...new Set(pending.person.roles.flatMap((r) => GROUPS_OF_ROLE[r.role]))];
      const ttl = 3600;
      const idToken = await options.issuer.issue({ sub: pending.person.email, email: pending.person.email, groups }, ttl);
      json(res, 200, { id_token: idToken, access_token: idToken, token_type: 'Bearer', expires_in: ttl });
      return true;
    }
    oauthError(res, 'not_found', `no ${req.method} ${url.pathname}`, 404);
    return true;
  }

  return { handle };
}

/** Everyone on the rosters of the given groups, once per address, with their roles. */
export function peopleOf(groups: Array<{ name: string; members: Member[] }>): LocalPerson[] {
  const byEmail = new Map<string, LocalPerson>();
  for (const group of groups) {
    for (const m of group.members) {
      const key = m.email.toLowerCase();
      const person = byEmail.get(key) ?? { email: m.email, name: m.name, roles: [] };
      person.roles.push({ groupName: group.name, role: m.role });
      byEmail.set(key, person);
    }
  }
  return [...byEmail.values()].sort((a, b) => a.name.localeCompare(b.name, 'ru'));
}
