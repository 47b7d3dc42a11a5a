import { createHash, randomUUID } from 'node:crypto';
import type { Choice, Instant, Lang, Member } from '../domain/types.ts';
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
  signPage,
  successPage,
  t,
  voteFieldName,
  when,
  type ActionKind,
  type FieldErrors,
  type PageFacts,
  type PageResult,
  type ProposalValues,
} from '../pages/index.ts';
import { renderProtocolArticle } from '../protocol/html.ts';
import { renderProtocolPdf } from '../protocol/pdf.ts';
import { ConditionFailedError } from '../store/errors.ts';
import type { GroupRecord, LinkRecord, MeetingBundle, MeetingRecord } from '../store/records.ts';
import type { Deps } from './deps.ts';
import { completePhase, recordAgendaApproval } from './steps/execution.ts';
import { draftProtocol, sendSigningLinks } from './steps/signatures.ts';
import { issueLink, resolveLink, type LinkProblem } from './links.ts';
import { agendaView, meetingInfo, nowInstant, recipientOf, signingDeadlineOf } from './meeting-view.ts';
import { buildProtocolModel, missingSigners, participantsOf, signersOf } from './protocol-draft.ts';

/**
 * What a person can do from an e-mailed link (SPEC «Links in e-mails»): GET shows a page with the
 * facts and a button and never changes anything; only POST acts. Every answer is a page in the
 * person's language; bad links and late actions get a clear page, never a stack trace.
 */
export type LinkResponse = PageResult & { contentType?: string; body?: Buffer; filename?: string };

interface LinkCtx {
  deps: Deps;
  link: LinkRecord;
  group: GroupRecord;
  meeting: MeetingRecord;
  member: Member;
  lang: Lang;
  facts: PageFacts;
  action: string;
}

const PROBLEM_REASON: Record<LinkProblem, 'unknown' | 'revoked' | 'expired'> = {
  malformed: 'unknown',
  forged: 'unknown',
  unknown: 'unknown',
  revoked: 'revoked',
  expired: 'expired',
};

