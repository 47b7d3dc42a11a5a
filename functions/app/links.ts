import { createHmac } from 'node:crypto';
import type { Instant } from '../domain/types.ts';
import { signLink, verifyLinkMac, parseToken, LINK_PURPOSES, type LinkPurpose } from '../links/tokens.ts';
import type { LinkRecord } from '../store/records.ts';
import { ConditionFailedError } from '../store/errors.ts';
import type { Deps } from './deps.ts';

/**
 * Personal links (SPEC «Links in e-mails»). The link id is derived from the secret and
 * (meeting, member, purpose, revision, generation): a retried task issues the very same link instead
 * of a second one, while nobody without the secret can compute it; after a revocation the next
 * generation is issued.
 */
export async function issueLink(
  deps: Deps,
  link: { meetingId: string; memberId: string; purpose: LinkPurpose; expiresAt: Instant; revision: number },
): Promise<string> {
  const secret = await deps.linkSecret();
  // A revoked link stays revoked; the next generation is a new link for the same purpose.
  for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
    const id = createHmac('sha256', secret)
      .update(`kvorum-link-id:v1:${link.meetingId}:${link.memberId}:${link.purpose}:${link.revision}${generation ? `:g${generation}` : ''}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
    try {
      await deps.store.putLink({ id, ...link });
    } catch (error) {
      // A retried task issues the same link again: the stored one stands, unless it was revoked.
      if (!(error instanceof ConditionFailedError && error.reason === 'exists')) throw error;
      if ((await deps.store.getLink(id))?.revokedAt) continue;
    }
    return `${deps.publicBaseUrl}/l/${signLink(secret, id, link.purpose)}`;
  }
  throw new Error(`Too many revoked ${link.purpose} links for ${link.memberId} in meeting ${link.meetingId}`);
}

const MAX_GENERATIONS = 20;

export type LinkProblem = 'malformed' | 'forged' | 'unknown' | 'revoked' | 'expired';

export type ResolvedLink = { ok: true; link: LinkRecord & { purpose: LinkPurpose } } | { ok: false; problem: LinkProblem; link?: LinkRecord };

/** Checks shape, MAC, existence, revocation and expiry (by the shared clock). Never throws for bad tokens. */
export async function resolveLink(deps: Deps, token: string): Promise<ResolvedLink> {
  const parsed = parseToken(token);
  if (!parsed) return { ok: false, problem: 'malformed' };
  // The MAC is checked before any lookup: a forged token costs no database read.
  const secret = await deps.linkSecret();
  const purpose = LINK_PURPOSES.find((p) => verifyLinkMac(secret, token, p).ok);
  if (!purpose) return { ok: false, problem: 'forged' };
  const link = await deps.store.getLink(parsed.linkId);
  if (!link || link.purpose !== purpose) return { ok: false, problem: 'unknown' };
  if (link.revokedAt) return { ok: false, problem: 'revoked', link };
  if (Date.parse(link.expiresAt) < deps.clock.now().getTime()) return { ok: false, problem: 'expired', link };
  return { ok: true, link: link as LinkRecord & { purpose: LinkPurpose } };
}
