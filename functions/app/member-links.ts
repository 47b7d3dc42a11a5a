import { randomUUID } from 'node:crypto';
import type { Choice, Lang, Member } from '../domain/types.ts';
import { isValidEmail } from '../domain/roster.ts';
import { html } from '../lib/html.ts';
import * as mail from '../mail/messages.ts';
import {
  attendancePage,
  ballotPage,
  dissentPage,
  errorPage,
  factsTable,
  opinionFieldName,
  proposalPage,
  renderPage,
  successPage,
  t,
  voteFieldName,
  when,
  type BallotRefusal,
  type FieldErrors,
  type PageFacts,
  type ProposalValues,
} from '../pages/index.ts';
import { ConditionFailedError } from '../store/errors.ts';
import { memberTerms } from '../store/ballots.ts';
import type { MemberView } from '../store/store.ts';
import type { GroupHeader, LinkRecord, MeetingBundle, MeetingRecord, MemberBallot, ProposedItem } from '../store/records.ts';
import type { Deps } from './deps.ts';
import { recordAgendaApproval } from './steps/execution.ts';
import { checkLink, resolveLink, verifyToken, type LinkProblem, type ResolvedLink, type VerifiedToken } from './links.ts';
import { agendaView, meetingInfo, nowInstant, recipientOf, signingDeadlineOf } from './meeting-view.ts';
import { showSignedProtocol } from './signed-protocol-link.ts';
import { approvedItems, audit, badRequest, bundleOf, isCtx, late, past, sendReceipt, shortHash, text, type LinkCtx, type LinkResponse, type VoterCtx } from './member-links/link-context.ts';
import { dissent, protocolPdf, sign, signForm, withDissentLink } from './member-links/signing.ts';

export type { LinkResponse } from './member-links/link-context.ts';

/**
 * What a person can do from an e-mailed link (SPEC «Links in e-mails»): GET shows a page with the
 * facts and a button and never changes anything; only POST acts. Every answer is a page in the
 * person's language; bad links and late actions get a clear page, never a stack trace. The signing
 * and dissent pages live in member-links/signing.ts, what every action shares in member-links/link-context.ts.
 */

const PROBLEM_REASON: Record<LinkProblem, 'unknown' | 'revoked' | 'expired'> = {
  malformed: 'unknown',
  forged: 'unknown',
  unknown: 'unknown',
  revoked: 'revoked',
  expired: 'expired',
};

const problemPage = (resolved: Extract<ResolvedLink, { ok: false }>, acceptLang: Lang): LinkResponse =>
  errorPage({ lang: acceptLang, reason: PROBLEM_REASON[resolved.problem], ...(resolved.problem === 'expired' && resolved.link ? { deadline: resolved.link.expiresAt } : {}) });

/** The link of a token verified already, or the page that says why it does not work. */
async function linkOf(deps: Deps, verified: VerifiedToken, acceptLang: Lang): Promise<LinkRecord | LinkResponse> {
  const resolved = await resolveLink(deps, verified);
  return resolved.ok ? resolved.link : problemPage(resolved, acceptLang);
}

const isLink = (x: LinkRecord | LinkResponse): x is LinkRecord => 'memberId' in x;

const isVoterPurpose = (purpose: string) => purpose === 'attendance' || purpose === 'ballot';

/** Actions that read the member's view of the meeting (votes, answers and signatures): the hot paths of a meeting. */
const readsMemberView = (purpose: string) => isVoterPurpose(purpose) || purpose === 'sign';

type VerifiedOk = Extract<VerifiedToken, { ok: true }>;

async function context(deps: Deps, token: string, link: LinkRecord, acceptLang: Lang): Promise<LinkCtx | LinkResponse> {
  const meeting = await deps.store.getMeeting(link.meetingId);
  const group = meeting ? await deps.store.getGroup(meeting.groupId) : null;
  return checked(deps, token, link, meeting, group, group?.members.find((m) => m.id === link.memberId), acceptLang);
}

/**
 * The link with the member's view of the meeting (meeting, group header, member, ballot header, own
 * ballot). A token that carries its scope is read with them in ONE BatchGetItem; an older token reads
 * its link first (and, if the link predates links carrying their group, the meeting to find it).
 */
