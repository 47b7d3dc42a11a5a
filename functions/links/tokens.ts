import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Personal e-mail links (SPEC «Links in e-mails»): each is scoped to one meeting, one member and one
 * purpose, unguessable, expires with its deadline and can be revoked.
 *
 * A token is "<linkId><scope>.<mac>": linkId is 128 bits (22 characters; the key of the stored link
 * record, which holds meeting, member, purpose, expiry and revocation; it does not depend on the
 * secret). scope (links issued since the data model of issue 9) is the meeting, group and member the
 * link is for, base64url, so the page reads the link together with the meeting, the group and the
 * member in ONE BatchGetItem instead of reading the link first. mac is an HMAC-SHA256 over linkId,
 * scope and purpose with the link-signing secret, so a forged or altered token is refused before any
 * lookup (the scope is trusted only under the MAC, and checked against the stored link as well).
 * Tokens are signed with the keyring's current secret and accepted under the current or the previous
 * one, so rotating the secret kills no link. Tokens without a scope (issued before) still work.
 */
/** `protocol`: the signed protocol to download, sent with the distribution (п. 3.4). */
export type LinkPurpose = 'propose' | 'attendance' | 'ballot' | 'dissent' | 'sign' | 'approve' | 'protocol';

export const LINK_PURPOSES: readonly LinkPurpose[] = ['propose', 'attendance', 'ballot', 'dissent', 'sign', 'approve', 'protocol'];

const ID_BYTES = 16;
const MAC_BYTES = 16;
const TOKEN_PATTERN = /^([A-Za-z0-9_-]{22})([A-Za-z0-9_-]{0,400})\.([A-Za-z0-9_-]{22})$/;

/** Whom a link is for, carried in the token under its MAC. */
export interface LinkScope {
  meetingId: string;
  groupId: string;
  memberId: string;
}

/** The secrets links are checked against: the current one signs; the previous one still verifies. */
export interface LinkKeyring {
  current: string;
  previous?: string;
}

export function newLinkId(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

function encodeScope(scope: LinkScope): string {
  const parts = [scope.meetingId, scope.groupId, scope.memberId];
  if (parts.some((part) => !part || part.includes('\n'))) throw new Error('link scope: empty part or a line break');
  return Buffer.from(parts.join('\n'), 'utf8').toString('base64url');
}

function decodeScope(encoded: string): LinkScope | null | undefined {
  if (encoded === '') return null;
  const parts = Buffer.from(encoded, 'base64url').toString('utf8').split('\n');
  // Only a canonical encoding is accepted: one token per link, whatever the padding bits say.
  if (parts.length !== 3 || parts.some((part) => !part) || Buffer.from(parts.join('\n'), 'utf8').toString('base64url') !== encoded) return undefined;
  return { meetingId: parts[0]!, groupId: parts[1]!, memberId: parts[2]! };
}

function mac(secret: string, linkId: string, scope: string, purpose: LinkPurpose): string {
  const message = scope ? `kvorum-link:v2:${purpose}:${linkId}:${scope}` : `kvorum-link:v1:${purpose}:${linkId}`;
  return createHmac('sha256', secret).update(message).digest().subarray(0, MAC_BYTES).toString('base64url');
}

export function signLink(secret: string, linkId: string, purpose: LinkPurpose, scope?: LinkScope): string {
  if (secret.length < 16) throw new Error('link-signing secret is too short');
  const encoded = scope ? encodeScope(scope) : '';
  return `${linkId}${encoded}.${mac(secret, linkId, encoded, purpose)}`;
}

export type TokenCheck = { ok: true; linkId: string; scope: LinkScope | null } | { ok: false; reason: 'malformed' | 'forged' };

/** The token's parts, if it is well formed (scope null for a token without one); no MAC check, no storage access. */
export function parseToken(token: string): { linkId: string; scope: LinkScope | null; encodedScope: string; mac: string } | undefined {
  const m = TOKEN_PATTERN.exec(token);
  if (!m) return undefined;
  const scope = decodeScope(m[2]!);
  return scope === undefined ? undefined : { linkId: m[1]!, scope, encodedScope: m[2]!, mac: m[3]! };
}

type ParsedToken = NonNullable<ReturnType<typeof parseToken>>;

function macMatches(secret: string, parsed: ParsedToken, purpose: LinkPurpose): boolean {
  const expected = Buffer.from(mac(secret, parsed.linkId, parsed.encodedScope, purpose));
  const given = Buffer.from(parsed.mac);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function verifyLinkMac(secret: string, token: string, purpose: LinkPurpose): TokenCheck {
  const parsed = parseToken(token);
  if (!parsed) return { ok: false, reason: 'malformed' };
  if (!macMatches(secret, parsed, purpose)) return { ok: false, reason: 'forged' };
  return { ok: true, linkId: parsed.linkId, scope: parsed.scope };
}

/**
 * The token parsed once and checked for every purpose under the current or the previous secret: its
 * id, scope and the purpose it was signed for, or why it is refused.
 */
export function verifyWithKeyring(
  keyring: LinkKeyring,
  token: string,
  purposes: readonly LinkPurpose[] = LINK_PURPOSES,
): { ok: true; linkId: string; scope: LinkScope | null; purpose: LinkPurpose } | { ok: false; reason: 'malformed' | 'forged' } {
  const parsed = parseToken(token);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const secrets = keyring.previous ? [keyring.current, keyring.previous] : [keyring.current];
  for (const secret of secrets) {
    const purpose = purposes.find((p) => macMatches(secret, parsed, p));
    if (purpose) return { ok: true, linkId: parsed.linkId, scope: parsed.scope, purpose };
  }
  return { ok: false, reason: 'forged' };
}
