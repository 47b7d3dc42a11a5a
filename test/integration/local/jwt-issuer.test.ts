import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalIssuer } from '../../../local/jwt-issuer.ts';

/** `npm start` keeps the issuer's key in .data/: the console's tokens survive a restart. */
describe('the local issuer with a key file', () => {
  let dir: string;
  let keyFile: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kvorum-issuer-'));
    keyFile = path.join(dir, 'local-issuer-key.jwk.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a token issued before a restart is accepted after it; the key is a private JWK readable by its owner only', async () => {
    const first = await createLocalIssuer({ keyFile });
    const token = await first.issue({ sub: 'chair', email: 'chair@kvorum.local', groups: ['chair'] });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(keyFile, 'utf8')) as Record<string, unknown>;
    expect(stored).toMatchObject({ kty: 'RSA', alg: 'RS256', kid: 'local-1' });
    expect(typeof stored.d).toBe('string');

    const second = await createLocalIssuer({ keyFile });
    expect(await second.verify(token)).toMatchObject({ sub: 'chair', email: 'chair@kvorum.local', email_verified: true, 'cognito:groups': ['chair'] });
    expect(second.jwks).toEqual(first.jwks);
    expect(await first.verify(await second.issue({ sub: 'secretary', email: 'secretary@kvorum.local', groups: ['secretary'] }))).toMatchObject({ sub: 'secretary' });
    // The published JWKS never carries the private members.
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(second.jwks.keys[0]).not.toHaveProperty(member);
  });

  it('two issuers starting at once on a new file end up with one key', async () => {
    const [a, b] = await Promise.all([createLocalIssuer({ keyFile }), createLocalIssuer({ keyFile })]);
    expect(a.jwks).toEqual(b.jwks);
    expect(await b.verify(await a.issue({ sub: 'u', email: 'u@kvorum.local', groups: [] }))).toMatchObject({ sub: 'u' });
  });

  it('without a key file every issuer has its own key (tests)', async () => {
    const a = await createLocalIssuer();
    const b = await createLocalIssuer();
    await expect(b.verify(await a.issue({ sub: 'u', email: 'u@kvorum.local', groups: [] }))).rejects.toThrow();
  });

  it('a key file left readable by others is made private again; a damaged one is refused with what to do', async () => {
    await createLocalIssuer({ keyFile });
    chmodSync(keyFile, 0o644);
    await createLocalIssuer({ keyFile });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    writeFileSync(keyFile, '{"kty":"RSA"', { mode: 0o600 });
    await expect(createLocalIssuer({ keyFile })).rejects.toThrow(/not valid JSON.*delete it/);
    writeFileSync(keyFile, '{"kty":"EC"}', { mode: 0o600 });
    await expect(createLocalIssuer({ keyFile })).rejects.toThrow(/not an RSA private JWK/);
  });
});
