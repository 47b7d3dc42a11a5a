import * as mail from '../../mail/messages.ts';
import { ConditionFailedError } from '../../store/errors.ts';
import type { MeetingFailure, MeetingRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { meetingInfo, nowInstant, recipientOf } from '../meeting-view.ts';
import { TaskEvent, send } from './context.ts';
import { STEP_WORDS, failedStepOf, isStepName } from './step-deadlines.ts';

/**
 * A step failed after its retries (issue 10 §2–3): the meeting is marked failed with a numbered failure
 * in ONE conditional write, then that failure gets one audit entry and one e-mail to the secretary,
 * keyed by its number — so RecordFailure's own retries, or a crash between its writes, add nothing.
 */
export async function recordFailure(deps: Deps, ev: TaskEvent): Promise<{ recorded: true }> {
  let meeting = await deps.store.getMeeting(ev.meetingId);
  if (!meeting) return { recorded: true };
  const failure = await markFailed(deps, meeting, ev);
  if (!failure) return { recorded: true };
  meeting = (await deps.store.getMeeting(ev.meetingId)) ?? meeting;
  await deps.store.appendAuditOnce(meeting.id, `failure-${failure.seq}`, {
    actor: 'system',
    action: 'step-failed',
    detail: { seq: failure.seq, step: failure.step ?? null, error: failure.error, cause: failure.message },
  });
  const group = await deps.store.getGroup(meeting.groupId);
  const secretary = group?.members.find((m) => m.id === (meeting.actingSecretaryId ?? meeting.secretaryId));
  if (group && secretary) {
    const message = mail.stepFailed({
      recipient: recipientOf(secretary),
      meeting: meetingInfo(group, meeting),
      step: failure.step && isStepName(failure.step) ? STEP_WORDS[failure.step] : { ru: failure.error, en: failure.error },
      kind: failure.error === 'DistributionDeadlineMissed' ? 'distribution-deadline' : failure.error === 'StepDeadlinePassed' ? 'outage' : 'error',
      error: `${failure.error}: ${failure.message}`,
      failedAt: failure.at,
      resumeUrl: `${deps.publicBaseUrl}/admin/meetings/${meeting.id}/resume`,
    });
    await send(deps, meeting, 'step-failed', secretary, message, failure.seq);
  }
  return { recorded: true };
}

/**
 * The failure this execution records: a new one (the meeting in this revision, not failed yet), or the
 * one an earlier attempt of RecordFailure stored. Null when the execution is no longer the meeting's.
 */
async function markFailed(deps: Deps, meeting: MeetingRecord, ev: TaskEvent): Promise<MeetingFailure | null> {
  if (meeting.revision !== ev.revision || meeting.phase === 'cancelled') return null;
  if (meeting.phase === 'failed') return meeting.failure ?? null;
  const { step, message } = failedStepOf(ev.error?.Cause);
  const failure: MeetingFailure = {
    seq: (meeting.failure?.seq ?? 0) + 1,
    ...(step ? { step } : {}),
    error: ev.error?.Error ?? 'unknown',
    message: message.slice(0, 2000),
    at: nowInstant(deps),
  };
  try {
    await deps.store.updateMeeting(meeting.id, { revision: meeting.revision, phase: meeting.phase }, { phase: 'failed', failedPhase: meeting.phase, failure });
    return failure;
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    const now = await deps.store.getMeeting(meeting.id);
    return now?.phase === 'failed' && now.revision === ev.revision ? (now.failure ?? null) : null;
  }
}
