import { createHash } from 'node:crypto';
import type { Instant, Lang, Member } from '../../domain/types.ts';
import {
  errorPage,
  type ActionKind,
  type FieldErrors,
  type PageFacts,
  type PageResult,
} from '../../pages/index.ts';
import type { BallotHeader, GroupHeader, GroupRecord, LinkRecord, MeetingBundle, MeetingRecord, MemberBallot } from '../../store/records.ts';
import type { Deps } from '../deps.ts';

/**
 * What every member-link action shares: the context a resolved link gives (the person, the meeting,
 * the page facts) and the small helpers of the pages (late, bad request, audit, form text, receipts).
 */
export type LinkResponse = PageResult & { contentType?: string; body?: Buffer; filename?: string };

export interface LinkCtx<G extends GroupHeader = GroupRecord> {
  deps: Deps;
  link: LinkRecord;
  group: G;
  meeting: MeetingRecord;
  member: Member;
  lang: Lang;
  facts: PageFacts;
  action: string;
}

/**
 * A ballot or attendance page: the meeting, the group header, the member and the member's own ballot
 * item, read in ONE BatchGetItem (store.loadMemberView) — no partition is queried.
 */
export interface VoterCtx extends LinkCtx<GroupHeader> {
  ballotHeader: BallotHeader | null;
  mine: MemberBallot | null;
}


export async function bundleOf(ctx: LinkCtx): Promise<MeetingBundle> {
  const bundle = await ctx.deps.store.loadMeetingBundle(ctx.meeting.id);
  if (!bundle) throw new Error(`meeting ${ctx.meeting.id} vanished`);
  return bundle;
}

export const approvedItems = (bundle: MeetingBundle) => bundle.agenda.filter((i) => i.approved).map((i) => ({ id: i.id, title: i.title }));

export const past = (ctx: LinkCtx<GroupHeader>, deadline: Instant) => ctx.deps.clock.now().getTime() > Date.parse(deadline);

export function late(ctx: LinkCtx<GroupHeader>, action: ActionKind, deadline: Instant, refusedText?: string): LinkResponse {
  return errorPage({ lang: ctx.lang, reason: 'deadline-passed', facts: ctx.facts, deadline, action, ...(refusedText ? { refusedText } : {}) });
}

export function badRequest(ctx: LinkCtx<GroupHeader>): LinkResponse {
  return errorPage({ lang: ctx.lang, reason: 'bad-request', facts: ctx.facts });
}

export async function audit(ctx: LinkCtx<GroupHeader>, action: string, detail: Record<string, unknown> = {}) {
  await ctx.deps.store.appendAudit(ctx.meeting.id, { actor: ctx.member.id, action, detail: { ...detail, linkId: ctx.link.id } });
}

/** Field text: trimmed, with a maximum length; errors collected per field. */
export function text(form: Record<string, string>, name: string, max: number, errors: FieldErrors, required = false): string | undefined {
  const value = (form[name] ?? '').replace(/\r\n/g, '\n').trim();
  if (!value) {
    if (required) errors[name] = { code: 'required' };
    return undefined;
  }
  if (value.length > max) {
    errors[name] = { code: 'too-long', max };
    return value;
  }
  return value;
}

export const shortHash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

/**
 * A receipt e-mail after what it confirms was stored: the page the member sees is the receipt, so an
 * SES outage (or an outcome not yet known) is logged and never turns a stored answer into an error page.
 */
export async function sendReceipt(ctx: Pick<LinkCtx, 'deps' | 'meeting' | 'member'>, purpose: string, message: Parameters<Deps['mailer']['send']>[1]): Promise<void> {
  try {
    await ctx.deps.mailer.send({ meetingId: ctx.meeting.id, purpose, recipient: ctx.member.id, revision: ctx.meeting.revision }, message, ctx.member.email);
  } catch (error) {
    console.error(JSON.stringify({ level: 'WARN', message: 'receipt e-mail not sent', purpose, meetingId: ctx.meeting.id, error: String(error) }));
  }
}

/** A resolved context rather than the page that says why the link does not work. */
export const isCtx = <C extends LinkCtx<GroupHeader>>(x: C | LinkResponse): x is C => 'deps' in x;
