import { SendTaskSuccessCommand, StartExecutionCommand, TaskDoesNotExist, InvalidToken, TaskTimedOut } from '@aws-sdk/client-sfn';
import { MissingCalendarYearError } from '../calendar/index.ts';
import { distributionDeadline, ifCalendarHasIt, reminderAt, signatureDeadline } from '../domain/deadlines.ts';
import { presidingPerson } from '../domain/roster.ts';
import type { Instant, Member, MeetingDeadlines, MeetingPhase, WorkingDayDeadline } from '../domain/types.ts';
import { emitMetric } from '../lib/metrics.ts';
import * as mail from '../mail/messages.ts';
import type { MailMessage } from '../mail/types.ts';
import { renderProtocolHtml, protocolHash, renderSignableProtocolHtml } from '../protocol/html.ts';
import { renderProtocolPdf } from '../protocol/pdf.ts';
import { ConditionFailedError } from '../store/errors.ts';
import type { GroupRecord, InviteeRecord, ItemNarrative, MeetingBundle, MeetingRecord, ProtocolRecord } from '../store/records.ts';
import type { Deps } from './deps.ts';
import { issueLink } from './links.ts';
import { agendaView, meetingInfo, memberById, nowInstant, organizer, recipientOf, secondsUntil, signingDeadlineOf } from './meeting-view.ts';
import { absentIds, buildProtocolModel, missingSigners, participantsOf, tallies } from './protocol-draft.ts';

/**
 * The steps of the meeting lifecycle (SPEC «The meeting lifecycle»), one function per task state
 * of workflows/meeting.asl.json. Each step is safe to run twice: e-mails go through the mailer's
 * ledger (once per meeting, purpose, recipient, revision), links are derived deterministically,
 * and every store write is conditional.
 */

export interface TaskEvent {
  meetingId: string;
  revision: number;
  resumeAt?: string;
  kind?: 'approval' | 'opinions' | 'signatures';
  action?: 'tally' | 'no-quorum';
  reason?: string;
  phase?: 'approval' | 'signatures';
  stage?: 'first' | 'final';
  taskToken?: string;
  error?: { Error?: string; Cause?: string };
}

/** Thrown when the execution's revision is no longer the meeting's (moved or cancelled): the ASL ends cleanly. */
export class MeetingSuperseded extends Error {
  override readonly name = 'MeetingSuperseded';
}
/** A failure worth retrying (the ASL retries it with backoff). */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}
export class DistributionDeadlineMissed extends Error {
  override readonly name = 'DistributionDeadlineMissed';
}
/** The signature deadline needs a year the production calendar lacks: the ASL waits a day and tries again. */
export class CalendarYearMissing extends Error {
  override readonly name = 'CalendarYearMissing';
}

export interface MeetingSnapshot {
  meetingId: string;
  revision: number;
  phase: MeetingPhase;
  deadlines: MeetingDeadlines;
  /** When each reminder is due (never in the past: a Wait on a past instant passes at once). */
  reminders: { opinions: Instant };
}

interface Ctx {
  group: GroupRecord;
  meeting: MeetingRecord;
}

async function load(deps: Deps, ev: TaskEvent): Promise<Ctx> {
  const meeting = await deps.store.getMeeting(ev.meetingId);
  if (!meeting) throw new Error(`Meeting ${ev.meetingId} not found`);
  if (meeting.revision !== ev.revision || meeting.phase === 'cancelled') {
    throw new MeetingSuperseded(`Meeting ${ev.meetingId} is at revision ${meeting.revision} (${meeting.phase}); this execution ran revision ${ev.revision}`);
  }
  const group = await deps.store.getGroup(meeting.groupId);
  if (!group) throw new Error(`Group ${meeting.groupId} not found`);
  return { group, meeting };
}

async function bundleOf(deps: Deps, meetingId: string): Promise<MeetingBundle> {
  const bundle = await deps.store.loadMeetingBundle(meetingId);
  if (!bundle) throw new Error(`Meeting ${meetingId} not found`);
  return bundle;
}

function snapshot(deps: Deps, group: GroupRecord, meeting: MeetingRecord): MeetingSnapshot {
  const now = nowInstant(deps);
  const opinionsReminder = reminderAt(meeting.deadlines.opinions, group.settings.reminderHoursBefore, now) ?? now;
  return {
    meetingId: meeting.id,
    revision: meeting.revision,
    phase: meeting.phase,
    deadlines: meeting.deadlines,
    reminders: { opinions: opinionsReminder },
  };
}

