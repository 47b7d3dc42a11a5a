import * as mail from '../../mail/messages.ts';
import type { Deps } from '../deps.ts';
import { meetingInfo, nowInstant, recipientOf } from '../meeting-view.ts';
import { TaskEvent, send, audit } from './context.ts';

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
