/**
 * Acting on a meeting: attendance, links, resume, acting secretary, narrative, cancel, move.
 */
import { createHash } from 'node:crypto';
import { validateConveneRequest } from '../../domain/convene.ts';
import { validateActingSecretary } from '../../domain/roster.ts';
import type { Instant } from '../../domain/types.ts';
import { conflict, notFound, unprocessable } from '../../http/errors.ts';
import { validate } from '../../http/middleware.ts';
import * as mail from '../../mail/messages.ts';
import { memberTerms } from '../../store/ballots.ts';
import { ConditionFailedError } from '../../store/errors.ts';
import { type ItemNarrative, type MeetingMove, type MeetingRecord, type MemberBallot } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { issueLink } from '../links.ts';
import { announceCancellation } from '../steps/cancel.ts';
import { executionRunning, resumeAtFor, startMeetingExecution, stopExecution } from '../steps/execution.ts';
import { draftProtocol, sendSigningLinks } from '../steps/signatures.ts';
import { sendBallot } from '../steps/voting.ts';
import { agendaView, meetingInfo, nowInstant, organizer, recipientOf } from '../meeting-view.ts';
import { loadNarrative } from '../protocol-documents.ts';
import {
  BEFORE_VOTING_CLOSED,
  Caller,
  MOVABLE,
  audit,
  authorize,
  domainFailure,
  loadMeeting,
  requirePhase,
  storeRefusal,
} from './access.ts';
import { actingSecretaryBody, attendanceBody, cancelBody, emptyBody, moveBody, narrativeBody, revokeLinksBody } from './schemas.ts';
import { meetingSummary } from './views.ts';

/** POST /admin/meetings/{id}/attendance: the secretary marks a member present or absent (п. 3.3). */
export async function markAttendance(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, bundle, meeting, context } = await loadMeeting(deps, meetingId);
  const secretary = authorize(caller, group, 'secretary', context);
  const input = validate(attendanceBody, body);
  const member = group.members.find((m) => m.id === input.memberId);
  if (!member) {
    throw unprocessable('not-a-member', `«${input.memberId}» не является членом рабочей группы.`, `"${input.memberId}" is not a member of the working group.`);
  }
  requirePhase(meeting, BEFORE_VOTING_CLOSED, { ru: 'Присутствие нельзя отметить', en: 'Attendance cannot be recorded' });
  if (input.status === 'present' && meeting.phase !== 'in-session') {
    throw conflict('meeting-not-started', 'Отметить присутствующим можно только во время заседания.', 'A member can be marked present only while the meeting is in session.');
  }
  const terms = memberTerms(meeting);
  let marked: MemberBallot;
  try {
    marked = await deps.store.ballots.setAttendance(meetingId, member.id, { status: input.status, by: secretary.id }, terms);
  } catch (error) {
    if (error instanceof ConditionFailedError && error.reason === 'voting-closed') {
      throw conflict('voting-closed', 'Голосование закрыто: список участников зафиксирован (п. 3.3).', 'Voting has closed: the participants list is frozen (cl. 3.3).');
    }
    if (error instanceof ConditionFailedError && error.reason === 'stale') {
      throw conflict('stale', 'Заседание изменилось; обновите страницу и повторите.', 'The meeting has changed; reload and try again.');
    }
    throw error;
  }
  let ballotSent = false;
  // A member who arrives while voting is open becomes a voter and gets a ballot (п. 2.6б).
  if (input.status === 'present' && bundle.ballotBox.openedAt && !bundle.ballotBox.closedAt) {
    await deps.store.ballots.addVoters(meetingId, [member.id], terms);
    const items = bundle.agenda.filter((i) => i.approved).map((i) => i.title);
    await sendBallot(deps, group, meeting, member, items);
    ballotSent = true;
  }
  await audit(deps, meetingId, secretary, 'attendance-marked', { memberId: member.id, status: input.status, ballotSent });
  return { memberId: member.id, attendance: marked.attendance, ballotSent };
}

/**
 * POST /admin/meetings/{id}/links/revoke: the secretary revokes a member's personal links of this
 * meeting (all, or of one purpose), e.g. when a link was forwarded or a mailbox compromised (SPEC
 * «Links in e-mails»). A revoked link shows the «revoked» page; the secretary can still record that
 * member's attendance here.
 */
