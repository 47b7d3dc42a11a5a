/** Typed failures of the store. Callers branch on `reason`, never on message text. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/**
 * A conditional write refused because an invariant did not hold. `reason` says which, e.g.
 * 'exists', 'not-found', 'stale' (phase/revision/version/hash mismatch), 'voting-closed',
 * 'voting-not-open', 'not-a-voter', 'unknown-item', 'deadline-passed', 'finalised',
 * 'already-used', 'revoked', 'expired', 'already-decided'.
 */
export class ConditionFailedError extends Error {
  override readonly name = 'ConditionFailedError';
  constructor(
    readonly operation: string,
    readonly reason: string,
    message?: string,
  ) {
    super(message ?? `${operation}: ${reason}`);
  }
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}