async function linkWithVoterContext(deps: Deps, token: string, verified: VerifiedOk, acceptLang: Lang): Promise<VoterCtx | LinkResponse> {
  if (!verified.scope) {
    const link = await linkOf(deps, verified, acceptLang);
    return isLink(link) ? voterContext(deps, token, link, acceptLang) : link;
  }
  const { meetingId, groupId, memberId } = verified.scope;
  const view = await deps.store.loadMemberView(meetingId, groupId, memberId, verified.linkId);
  const resolved = checkLink(deps, verified, view ? view.link : await deps.store.links.get(verified.linkId));
  if (!resolved.ok) return problemPage(resolved, acceptLang);
  return voterContextOf(deps, token, resolved.link, groupId, view, acceptLang);
}

async function voterContext(deps: Deps, token: string, link: LinkRecord, acceptLang: Lang): Promise<VoterCtx | LinkResponse> {
  // A link issued before links carried their group: the meeting is read first, to find it.
  const groupId = link.groupId ?? (await deps.store.getMeeting(link.meetingId))?.groupId;
  const view = groupId ? await deps.store.loadMemberView(link.meetingId, groupId, link.memberId) : null;
  return voterContextOf(deps, token, link, groupId, view, acceptLang);
}

function voterContextOf(deps: Deps, token: string, link: LinkRecord, groupId: string | undefined, view: MemberView | null, acceptLang: Lang): VoterCtx | LinkResponse {
  const ctx = checked(deps, token, link, view?.meeting.groupId === groupId ? view?.meeting : null, view?.group, view?.member, acceptLang);
  if (!isCtx(ctx)) return ctx;
  return { ...ctx, ballotHeader: view?.ballotHeader ?? null, mine: view?.ballot ?? null };
}

/** What every link page checks: the member is in the roster, the link is for the live meeting's revision. */
function checked<G extends GroupHeader>(
  deps: Deps,
  token: string,
  link: LinkRecord,
  meeting: MeetingRecord | null | undefined,
  group: G | null | undefined,
  member: Member | null | undefined,
  acceptLang: Lang,
): LinkCtx<G> | LinkResponse {
  if (!meeting || !group || !member) return errorPage({ lang: acceptLang, reason: 'unknown' });
  const lang = member.lang;
  // A link made for an older revision (the meeting moved) or a cancelled meeting acts no more.
  if (link.revision !== meeting.revision || meeting.phase === 'cancelled') return errorPage({ lang, reason: 'revoked' });
  const facts: PageFacts = {
    lang,
    groupName: group.name,
    meetingTitle: meeting.title,
    meetingStart: meeting.startsAt,
    timeZone: meeting.timeZone,
    ...(meeting.place ? { place: meeting.place } : {}),
    person: { name: member.name, role: member.role },
  };
  return { deps, link, group, meeting, member, lang, facts, action: `${deps.publicBaseUrl}/l/${token}` };
}

export async function showLink(deps: Deps, token: string, query: Record<string, string | undefined>, acceptLang: Lang): Promise<LinkResponse> {
  const verified = await verifyToken(deps, token);
  if (verified.ok && isVoterPurpose(verified.purpose)) {
    const voter = await linkWithVoterContext(deps, token, verified, acceptLang);
    if (!isCtx(voter)) return voter;
    return voter.link.purpose === 'ballot' ? ballotForm(voter) : attendanceForm(voter, await approvedAgenda(voter));
  }
  const link = await linkOf(deps, verified, acceptLang);
  if (!isLink(link)) return link;
  const ctx = await context(deps, token, link, acceptLang);
  if (!isCtx(ctx)) return ctx;
  const bundle = await bundleOf(ctx);
  switch (ctx.link.purpose) {
    case 'propose':
      return proposalPage({ facts: ctx.facts, action: ctx.action, deadline: ctx.meeting.deadlines.proposalsClose });
    case 'dissent':
      return dissentPage({ facts: ctx.facts, action: ctx.action, items: approvedItems(bundle), deadline: signingDeadlineOf(ctx.meeting) });
    case 'sign':
      if (query.format === 'pdf') return protocolPdf(ctx, bundle);
      return withDissentLink(ctx, bundle, await signForm(ctx, bundle));
    case 'approve':
      return approveForm(ctx, bundle);
    case 'protocol':
      return showSignedProtocol(ctx.deps, { lang: ctx.lang, facts: ctx.facts, action: ctx.action, groupName: ctx.group.name }, ctx.meeting, bundle.protocol, query.format);
    default:
      return errorPage({ lang: ctx.lang, reason: 'unknown' });
  }
}

