import { createHash } from 'node:crypto';
import pMap from 'p-map';
import type { Instant } from '../domain/types.ts';
import { signLink, verifyWithKeyring, type LinkPurpose, type LinkScope } from '../links/tokens.ts';
import type { LinkRecord } from '../store/records.ts';
import { ConditionFailedError } from '../store/errors.ts';
import type { Deps } from './deps.ts';
import { linkKeyringOf } from './link-secret.ts';

export interface LinkRequest {
  meetingId: string;
  /** Stored on the link so its page reads the meeting, group and member in one batch (LinkRecord). */
  groupId?: string;
  memberId: string;
  purpose: LinkPurpose;
  expiresAt: Instant;
  revision: number;
}

/**
 * Personal links (SPEC «Links in e-mails»). The link id is derived from (meeting, member, purpose,
 * revision, generation): a retried task issues the very same link instead of a second one, also after
 * the secret was rotated; knowing an id opens nothing, a token needs its MAC. After a revocation the
 * next generation is issued.
 */
export async function issueLink(deps: Deps, link: LinkRequest): Promise<string> {
  return (await issueLinks(deps, [link]))[0]!;
}

/**
 * The links of many recipients at once (a fan-out chunk), in the order asked: the derived ids are read
 * with one batch, and only the missing ones are written — a re-run reuses every stored link without a
 * failed conditional write. A revoked link stays revoked; the next generation is a new link (or, with
 * `keepRevoked`, none: the request gets no URL).
 */
export async function issueLinks(deps: Deps, requests: readonly LinkRequest[], options: { keepRevoked?: boolean } = {}): Promise<string[]> {
  const secret = (await linkKeyringOf(deps)).current;
  const urls: string[] = new Array<string>(requests.length);
  // Requests for the same link (same member and purpose) share one id: one read, at most one write.
  let pending = [...groupBy(requests.map((request, index) => ({ request, index })), ({ request }) => linkId(request, 0)).entries()].map(
    ([id, asked]) => ({ id, generation: 0, request: asked[0]!.request, indexes: asked.map((a) => a.index) }),
  );
  const issued = (p: (typeof pending)[number]) => {
    for (const index of p.indexes) urls[index] = `${deps.publicBaseUrl}/l/${signLink(secret, p.id, p.request.purpose, scopeOf(p.request))}`;
  };
  while (pending.length > 0) {
    const stored = await deps.store.links.getMany(pending.map((p) => p.id));
    const revoked: typeof pending = [];
    const missing: typeof pending = [];
    for (const p of pending) {
      const link = stored.get(p.id);
      // keepRevoked: a link the secretary revoked is not issued anew (a reissue she made stands).
      if (!link) {
        if (!(options.keepRevoked && p.generation > 0)) missing.push(p);
      } else if (link.revokedAt) revoked.push(p);
      else issued(p);
    }
    await pMap(
      missing,
      async (p) => {
        try {
          await deps.store.links.put({ id: p.id, ...p.request });
          issued(p);
        } catch (error) {
          // Written by someone else since the read (a concurrent run): theirs stands, unless revoked.
          if (!(error instanceof ConditionFailedError && error.reason === 'exists')) throw error;
          if ((await deps.store.links.get(p.id))?.revokedAt) revoked.push(p);
          else issued(p);
        }
      },
      { concurrency: 8 },
    );
    pending = revoked.map((p) => {
      const generation = p.generation + 1;
      if (generation >= MAX_GENERATIONS) throw new Error(`Too many revoked ${p.request.purpose} links for ${p.request.memberId} in meeting ${p.request.meetingId}`);
      return { ...p, generation, id: linkId(p.request, generation) };
    });
  }
  return urls;
}

/**
 * The link already issued for a request, read only (a GET never writes): the newest generation that is
 * not revoked, or undefined when none was issued or the last one was revoked.
 */
export async function findIssuedLink(deps: Deps, request: LinkRequest): Promise<string | undefined> {
  const secret = (await linkKeyringOf(deps)).current;
  for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
    const id = linkId(request, generation);
    const link = await deps.store.links.get(id);
    if (!link) return undefined;
    if (!link.revokedAt) return `${deps.publicBaseUrl}/l/${signLink(secret, id, request.purpose, scopeOf(request))}`;
  }
  return undefined;
}

/** One purpose's links for a chunk of members (a fan-out's `prepare`), by member id. */
export async function linksByMember(deps: Deps, memberIds: readonly string[], link: Omit<LinkRequest, 'memberId'>): Promise<Map<string, string>> {
  const urls = await issueLinks(deps, memberIds.map((memberId) => ({ ...link, memberId })));
  return new Map(memberIds.map((id, i) => [id, urls[i]!]));
}

const MAX_GENERATIONS = 20;

/**
 * A link's id, derived from what it is for (meeting, member, purpose, revision) and its generation, and
 * not from the secret: a step re-run after a rotation finds the links it issued before.
 */
function linkId(link: LinkRequest, generation: number): string {
  return createHash('sha256')
    .update(`kvorum-link-id:v2:${link.meetingId}:${link.memberId}:${link.purpose}:${link.revision}${generation ? `:g${generation}` : ''}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

export type LinkProblem = 'malformed' | 'forged' | 'unknown' | 'revoked' | 'expired';

export type ResolvedLink = { ok: true; link: LinkRecord & { purpose: LinkPurpose } } | { ok: false; problem: LinkProblem; link?: LinkRecord };

/** The token carries whom the link is for when the request names the group (every link issued now). */
function scopeOf(request: LinkRequest): LinkScope | undefined {
  return request.groupId ? { meetingId: request.meetingId, groupId: request.groupId, memberId: request.memberId } : undefined;
}

export type VerifiedToken = { ok: true; linkId: string; purpose: LinkPurpose; scope: LinkScope | null } | { ok: false; problem: 'malformed' | 'forged' };

/** Shape and MAC, under the current or the previous secret: no database read. */
export async function verifyToken(deps: Deps, token: string): Promise<VerifiedToken> {
  const verified = verifyWithKeyring(await linkKeyringOf(deps), token);
  return verified.ok ? verified : { ok: false, problem: verified.reason };
}

/**
 * Whether the stored link (read alone, or in one batch with the page's data) opens the page: it exists
 * for the token's purpose and scope, is not revoked and has not expired (by the shared clock).
 */
export function checkLink(deps: Deps, token: Extract<VerifiedToken, { ok: true }>, link: LinkRecord | null | undefined): ResolvedLink {
  if (!link || link.purpose !== token.purpose) return { ok: false, problem: 'unknown' };
  const { scope } = token;
  if (scope && (link.meetingId !== scope.meetingId || link.memberId !== scope.memberId || (link.groupId !== undefined && link.groupId !== scope.groupId))) return { ok: false, problem: 'unknown' };
  if (link.revokedAt) return { ok: false, problem: 'revoked', link };
  if (Date.parse(link.expiresAt) < deps.clock.now().getTime()) return { ok: false, problem: 'expired', link };
  return { ok: true, link: link as LinkRecord & { purpose: LinkPurpose } };
}

/**
 * Checks shape, MAC, existence, revocation and expiry (by the shared clock); a token verified already
 * is not verified again. Never throws for bad tokens.
 */
export async function resolveLink(deps: Deps, token: string | VerifiedToken): Promise<ResolvedLink> {
  // The MAC is checked before any lookup: a forged token costs no database read.
  const verified = typeof token === 'string' ? await verifyToken(deps, token) : token;
  if (!verified.ok) return verified;
  return checkLink(deps, verified, await deps.store.links.get(verified.linkId));
}
