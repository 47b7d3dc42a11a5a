import { chmodSync, readFileSync, statSync } from 'node:fs';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, createLocalJWKSet, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { createFileOnceSync } from './atomic-file.ts';

/**
 * A local stand-in for the Cognito user pool's token issuer: signs RS256 JWTs with the same claims
 * Cognito puts in an ID token (sub, email, email_verified, cognito:groups). The local HTTP server verifies them
 * against this issuer's JWKS and injects the claims into the event exactly where API Gateway's JWT
 * authorizer puts them, so the admin handler's role checks run unchanged.
 *
 * With a `keyFile` (`npm start`: `.data/local-issuer-key.jwk.json`) the signing key is made once, kept
 * as a private JWK readable by its owner only (0600), and reused, so tokens from the console stay
 * valid across restarts until they expire. Without one (tests) every issuer has a fresh key.
 */
export interface LocalIssuer {
  issuer: string;
  audience: string;
  jwks: { keys: JWK[] };
  /** `emailVerified` defaults to true: Cognito users whose address is confirmed, as every admin must be. */
  issue(user: { sub: string; email: string; groups: string[]; emailVerified?: boolean }, ttlSeconds?: number): Promise<string>;
  verify(token: string): Promise<JWTPayload>;
}

export interface LocalIssuerOptions {
  /** Where the private key is kept; absent: a new key for this issuer only. */
  keyFile?: string;
  issuer?: string;
  audience?: string;
}

const KID = 'local-1';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** The stored private JWK, made and written on first use (first writer wins if two start at once). */
async function storedPrivateJwk(keyFile: string): Promise<JWK> {
  try {
    return readKeyFile(keyFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: KID, alg: 'RS256', use: 'sig' };
  createFileOnceSync(keyFile, `${JSON.stringify(jwk)}\n`, { mode: 0o600 });
  return readKeyFile(keyFile);
}

function readKeyFile(keyFile: string): JWK {
  // A key left readable by others (copied, restored from a backup) is made private again.
  if ((statSync(keyFile).mode & 0o077) !== 0) chmodSync(keyFile, 0o600);
  let jwk: JWK;
  try {
    jwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
  } catch (error) {
    throw new Error(`The local issuer's key ${keyFile} is not valid JSON (${(error as Error).message}); delete it to make a new key (tokens issued with the old one stop working).`);
  }
  if (jwk.kty !== 'RSA' || !jwk.d || !jwk.n || !jwk.e) {
    throw new Error(`The local issuer's key ${keyFile} is not an RSA private JWK; delete it to make a new key (tokens issued with the old one stop working).`);
  }
  return jwk;
}

export async function createLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const issuer = options.issuer ?? 'http://localhost/kvorum-local-issuer';
  const audience = options.audience ?? 'kvorum-admin';
  let privateKey: CryptoKey;
  let publicJwk: JWK;
  if (options.keyFile) {
    const stored = await storedPrivateJwk(options.keyFile);
    privateKey = (await importJWK(stored, 'RS256')) as CryptoKey;
    publicJwk = Object.fromEntries(Object.entries(stored).filter(([name]) => !(PRIVATE_MEMBERS as readonly string[]).includes(name))) as JWK;
  } else {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    publicJwk = await exportJWK(pair.publicKey);
  }
  const jwk: JWK = { ...publicJwk, kid: KID, alg: 'RS256', use: 'sig' };
  const jwks = { keys: [jwk] };
  const keySet = createLocalJWKSet(jwks);
  return {
    issuer,
    audience,
    jwks,
    async issue(user, ttlSeconds = 12 * 3600) {
      return new SignJWT({ email: user.email, email_verified: user.emailVerified ?? true, 'cognito:groups': user.groups, token_use: 'id' })
        .setProtectedHeader({ alg: 'RS256', kid: KID })
        .setSubject(user.sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey);
    },
    async verify(token) {
      const { payload } = await jwtVerify(token, keySet, { issuer, audience, algorithms: ['RS256'] });
      return payload;
    },
  };
}