async function context(deps: Deps, token: string, acceptLang: Lang): Promise<LinkCtx | LinkResponse> {
  const resolved = await resolveLink(deps, token);
  if (!resolved.ok) {
    return errorPage({ lang: acceptLang, reason: PROBLEM_REASON[resolved.problem], ...(resolved.problem === 'expired' && resolved.link ? { deadline: resolved.link.expiresAt } : {}) });
  }
  const { link } = resolved;
  const meeting = await deps.store.getMeeting(link.meetingId);
  const group = meeting ? await deps.store.getGroup(meeting.groupId) : null;
  const member = group?.members.find((m) => m.id === link.memberId);
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

const isCtx = (x: LinkCtx | LinkResponse): x is LinkCtx => 'deps' in x;

export async function showLink(deps: Deps, token: string, query: Record<string, string | undefined>, acceptLang: Lang): Promise<LinkResponse> {
  const ctx = await context(deps, token, acceptLang);
  if (!isCtx(ctx)) return ctx;
  const bundle = await bundleOf(ctx);
  switch (ctx.link.purpose) {
    case 'propose':
      return proposalPage({ facts: ctx.facts, action: ctx.action, deadline: ctx.meeting.deadlines.proposalsClose });
    case 'attendance':
      return attendanceForm(ctx, bundle);
    case 'ballot':
      return ballotForm(ctx, bundle);
    case 'dissent':
      return dissentPage({ facts: ctx.facts, action: ctx.action, items: approvedItems(bundle), deadline: signingDeadlineOf(ctx.meeting) });
    case 'sign':
      if (query.format === 'pdf') return protocolPdf(ctx, bundle);
      return withDissentLink(ctx, bundle, signForm(ctx, bundle));
    case 'approve':
      return approveForm(ctx, bundle);
    default:
      return errorPage({ lang: ctx.lang, reason: 'unknown' });
  }
}

export async function actOnLink(deps: Deps, token: string, form: Record<string, string>, acceptLang: Lang): Promise<LinkResponse> {
  const ctx = await context(deps, token, acceptLang);
  if (!isCtx(ctx)) return ctx;
  switch (ctx.link.purpose) {
    case 'propose':
      return propose(ctx, form);
    case 'attendance':
      return attendance(ctx, form);
    case 'ballot':
      return vote(ctx, form);
    case 'dissent':
      return dissent(ctx, form);
    case 'sign':
      return sign(ctx, form);
    case 'approve':
      return approve(ctx);
    default:
      return errorPage({ lang: ctx.lang, reason: 'unknown' });
  }
}

// ------------------------------------------------------------------ helpers

async function bundleOf(ctx: LinkCtx): Promise<MeetingBundle> {
  const bundle = await ctx.deps.store.loadMeetingBundle(ctx.meeting.id);
  if (!bundle) throw new Error(`meeting ${ctx.meeting.id} vanished`);
  return bundle;
}

const approvedItems = (bundle: MeetingBundle) => bundle.agenda.filter((i) => i.approved).map((i) => ({ id: i.id, title: i.title }));

const past = (ctx: LinkCtx, deadline: Instant) => ctx.deps.clock.now().getTime() > Date.parse(deadline);

function late(ctx: LinkCtx, action: ActionKind, deadline: Instant, refusedText?: string): LinkResponse {
  return errorPage({ lang: ctx.lang, reason: 'deadline-passed', facts: ctx.facts, deadline, action, ...(refusedText ? { refusedText } : {}) });
}

function badRequest(ctx: LinkCtx): LinkResponse {
  return errorPage({ lang: ctx.lang, reason: 'bad-request', facts: ctx.facts });
}

async function audit(ctx: LinkCtx, action: string, detail: Record<string, unknown> = {}) {
  await ctx.deps.store.appendAudit(ctx.meeting.id, { actor: ctx.member.id, action, detail: { ...detail, linkId: ctx.link.id } });
}

/** Field text: trimmed, with a maximum length; errors collected per field. */
function text(form: Record<string, string>, name: string, max: number, errors: FieldErrors, required = false): string | undefined {
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

const shortHash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

// ------------------------------------------------------------------ propose (п. 2.5д, 2.6г)

async function propose(ctx: LinkCtx, form: Record<string, string>): Promise<LinkResponse> {
  const kind = form.kind;
  if (kind !== 'agenda-item' && kind !== 'invitation') return badRequest(ctx);
  const errors: FieldErrors = {};
  const values: ProposalValues = { kind };
  let body: string;
  let invitee: { name: string; position: string; organisation?: string; email: string; lang: Lang } | undefined;
  if (kind === 'agenda-item') {
    values.title = text(form, 'title', 500, errors, true);
    values.description = text(form, 'description', 5000, errors);
    values.speaker = text(form, 'speaker', 200, errors);
    body = [values.title, values.description, values.speaker ? `Докладчик: ${values.speaker}` : ''].filter(Boolean).join('\n\n');
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

function attendanceForm(ctx: LinkCtx, bundle: MeetingBundle, extra: { values?: { opinions?: Record<string, string> }; errors?: FieldErrors } = {}): LinkResponse {
  const mark = bundle.attendance[ctx.member.id];
  const current = mark ? (mark.status === 'absent' ? 'absent' : 'present') : null;
  const mine: Record<string, string> = {};
  for (const o of bundle.opinions) if (o.memberId === ctx.member.id) mine[o.itemId] = o.text;
  return attendancePage({
    facts: ctx.facts,
    action: ctx.action,
    agenda: approvedItems(bundle),
    opinionsDeadline: ctx.meeting.deadlines.opinions,
    opinionsOpen: !past(ctx, ctx.meeting.deadlines.opinions),
    current,
    values: extra.values ?? { opinions: mine },
    ...(extra.errors ? { errors: extra.errors } : {}),
  });
}

async function attendance(ctx: LinkCtx, form: Record<string, string>): Promise<LinkResponse> {
  const answer = form.attendance;
  if (answer !== 'present' && answer !== 'absent') return badRequest(ctx);
  const bundle = await bundleOf(ctx);
  const items = approvedItems(bundle);
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
  if (Object.keys(errors).length > 0) return attendanceForm(ctx, bundle, { values: { opinions }, errors });
  const entries = Object.entries(opinions);
  // п. 2.7: opinions after the end of the day before the meeting day are refused, and nothing changes.
  if (entries.length > 0 && past(ctx, ctx.meeting.deadlines.opinions)) {
    return late(ctx, 'opinion', ctx.meeting.deadlines.opinions, entries.map(([, v]) => v).join('\n\n'));
  }
  try {
    await ctx.deps.store.setAttendance(ctx.meeting.id, ctx.member.id, answer === 'present' ? 'will-attend' : 'absent', ctx.member.id);
  } catch (error) {
    if (error instanceof ConditionFailedError && error.reason === 'voting-closed') {
      return errorPage({ lang: ctx.lang, reason: 'voting-closed', facts: ctx.facts, deadline: ctx.meeting.deadlines.voteCloses });
    }
    throw error;
  }
  const accepted: { itemTitle: string; text: string }[] = [];
  for (const [itemId, value] of entries) {
    try {
      await ctx.deps.store.submitOpinion(ctx.meeting.id, { memberId: ctx.member.id, itemId, text: value });
      accepted.push({ itemTitle: items.find((i) => i.id === itemId)?.title ?? itemId, text: value });
    } catch (error) {
      if (error instanceof ConditionFailedError && error.reason === 'deadline-passed') {
        return late(ctx, 'opinion', ctx.meeting.deadlines.opinions, value);
      }
      throw error;
    }
  }
  await audit(ctx, answer === 'present' ? 'will-attend' : 'absent', { opinions: accepted.length });
  const now = nowInstant(ctx.deps);
  if (accepted.length > 0) {
    const message = mail.opinionReceipt({
      recipient: recipientOf(ctx.member),
      meeting: meetingInfo(ctx.group, ctx.meeting),
      receivedAt: now,
      opinions: accepted,
      opinionsDeadline: ctx.meeting.deadlines.opinions,
    });
    await ctx.deps.mailer.send({ meetingId: ctx.meeting.id, purpose: `opinion-receipt:${shortHash(accepted)}`, recipient: ctx.member.id, revision: ctx.meeting.revision }, message, ctx.member.email);
  }
  return successPage({
    facts: ctx.facts,
    kind: answer === 'present' ? 'attendance-present' : 'attendance-absent',
    recordedAt: now,
    recorded: accepted.map((o) => [o.itemTitle, o.text] as [string, string]),
  });
}

// ------------------------------------------------------------------ ballot (п. 2.6б, 3.2)

function ballotForm(ctx: LinkCtx, bundle: MeetingBundle, extra: { values?: Record<string, string | undefined>; errors?: FieldErrors } = {}): LinkResponse {
  const box = bundle.ballotBox;
  if (box.closedAt) return errorPage({ lang: ctx.lang, reason: 'voting-closed', facts: ctx.facts, deadline: box.closedAt });
  const items = bundle.agenda.filter((i) => box.itemIds.includes(i.id)).map((i) => ({ id: i.id, title: i.title }));
  const mine = box.votes[ctx.member.id] ?? {};
  const current: Record<string, Choice | undefined> = {};
  for (const item of items) current[item.id] = mine[item.id]?.choice;
  return ballotPage({ facts: ctx.facts, action: ctx.action, items, current, voteCloses: ctx.meeting.deadlines.voteCloses, ...extra });
}

const CHOICES = new Set<string>(['for', 'against', 'abstain']);

async function vote(ctx: LinkCtx, form: Record<string, string>): Promise<LinkResponse> {
  const bundle = await bundleOf(ctx);
  const box = bundle.ballotBox;
  if (box.closedAt || past(ctx, ctx.meeting.deadlines.voteCloses)) {
    return errorPage({ lang: ctx.lang, reason: 'voting-closed', facts: ctx.facts, deadline: ctx.meeting.deadlines.voteCloses });
  }
  const fields = new Map(box.itemIds.map((id) => [voteFieldName(id), id] as const));
  if (Object.keys(form).some((k) => !fields.has(k))) return badRequest(ctx);
  const errors: FieldErrors = {};
  const choices: [string, Choice][] = [];
  for (const [field, itemId] of fields) {
    const value = form[field];
    if (value === undefined || value === '') continue;
    if (!CHOICES.has(value)) errors[field] = { code: 'invalid-choice' };
    else choices.push([itemId, value as Choice]);
  }
  if (choices.length === 0 && Object.keys(errors).length === 0) for (const field of fields.keys()) errors[field] = { code: 'required' };
  if (Object.keys(errors).length > 0) {
    const values: Record<string, string | undefined> = {};
    for (const [field, itemId] of fields) values[itemId] = form[field];
    return ballotForm(ctx, bundle, { values, errors });
  }
  const mine = box.votes[ctx.member.id] ?? {};
  const requestKey = randomUUID();
  const recorded: { itemTitle: string; choice: Choice }[] = [];
  for (const [itemId, choice] of choices) {
    const title = bundle.agenda.find((i) => i.id === itemId)?.title ?? itemId;
    recorded.push({ itemTitle: title, choice });
    if (mine[itemId]?.choice === choice) continue; // unchanged: no new history entry
    try {
      await ctx.deps.store.castVote(ctx.meeting.id, { memberId: ctx.member.id, itemId, choice, idempotencyKey: `${requestKey}:${itemId}` });
    } catch (error) {
      if (error instanceof ConditionFailedError && (error.reason === 'voting-closed' || error.reason === 'voting-not-open')) {
        return errorPage({ lang: ctx.lang, reason: 'voting-closed', facts: ctx.facts, deadline: ctx.meeting.deadlines.voteCloses });
      }
      if (error instanceof ConditionFailedError && error.reason === 'not-a-voter') return errorPage({ lang: ctx.lang, reason: 'revoked', facts: ctx.facts });
      throw error;
    }
  }
  await audit(ctx, 'vote', { votes: Object.fromEntries(choices) });
  const now = nowInstant(ctx.deps);
  const message = mail.voteReceipt({
    recipient: recipientOf(ctx.member),
    meeting: meetingInfo(ctx.group, ctx.meeting),
    recordedAt: now,
    votes: recorded,
    voteCloses: ctx.meeting.deadlines.voteCloses,
    ballotUrl: ctx.action,
  });
  await ctx.deps.mailer.send({ meetingId: ctx.meeting.id, purpose: `vote-receipt:${shortHash({ ...mine, ...Object.fromEntries(choices) })}`, recipient: ctx.member.id, revision: ctx.meeting.revision }, message, ctx.member.email);
  const words: Record<Choice, string> = { for: t(ctx.lang, 'за', 'for'), against: t(ctx.lang, 'против', 'against'), abstain: t(ctx.lang, 'воздержался', 'abstain') };
  return successPage({
    facts: ctx.facts,
    kind: 'vote',
    recordedAt: now,
    recorded: recorded.map((r) => [r.itemTitle, words[r.choice]] as [string, string]),
    note: t(ctx.lang, `Голос можно изменить до ${when(ctx.meeting.deadlines.voteCloses, ctx.meeting.timeZone, 'ru')}.`, `You can change your vote until ${when(ctx.meeting.deadlines.voteCloses, ctx.meeting.timeZone, 'en')}.`),
  });
}

// ------------------------------------------------------------------ dissenting opinion (п. 2.6ж)

async function dissent(ctx: LinkCtx, form: Record<string, string>): Promise<LinkResponse> {
  const bundle = await bundleOf(ctx);
  const items = approvedItems(bundle);
  const errors: FieldErrors = {};
  const itemId = form.itemId ?? '';
  if (itemId && !items.some((i) => i.id === itemId)) errors.itemId = { code: 'invalid-choice' };
  const value = text(form, 'text', 20000, errors, true);
  if (Object.keys(errors).length > 0) {
    return dissentPage({ facts: ctx.facts, action: ctx.action, items, deadline: signingDeadlineOf(ctx.meeting), values: { itemId, text: value ?? '' }, errors });
  }
  const body = value ?? '';
  try {
    const record = await ctx.deps.store.submitDissent(ctx.meeting.id, ctx.member.id, body, itemId || undefined);
    // The dissent is part of the protocol: a new version (signatures collected again, SPEC step 6).
    await draftProtocol(ctx.deps, ctx.group, ctx.meeting.id, ctx.member.id);
    await sendSigningLinks(ctx.deps, ctx.group, ctx.meeting);
    await audit(ctx, 'dissent', {});
    const about = itemId ? items.find((i) => i.id === itemId)?.title : t(ctx.lang, 'Протокол в целом', 'The protocol as a whole');
    return successPage({ facts: ctx.facts, kind: 'dissent', recordedAt: record.submittedAt, recorded: [[t(ctx.lang, 'По вопросу', 'About'), about ?? ''], [t(ctx.lang, 'Особое мнение', 'Dissenting opinion'), body]] });
  } catch (error) {
    if (error instanceof ConditionFailedError && ['deadline-passed', 'finalised', 'not-found'].includes(error.reason)) {
      return late(ctx, 'dissent', signingDeadlineOf(ctx.meeting), value);
    }
    throw error;
  }
}

// ------------------------------------------------------------------ sign (п. 2.6з, 3.4)

function signForm(ctx: LinkCtx, bundle: MeetingBundle): LinkResponse {
  const protocol = bundle.protocol;
  if (!protocol) return errorPage({ lang: ctx.lang, reason: 'unknown', facts: ctx.facts });
  const mine = protocol.signatures[ctx.member.id];
  if (mine) return errorPage({ lang: ctx.lang, reason: 'used', facts: ctx.facts, usedAt: mine.at, action: 'signature' });
  if (protocol.finalisedAt || past(ctx, signingDeadlineOf(ctx.meeting))) return late(ctx, 'signature', signingDeadlineOf(ctx.meeting));
  const model = buildProtocolModel(ctx.group, bundle, { votingClosed: true });
  return signPage({
    facts: ctx.facts,
    action: ctx.action,
    protocolSha256: protocol.hash,
    protocol: renderProtocolArticle(model, 'ru', { variant: 'signable' }),
    pdfUrl: `${ctx.action}?format=pdf`,
    signingDeadline: signingDeadlineOf(ctx.meeting),
  });
}

/**
 * п. 2.6ж: a participant may attach a dissenting opinion until signing ends. The personal dissent link
 * (issued with the signing links; the same id is derived again here) is offered on the signing page —
 * before this, no e-mail or page carried it, so nobody could reach it.
 */
async function withDissentLink(ctx: LinkCtx, bundle: MeetingBundle, page: LinkResponse): Promise<LinkResponse> {
  if (page.status !== 200 || !participantsOf(ctx.group.members, bundle.ballotBox).includes(ctx.member.id)) return page;
  const url = await issueLink(ctx.deps, { meetingId: ctx.meeting.id, memberId: ctx.member.id, purpose: 'dissent', expiresAt: signingDeadlineOf(ctx.meeting), revision: ctx.meeting.revision });
  const offer = html`<p class="note"><a href="${url}">${t(ctx.lang, 'Приложить к протоколу особое мнение (п. 2.6ж)', 'Attach a dissenting opinion to the minutes (cl. 2.6(g))')}</a></p>`;
  return { ...page, html: page.html.replace('<form method="post"', `${offer.toString()}\n<form method="post"`) };
}

async function protocolPdf(ctx: LinkCtx, bundle: MeetingBundle): Promise<LinkResponse> {
  const model = buildProtocolModel(ctx.group, bundle, { votingClosed: true });
  const pdf = await renderProtocolPdf(model, 'ru', { variant: 'signable' });
  return { status: 200, html: '', contentType: 'application/pdf', body: pdf, filename: `protocol-${ctx.meeting.number ?? ''}.pdf` };
}

async function sign(ctx: LinkCtx, form: Record<string, string>): Promise<LinkResponse> {
  const hash = form.sha256 ?? '';
  if (!/^[0-9a-f]{64}$/.test(hash) || Object.keys(form).some((k) => k !== 'sha256')) return badRequest(ctx);
  const bundle = await bundleOf(ctx);
  const protocol = bundle.protocol;
  if (!protocol) return errorPage({ lang: ctx.lang, reason: 'unknown', facts: ctx.facts });
  if (!signersOf(ctx.group, bundle).some((s) => s.member.id === ctx.member.id)) return errorPage({ lang: ctx.lang, reason: 'revoked', facts: ctx.facts });
  const existing = protocol.signatures[ctx.member.id];
  if (existing && existing.hash === protocol.hash) return errorPage({ lang: ctx.lang, reason: 'used', facts: ctx.facts, usedAt: existing.at, action: 'signature' });
  if (hash !== protocol.hash) {
    // The protocol changed after the page was opened: show the current version instead of signing blind.
    return { ...signForm(ctx, bundle), status: 409 };
  }
  try {
    const signature = await ctx.deps.store.signProtocol(ctx.meeting.id, ctx.member.id, protocol.version, hash, ctx.link.id);
    await audit(ctx, 'signed', { version: protocol.version, hash });
    const after = await bundleOf(ctx);
    if (missingSigners(ctx.group, after).length === 0) await completePhase(ctx.deps, ctx.meeting.id, 'signatures');
    return successPage({ facts: ctx.facts, kind: 'signed', recordedAt: signature.at, recorded: [['SHA-256', hash]] });
  } catch (error) {
    if (error instanceof ConditionFailedError && error.reason === 'stale') return { ...signForm(ctx, await bundleOf(ctx)), status: 409 };
    if (error instanceof ConditionFailedError && ['deadline-passed', 'finalised'].includes(error.reason)) return late(ctx, 'signature', signingDeadlineOf(ctx.meeting));
    throw error;
  }
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
  const agenda = await ctx.deps.store.listAgenda(ctx.meeting.id);
  const { meeting: updated } = await recordAgendaApproval(ctx.deps, ctx.meeting, agenda.map((i) => i.id), ctx.member.id);
  const lang = ctx.lang;
  const body = html`<p class="success" role="status">${t(lang, 'Повестка дня утверждена', 'The agenda is approved')}: ${when(updated.agendaApprovedAt ?? nowInstant(ctx.deps), ctx.meeting.timeZone, lang)}.</p>${factsTable(ctx.facts)}`;
  return { status: 200, html: renderPage({ lang, title: t(lang, 'Повестка дня утверждена', 'The agenda is approved'), groupName: ctx.group.name, body }) };
}