export async function revokeLinks(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, meeting, context } = await loadMeeting(deps, meetingId);
  const secretary = authorize(caller, group, 'secretary', context);
  const input = validate(revokeLinksBody, body);
  const member = group.members.find((m) => m.id === input.memberId);
  if (!member) {
    throw unprocessable('not-a-member', `«${input.memberId}» не является членом рабочей группы.`, `"${input.memberId}" is not a member of the working group.`);
  }
  if (input.reissue && !input.purpose) {
    throw unprocessable('reissue-needs-purpose', 'Чтобы выдать новую ссылку, укажите её назначение (purpose).', 'To issue a new link, say its purpose.');
  }
  let revoked = 0;
  let lastExpiry: Instant | undefined;
  for (const link of await deps.store.links.listForMeeting(meetingId, input.memberId)) {
    if (input.purpose && link.purpose !== input.purpose) continue;
    if (link.revision === meeting.revision && (!lastExpiry || link.expiresAt > lastExpiry)) lastExpiry = link.expiresAt;
    if (link.revokedAt) continue;
    if (await deps.store.links.revoke(link.id)) revoked++;
  }
  let reissued = false;
  if (input.reissue && input.purpose) {
    if (!lastExpiry || Date.parse(lastExpiry) <= deps.clock.now().getTime()) {
      throw conflict('nothing-to-reissue', 'Действующей ссылки этого назначения у участника не было или её срок истёк.', 'The member had no link of that purpose, or its time is over.');
    }
    const url = await issueLink(deps, { meetingId, groupId: meeting.groupId, memberId: member.id, purpose: input.purpose, expiresAt: lastExpiry, revision: meeting.revision });
    const message = mail.linkReissued({ recipient: recipientOf(member), meeting: meetingInfo(group, meeting), purpose: input.purpose, url, expiresAt: lastExpiry });
    const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
    await deps.mailer.send({ meetingId, purpose: `link-reissued:${input.purpose}:${key}`, recipient: member.id, revision: meeting.revision }, message, member.email);
    reissued = true;
  }
  await audit(deps, meetingId, secretary, 'links-revoked', { memberId: input.memberId, purpose: input.purpose ?? 'all', revoked, reissued });
  return { revoked, reissued };
}

/**
 * POST /admin/meetings/{id}/resume (issue 10 §3): the secretary — or the chair — resumes a meeting whose
 * execution is not running: after a step failed for good (the secretary was told), and also when the
 * failure could not even be recorded (the table was down) or the execution was stopped. What decides is
 * the execution itself, not only the recorded phase. A new execution starts at the meeting's phase; its
 * name derives from the one it replaces, so two resumes at once start one. Steps already done send
 * nothing twice.
 */
export async function resumeMeeting(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, meeting, context } = await loadMeeting(deps, meetingId);
  const actor = authorize(caller, group, 'read', context); // the secretary or the chair
  validate(emptyBody, body ?? {});
  const phase = meeting.phase === 'failed' ? meeting.failedPhase : meeting.phase;
  const resumeAt = phase ? resumeAtFor(phase) : null;
  if (!resumeAt || !phase) {
    throw conflict('not-resumable', 'Заседание завершено или отменено: возобновлять нечего.', 'The meeting is over or cancelled: there is nothing to resume.');
  }
  if (await executionRunning(deps, meeting.executionArn)) {
    throw conflict('running', 'Заседание не остановлено: его шаги выполняются, возобновлять нечего.', 'The meeting is not stopped: its steps are running, there is nothing to resume.');
  }
  // resumedAt before the execution starts: its steps retry for an hour even past their deadlines.
  const resumed = await deps.store.updateMeeting(
    meetingId,
    { phase: meeting.phase, revision: meeting.revision },
    { ...(meeting.phase === 'failed' ? { phase, failedPhase: null } : {}), resumedAt: nowInstant(deps) },
  );
  const executionArn = await startMeetingExecution(deps, resumed, resumeAt, meeting.executionArn ?? 'none');
  const updated = await deps.store.updateMeeting(meetingId, { revision: meeting.revision }, { executionArn });
  await audit(deps, meetingId, actor, 'resumed', { phase: resumed.phase, resumeAt });
  return { meeting: meetingSummary(deps, updated, actor.lang) };
}

/** POST /admin/meetings/{id}/acting-secretary: the presiding person appoints an acting secretary (п. 2.5). */
export async function appointActingSecretary(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, meeting, context } = await loadMeeting(deps, meetingId);
  const presiding = authorize(caller, group, 'presiding', context);
  const input = validate(actingSecretaryBody, body);
  requirePhase(meeting, BEFORE_VOTING_CLOSED.concat(['voting-closed', 'protocol-signing']), {
    ru: 'Исполняющего обязанности секретаря нельзя назначить',
    en: 'An acting secretary cannot be appointed',
  });
  const errors = validateActingSecretary(group.members, context.absent, input.memberId, 'memberId');
  if (errors.length > 0) throw domainFailure('invalid-acting-secretary', errors);
  const updated = await deps.store.updateMeeting(meetingId, { revision: meeting.revision }, { actingSecretaryId: input.memberId });
  await audit(deps, meetingId, presiding, 'acting-secretary-appointed', { memberId: input.memberId });
  return { meeting: meetingSummary(deps, updated, presiding.lang) };
}