async function setPhase(deps: Deps, meeting: MeetingRecord, phase: MeetingPhase, extra: Parameters<Deps['store']['updateMeeting']>[2] = {}): Promise<MeetingRecord> {
  if (meeting.phase === phase && Object.keys(extra).length === 0) return meeting;
  try {
    return await deps.store.updateMeeting(meeting.id, { revision: meeting.revision }, { phase, ...extra });
  } catch (error) {
    if (error instanceof ConditionFailedError) throw new MeetingSuperseded(`Meeting ${meeting.id} changed while ${phase} was being recorded`);
    throw error;
  }
}

async function send(deps: Deps, meeting: MeetingRecord, purpose: string, recipient: { id: string; email: string }, message: MailMessage, revision = meeting.revision) {
  return deps.mailer.send({ meetingId: meeting.id, purpose, recipient: recipient.id, revision }, message, recipient.email);
}

async function audit(deps: Deps, meetingId: string, action: string, detail: Record<string, unknown> = {}, actor = 'system') {
  await deps.store.appendAudit(meetingId, { actor, action, detail });
}

/**
 * Where a new execution of a meeting starts (the ASL's ResumeAt choice): after a restart of the local
 * runtime, or when the secretary resumes a failed meeting. Every step is idempotent, so re-entering a
 * phase that was half done sends nothing twice.
 */
export function resumeAtFor(phase: MeetingPhase): string | null {
  switch (phase) {
    case 'convened':
    case 'agenda-proposals':
      return 'start';
    case 'agenda-approval':
      return 'agenda-approval';
    case 'notified':
      return 'notice';
    case 'in-session':
      return 'meeting-start';
    case 'voting-closed':
      return 'voting';
    case 'protocol-signing':
      return 'signatures';
    case 'finalised':
      return 'distribute';
    default:
      return null;
  }
}

/**
 * Starts the meeting's execution for its revision at `resumeAt`. The name is `<id>-r<revision>`,
 * unique per revision; a resumed meeting (restart, or after a failure) adds `-resumed-<time>`.
 */
export async function startMeetingExecution(deps: Deps, meeting: Pick<MeetingRecord, 'id' | 'revision'>, resumeAt: string, resumed = false): Promise<string> {
  const name = `${meeting.id}-r${meeting.revision}${resumed ? `-resumed-${deps.clock.now().getTime()}` : ''}`;
  const started = await deps.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: deps.stateMachineArn,
      name,
      input: JSON.stringify({ meetingId: meeting.id, revision: meeting.revision, resumeAt }),
    }),
  );
  if (!started.executionArn) throw new Error('StartExecution returned no executionArn');
  return started.executionArn;
}

/**
 * п. 2.3в: the agenda is approved (from the chair's e-mailed link or the admin API): its items are
 * marked, the approval stamped, and the waiting execution moves on at once.
 */
export async function recordAgendaApproval(deps: Deps, meeting: MeetingRecord, itemIds: string[], approverId: string): Promise<{ meeting: MeetingRecord; workflowResumed: boolean }> {
  await deps.store.approveAgendaItems(meeting.id, itemIds);
  const updated = await deps.store.updateMeeting(meeting.id, { revision: meeting.revision }, { agendaApprovedAt: nowInstant(deps), agendaApprovedBy: approverId });
  await audit(deps, meeting.id, 'agenda-approved', { items: itemIds }, approverId);
  return { meeting: updated, workflowResumed: await completePhase(deps, meeting.id, 'approval') };
}

// ------------------------------------------------------------------ steps

/** Convene: loads the meeting for this revision (п. 2.3а), with its deadlines and reminder times. */
export async function loadMeeting(deps: Deps, ev: TaskEvent): Promise<MeetingSnapshot> {
  const { group, meeting } = await load(deps, ev);
  return snapshot(deps, group, meeting);
}

/** п. 2.5д, 2.6г: each member gets a personal link to propose agenda items and invitations. */
export async function openProposals(deps: Deps, ev: TaskEvent): Promise<{ sent: number }> {
  const { group, meeting: loaded } = await load(deps, ev);
  const meeting = await setPhase(deps, loaded, 'agenda-proposals');
  const agenda = await deps.store.listAgenda(meeting.id);
  let sent = 0;
  for (const member of group.members) {
    const proposeUrl = await issueLink(deps, { meetingId: meeting.id, memberId: member.id, purpose: 'propose', expiresAt: meeting.deadlines.proposalsClose, revision: meeting.revision });
    const message = mail.proposalsCall({
      recipient: recipientOf(member),
      meeting: meetingInfo(group, meeting),
      proposeUrl,
      proposalsClose: meeting.deadlines.proposalsClose,
      agenda: agendaView(group, agenda),
    });
    if ((await send(deps, meeting, 'proposals-call', member, message)).status === 'sent') sent++;
  }
  await audit(deps, meeting.id, 'proposals-opened', { sent });
  return { sent };
}

