import { createHash } from 'node:crypto';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SendTaskSuccessCommand, StartExecutionCommand, StopExecutionCommand, TaskDoesNotExist, InvalidToken, TaskTimedOut } from '@aws-sdk/client-sfn';
import type { MeetingPhase } from '../../domain/types.ts';
import type { MeetingRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { emitMetric } from '../../lib/metrics.ts';
import { nowInstant } from '../meeting-view.ts';
import { sfnOf } from '../sfn-client.ts';
import { TaskEvent, load, audit } from './context.ts';

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
 * unique per revision; a resumed meeting (restart, or after a failure) adds `-resumed-<hash>` of the
 * execution it replaces: Step Functions answers a second start with the same name and input with the
 * same execution, so concurrent resumes start one.
 */
export async function startMeetingExecution(deps: Deps, meeting: Pick<MeetingRecord, 'id' | 'revision'>, resumeAt: string, replacing?: string): Promise<string> {
  const name = `${meeting.id}-r${meeting.revision}${replacing !== undefined ? `-resumed-${createHash('sha256').update(replacing).digest('hex').slice(0, 12)}` : ''}`;
  const started = await sfnOf(deps).send(
    new StartExecutionCommand({
      stateMachineArn: deps.stateMachineArn,
      name,
      input: JSON.stringify({ meetingId: meeting.id, revision: meeting.revision, resumeAt }),
    }),
  );
  if (!started.executionArn) throw new Error('StartExecution returned no executionArn');
  return started.executionArn;
}

/** Whether the meeting's execution is still running (a resume would run its steps twice). */
export async function executionRunning(deps: Deps, executionArn: string | undefined): Promise<boolean> {
  if (!executionArn) return false;
  try {
    const { status } = await sfnOf(deps).send(new DescribeExecutionCommand({ executionArn }));
    return status === 'RUNNING';
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return false;
    throw error;
  }
}

/**
 * п. 2.3в: the agenda is approved (from the chair's e-mailed link or the admin API): ONE conditional
 * write on the meeting, at the revision the approver saw, records the approval with its items
 * (store.approveAgenda; refused 'stale' once the meeting moved, 'already-approved' the second time),
 * and the waiting execution moves on at once.
 */
export async function recordAgendaApproval(deps: Deps, meeting: MeetingRecord, itemIds: string[], approverId: string): Promise<{ meeting: MeetingRecord; workflowResumed: boolean }> {
  const updated = await deps.store.approveAgenda(meeting.id, meeting.revision, { itemIds, approvedBy: approverId });
  await deps.store.appendAuditOnce(meeting.id, `agenda-approved:r${meeting.revision}`, { actor: approverId, action: 'agenda-approved', detail: { items: itemIds } });
  return { meeting: updated, workflowResumed: await completePhase(deps, meeting.id, 'approval') };
}

/** Whether everyone who must act in a waiting phase has acted. */
export async function phaseComplete(deps: Deps, meeting: MeetingRecord, phase: 'approval' | 'signatures'): Promise<boolean> {
  if (phase === 'approval') return meeting.agendaApprovedAt !== undefined;
  // One Query over the protocol's signer items: every signer has signed the current version's hash.
  return deps.store.protocols.signingComplete(meeting.id);
}

/** Stores the task token of a waiting phase; if all have acted already, completes it at once. */
export async function awaitCallback(deps: Deps, ev: TaskEvent): Promise<{ stored: true }> {
  if (!ev.taskToken || !ev.phase) throw new Error('awaitCallback needs taskToken and phase');
  const { meeting } = await load(deps, ev);
  await deps.store.setTaskToken(meeting.id, ev.phase, ev.taskToken);
  const fresh = (await deps.store.getMeeting(meeting.id)) ?? meeting;
  if (await phaseComplete(deps, fresh, ev.phase)) await completePhase(deps, fresh.id, ev.phase);
  return { stored: true };
}

/** Completes a waiting phase's task token (called when the last person acts). Tolerates stale tokens. */
export async function completePhase(deps: Deps, meetingId: string, phase: 'approval' | 'signatures'): Promise<boolean> {
  const meeting = await deps.store.getMeeting(meetingId);
  const token = meeting?.taskTokens[phase];
  if (!meeting || !token) return false;
  try {
    await sfnOf(deps).send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ phase, completedAt: nowInstant(deps) }) }));
    await audit(deps, meetingId, `${phase}-complete`);
    return true;
  } catch (error) {
    // The execution moved on (timeout, a second completion, or the meeting moved): nothing to do.
    if (error instanceof TaskDoesNotExist || error instanceof InvalidToken || error instanceof TaskTimedOut) return false;
    throw error;
  }
}

/**
 * Every execution Kvorum stops on purpose (a cancelled or moved meeting) is counted here, so the
 * stack's alarm on aborted executions fires only for the others: someone stopped one by hand.
 */
export const STOPPED_EXECUTIONS_METRIC = { namespace: 'Kvorum', metricName: 'MeetingExecutionsStopped' } as const;

/** Stops a meeting's execution because the chair cancelled or moved it; an execution already gone is fine. */
export async function stopExecution(deps: Deps, executionArn: string | undefined, error: 'MeetingCancelled' | 'MeetingMoved', cause: string): Promise<void> {
  if (!executionArn) return;
  try {
    await sfnOf(deps).send(new StopExecutionCommand({ executionArn, error, cause: cause.slice(0, 32_000) }));
  } catch (e) {
    // Already gone (e.g. the local runtime restarted): nothing to stop.
    if (e instanceof ExecutionDoesNotExist || (e as Error).name === 'ExecutionDoesNotExist') return;
    throw e;
  }
  emitMetric({ namespace: STOPPED_EXECUTIONS_METRIC.namespace, name: STOPPED_EXECUTIONS_METRIC.metricName, value: 1, timestamp: deps.clock.now(), properties: { executionArn, error } });
}