/**
 * PUT /admin/meetings/{id}/protocol/narrative: the secretary edits СЛУШАЛИ / ВЫСТУПИЛИ (п. 2.5е). A new
 * version voids every signature (the store does it) and the signers get links to the new version.
 */
export async function editNarrative(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, bundle, meeting, context } = await loadMeeting(deps, meetingId);
  const secretary = authorize(caller, group, 'secretary', context);
  const input = validate(narrativeBody, body);
  const protocol = bundle.protocol;
  if (!protocol) {
    throw conflict('no-protocol-yet', 'Проект протокола ещё не составлен (он готовится после закрытия голосования).', 'The protocol has not been drafted yet (it is drafted after voting closes).');
  }
  if (protocol.finalisedAt || meeting.phase === 'finalised' || meeting.phase === 'distributed') {
    throw conflict('protocol-finalised', 'Протокол уже оформлен; изменения не принимаются.', 'The protocol is finalised; it can no longer change.');
  }
  const approved = new Set(bundle.agenda.filter((i) => i.approved).map((i) => i.id));
  const unknown = Object.keys(input.items).filter((id) => !approved.has(id));
  if (unknown.length > 0) {
    throw unprocessable(
      'unknown-item',
      `В утверждённой повестке нет вопросов: ${unknown.join(', ')}.`,
      `The approved agenda has no items: ${unknown.join(', ')}.`,
      unknown.map((id) => ({ field: `items.${id}`, code: 'unknown-item' })),
    );
  }
  const narrative: Record<string, ItemNarrative> = { ...(await loadNarrative(deps, protocol)) };
  for (const [id, text] of Object.entries(input.items)) narrative[id] = { heard: text.heard.trim(), spoke: text.spoke.trim() };
  const saved = await draftProtocol(deps, group, meetingId, secretary.id, narrative);
  const changed = saved.version !== protocol.version;
  const linksSent = changed ? await sendSigningLinks(deps, group, meeting) : 0;
  await audit(deps, meetingId, secretary, 'protocol-edited', { version: saved.version, hash: saved.hash, changed, signaturesVoided: changed ? Object.keys(protocol.signatures) : [] });
  return { protocol: { version: saved.version, hash: saved.hash, signatures: saved.signatures }, changed, linksSent };
}

/** POST /admin/meetings/{id}/cancel: the chair cancels; the execution stops, everyone is told, links die. */
export async function cancelMeeting(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, meeting, context } = await loadMeeting(deps, meetingId);
  const chair = authorize(caller, group, 'chair', context);
  const { reason } = validate(cancelBody, body);
  requirePhase(meeting, MOVABLE, { ru: 'Заседание нельзя отменить', en: 'The meeting cannot be cancelled' });
  // The conditional write first: a workflow step running now sees 'cancelled' and stops by itself.
  const cancelled = await deps.store.updateMeeting(meetingId, { revision: meeting.revision }, { phase: 'cancelled', cancelledReason: reason });
  await stopExecution(deps, meeting.executionArn, 'MeetingCancelled', reason);
  await announceCancellation(deps, group, cancelled, reason);
  await audit(deps, meetingId, chair, 'cancelled', { reason });
  return { meeting: meetingSummary(deps, cancelled, chair.lang) };
}

/** Where the new execution of a moved meeting resumes. */
export function resumeAtAfterMove(meeting: Pick<MeetingRecord, 'phase' | 'agendaApprovedAt'>): 'start' | 'agenda-approval' | 'notice' {
  switch (meeting.phase) {
    case 'convened':
    case 'agenda-proposals':
      return 'start';
    case 'agenda-approval':
      return meeting.agendaApprovedAt ? 'notice' : 'agenda-approval';
    case 'notified':
      return 'notice';
    default:
      throw new Error(`a meeting in phase ${meeting.phase} cannot move`);
  }
}

/**
 * The move's ONE conditional write, decided on the meeting read right before it and holding only while
 * the phase and the approval are still those read (store.moveMeeting `seen`): a notice that went out,
 * or an approval that came, meanwhile makes it read again, so whoever got the old notice is told of
 * the move and the new execution resumes where the meeting is. A move by someone else is refused.
 */