function approvers(group: GroupRecord, meeting: MeetingRecord): Member[] {
  // п. 2.3в approval is the chair's; п. 2.4 the deputy acts while the chair is recorded absent.
  const presiding = group.members.find((m) => m.id === meeting.presidingId);
  return presiding ? [presiding] : group.members.filter((m) => m.role === 'chair');
}

/** п. 2.5в, 2.3в: the agenda the secretary formed goes to the chair for approval. */
export async function requestApproval(deps: Deps, ev: TaskEvent): Promise<{ untilReminderSeconds: number; untilDeadlineSeconds: number }> {
  const { group, meeting: loaded } = await load(deps, ev);
  const meeting = await setPhase(deps, loaded, 'agenda-approval');
  const agenda = await deps.store.listAgenda(meeting.id);
  // Approved early (through the admin API): nobody must act, AwaitCallback completes the phase at once.
  for (const chair of meeting.agendaApprovedAt ? [] : approvers(group, meeting)) {
    const approveUrl = await issueLink(deps, { meetingId: meeting.id, memberId: chair.id, purpose: 'approve', expiresAt: meeting.deadlines.agendaApproval, revision: meeting.revision });
    const message = mail.agendaForApproval({
      recipient: recipientOf(chair),
      meeting: meetingInfo(group, meeting),
      agenda: agendaView(group, agenda),
      approveUrl,
      approvalDeadline: meeting.deadlines.agendaApproval,
    });
    await send(deps, meeting, 'agenda-for-approval', chair, message);
  }
  await audit(deps, meeting.id, 'agenda-submitted-for-approval', { items: agenda.length });
  return timing(deps, group, meeting.deadlines.agendaApproval);
}

function timing(deps: Deps, group: GroupRecord, deadline: Instant) {
  const reminder = reminderAt(deadline, group.settings.reminderHoursBefore, nowInstant(deps));
  return {
    untilReminderSeconds: reminder ? secondsUntil(deps, reminder) : secondsUntil(deps, deadline),
    untilDeadlineSeconds: secondsUntil(deps, deadline),
  };
}

/** Whether everyone who must act in a waiting phase has acted. */
export async function phaseComplete(deps: Deps, group: GroupRecord, meeting: MeetingRecord, phase: 'approval' | 'signatures'): Promise<boolean> {
  if (phase === 'approval') return meeting.agendaApprovedAt !== undefined;
  const bundle = await bundleOf(deps, meeting.id);
  return missingSigners(group, bundle).length === 0 && bundle.protocol !== null;
}

/** Stores the task token of a waiting phase; if all have acted already, completes it at once. */
export async function awaitCallback(deps: Deps, ev: TaskEvent): Promise<{ stored: true }> {
  if (!ev.taskToken || !ev.phase) throw new Error('awaitCallback needs taskToken and phase');
  const { group, meeting } = await load(deps, ev);
  await deps.store.setTaskToken(meeting.id, ev.phase, ev.taskToken);
  const fresh = (await deps.store.getMeeting(meeting.id)) ?? meeting;
  if (await phaseComplete(deps, group, fresh, ev.phase)) await completePhase(deps, fresh.id, ev.phase);
  return { stored: true };
}

/** Completes a waiting phase's task token (called when the last person acts). Tolerates stale tokens. */
export async function completePhase(deps: Deps, meetingId: string, phase: 'approval' | 'signatures'): Promise<boolean> {
  const meeting = await deps.store.getMeeting(meetingId);
  const token = meeting?.taskTokens[phase];
  if (!meeting || !token) return false;
  try {
    await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ phase, completedAt: nowInstant(deps) }) }));
    await audit(deps, meetingId, `${phase}-complete`);
    return true;
  } catch (error) {
    // The execution moved on (timeout, a second completion, or the meeting moved): nothing to do.
    if (error instanceof TaskDoesNotExist || error instanceof InvalidToken || error instanceof TaskTimedOut) return false;
    throw error;
  }
}

