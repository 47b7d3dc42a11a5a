/**
 * Issue 10 §2: a step that meets an outage (SES, DynamoDB, Step Functions unavailable or slow) is
 * retried with backoff until its own deadline — the notice until the notice deadline, ballots until
 * the vote closes, … — and only then fails. This module says which deadline bounds each task, and
 * how a step is named to the secretary when it does fail.
 */
import type { Instant, Lang, MeetingDeadlines } from '../../domain/types.ts';
import type { TaskEvent } from './context.ts';

/** The task modules of functions/tasks, one per Lambda function. */
export type StepName =
  | 'load-meeting'
  | 'open-proposals'
  | 'request-approval'
  | 'await-callback'
  | 'send-reminder'
  | 'cancel-meeting'
  | 'send-notice'
  | 'open-voting'
  | 'close-voting'
  | 'tally'
  | 'request-signatures'
  | 'finalise-protocol'
  | 'distribute'
  | 'record-failure';

const DAY_MS = 86_400_000;
const plusDay = (at: Instant | undefined): Instant | undefined => (at ? new Date(Date.parse(at) + DAY_MS).toISOString() : undefined);

/**
 * Until when the step may keep retrying. Undefined: no deadline of its own (the state machine's
 * attempt limit bounds it). After the vote, the signing deadline bounds the protocol's steps; before
 * it is known, a day after the vote closes.
 */
export function stepDeadline(step: StepName, deadlines: MeetingDeadlines, ev: Pick<TaskEvent, 'kind' | 'phase'>): Instant | undefined {
  const afterVote = deadlines.signatures ?? plusDay(deadlines.voteCloses);
  switch (step) {
    case 'load-meeting':
    case 'open-proposals':
      return deadlines.proposalsClose;
    case 'request-approval':
      return deadlines.agendaApproval;
    case 'await-callback':
      return ev.phase === 'signatures' ? afterVote : deadlines.agendaApproval;
    case 'send-reminder':
      return ev.kind === 'approval' ? deadlines.agendaApproval : ev.kind === 'opinions' ? deadlines.opinions : afterVote;
    case 'cancel-meeting':
      return deadlines.voteOpens;
    case 'send-notice':
      return deadlines.notice;
    case 'open-voting':
      return deadlines.voteCloses;
    case 'close-voting':
    case 'tally':
    case 'request-signatures':
    case 'finalise-protocol':
      return afterVote;
    case 'distribute':
      return deadlines.distribution;
    case 'record-failure':
      return undefined;
  }
}

/**
 * How long a step retries an outage after the secretary resumed its meeting, when its own deadline has
 * passed already: a resume is someone asking to try again, so it is not refused at the first error.
 */
export const RESUME_RETRY_MS = 60 * 60_000;

/** The step's deadline for retries: its own, or an hour after the last resume if that is later. */
export function retryDeadline(deadline: Instant | undefined, resumedAt: Instant | undefined): Instant | undefined {
  if (!resumedAt) return deadline;
  const afterResume = new Date(Date.parse(resumedAt) + RESUME_RETRY_MS).toISOString();
  return deadline === undefined || Date.parse(afterResume) > Date.parse(deadline) ? afterResume : deadline;
}

/** The step as the secretary reads it in the failure e-mail. */
export const STEP_WORDS: Record<StepName, Record<Lang, string>> = {
  'load-meeting': { ru: 'Созыв заседания', en: 'Convening the meeting' },
  'open-proposals': { ru: 'Приём предложений в повестку', en: 'Calling for agenda proposals' },
  'request-approval': { ru: 'Утверждение повестки председателем', en: 'Agenda approval by the chair' },
  'await-callback': { ru: 'Ожидание ответов участников', en: 'Waiting for the members' },
  'send-reminder': { ru: 'Напоминания', en: 'Reminders' },
  'cancel-meeting': { ru: 'Отмена заседания', en: 'Cancelling the meeting' },
  'send-notice': { ru: 'Рассылка уведомлений о заседании', en: 'Sending the meeting notice' },
  'open-voting': { ru: 'Рассылка бюллетеней', en: 'Sending the ballots' },
  'close-voting': { ru: 'Закрытие голосования', en: 'Closing the vote' },
  tally: { ru: 'Подсчёт голосов', en: 'Counting the votes' },
  'request-signatures': { ru: 'Рассылка протокола на подпись', en: 'Sending the minutes for signature' },
  'finalise-protocol': { ru: 'Оформление протокола', en: 'Finalising the minutes' },
  distribute: { ru: 'Рассылка подписанного протокола', en: 'Sending the signed minutes' },
  'record-failure': { ru: 'Запись сбоя', en: 'Recording a failure' },
};

export const isStepName = (value: string): value is StepName => Object.hasOwn(STEP_WORDS, value);

/** Thrown once a step's deadline has passed while its cause persists: the ASL records the failure. */
export class StepDeadlinePassed extends Error {
  override readonly name = 'StepDeadlinePassed';
}

/**
 * How a failed step names itself in the error the ASL passes to RecordFailure: "[send-notice] …".
 * In AWS the Cause is Lambda's JSON ({"errorMessage": …}); locally it is the message itself.
 */
export function tagged(step: StepName, message: string): string {
  return message.startsWith(`[${step}] `) ? message : `[${step}] ${message}`;
}

export function failedStepOf(cause: string | undefined): { step?: StepName; message: string } {
  let message = cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not JSON: the message itself (the local runtime).
  }
  const m = /^\[([a-z-]+)\] ([\s\S]*)$/.exec(message);
  if (m && isStepName(m[1]!)) return { step: m[1], message: m[2]! };
  return { message };
}