async function moveFromFreshState(deps: Deps, revision: number, move: MeetingMove, meetingId: string): Promise<{ before: MeetingRecord; moved: MeetingRecord }> {
  for (let attempt = 1; ; attempt++) {
    const before = await deps.store.getMeeting(meetingId);
    if (!before) throw notFound('meeting', 'Заседание не найдено.', 'Meeting not found.');
    if (before.revision !== revision) throw storeRefusal(new ConditionFailedError('moveMeeting', 'stale'))!;
    requirePhase(before, MOVABLE, { ru: 'Заседание нельзя перенести', en: 'The meeting cannot be moved' });
    try {
      return { before, moved: await deps.store.moveMeeting(meetingId, revision, move, { seen: before }) };
    } catch (error) {
      if (!(error instanceof ConditionFailedError && error.reason === 'stale') || attempt >= MOVE_ATTEMPTS) throw error;
    }
  }
}

/** Reads of a move that meets concurrent changes of the meeting's phase or approval. */
const MOVE_ATTEMPTS = 5;

/**
 * POST /admin/meetings/{id}/move: new date and time, deadlines recomputed; revision + 1, a new
 * execution resumes where the meeting was; links of the old revision die; notified people are told.
 */
export async function moveMeeting(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group,  meeting, context } = await loadMeeting(deps, meetingId);
  const chair = authorize(caller, group, 'chair', context);
  const input = validate(moveBody, body);
  requirePhase(meeting, MOVABLE, { ru: 'Заседание нельзя перенести', en: 'The meeting cannot be moved' });
  const place = input.place === undefined ? meeting.place : input.place?.trim() || undefined;
  // The same checks as a convene: a real date and time, in the future, deadlines that still fit.
  const checked = validateConveneRequest(
    { title: meeting.title, date: input.date, time: input.time, timeZone: meeting.timeZone, ...(place ? { place } : {}) },
    group,
    deps.clock,
    deps.calendar,
  );
  if (!checked.ok) throw domainFailure('invalid-move', checked.errors);
  const target = checked.value;
  if (target.startsAt === meeting.startsAt && place === meeting.place) {
    throw unprocessable('not-moved', 'Новые дата, время и место совпадают с прежними.', 'The new date, time and place are the same as before.');
  }
  const { before, moved } = await moveFromFreshState(deps, meeting.revision, {
    date: target.date,
    time: target.time,
    timeZone: target.timeZone,
    place: place ?? null,
    startsAt: target.startsAt,
    deadlines: target.deadlines,
  }, meetingId);
  const resumeAt = resumeAtAfterMove(before);
  await stopExecution(deps, before.executionArn, 'MeetingMoved', `moved to revision ${moved.revision}`);
  // Before the new execution starts: it issues the new revision's links, which must survive.
  const revoked = await deps.store.links.revokeForMeeting(meetingId);
  // Everyone hears of the move before the new execution sends the new notice.
  let told = 0;
  if (before.phase === 'notified') {
    const [invitees, agendaItems] = await Promise.all([deps.store.listInvitees(meetingId), deps.store.listAgenda(meetingId, before)]);
    const people = [
      ...group.members.map((m) => ({ id: m.id, person: m })),
      ...invitees.map((i) => ({ id: `invitee:${i.id}`, person: i })),
    ];
    const agenda = agendaView(group, agendaItems, true);
    for (const { id, person } of people) {
      const message = mail.meetingMoved({
        recipient: recipientOf(person),
        meeting: meetingInfo(group, moved),
        previousStartsAt: before.startsAt,
        previousTimeZone: before.timeZone,
        agenda,
        organizer: organizer(deps, group),
        issuedAt: nowInstant(deps),
      });
      const sent = await deps.mailer.send({ meetingId, purpose: 'moved', recipient: id, revision: moved.revision }, message, person.email);
      if (sent.status === 'sent') told++;
    }
  }
  const executionArn = await startMeetingExecution(deps, moved, resumeAt);
  const current = await deps.store.updateMeeting(meetingId, { revision: moved.revision }, { executionArn });

  await audit(deps, meetingId, chair, 'moved', {
    from: { startsAt: before.startsAt, revision: before.revision },
    to: { startsAt: current.startsAt, revision: current.revision },
    resumeAt,
    executionArn,
    linksRevoked: revoked,
    told,
  });
  return { meeting: meetingSummary(deps, current, chair.lang), resumeAt, told };
}
