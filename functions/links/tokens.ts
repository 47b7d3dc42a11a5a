import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Personal e-mail links (SPEC «Links in e-mails»): each is scoped to one meeting, one member and one
 * purpose, unguessable, expires with its deadline and can be revoked.
 *
 * A token is "<linkId>.<mac>": linkId is 128 bits (the key of the stored link record, which holds
 * meeting, member, purpose, expiry and revocation; it does not depend on the secret); mac is an
 * HMAC-SHA256 over linkId and purpose with the link-signing secret, so a forged or altered token is
 * refused before any lookup. Tokens are signed with the keyring's current secret and accepted under
 * the current or the previous one, so rotating the secret kills no link.
 */
/** `protocol`: the signed protocol to download, sent with the distribution (п. 3.4). */
export type LinkPurpose = 'propose' | 'attendance' | 'ballot' | 'dissent' | 'sign' | 'approve' | 'protocol';

export const LINK_PURPOSES: readonly LinkPurpose[] = ['propose', 'attendance', 'ballot', 'dissent', 'sign', 'approve', 'protocol'];

const ID_BYTES = 16;
const MAC_BYTES = 16;
const TOKEN_PATTERN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;

/** The secrets links are checked against: the current one signs; the previous one still verifies. */
export interface LinkKeyring {
  current: string;
  previous?: string;
}

export function newLinkId(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

function mac(secret: string, linkId: string, purpose: LinkPurpose): string {
  return createHmac('sha256', secret).update(`kvorum-link:v1:${purpose}:${linkId}`).digest().subarray(0, MAC_BYTES).toString('base64url');
}

export function signLink(secret: string, linkId: string, purpose: LinkPurpose): string {
  if (secret.length < 16) throw new Error('link-signing secret is too short');
  return `${linkId}.${mac(secret, linkId, purpose)}`;
}

export type TokenCheck = { ok: true; linkId: string } | { ok: false; reason: 'malformed' | 'forged' };

/** Checks the token's shape and MAC for the purpose the stored link claims; no storage access. */
export function parseToken(token: string): { linkId: string; mac: string } | undefined {
  const m = TOKEN_PATTERN.exec(token);
  return m ? { linkId: m[1]!, mac: m[2]! } : undefined;
}

export function verifyLinkMac(secret: string, token: string, purpose: LinkPurpose): TokenCheck {
  const parsed = parseToken(token);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(mac(secret, parsed.linkId, purpose));
  const given = Buffer.from(parsed.mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'forged' };
  return { ok: true, linkId: parsed.linkId };
}

/** The purpose a token was signed for, under the current or the previous secret; undefined if forged. */
export function verifiedPurpose(keyring: LinkKeyring, token: string, purposes: readonly LinkPurpose[] = LINK_PURPOSES): LinkPurpose | undefined {
  const secrets = keyring.previous ? [keyring.current, keyring.previous] : [keyring.current];
  for (const secret of secrets) {
    const purpose = purposes.find((p) => verifyLinkMac(secret, token, p).ok);
    if (purpose) return purpose;
  }
  return undefined;
}