export async function actOnLink(deps: Deps, token: string, form: Record<string, string>, acceptLang: Lang): Promise<LinkResponse> {
  const verified = await verifyToken(deps, token);
  if (verified.ok && readsMemberView(verified.purpose)) {
    // A vote, an answer or a signature: the link, the meeting, the group header and the member (and the
    // ballot) in ONE BatchGetItem, then the one conditional write of the action.
    const voter = await linkWithVoterContext(deps, token, verified, acceptLang);
    if (!isCtx(voter)) return voter;
    if (voter.link.purpose === 'ballot') return vote(voter, form);
    if (voter.link.purpose === 'attendance') return attendance(voter, form);
    return sign(voter, form, () => context(deps, token, voter.link, acceptLang));
  }
  const link = await linkOf(deps, verified, acceptLang);
  if (!isLink(link)) return link;
  const ctx = await context(deps, token, link, acceptLang);
  if (!isCtx(ctx)) return ctx;
  switch (ctx.link.purpose) {
    case 'propose':
      return propose(ctx, form);
    case 'dissent':
      return dissent(ctx, form);
    case 'approve':
      return approve(ctx);
    default:
      return errorPage({ lang: ctx.lang, reason: 'unknown' });
  }
}

// ------------------------------------------------------------------ propose (п. 2.5д, 2.6г)

async function propose(ctx: LinkCtx, form: Record<string, string>): Promise<LinkResponse> {
  const kind = form.kind;
  if (kind !== 'agenda-item' && kind !== 'invitation') return badRequest(ctx);
  const errors: FieldErrors = {};
  const values: ProposalValues = { kind };
  let body: string;
  let invitee: { name: string; position: string; organisation?: string; email: string; lang: Lang } | undefined;
  let item: ProposedItem | undefined;
  if (kind === 'agenda-item') {
    values.title = text(form, 'title', 500, errors, true);
    values.description = text(form, 'description', 5000, errors);
    values.decision = text(form, 'decision', 5000, errors);
    values.speaker = text(form, 'speaker', 200, errors);
    body = [values.title, values.description, values.decision ? `Проект решения: ${values.decision}` : '', values.speaker ? `Докладчик: ${values.speaker}` : ''].filter(Boolean).join('\n\n');
    item = {
      title: values.title ?? '',
      ...(values.description ? { description: values.description } : {}),
      ...(values.decision ? { decision: values.decision } : {}),
      ...(values.speaker ? { speaker: values.speaker } : {}),
    };
  } else {
    values.inviteeName = text(form, 'inviteeName', 200, errors, true);
    values.inviteePosition = text(form, 'inviteePosition', 300, errors, true);
    values.inviteeOrganisation = text(form, 'inviteeOrganisation', 300, errors);
    values.inviteeEmail = text(form, 'inviteeEmail', 254, errors, true);
    values.reason = text(form, 'reason', 2000, errors);
    if (values.inviteeEmail && !errors.inviteeEmail && !isValidEmail(values.inviteeEmail)) errors.inviteeEmail = { code: 'invalid-email' };
    body = values.reason ?? '';
    invitee = {
      name: values.inviteeName ?? '',
      position: values.inviteePosition ?? '',
      ...(values.inviteeOrganisation ? { organisation: values.inviteeOrganisation } : {}),
      email: values.inviteeEmail ?? '',
      lang: 'ru',
    };
  }
  if (Object.keys(errors).length > 0) {
    return proposalPage({ facts: ctx.facts, action: ctx.action, deadline: ctx.meeting.deadlines.proposalsClose, values, errors });
  }
  if (past(ctx, ctx.meeting.deadlines.proposalsClose)) return late(ctx, 'proposal', ctx.meeting.deadlines.proposalsClose, body);
  const proposal = await ctx.deps.store.addProposal(ctx.meeting.id, {
    id: randomUUID(),
    kind,
    authorId: ctx.member.id,
    text: body,
    ...(item ? { item } : {}),
    ...(invitee ? { invitee } : {}),
  });
  await audit(ctx, 'proposal', { proposalId: proposal.id, kind });
  return successPage({
    facts: ctx.facts,
    kind: kind === 'agenda-item' ? 'proposal' : 'invitation',
    recordedAt: proposal.createdAt,
    recorded: kind === 'agenda-item' ? [[t(ctx.lang, 'Вопрос', 'Item'), values.title ?? '']] : [[t(ctx.lang, 'Пригласить', 'Invite'), `${values.inviteeName}, ${values.inviteePosition}`]],
  });
}