/** Reminders go only to people who still have to act, once per deadline. */
export async function sendReminder(deps: Deps, ev: TaskEvent): Promise<{ sent: number; untilDeadlineSeconds: number }> {
  const { group, meeting } = await load(deps, ev);
  const kind = ev.kind;
  if (!kind) throw new Error('sendReminder needs kind');
  const deadline = kind === 'approval' ? meeting.deadlines.agendaApproval : kind === 'opinions' ? meeting.deadlines.opinions : signingDeadlineOf(meeting);
  const untilDeadlineSeconds = secondsUntil(deps, deadline);
  if (Date.parse(deadline) <= deps.clock.now().getTime()) return { sent: 0, untilDeadlineSeconds };
  const bundle = await bundleOf(deps, meeting.id);
  const targets: { member: Member; purpose: 'approve' | 'attendance' | 'sign' }[] = [];
  if (kind === 'approval' && !meeting.agendaApprovedAt) {
    for (const m of approvers(group, meeting)) targets.push({ member: m, purpose: 'approve' });
  }
  if (kind === 'opinions') {
    // Members who have not answered, and absent members who sent no opinion yet.
    const withOpinion = new Set(bundle.opinions.map((o) => o.memberId));
    for (const m of group.members) {
      const mark = bundle.attendance[m.id];
      if (!mark || (mark.status === 'absent' && !withOpinion.has(m.id))) targets.push({ member: m, purpose: 'attendance' });
    }
  }
  if (kind === 'signatures' && bundle.protocol) {
    for (const m of missingSigners(group, bundle)) targets.push({ member: m, purpose: 'sign' });
  }
  let sent = 0;
  for (const { member, purpose } of targets) {
    const expiresAt = purpose === 'attendance' ? meeting.deadlines.voteOpens : deadline;
    const actionUrl = await issueLink(deps, { meetingId: meeting.id, memberId: member.id, purpose, expiresAt, revision: meeting.revision });
    const message = mail.reminder({ recipient: recipientOf(member), meeting: meetingInfo(group, meeting), kind, deadline, actionUrl });
    if ((await send(deps, meeting, `reminder:${kind}`, member, message, kind === 'signatures' ? (bundle.protocol?.version ?? 0) : meeting.revision)).status === 'sent') sent++;
  }
  await audit(deps, meeting.id, 'reminder', { kind, sent });
  return { sent, untilDeadlineSeconds };
}

/** The meeting is cancelled (agenda not approved in time, or the chair's decision): everyone is told. */
export async function cancelMeeting(deps: Deps, ev: TaskEvent, actor = 'system'): Promise<{ cancelled: true }> {
  const { group, meeting } = await load(deps, ev);
  const reason = ev.reason ?? 'cancelled';
  await deps.store.updateMeeting(meeting.id, { revision: meeting.revision }, { phase: 'cancelled', cancelledReason: reason });
  await announceCancellation(deps, group, meeting, reason);
  await audit(deps, meeting.id, 'cancelled', { reason }, actor);
  return { cancelled: true };
}

export const CANCEL_REASONS: Record<string, { ru: string; en: string }> = {
  'agenda-not-approved': {
    ru: 'Повестка дня не утверждена председателем в установленный срок (п. 2.3в).',
    en: 'The agenda was not approved by the chair in time (п. 2.3в).',
  },
};

export async function announceCancellation(deps: Deps, group: GroupRecord, meeting: MeetingRecord, reason: string): Promise<void> {
  const invitees = await deps.store.listInvitees(meeting.id);
  const people = [...group.members.map((m) => ({ id: m.id, person: m })), ...invitees.map((i) => ({ id: `invitee:${i.id}`, person: i }))];
  for (const { id, person } of people) {
    const text = CANCEL_REASONS[reason]?.[person.lang] ?? reason;
    const message = mail.meetingCancelled({
      recipient: recipientOf(person),
      meeting: meetingInfo(group, meeting),
      reason: text,
      organizer: organizer(deps, group),
      issuedAt: nowInstant(deps),
    });
    await send(deps, meeting, 'cancelled', { id, email: person.email }, message);
  }
  await deps.store.revokeLinksForMeeting(meeting.id);
}

