import { SignJWT, exportJWK, generateKeyPair, jwtVerify, createLocalJWKSet, type JWK, type JWTPayload } from 'jose';

/**
 * A local stand-in for the Cognito user pool's token issuer: signs RS256 JWTs with the same claims
 * Cognito puts in an ID token (sub, email, cognito:groups). The local HTTP server verifies them
 * against this issuer's JWKS and injects the claims into the event exactly where API Gateway's JWT
 * authorizer puts them, so the admin handler's role checks run unchanged.
 */
export interface LocalIssuer {
  issuer: string;
  audience: string;
  jwks: { keys: JWK[] };
  issue(user: { sub: string; email: string; groups: string[] }, ttlSeconds?: number): Promise<string>;
  verify(token: string): Promise<JWTPayload>;
}

export async function createLocalIssuer(issuer = 'http://localhost/kvorum-local-issuer', audience = 'kvorum-admin'): Promise<LocalIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'local-1', alg: 'RS256', use: 'sig' };
  const jwks = { keys: [jwk] };
  const keySet = createLocalJWKSet(jwks);
  return {
    issuer,
    audience,
    jwks,
    async issue(user, ttlSeconds = 12 * 3600) {
      return new SignJWT({ email: user.email, 'cognito:groups': user.groups, token_use: 'id' })
        .setProtectedHeader({ alg: 'RS256', kid: 'local-1' })
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