// ------------------------------------------------------------------ attendance and written opinions (п. 2.7)

/** The approved agenda items, for the opinion fields (a Query of the agenda items only). */
async function approvedAgenda(ctx: VoterCtx): Promise<{ id: string; title: string }[]> {
  return (await ctx.deps.store.listAgenda(ctx.meeting.id, ctx.meeting)).filter((i) => i.approved).map((i) => ({ id: i.id, title: i.title }));
}

function attendanceForm(ctx: VoterCtx, agenda: { id: string; title: string }[], extra: { values?: { opinions?: Record<string, string> }; errors?: FieldErrors } = {}): LinkResponse {
  const mark = ctx.mine?.attendance;
  const current = mark ? (mark.status === 'absent' ? 'absent' : 'present') : null;
  const mine: Record<string, string> = {};
  for (const o of Object.values(ctx.mine?.opinions ?? {})) mine[o.itemId] = o.text;
  return attendancePage({
    facts: ctx.facts,
    action: ctx.action,
    agenda,
    opinionsDeadline: ctx.meeting.deadlines.opinions,
    opinionsOpen: !past(ctx, ctx.meeting.deadlines.opinions),
    current,
    values: extra.values ?? { opinions: mine },
    ...(extra.errors ? { errors: extra.errors } : {}),
  });
}

/** The answer and its written opinions are ONE conditional write on the member's item: all or nothing. */
async function attendance(ctx: VoterCtx, form: Record<string, string>): Promise<LinkResponse> {
  const answer = form.attendance;
  if (answer !== 'present' && answer !== 'absent') return badRequest(ctx);
  const items = await approvedAgenda(ctx);
  const errors: FieldErrors = {};
  const opinions: Record<string, string> = {};
  if (answer === 'absent') {
    for (const item of items) {
      const value = text(form, opinionFieldName(item.id), 10000, errors);
      if (value) opinions[item.id] = value;
    }
  }
  const known = new Set([...items.map((i) => opinionFieldName(i.id)), 'attendance']);
  if (Object.keys(form).some((k) => !known.has(k))) return badRequest(ctx);
  if (Object.keys(errors).length > 0) return attendanceForm(ctx, items, { values: { opinions }, errors });
  const entries = Object.entries(opinions);
  const refusedText = entries.map(([, v]) => v).join('\n\n');
  // п. 2.7: opinions after the end of the day before the meeting day are refused, and nothing changes.
  if (entries.length > 0 && past(ctx, ctx.meeting.deadlines.opinions)) return late(ctx, 'opinion', ctx.meeting.deadlines.opinions, refusedText);
  const status = answer === 'present' ? 'will-attend' : 'absent';
  try {
    await ctx.deps.store.ballots.setAttendance(ctx.meeting.id, ctx.member.id, { status, by: ctx.member.id, opinions }, memberTerms(ctx.meeting), ctx.mine);
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    if (error.reason === 'voting-closed') return errorPage({ lang: ctx.lang, reason: 'voting-closed', facts: ctx.facts, deadline: ctx.meeting.deadlines.voteCloses });
    if (error.reason === 'deadline-passed') return late(ctx, 'opinion', ctx.meeting.deadlines.opinions, refusedText);
    if (error.reason === 'too-large') {
      for (const [itemId] of entries) errors[opinionFieldName(itemId)] = { code: 'too-long' };
      return attendanceForm(ctx, items, { values: { opinions }, errors });
    }
    if (error.reason === 'stale') return errorPage({ lang: ctx.lang, reason: 'revoked', facts: ctx.facts });
    throw error;
  }
  const accepted = entries.map(([itemId, value]) => ({ itemTitle: items.find((i) => i.id === itemId)?.title ?? itemId, text: value }));
  await audit(ctx, status, { opinions: accepted.length });
  const now = nowInstant(ctx.deps);
  if (accepted.length > 0) {
    const message = mail.opinionReceipt({
      recipient: recipientOf(ctx.member),
      meeting: meetingInfo(ctx.group, ctx.meeting),
      receivedAt: now,
      opinions: accepted,
      opinionsDeadline: ctx.meeting.deadlines.opinions,
    });
    await sendReceipt(ctx, `opinion-receipt:${shortHash(accepted)}`, message);
  }
  return successPage({
    facts: ctx.facts,
    kind: answer === 'present' ? 'attendance-present' : 'attendance-absent',
    recordedAt: now,
    recorded: accepted.map((o) => [o.itemTitle, o.text] as [string, string]),
  });
}