/** п. 2.5г: members and invitees get date, time, place, the approved agenda, materials and an .ics. */
export async function sendNotice(deps: Deps, ev: TaskEvent): Promise<MeetingSnapshot> {
  const { group, meeting: loaded } = await load(deps, ev);
  const meeting = await setPhase(deps, loaded, 'notified');
  const bundle = await bundleOf(deps, meeting.id);
  const agenda = agendaView(group, bundle.agenda, true);
  const materials = materialsOf(bundle);
  for (const member of group.members) {
    const link = await issueLink(deps, { meetingId: meeting.id, memberId: member.id, purpose: 'attendance', expiresAt: meeting.deadlines.voteOpens, revision: meeting.revision });
    const message = mail.meetingNotice({
      recipient: recipientOf(member),
      meeting: meetingInfo(group, meeting),
      agenda,
      materials,
      deadlines: { opinions: meeting.deadlines.opinions, voteCloses: meeting.deadlines.voteCloses },
      links: { attend: `${link}?answer=attend`, absent: `${link}?answer=absent` },
      organizer: organizer(deps, group),
      issuedAt: nowInstant(deps),
    });
    await send(deps, meeting, 'notice', member, message);
  }
  for (const invitee of bundle.invitees) await sendInviteeNotice(deps, group, meeting, bundle, invitee);
  await audit(deps, meeting.id, 'notice-sent', { members: group.members.length, invitees: bundle.invitees.length });
  return snapshot(deps, group, meeting);
}

/** п. 2.3б, 2.5г: an invitee gets the notice (no personal links: invitees neither vote nor send opinions). */
export async function sendInviteeNotice(deps: Deps, group: GroupRecord, meeting: MeetingRecord, bundle: MeetingBundle, invitee: InviteeRecord): Promise<void> {
  const message = mail.meetingNotice({
    recipient: recipientOf(invitee),
    meeting: meetingInfo(group, meeting),
    agenda: agendaView(group, bundle.agenda, true),
    materials: materialsOf(bundle),
    organizer: organizer(deps, group),
    issuedAt: nowInstant(deps),
  });
  await send(deps, meeting, 'notice', { id: `invitee:${invitee.id}`, email: invitee.email }, message);
}

const materialsOf = (bundle: MeetingBundle) =>
  bundle.agenda.filter((i) => i.approved).flatMap((i) => (i.materials ?? []).map((m) => ({ title: m.title, url: m.url })));

/** Meeting start (п. 2.6б): every member not recorded absent gets a ballot link. */
export async function openVoting(deps: Deps, ev: TaskEvent): Promise<{ voters: number }> {
  const { group, meeting: loaded } = await load(deps, ev);
  const bundle = await bundleOf(deps, loaded.id);
  const absent = new Set(absentIds(bundle.ballotBox));
  const presiding = presidingPerson(group.members, absent);
  const meeting = await setPhase(deps, loaded, 'in-session', presiding ? { presidingId: presiding.member.id } : {});
  const items = bundle.agenda.filter((i) => i.approved);
  const voters = group.members.filter((m) => !absent.has(m.id));
  await deps.store.openVoting(meeting.id, { itemIds: items.map((i) => i.id), voterIds: voters.map((m) => m.id) });
  for (const member of voters) await sendBallot(deps, group, meeting, member, items.map((i) => i.title));
  await audit(deps, meeting.id, 'voting-opened', { voters: voters.length, items: items.length });
  return { voters: voters.length };
}

export async function sendBallot(deps: Deps, group: GroupRecord, meeting: MeetingRecord, member: Member, itemTitles: string[]): Promise<void> {
  const ballotUrl = await issueLink(deps, { meetingId: meeting.id, memberId: member.id, purpose: 'ballot', expiresAt: meeting.deadlines.voteCloses, revision: meeting.revision });
  const message = mail.ballotLink({
    recipient: recipientOf(member),
    meeting: meetingInfo(group, meeting),
    ballotUrl,
    voteCloses: meeting.deadlines.voteCloses,
    agenda: itemTitles.map((title) => ({ title })),
  });
  await send(deps, meeting, 'ballot', member, message);
}

/** Voting closes: the participants list is frozen and the quorum decided (п. 3.3). */
export async function closeVoting(deps: Deps, ev: TaskEvent): Promise<{ quorum: boolean; participants: number; members: number }> {
  const { group, meeting } = await load(deps, ev);
  const box = await deps.store.closeVoting(meeting.id);
  const participants = participantsOf(group.members, box);
  const quorum = participants.length > 0 && participants.length * 2 >= group.members.length;
  await setPhase(deps, meeting, 'voting-closed');
  await audit(deps, meeting.id, 'voting-closed', { participants: [...participants], quorum });
  return { quorum, participants: participants.length, members: group.members.length };
}

