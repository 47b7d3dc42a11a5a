import middy from '@middy/core';
import { z } from 'zod';
import { getDeps, type Deps } from '../app/deps.ts';
import { TransientError, type TaskEvent } from '../app/steps/context.ts';

/**
 * A state machine task: validate the payload the ASL passes, run one lifecycle step, return its
 * result (the ASL reads it as $.Payload). Errors keep their `name`, which Step Functions uses as the
 * error code for Retry/Catch; throttling and 5xx from AWS become TransientError (retried).
 */
export const taskEvent = z.object({
  meetingId: z.string().min(1).max(100),
  revision: z.number().int().min(1),
  resumeAt: z.string().max(40).optional(),
  kind: z.enum(['approval', 'opinions', 'signatures']).optional(),
  action: z.enum(['tally', 'no-quorum']).optional(),
  reason: z.string().max(200).optional(),
  phase: z.enum(['approval', 'signatures']).optional(),
  stage: z.enum(['first', 'final']).optional(),
  taskToken: z.string().min(1).max(2048).optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).passthrough().optional(),
});

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
  return TRANSIENT.has(error.name) || (meta?.httpStatusCode ?? 0) >= 500 || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].includes((error as NodeJS.ErrnoException).code ?? '');
}

export function taskHandler<R>(step: (deps: Deps, event: TaskEvent) => Promise<R>) {
  return middy(async (event: unknown): Promise<R> => {
    const parsed = taskEvent.safeParse(event);
    if (!parsed.success) {
      const error = new Error(`Invalid task input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      error.name = 'InvalidTaskInput';
      throw error;
    }
    try {
      return await step(getDeps(), parsed.data as TaskEvent);
    } catch (error) {
      if (isTransient(error)) throw new TransientError((error as Error).message);
      throw error;
    }
  });
}