// ------------------------------------------------------------------ ballot (п. 2.6б, 3.2)

function ballotForm(ctx: VoterCtx, extra: { values?: Record<string, string | undefined>; errors?: FieldErrors } = {}): LinkResponse {
  const header = ctx.ballotHeader;
  if (header?.closedAt || past(ctx, ctx.meeting.deadlines.voteCloses)) {
    return errorPage({ lang: ctx.lang, reason: 'voting-closed', facts: ctx.facts, deadline: header?.closedAt ?? ctx.meeting.deadlines.voteCloses });
  }
  const items = header?.items ?? [];
  const current: Record<string, Choice | undefined> = {};
  for (const item of items) current[item.id] = ctx.mine?.votes?.[item.id]?.choice;
  return ballotPage({ facts: ctx.facts, action: ctx.action, items, current, voteCloses: ctx.meeting.deadlines.voteCloses, ...extra });
}

const CHOICES = new Set<string>(['for', 'against', 'abstain']);

/** Store refusals of a ballot, as the page tells them; every one of them stored nothing. */
const REFUSALS: Record<string, BallotRefusal> = {
  'voting-closed': 'voting-closed',
  'voting-not-open': 'voting-closed',
  'not-a-voter': 'not-a-voter',
  'too-large': 'too-large',
  conflict: 'conflict',
  stale: 'conflict',
};

function notStored(ctx: VoterCtx, refusal: BallotRefusal): LinkResponse {
  return errorPage({ lang: ctx.lang, reason: 'ballot-not-stored', ballotRefusal: refusal, facts: ctx.facts, ...(refusal === 'voting-closed' ? { deadline: ctx.meeting.deadlines.voteCloses } : {}) });
}

/**
 * The whole ballot is ONE conditional write on the member's own item (ballots.ts castBallot), after
 * the link read and the one batch read of the context: the page says "recorded" and shows the ballot
 * as stored only when that write succeeded (or nothing needed writing), and says that nothing was
 * stored when it was refused. The item's history is the record of every change (no audit entry).
 */
async function vote(ctx: VoterCtx, form: Record<string, string>): Promise<LinkResponse> {
  const header = ctx.ballotHeader;
  if (!header?.openedAt || header.closedAt || past(ctx, ctx.meeting.deadlines.voteCloses)) return notStored(ctx, 'voting-closed');
  const fields = new Map(header.items.map((item) => [voteFieldName(item.id), item.id] as const));
  if (Object.keys(form).some((k) => !fields.has(k))) return badRequest(ctx);
  const errors: FieldErrors = {};
  const choices: Record<string, Choice> = {};
  for (const [field, itemId] of fields) {
    const value = form[field];
    if (value === undefined || value === '') continue;
    if (!CHOICES.has(value)) errors[field] = { code: 'invalid-choice' };
    else choices[itemId] = value as Choice;
  }
  if (Object.keys(choices).length === 0 && Object.keys(errors).length === 0) for (const field of fields.keys()) errors[field] = { code: 'required' };
  if (Object.keys(errors).length > 0) {
    const values: Record<string, string | undefined> = {};
    for (const [field, itemId] of fields) values[itemId] = form[field];
    return ballotForm(ctx, { values, errors });
  }
  let stored: MemberBallot;
  try {
    ({ ballot: stored } = await ctx.deps.store.ballots.castBallot(ctx.meeting.id, ctx.member.id, choices, { revision: ctx.meeting.revision }, { header, ballot: ctx.mine }));
  } catch (error) {
    const refusal = error instanceof ConditionFailedError ? REFUSALS[error.reason] : undefined;
    if (refusal) return notStored(ctx, refusal);
    throw error;
  }
  const votes = header.items.flatMap((item) => {
    const cast = stored.votes?.[item.id];
    return cast ? [{ itemTitle: item.title, choice: cast.choice, at: cast.at }] : [];
  });
  const recordedAt = votes.reduce((latest, v) => (v.at > latest ? v.at : latest), '');
  if (ctx.group.settings.voteReceipts) {
    const message = mail.voteReceipt({
      recipient: recipientOf(ctx.member),
      meeting: meetingInfo(ctx.group, ctx.meeting),
      recordedAt,
      votes: votes.map(({ itemTitle, choice }) => ({ itemTitle, choice })),
      voteCloses: ctx.meeting.deadlines.voteCloses,
      ballotUrl: ctx.action,
    });
    const purpose = `vote-receipt:${shortHash(votes.map((v) => [v.itemTitle, v.choice]))}`;
    await sendReceipt(ctx, purpose, message);
  }
  const words: Record<Choice, string> = { for: t(ctx.lang, 'за', 'for'), against: t(ctx.lang, 'против', 'against'), abstain: t(ctx.lang, 'воздержался', 'abstain') };
  return successPage({
    facts: ctx.facts,
    kind: 'vote',
    recordedAt,
    recorded: votes.map((v) => [v.itemTitle, words[v.choice]] as [string, string]),
    note: t(ctx.lang, `Голос можно изменить до ${when(ctx.meeting.deadlines.voteCloses, ctx.meeting.timeZone, 'ru')}.`, `You can change your vote until ${when(ctx.meeting.deadlines.voteCloses, ctx.meeting.timeZone, 'en')}.`),
  });
}