/** п. 3.2 tally, or п. 3.3 no quorum: recorded, and members are told. */
export async function tally(deps: Deps, ev: TaskEvent): Promise<{ adopted: number; items: number } | { quorum: false }> {
  const { group, meeting } = await load(deps, ev);
  const bundle = await bundleOf(deps, meeting.id);
  const result = tallies(group, bundle);
  if (ev.action === 'no-quorum' || !result.quorum) {
    for (const member of group.members) {
      const message = mail.noQuorum({
        recipient: recipientOf(member),
        meeting: meetingInfo(group, meeting),
        participants: result.participants.length,
        members: group.members.length,
        quorumNeeded: Math.max(1, Math.ceil(group.members.length / 2)),
      });
      await send(deps, meeting, 'no-quorum', member, message);
    }
    await audit(deps, meeting.id, 'no-quorum', { participants: result.participants.length, members: group.members.length });
    return { quorum: false };
  }
  await audit(deps, meeting.id, 'tallied', { items: result.items });
  return { adopted: result.items.filter((t) => t.adopted).length, items: result.items.length };
}

/** Drafts (or re-drafts) the protocol and saves it as a new version when its content changed. */
export async function draftProtocol(deps: Deps, group: GroupRecord, meetingId: string, editedBy: string, narrative?: Record<string, ItemNarrative>): Promise<ProtocolRecord> {
  const bundle = await bundleOf(deps, meetingId);
  const current = bundle.protocol;
  const model = buildProtocolModel(group, bundle, { votingClosed: true, ...(narrative ? { narrative } : {}) });
  const hash = protocolHash(model, 'ru');
  if (current && current.hash === hash) return current;
  return deps.store.saveProtocolVersion(meetingId, current?.version ?? 0, {
    hash,
    html: renderSignableProtocolHtml(model, 'ru'),
    narrative: narrative ?? current?.narrative ?? {},
    editedBy,
  });
}

/**
 * п. 2.5е, 3.4: every signer gets a link to read and sign the exact version (its SHA-256 shown). The
 * signature deadline is computed here, when the phase starts, from the calendar in force now; while its
 * year has no data, the secretary and ops are told once and the ASL tries again a day later.
 */
export async function requestSignatures(deps: Deps, ev: TaskEvent): Promise<{ untilReminderSeconds: number; untilDeadlineSeconds: number }> {
  const { group, meeting: loaded } = await load(deps, ev);
  let signatures: Instant;
  try {
    signatures = signatureDeadline(loaded.startsAt, group.settings, deps.calendar);
  } catch (error) {
    if (!(error instanceof MissingCalendarYearError)) throw error;
    await reportMissingCalendar(deps, group, loaded, 'signatures', error.year);
    throw new CalendarYearMissing(error.message);
  }
  // The expected distribution deadline follows the signature deadline (recomputed from the real signing date later).
  const { distribution: _stale, ...before } = loaded.deadlines;
  const distribution = ifCalendarHasIt(() => distributionDeadline(signatures, group.settings.timeZone, deps.calendar));
  const meeting = await setPhase(deps, loaded, 'protocol-signing', {
    deadlines: { ...before, signatures, ...(distribution ? { distribution } : {}) },
    ...(loaded.deadlinesNotComputable?.signatures ? { deadlinesNotComputable: withoutGap(loaded, 'signatures') } : {}),
  });
  await draftProtocol(deps, group, meeting.id, 'system');
  // A protocol drafted early (a narrative written before voting closed) gets the deadline computed now.
  await deps.store.setSigningDeadline(meeting.id, signatures);
  await sendSigningLinks(deps, group, meeting);
  await audit(deps, meeting.id, 'protocol-drafted', { signaturesDeadline: signatures });
  return timing(deps, group, signatures);
}

function withoutGap(meeting: MeetingRecord, deadline: WorkingDayDeadline): MeetingRecord['deadlinesNotComputable'] | null {
  const rest = { ...meeting.deadlinesNotComputable };
  delete rest[deadline];
  return Object.keys(rest).length > 0 ? rest : null;
}

/**
 * A working-day deadline needs a year the production calendar does not have (SPEC «Working days»:
 * never a guess). It is recorded as not computable; the secretary and ops are told once (the send
 * ledger keys the e-mail by deadline and year); the developers' steps go to the log.
 */
