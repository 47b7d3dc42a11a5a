import middy from '@middy/core';
import { getDeps, type Deps } from '../app/deps.ts';
import type { Invocation, TimeBudget } from '../app/fan-out.ts';
import { TransientError, type TaskEvent } from '../app/steps/context.ts';
import { retryDeadline, StepDeadlinePassed, stepDeadline, tagged, type StepName } from '../app/steps/step-deadlines.ts';
import * as z from '../lib/zod-mini.ts';

const bounded = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));

/**
 * A state machine task: validate the payload the ASL passes, run one lifecycle step, return its
 * result (the ASL reads it as $.Payload). Errors keep their `name`, which Step Functions uses as the
 * error code for Retry/Catch. An outage (throttling, 5xx, timeouts, an e-mail not known delivered)
 * becomes TransientError, retried with backoff, until the step's own deadline (step-deadlines.ts);
 * after it, StepDeadlinePassed, which the ASL records as a failure. Every error that leaves names its
 * step ("[send-notice] …") for the secretary's failure e-mail.
 */
export const taskEvent = z.object({
  meetingId: bounded(1, 100),
  revision: z.int().check(z.minimum(1)),
  resumeAt: z.optional(bounded(0, 40)),
  kind: z.optional(z.enum(['approval', 'opinions', 'signatures'])),
  action: z.optional(z.enum(['tally', 'no-quorum'])),
  reason: z.optional(bounded(0, 200)),
  phase: z.optional(z.enum(['approval', 'signatures'])),
  stage: z.optional(z.enum(['first', 'final'])),
  taskToken: z.optional(bounded(1, 2048)),
  error: z.optional(z.looseObject({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
  /** Where the previous invocation of a per-recipient step stopped (functions/app/fan-out.ts). */
  fanOut: z.optional(z.object({ step: bounded(0, 100), done: z.boolean(), cursor: bounded(0, 200), sent: z.int().check(z.minimum(0)) })),
});

/** Lambda's timeout for tasks (functions/manifest.ts): the budget when the context cannot tell. */
const TASK_TIMEOUT_MS = 60_000;

interface TaskContext {
  getRemainingTimeInMillis?: () => number;
}

/** The time left in this invocation: Lambda's own count, or the task timeout from now. */
function budgetOf(context: TaskContext | undefined): TimeBudget {
  if (typeof context?.getRemainingTimeInMillis === 'function') return { remainingMs: () => context.getRemainingTimeInMillis!() };
  const startedAt = performance.now();
  return { remainingMs: () => TASK_TIMEOUT_MS - (performance.now() - startedAt) };
}

const TRANSIENT = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TooManyRequestsException',
  'LimitExceededException',
  'TimeoutError',
]);

export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const meta = (error as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown }).$metadata;
  return (
    TRANSIENT.has(error.name) ||
    (meta?.httpStatusCode ?? 0) >= 500 ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes((error as NodeJS.ErrnoException).code ?? '')
  );
}

/** An outage: retried while the step's deadline has not passed (unknown while the table is out: retried). */
async function outage(deps: Deps, name: StepName, ev: TaskEvent, error: Error): Promise<Error> {
  const meeting = await deps.store.getMeeting(ev.meetingId).catch(() => null);
  const until = meeting ? retryDeadline(stepDeadline(name, meeting.deadlines, ev), meeting.resumedAt) : undefined;
  if (until && deps.clock.now().getTime() > Date.parse(until)) {
    return new StepDeadlinePassed(tagged(name, `not completed by its deadline ${until}: ${error.message}`));
  }
  return new TransientError(tagged(name, error.message));
}

export function taskHandler<R>(name: StepName, step: (deps: Deps, event: TaskEvent, invocation: Invocation) => Promise<R>) {
  return middy(async (event: unknown, context: TaskContext | undefined): Promise<R> => {
    const budget = budgetOf(context);
    const parsed = taskEvent.safeParse(event);
    if (!parsed.success) {
      const error = new Error(tagged(name, `Invalid task input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`));
      error.name = 'InvalidTaskInput';
      throw error;
    }
    const { fanOut, ...rest } = parsed.data;
    const deps = getDeps();
    try {
      return await step(deps, rest as TaskEvent, { budget, ...(fanOut ? { fanOut } : {}) });
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      if (isTransient(error)) throw await outage(deps, name, rest as TaskEvent, error);
      error.message = tagged(name, error.message);
      throw error;
    }
  });
}