// ------------------------------------------------------------------ approve the agenda (п. 2.3в)

function approveForm(ctx: LinkCtx, bundle: MeetingBundle): LinkResponse {
  const lang = ctx.lang;
  if (ctx.meeting.agendaApprovedAt) {
    return errorPage({ lang, reason: 'used', facts: ctx.facts, usedAt: ctx.meeting.agendaApprovedAt });
  }
  if (past(ctx, ctx.meeting.deadlines.agendaApproval)) return late(ctx, 'attendance', ctx.meeting.deadlines.agendaApproval);
  const agenda = agendaView(ctx.group, bundle.agenda);
  const pending = bundle.proposals.filter((p) => p.status === 'pending');
  const body = html`${factsTable(ctx.facts, [[t(lang, 'Утвердить до', 'Approve by'), when(ctx.meeting.deadlines.agendaApproval, ctx.meeting.timeZone, lang)]])}
<h2>${t(lang, 'Повестка дня', 'Agenda')}</h2>
${agenda.length ? html`<ol>${agenda.map((i) => html`<li>${i.title}${i.speakers?.length ? html` — ${i.speakers.join(', ')}` : ''}</li>`)}</ol>` : html`<p>${t(lang, 'Повестка пуста.', 'The agenda is empty.')}</p>`}
${pending.length ? html`<p class="note">${t(lang, `Нерассмотренных предложений: ${pending.length}. Секретарь может включить их в повестку до утверждения.`, `Undecided proposals: ${pending.length}. The secretary can add them before approval.`)}</p>` : ''}
<form method="post" action="${ctx.action}"><button type="submit">${t(lang, 'Утвердить повестку дня', 'Approve the agenda')}</button></form>`;
  return { status: 200, html: renderPage({ lang, title: t(lang, 'Утверждение повестки дня', 'Approving the agenda'), groupName: ctx.group.name, body, personal: true }) };
}


async function approve(ctx: LinkCtx): Promise<LinkResponse> {
  if (ctx.meeting.agendaApprovedAt) return errorPage({ lang: ctx.lang, reason: 'used', facts: ctx.facts, usedAt: ctx.meeting.agendaApprovedAt });
  if (past(ctx, ctx.meeting.deadlines.agendaApproval)) return late(ctx, 'attendance', ctx.meeting.deadlines.agendaApproval);
  const agenda = await ctx.deps.store.listAgenda(ctx.meeting.id, ctx.meeting);
  let updated: MeetingRecord;
  try {
    ({ meeting: updated } = await recordAgendaApproval(ctx.deps, ctx.meeting, agenda.map((i) => i.id), ctx.member.id));
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    const now = await ctx.deps.store.getMeeting(ctx.meeting.id);
    if (error.reason === 'already-approved' && now?.agendaApprovedAt) return errorPage({ lang: ctx.lang, reason: 'used', facts: ctx.facts, usedAt: now.agendaApprovedAt });
    // Moved meanwhile (this link is for the old date), or past the agenda stage: the approval acts no more.
    return errorPage({ lang: ctx.lang, reason: 'revoked', facts: ctx.facts });
  }
  const lang = ctx.lang;
  const body = html`<p class="success" role="status">${t(lang, 'Повестка дня утверждена', 'The agenda is approved')}: ${when(updated.agendaApprovedAt ?? nowInstant(ctx.deps), ctx.meeting.timeZone, lang)}.</p>${factsTable(ctx.facts)}`;
  return { status: 200, html: renderPage({ lang, title: t(lang, 'Повестка дня утверждена', 'The agenda is approved'), groupName: ctx.group.name, body }) };
}