async function reportMissingCalendar(deps: Deps, group: GroupRecord, meeting: MeetingRecord, deadline: WorkingDayDeadline, missingYear: number): Promise<void> {
  console.error(JSON.stringify({
    level: 'ERROR',
    message: `No production calendar for ${missingYear}: the ${deadline} deadline of meeting ${meeting.id} is not computable`,
    todo: `add functions/calendar/data/${missingYear}.json and deploy (README «Adding a year»)`,
  }));
  if (meeting.deadlinesNotComputable?.[deadline]?.missingYear !== missingYear) {
    await deps.store.updateMeeting(meeting.id, { revision: meeting.revision }, { deadlinesNotComputable: { ...meeting.deadlinesNotComputable, [deadline]: { missingYear } } });
    await audit(deps, meeting.id, 'deadline-not-computable', { deadline, missingYear });
  }
  const secretary = memberById(group, meeting.actingSecretaryId ?? meeting.secretaryId);
  const recipients = [
    ...(secretary ? [{ id: secretary.id, email: secretary.email, person: recipientOf(secretary) }] : []),
    ...(deps.opsAddress && deps.opsAddress !== secretary?.email ? [{ id: 'ops', email: deps.opsAddress, person: { name: 'Kvorum', lang: 'ru' as const } }] : []),
  ];
  for (const to of recipients) {
    const message = mail.calendarMissing({ recipient: to.person, meeting: meetingInfo(group, meeting), deadline, missingYear });
    // Never holds up the step: the next attempt (a distribution retry, the daily signature retry) sends it again.
    await send(deps, meeting, `calendar-missing:${deadline}`, to, message, missingYear).catch((error: unknown) =>
      console.error(JSON.stringify({ level: 'ERROR', message: `calendar-missing e-mail to ${to.id} not sent yet`, error: String(error) })),
    );
  }
}

/** Signing links for the current version to those who have not signed it (after an edit: everybody). */
export async function sendSigningLinks(deps: Deps, group: GroupRecord, meeting: MeetingRecord): Promise<number> {
  const bundle = await bundleOf(deps, meeting.id);
  const protocol = bundle.protocol;
  if (!protocol) return 0;
  let sent = 0;
  const participants = new Set(participantsOf(group.members, bundle.ballotBox));
  for (const member of missingSigners(group, bundle)) {
    const signUrl = await issueLink(deps, { meetingId: meeting.id, memberId: member.id, purpose: 'sign', expiresAt: signingDeadlineOf(meeting), revision: meeting.revision });
    const message = mail.protocolForSignature({
      recipient: recipientOf(member),
      meeting: meetingInfo(group, meeting),
      protocolNumber: String(meeting.number ?? ''),
      sha256: protocol.hash,
      signUrl,
      signaturesDeadline: signingDeadlineOf(meeting),
    });
    if ((await send(deps, meeting, 'protocol-signature', member, message, protocol.version)).status === 'sent') sent++;
  }
  // п. 2.6ж: participants may attach a dissenting opinion until signing ends.
  for (const id of participants) {
    const member = memberById(group, id);
    if (member) await issueLink(deps, { meetingId: meeting.id, memberId: id, purpose: 'dissent', expiresAt: signingDeadlineOf(meeting), revision: meeting.revision });
  }
  return sent;
}

/**
 * The moment of finalisation is the signing date; the distribution deadline follows from it (п. 3.4).
 * Without the calendar for its year it is recorded as not computable and the meeting goes on:
 * distribution never waits for the calendar.
 */
export async function finaliseProtocol(deps: Deps, ev: TaskEvent): Promise<{ signedAt: Instant; distributionDeadline: Instant | null; missingSignatures: string[] }> {
  const { group, meeting } = await load(deps, ev);
  const protocol = await deps.store.finaliseProtocol(meeting.id);
  const signedAt = (protocol.finalisedAt ?? nowInstant(deps)).replace(/\.\d{3}Z$/, 'Z');
  const dueBy = await computeDistributionDeadline(deps, group, { ...meeting, signedAt });
  const { distribution: _expected, ...deadlines } = meeting.deadlines;
  await setPhase(deps, meeting, 'finalised', { signedAt, deadlines: dueBy ? { ...deadlines, distribution: dueBy } : deadlines });
  const bundle = await bundleOf(deps, meeting.id);
  const missing = missingSigners(group, bundle).map((m) => m.name);
  await audit(deps, meeting.id, 'protocol-finalised', { signedAt, distributionDeadline: dueBy ?? null, missingSignatures: missing });
  return { signedAt, distributionDeadline: dueBy ?? null, missingSignatures: missing };
}

/** п. 3.4 from the signing date; undefined (recorded and reported) while the calendar lacks its year. */
async function computeDistributionDeadline(deps: Deps, group: GroupRecord, meeting: MeetingRecord & { signedAt: Instant }): Promise<Instant | undefined> {
  try {
    // Day-based deadlines are read in the group's zone, like the signature deadline (SPEC п. 2.7, README).
    return distributionDeadline(meeting.signedAt, group.settings.timeZone, deps.calendar);
  } catch (error) {
    if (!(error instanceof MissingCalendarYearError)) throw error;
    await reportMissingCalendar(deps, group, meeting, 'distribution', error.year);
    return undefined;
  }
}

