/**
 * The steps of the meeting lifecycle (SPEC «The meeting lifecycle»), one function per task state of
 * workflows/meeting.asl.json, one module per phase (steps/*.ts) so a task bundles only its own phase:
 * only distribute.ts renders a PDF. This module is what every step shares. Each step is safe to run
 * twice: e-mails go through the mailer's ledger (once per meeting, purpose, recipient, revision),
 * links are derived deterministically, and every store write is conditional.
 */
import { reminderAt } from '../../domain/deadlines.ts';
import type { Instant, MeetingDeadlines, MeetingPhase } from '../../domain/types.ts';
import type { MailMessage } from '../../mail/types.ts';
import { ConditionFailedError } from '../../store/errors.ts';
import type { GroupRecord, MeetingBundle, MeetingRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { nowInstant, secondsUntil } from '../meeting-view.ts';

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

export interface Ctx {
  group: GroupRecord;
  meeting: MeetingRecord;
}

export async function load(deps: Deps, ev: TaskEvent): Promise<Ctx> {
  const meeting = await deps.store.getMeeting(ev.meetingId);
  if (!meeting) throw new Error(`Meeting ${ev.meetingId} not found`);
  if (meeting.revision !== ev.revision || meeting.phase === 'cancelled') {
    throw new MeetingSuperseded(`Meeting ${ev.meetingId} is at revision ${meeting.revision} (${meeting.phase}); this execution ran revision ${ev.revision}`);
  }
  const group = await deps.store.getGroup(meeting.groupId);
  if (!group) throw new Error(`Group ${meeting.groupId} not found`);
  return { group, meeting };
}

export async function bundleOf(deps: Deps, meetingId: string): Promise<MeetingBundle> {
  const bundle = await deps.store.loadMeetingBundle(meetingId);
  if (!bundle) throw new Error(`Meeting ${meetingId} not found`);
  return bundle;
}

export function snapshot(deps: Deps, group: GroupRecord, meeting: MeetingRecord): MeetingSnapshot {
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

export async function setPhase(deps: Deps, meeting: MeetingRecord, phase: MeetingPhase, extra: Parameters<Deps['store']['updateMeeting']>[2] = {}): Promise<MeetingRecord> {
  if (meeting.phase === phase && Object.keys(extra).length === 0) return meeting;
  try {
    return await deps.store.updateMeeting(meeting.id, { revision: meeting.revision }, { phase, ...extra });
  } catch (error) {
    if (error instanceof ConditionFailedError) throw new MeetingSuperseded(`Meeting ${meeting.id} changed while ${phase} was being recorded`);
    throw error;
  }
}

export async function send(deps: Deps, meeting: MeetingRecord, purpose: string, recipient: { id: string; email: string }, message: MailMessage, revision = meeting.revision) {
  return deps.mailer.send({ meetingId: meeting.id, purpose, recipient: recipient.id, revision }, message, recipient.email);
}

export async function audit(deps: Deps, meetingId: string, action: string, detail: Record<string, unknown> = {}, actor = 'system') {
  await deps.store.appendAudit(meetingId, { actor, action, detail });
}

/**
 * A step's audit entry, once per `key` of the meeting's revision (e.g. the step's name): a re-run
 * after a crash adds no second entry (store.appendAuditOnce).
 */
export async function auditOnce(deps: Deps, meeting: Pick<MeetingRecord, 'id' | 'revision'>, key: string, action: string, detail: Record<string, unknown> = {}) {
  await deps.store.appendAuditOnce(meeting.id, `${key}:r${meeting.revision}`, { actor: 'system', action, detail });
}

export function timing(deps: Deps, group: GroupRecord, deadline: Instant) {
  const reminder = reminderAt(deadline, group.settings.reminderHoursBefore, nowInstant(deps));
  return {
    untilReminderSeconds: reminder ? secondsUntil(deps, reminder) : secondsUntil(deps, deadline),
    untilDeadlineSeconds: secondsUntil(deps, deadline),
  };
}
