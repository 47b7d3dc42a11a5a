import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { createGroup, team } from './fixtures.ts';

/**
 * Issue 11 §2, locally: the local issuer is an OpenID Connect provider — discovery, a sign-in page
 * listing the people of the local groups, and the authorization code flow with PKCE (S256); the ID
 * token it gives works on the admin API exactly as a Cognito one does in AWS.
 */
describe('local sign-in: OpenID Connect, authorization code with PKCE', () => {
  let h: Harness;
  const g = team('oidc.test');
  let groupId: string;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  beforeAll(async () => {
    h = await startHarness('2026-03-02T06:00:00Z');
    groupId = await createGroup(h, g.members.map((m) => (m.id === 'm1' ? { ...m, name: 'Иванов <b>Пётр</b>' } : m)), g.secretary);
  }, 60_000);
  afterAll(() => h?.stop());

  const discovery = async () => (await (await fetch(`${h.base}/oidc/.well-known/openid-configuration`)).json()) as Record<string, any>;
  const authorizeQuery = (extra: Record<string, string> = {}) =>
    new URLSearchParams({ response_type: 'code', client_id: h.system.issuer.audience, redirect_uri: `${h.base}/admin/callback`, scope: 'openid email', state: 'st-1', code_challenge: challenge, code_challenge_method: 'S256', ...extra });

  async function codeFor(email: string): Promise<string> {
    const config = await discovery();
    const form = new URLSearchParams({ ...Object.fromEntries(authorizeQuery()), email });
    const res = await fetch(config.authorization_endpoint, { method: 'POST', body: form, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`${h.base}/admin/callback`);
    expect(location.searchParams.get('state')).toBe('st-1');
    return location.searchParams.get('code')!;
  }

  const exchange = async (code: string, codeVerifier = verifier) =>
    fetch((await discovery()).token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: codeVerifier, client_id: h.system.issuer.audience, redirect_uri: `${h.base}/admin/callback` }),
    });

  it('publishes its configuration: the code flow with S256 only', async () => {
    const config = await discovery();
    expect(config).toMatchObject({ response_types_supported: ['code'], code_challenge_methods_supported: ['S256'], issuer: h.system.issuer.issuer });
    expect(((await (await fetch(config.jwks_uri)).json()) as { keys: unknown[] }).keys[0]).toMatchObject({ alg: 'RS256', kty: 'RSA' });
  });

  it('lists the people of the local groups on its sign-in page, escaped; refuses a foreign redirect or no PKCE', async () => {
    const page = await fetch(`${h.base}/oidc/authorize?${authorizeQuery()}`);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain(g.email('chair'));
    expect(text).toContain('Иванов &lt;b&gt;Пётр&lt;/b&gt;');
    expect((await fetch(`${h.base}/oidc/authorize?${authorizeQuery({ redirect_uri: 'https://evil.example/cb' })}`, { redirect: 'manual' })).status).toBe(400);
    expect((await fetch(`${h.base}/oidc/authorize?${authorizeQuery({ code_challenge: '' })}`, { redirect: 'manual' })).status).toBe(400);
  });

  it('gives the secretary an ID token for her code and verifier once; it opens the admin API', async () => {
    const code = await codeFor(g.email('secretary'));
    expect((await exchange(code, 'wrong-verifier-wrong-verifier-wrong-verifier')).status).toBe(400);
    // A failed exchange spends the code too.
    expect((await exchange(code)).status).toBe(400);
    const fresh = await codeFor(g.email('secretary'));
    const token = await exchange(fresh);
    expect(token.status).toBe(200);
    const { id_token: idToken } = (await token.json()) as { id_token: string };
    expect(await h.system.issuer.verify(idToken)).toMatchObject({ email: g.email('secretary'), email_verified: true, 'cognito:groups': ['secretary'] });
    const group = await fetch(`${h.base}/admin/groups/${groupId}`, { headers: { authorization: `Bearer ${idToken}` } });
    expect(group.status).toBe(200);
    expect((await exchange(fresh)).status).toBe(400);
  });

  it('maps roster roles to Cognito groups: the deputy holds chair, a member none', async () => {
    const groupsOf = async (email: string) => ((await h.system.issuer.verify(((await (await exchange(await codeFor(email))).json()) as { id_token: string }).id_token)) as Record<string, unknown>)['cognito:groups'];
    expect(await groupsOf(g.email('deputy'))).toEqual(['chair']);
    expect(await groupsOf(g.email('m2'))).toEqual([]);
  });
});