/**
 * п. 3.4: the signed protocol (PDF and HTML) goes to every member; each recipient once. Sending never
 * waits for the calendar; a deadline not computable at finalisation is tried again on every attempt, so
 * once the year is added (a deploy, or an `npm start` restart) the retries and the alarm use it.
 */
export async function distribute(deps: Deps, ev: TaskEvent): Promise<{ sent: number; late: boolean }> {
  const { group, meeting: loaded } = await load(deps, ev);
  let meeting = loaded;
  if (!meeting.deadlines.distribution && meeting.signedAt) {
    const dueBy = await computeDistributionDeadline(deps, group, { ...meeting, signedAt: meeting.signedAt });
    if (dueBy) meeting = await setPhase(deps, meeting, meeting.phase, { deadlines: { ...meeting.deadlines, distribution: dueBy }, deadlinesNotComputable: withoutGap(meeting, 'distribution') });
  }
  const bundle = await bundleOf(deps, meeting.id);
  const sentAt = meeting.distributedAt ?? nowInstant(deps);
  const model = buildProtocolModel(group, { ...bundle, meeting: { ...bundle.meeting, distributedAt: sentAt } }, { votingClosed: true });
  const protocolHtml = renderProtocolHtml(model, 'ru');
  const pdf = await renderProtocolPdf(model, 'ru');
  const missing = missingSigners(group, bundle).map((m) => m.name);
  const deadline = meeting.deadlines.distribution;
  const late = deadline !== undefined && Date.parse(sentAt) > Date.parse(deadline);
  let sent = 0;
  const failures: string[] = [];
  for (const member of group.members) {
    const message = mail.signedProtocol({
      recipient: recipientOf(member),
      meeting: meetingInfo(group, meeting),
      protocolNumber: String(meeting.number ?? ''),
      signedAt: meeting.signedAt ?? sentAt,
      pdf,
      protocolHtml,
      sha256: bundle.protocol?.hash,
      missingSignatures: missing,
    });
    try {
      if ((await send(deps, meeting, 'signed-protocol', member, message)).status === 'sent') sent++;
    } catch (error) {
      failures.push(`${member.id}: ${(error as Error).message}`);
    }
  }
  if (failures.length > 0) {
    if (deadline !== undefined && deps.clock.now().getTime() > Date.parse(deadline)) {
      emitDistributionMissed(deps, meeting.id);
      throw new DistributionDeadlineMissed(`Distribution deadline ${deadline} passed with ${failures.length} recipients not reached`);
    }
    throw new TransientError(`Protocol not yet delivered to ${failures.length} member(s): ${failures.join('; ')}`);
  }
  if (late) emitDistributionMissed(deps, meeting.id);
  await setPhase(deps, meeting, 'distributed', { distributedAt: sentAt });
  await audit(deps, meeting.id, 'protocol-distributed', { sent, late, deadline: deadline ?? null });
  return { sent, late };
}

/** CloudWatch Embedded Metric Format: the stack's alarm watches Kvorum/DistributionDeadlineMissed. */
function emitDistributionMissed(deps: Deps, meetingId: string): void {
  emitMetric({ namespace: 'Kvorum', name: 'DistributionDeadlineMissed', value: 1, properties: { meetingId }, timestamp: deps.clock.now() });
}

/** A step failed after its retries: recorded in the audit trail and the secretary is told. */
export async function recordFailure(deps: Deps, ev: TaskEvent): Promise<{ recorded: true }> {
  const meeting = await deps.store.getMeeting(ev.meetingId);
  if (!meeting) return { recorded: true };
  const group = await deps.store.getGroup(meeting.groupId);
  const step = ev.error?.Error ?? 'unknown';
  const cause = (ev.error?.Cause ?? '').slice(0, 2000);
  await audit(deps, meeting.id, 'step-failed', { error: step, cause });
  if (meeting.revision === ev.revision && meeting.phase !== 'cancelled' && meeting.phase !== 'failed') {
    await deps.store.updateMeeting(meeting.id, { revision: meeting.revision }, { phase: 'failed', failedPhase: meeting.phase }).catch(() => undefined);
  }
  const secretary = group?.members.find((m) => m.id === (meeting.actingSecretaryId ?? meeting.secretaryId));
  if (group && secretary) {
    const message = mail.stepFailed({
      recipient: recipientOf(secretary),
      meeting: meetingInfo(group, meeting),
      step,
      error: cause || step,
      failedAt: nowInstant(deps),
    });
    await send(deps, meeting, `step-failed:${step}`, secretary, message);
  }
  return { recorded: true };
}
